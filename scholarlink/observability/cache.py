"""An in-process TTL cache (cachetools) that counts what it does, so `/api/metrics` can report it.

Entries expire `ttl` seconds after they were set; past `max_entries` the least recently used
entry is evicted. Every cache registers itself (weakly: a cache nobody holds stops counting), and
`cache_stats()` sums them all. Nothing is cached by default; with no cache in use the figures are
zeros, not estimates.
"""

from __future__ import annotations

import sys
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import cachetools

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Containers are followed this deep when sizing a value; deeper data is counted shallowly.
_SIZE_DEPTH = 4


def approximate_size(value: Any, depth: int = _SIZE_DEPTH) -> int:
    """Bytes held by `value` and, for built-in containers, by what they contain.

    Approximate by design: shared objects are counted once per reference and objects other than
    built-in containers are counted shallowly (`sys.getsizeof`)."""
    size = sys.getsizeof(value)
    if depth <= 0:
        return size
    if isinstance(value, dict):
        return size + sum(
            approximate_size(k, depth - 1) + approximate_size(v, depth - 1)
            for k, v in value.items()
        )
    if isinstance(value, list | tuple | set | frozenset):
        return size + sum(approximate_size(item, depth - 1) for item in value)
    return size


@dataclass(frozen=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0
    expirations: int = 0
    entries: int = 0
    size_bytes: int = 0

    @property
    def lookups(self) -> int:
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float:
        """Percentage of lookups answered from the cache; 0.0 when nothing was looked up."""
        return 100.0 * self.hits / self.lookups if self.lookups else 0.0

    def __add__(self, other: CacheStats) -> CacheStats:
        return CacheStats(
            hits=self.hits + other.hits,
            misses=self.misses + other.misses,
            evictions=self.evictions + other.evictions,
            expirations=self.expirations + other.expirations,
            entries=self.entries + other.entries,
            size_bytes=self.size_bytes + other.size_bytes,
        )


@dataclass(frozen=True)
class _Entry(Generic[V]):
    value: V
    ttl: float
    size: int


def _expires_at(_key: Any, entry: _Entry[Any], now: float) -> float:
    return now + entry.ttl


class _Store(cachetools.TLRUCache[K, _Entry[V]]):
    """cachetools' time-aware LRU cache, counting what it drops and the bytes it holds (used
    under the owner's lock)."""

    def __init__(self, maxsize: int, timer: Callable[[], float]) -> None:
        super().__init__(maxsize, ttu=_expires_at, timer=timer)
        self.expirations = 0
        self.evictions = 0
        self.size_bytes = 0

    def expire(self, time: float | None = None) -> list[tuple[K, _Entry[V]]]:
        expired = list(super().expire(time))
        self.expirations += len(expired)
        self.size_bytes -= sum(entry.size for _, entry in expired)
        return expired

    def popitem(self) -> tuple[K, _Entry[V]]:
        key, entry = super().popitem()
        self.evictions += 1
        self.size_bytes -= entry.size
        return key, entry


class TTLCache(Generic[K, V]):
    """Thread-safe mapping whose entries expire; bounded by `max_entries` (LRU eviction).

    The storage is cachetools' TLRUCache (per-entry lifetimes); this class adds the lock and
    the counting that `/api/metrics` reports."""

    def __init__(
        self,
        name: str,
        *,
        ttl: float,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.name = name
        self.ttl = ttl
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._data: _Store[K, V] = _Store(max_entries, clock)
        _registry.add(self)

    def get(self, key: K, default: V | None = None) -> V | None:
        with self._lock:
            self._data.expire()
            entry = self._data.get(key)
            if entry is None:
                self._misses += 1
                return default
            self._hits += 1
            return entry.value

    def set(self, key: K, value: V, *, ttl: float | None = None) -> None:
        lifetime = self.ttl if ttl is None else ttl
        if lifetime <= 0:
            raise ValueError("ttl must be positive")
        size = approximate_size(key) + approximate_size(value)
        with self._lock:
            self._remove(key)
            self._data[key] = _Entry(value, lifetime, size)
            self._data.size_bytes += size

    def delete(self, key: K) -> bool:
        with self._lock:
            return self._remove(key)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._data.size_bytes = 0

    def purge_expired(self) -> int:
        """Drop every expired entry now (lookups drop them lazily); returns how many."""
        with self._lock:
            return len(self._data.expire())

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                hits=self._hits,
                misses=self._misses,
                evictions=self._data.evictions,
                expirations=self._data.expirations,
                entries=len(self._data),
                size_bytes=self._data.size_bytes,
            )

    def _remove(self, key: K) -> bool:
        entry = self._data.pop(key, None)
        if entry is None:
            return False
        self._data.size_bytes -= entry.size
        return True


_registry: weakref.WeakSet[TTLCache[Any, Any]] = weakref.WeakSet()


def cache_stats() -> CacheStats:
    """The sum over every live cache in this process."""
    total = CacheStats()
    for cache in list(_registry):
        total += cache.stats()
    return total
