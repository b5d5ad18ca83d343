"""In front of a shared cache (Redis), each process keeps the entries it used last: an entry
never changes once written (its key holds its versions), so the copy is as right as Redis."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import override_settings

from indicators import freshness

REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/9",
        "KEY_PREFIX": "ward-report-test",
    }
}


def redis_is_up() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def shared_cache():
    if not redis_is_up():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    with override_settings(CACHES=REDIS):
        caches["default"].clear()
        freshness.recent.clear()
        yield caches["default"]
        caches["default"].clear()
        freshness.recent.clear()


def test_a_read_entry_is_answered_from_the_process_then(shared_cache):
    assert freshness.recent.active()
    freshness.set_many({"k:1": {"rows": [1, 2]}})
    shared_cache.delete("k:1")  # gone from Redis: only this process's copy answers
    found = freshness.get_many(["k:1", "k:2"])
    assert found == {"k:1": {"rows": [1, 2]}}
    found["k:1"]["rows"].append(3)  # each reader gets its own objects
    assert freshness.get_many(["k:1"]) == {"k:1": {"rows": [1, 2]}}


def test_an_entry_another_process_wrote_is_read_from_redis_and_kept(shared_cache):
    shared_cache.set("k:3", "page")  # as another replica would
    assert freshness.get_many(["k:3"]) == {"k:3": "page"}
    shared_cache.delete("k:3")
    assert freshness.get_many(["k:3"]) == {"k:3": "page"}


def test_only_the_last_entries_are_kept(shared_cache, monkeypatch):
    monkeypatch.setattr(freshness.recent, "size", 2)
    freshness.set_many({"a": 1, "b": 2})
    freshness.get_many(["a"])  # a was used last
    freshness.set_many({"c": 3})
    assert list(freshness.recent.entries) == ["a", "c"]


def test_nothing_is_kept_twice_with_the_process_memory_cache():
    assert not freshness.recent.active()  # the tests' LocMemCache is this process's memory
