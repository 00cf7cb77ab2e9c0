"""A small in-process TTL cache that counts what it does, so `/api/metrics` can report it.

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
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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


@dataclass
class _Entry(Generic[V]):
    value: V
    expires_at: float
    size: int


class TTLCache(Generic[K, V]):
    """Thread-safe mapping whose entries expire; bounded by `max_entries` (LRU eviction)."""

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
        self._clock = clock
        self._lock = threading.Lock()
        self._data: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._hits = 0
        self._misses = 0
        self._evictions = 0
        self._expirations = 0
        self._size = 0
        _registry.add(self)

    def get(self, key: K, default: V | None = None) -> V | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is not None and entry.expires_at <= self._clock():
                self._remove(key)
                self._expirations += 1
                entry = None
            if entry is None:
                self._misses += 1
                return default
            self._data.move_to_end(key)
            self._hits += 1
            return entry.value

    def set(self, key: K, value: V, *, ttl: float | None = None) -> None:
        lifetime = self.ttl if ttl is None else ttl
        if lifetime <= 0:
            raise ValueError("ttl must be positive")
        size = approximate_size(key) + approximate_size(value)
        with self._lock:
            if key in self._data:
                self._remove(key)
            self._data[key] = _Entry(value, self._clock() + lifetime, size)
            self._size += size
            while len(self._data) > self.max_entries:
                oldest = next(iter(self._data))
                self._remove(oldest)
                self._evictions += 1

    def delete(self, key: K) -> bool:
        with self._lock:
            if key not in self._data:
                return False
            self._remove(key)
            return True

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0

    def purge_expired(self) -> int:
        """Drop every expired entry now (lookups drop them lazily); returns how many."""
        with self._lock:
            now = self._clock()
            expired = [k for k, e in self._data.items() if e.expires_at <= now]
            for key in expired:
                self._remove(key)
            self._expirations += len(expired)
            return len(expired)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                hits=self._hits,
                misses=self._misses,
                evictions=self._evictions,
                expirations=self._expirations,
                entries=len(self._data),
                size_bytes=self._size,
            )

    def _remove(self, key: K) -> None:
        self._size -= self._data.pop(key).size


_registry: weakref.WeakSet[TTLCache[Any, Any]] = weakref.WeakSet()


def cache_stats() -> CacheStats:
    """The sum over every live cache in this process."""
    total = CacheStats()
    for cache in list(_registry):
        total += cache.stats()
    return total
