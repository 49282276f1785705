"""The plugin manager: built-ins plus third-party plugins from the ``smartcrop`` entry points.

Loading is lazy (on the first :func:`get_plugin_manager` call) and happens once; the
registration hooks then fill the engine's registries. :func:`reset_plugin_manager` is for
tests.
"""

from __future__ import annotations

import importlib.metadata
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pluggy

from smartcrop_core.analysis import Stage
from smartcrop_core.errors import UnknownModelError
from smartcrop_core.faces import DETECTORS
from smartcrop_core.saliency import MODELS

from . import builtins, hookspecs

__all__ = [
    "ENTRY_POINT_GROUP",
    "available_stages",
    "get_plugin_manager",
    "image_from_plugins",
    "plugins_generation",
    "register_plugin",
    "reset_plugin_manager",
    "resolve_stages",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "smartcrop"

_lock = threading.RLock()
_manager: pluggy.PluginManager | None = None


@dataclass(frozen=True)
class _RegisteredStage:
    name: str
    stage: Stage
    default: bool


_stages: dict[str, _RegisteredStage] = {}
# Bumped whenever plugins are loaded, added or forgotten (see plugins_generation()).
_generation = 0


def get_plugin_manager() -> pluggy.PluginManager:
    """The plugin manager, with built-ins and entry-point plugins loaded and registered."""
    global _manager
    with _lock:
        if _manager is None:
            manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
            manager.add_hookspecs(hookspecs)
            manager.register(builtins, name="smartcrop.builtins")
            _collect(manager, only=builtins)
            for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                _load_entry_point(manager, entry_point)
            _manager = manager
            _bump_generation()
        return _manager


def _load_entry_point(
    manager: pluggy.PluginManager, entry_point: importlib.metadata.EntryPoint
) -> None:
    """Load, check and collect one installed plugin; a broken one is skipped with a warning.

    A plugin that fails to import, declares a hook smartcrop does not have, or fails while
    registering must not take the built-ins and the other plugins down with it.
    """
    if manager.get_plugin(entry_point.name) is not None or manager.is_blocked(entry_point.name):
        return  # the same name twice (two distributions): the first one wins, as in pluggy
    plugin = None
    try:
        plugin = entry_point.load()
        manager.register(plugin, name=entry_point.name)
        manager.check_pending()
        _collect(manager, only=plugin)
    except Exception as exc:  # a third party's bug, whatever it is: report it, go on
        if plugin is not None and manager.is_registered(plugin):
            manager.unregister(plugin)
        logger.warning(
            "smartcrop plugin %r (%s) was not loaded: %s: %s; smartcrop works without it",
            entry_point.name,
            entry_point.value,
            type(exc).__name__,
            exc,
        )


def plugins_generation() -> int:
    """A number that changes whenever the set of loaded plugins changes."""
    return _generation


def _bump_generation() -> None:
    global _generation
    _generation += 1


def register_plugin(plugin: Any, name: str | None = None) -> None:
    """Register a plugin object at run time (for scripts and tests) and collect its hooks."""
    manager = get_plugin_manager()
    with _lock:
        manager.register(plugin, name=name)
        try:
            manager.check_pending()
        except pluggy.PluginValidationError:
            manager.unregister(plugin)  # a bad plugin must not block the next ones
            raise
        _collect(manager, only=plugin)
        _bump_generation()


def reset_plugin_manager() -> None:
    """Forget loaded plugins and their stages (the next call loads everything again)."""
    global _manager
    with _lock:
        _manager = None
        _stages.clear()
        _bump_generation()


def available_stages() -> list[str]:
    """Names of the stages plugins registered."""
    get_plugin_manager()
    return sorted(_stages)


def resolve_stages(names: Sequence[str] | None = None) -> list[Stage]:
    """The default stages, then the ones named, in order.

    Raises
    ------
    UnknownModelError
        A name no plugin registered.
    """
    get_plugin_manager()
    chosen = [entry.stage for entry in _stages.values() if entry.default]
    for name in names or ():
        if name not in _stages:
            known = ", ".join(sorted(_stages)) or "none (install a plugin that adds one)"
            raise UnknownModelError(f"unknown stage {name!r}; available: {known}")
        if not _stages[name].default:
            chosen.append(_stages[name].stage)
    return chosen


def image_from_plugins(image: Any) -> Any:
    """What a plugin turns ``image`` into, or ``None`` if no plugin knows it."""
    return get_plugin_manager().hook.smartcrop_image_to_array(image=image)


def _collect(manager: pluggy.PluginManager, only: Any = None) -> None:
    """Call the registration hooks: of every plugin, or of ``only`` when given."""

    def call(hook_name: str, register: Callable[..., None]) -> None:
        if only is None:
            caller = getattr(manager.hook, hook_name)
        else:
            others = [plugin for plugin in manager.get_plugins() if plugin is not only]
            caller = manager.subset_hook_caller(hook_name, remove_plugins=others)
        caller(register=register)

    call("smartcrop_register_saliency_models", _checked_register(MODELS.register, "model"))
    call("smartcrop_register_face_detectors", _checked_register(DETECTORS.register, "detector"))
    call("smartcrop_register_stages", _register_stage)


def _checked_register(target: Callable[..., None], what: str) -> Callable[..., None]:
    def register(name: str, factory: Callable[[], Any], *, replace: bool = False) -> None:
        target(name, factory, replace=replace)
        logger.debug("registered %s %r", what, name)

    return register


def _register_stage(name: str, stage: Stage, *, default: bool = False) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError(f"a stage needs a non-empty string name, got {name!r}")
    if not callable(stage):
        raise TypeError(f"stage {name!r} is not callable: it must take and return an Analysis")
    known = _stages.get(name)
    if known is not None and known.stage is not stage:
        raise ValueError(f"a stage named {name!r} is already registered by another plugin")
    _stages[name] = _RegisteredStage(name, stage, default)
