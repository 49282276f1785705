"""A name -> factory registry whose objects are built once, on first use.

Used for saliency models and face detectors; the plugin layer fills it from pluggy hooks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from .errors import UnknownModelError, WeightsUnavailableError

__all__ = ["Registry"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Registry(Generic[T]):
    """Named factories and the objects they built.

    Parameters
    ----------
    kind : str
        What the registry holds, for error messages (``"saliency model"``).
    required_method : str
        A method every built object must have.

    Examples
    --------
    >>> registry = Registry("greeter", "greet")
    >>> class Hello:
    ...     def greet(self):
    ...         return "hello"
    >>> registry.register("hello", Hello)
    >>> registry.load("hello").greet(), registry.load("hello") is registry.load("hello")
    ('hello', True)
    >>> registry.load("bye")
    Traceback (most recent call last):
    ...
    smartcrop_core.errors.UnknownModelError: unknown greeter 'bye'; available: hello
    """

    def __init__(self, kind: str, required_method: str) -> None:
        self.kind = kind
        self.required_method = required_method
        self._factories: dict[str, Callable[[], T]] = {}
        self._instances: dict[str, T] = {}
        self._lock = threading.Lock()
        #: Counts registrations, so that holders of built objects can tell theirs are stale.
        self.generation = 0
        self._warned: set[str] = set()

    def register(self, name: str, factory: Callable[[], T], *, replace: bool = False) -> None:
        """Make ``factory``'s object available as ``name``; ``replace`` allows overriding."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"a {self.kind} needs a non-empty string name, got {name!r}")
        if not callable(factory):
            raise TypeError(f"the factory for {self.kind} {name!r} is not callable")
        with self._lock:
            known = self._factories.get(name)
            if known is factory:
                return  # registering the same factory again keeps what it built
            if known is not None and not replace:
                raise ValueError(
                    f"a {self.kind} named {name!r} is already registered; pass replace=True"
                )
            self._factories[name] = factory
            self._instances.pop(name, None)
            self.generation += 1

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def load(self, name: str) -> T:
        """The object registered as ``name``, built on first use and cached."""
        with self._lock:
            if name in self._instances:
                return self._instances[name]
            factory = self._factories.get(name)
        if factory is None:
            raise UnknownModelError(
                f"unknown {self.kind} {name!r}; available: {', '.join(self.names()) or 'none'}"
            )
        built = self._build(name, factory)
        with self._lock:
            return self._instances.setdefault(name, built)

    def rebuild(self, built: T) -> T:
        """A new object from the factory that made ``built``, held by no one else.

        For a thread that must not share its objects with others (OpenCV's face detector
        keeps the size of the last image it saw). ``built`` itself when this registry did not
        make it: an object given by the caller, or a fallback.

        Examples
        --------
        >>> registry = Registry("counter", "count")
        >>> class Counter:
        ...     def count(self):
        ...         return 0
        >>> registry.register("counter", Counter)
        >>> shared = registry.load("counter")
        >>> registry.rebuild(shared) is shared, type(registry.rebuild(shared)).__name__
        (False, 'Counter')
        >>> given = Counter()
        >>> registry.rebuild(given) is given
        True
        """
        with self._lock:
            names = [name for name, instance in self._instances.items() if instance is built]
            factory = self._factories.get(names[0]) if names else None
        if factory is None:
            return built
        return self._build(names[0], factory)

    def _build(self, name: str, factory: Callable[[], T]) -> T:
        built = factory()
        if not callable(getattr(built, self.required_method, None)):
            raise TypeError(f"{self.kind} {name!r} has no {self.required_method}() method")
        return built

    def resolve(
        self,
        spec: str | T | None,
        *,
        default: str,
        fallback: Callable[[], T] | None,
        consequence: str,
    ) -> T:
        """A ready object: the one registered as ``spec``, the default's, or ``spec`` itself.

        When the named object's weights cannot be had and a ``fallback`` is given, logs a
        warning once per name (saying ``consequence``) and returns ``fallback()``.

        Raises
        ------
        UnknownModelError
            No object of that name is registered.
        TypeError
            ``spec`` is neither a name nor an object with the required method.
        """
        if spec is not None and not isinstance(spec, str):
            if callable(getattr(spec, self.required_method, None)):
                return spec
            raise TypeError(
                f"a {self.kind} must be a name or have a {self.required_method}() method, "
                f"got {spec!r}"
            )
        name = spec or default
        try:
            return self.load(name)
        except WeightsUnavailableError as exc:
            if fallback is None:
                raise
            if name not in self._warned:
                self._warned.add(name)
                logger.warning("%s %r is unavailable, %s: %s", self.kind, name, consequence, exc)
            return fallback()
