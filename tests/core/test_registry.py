"""The name -> factory registry behind saliency models and face detectors."""

from __future__ import annotations

import threading

import pytest

from smartcrop_core import UnknownModelError
from smartcrop_core.registry import Registry


class Greeter:
    built = 0

    def __init__(self) -> None:
        type(self).built += 1

    def greet(self) -> str:
        return "hello"


class OtherGreeter(Greeter):
    pass


class Mute:
    pass


@pytest.fixture
def registry() -> Registry:
    Greeter.built = 0
    return Registry("greeter", "greet")


def test_registered_factory_is_built_once_on_first_use(registry):
    registry.register("hello", Greeter)
    assert Greeter.built == 0  # registering builds nothing
    first = registry.load("hello")
    assert first.greet() == "hello"
    assert registry.load("hello") is first
    assert Greeter.built == 1


def test_names_are_sorted_and_membership_works(registry):
    registry.register("b", Greeter)
    registry.register("a", Greeter)
    assert registry.names() == ["a", "b"]
    assert "a" in registry
    assert "c" not in registry


def test_unknown_name_lists_what_is_available(registry):
    registry.register("hello", Greeter)
    with pytest.raises(UnknownModelError) as caught:
        registry.load("bye")
    assert str(caught.value) == "unknown greeter 'bye'; available: hello"
    assert isinstance(caught.value, KeyError)


def test_unknown_name_in_an_empty_registry_says_none(registry):
    with pytest.raises(UnknownModelError, match="available: none"):
        registry.load("anything")


def test_registering_the_same_name_twice_needs_replace(registry):
    registry.register("hello", Greeter)
    registry.register("hello", Greeter)  # the same factory again is harmless
    with pytest.raises(ValueError, match="already registered"):
        registry.register("hello", OtherGreeter)


def test_replace_swaps_the_factory_and_drops_the_built_object(registry):
    registry.register("hello", Greeter)
    old = registry.load("hello")

    class Loud(Greeter):
        def greet(self) -> str:
            return "HELLO"

    registry.register("hello", Loud, replace=True)
    new = registry.load("hello")
    assert new is not old
    assert new.greet() == "HELLO"


@pytest.mark.parametrize("name", ["", None, 3])
def test_name_must_be_a_non_empty_string(registry, name):
    with pytest.raises(ValueError, match="non-empty string"):
        registry.register(name, Greeter)  # type: ignore[arg-type]


def test_factory_must_be_callable(registry):
    with pytest.raises(TypeError, match="not callable"):
        registry.register("hello", Greeter())  # type: ignore[arg-type]


def test_built_object_without_the_required_method_is_rejected_and_not_cached(registry):
    registry.register("mute", Mute)
    with pytest.raises(TypeError, match=r"has no greet\(\) method"):
        registry.load("mute")
    with pytest.raises(TypeError):
        registry.load("mute")


def test_every_registration_changes_the_generation(registry):
    start = registry.generation
    registry.register("a", Greeter)
    registry.register("b", Greeter)
    registry.register("a", OtherGreeter, replace=True)
    assert registry.generation == start + 3


def test_factory_errors_propagate_and_nothing_is_cached(registry):
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first build fails")
        return Greeter()

    registry.register("flaky", flaky)
    with pytest.raises(RuntimeError, match="first build fails"):
        registry.load("flaky")
    assert registry.load("flaky").greet() == "hello"
    assert len(attempts) == 2


def test_concurrent_loads_share_one_object(registry):
    registry.register("hello", Greeter)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(registry.load("hello"))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert all(result is results[0] for result in results)
