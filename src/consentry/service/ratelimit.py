"""Token buckets per key (client address, partner key), held in memory per process."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``capacity`` requests at once, refilled at ``capacity / period`` per second.

    ``take(key)`` returns 0 when allowed, else the seconds to wait (for ``Retry-After``).
    At most ``max_keys`` buckets are kept; the least recently used goes first (a
    forgotten key starts full again, which only ever errs towards letting a request in).
    """

    def __init__(
        self,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()
        self._max_keys = max_keys
        self._clock = clock

    def take(self, key: str, capacity: int, period: float) -> int:
        if capacity <= 0:
            return math.ceil(period)
        rate = capacity / period
        now = self._clock()
        with self._lock:
            bucket = self._buckets.pop(key, None)
            if bucket is None:
                bucket = _Bucket(float(capacity), now)
            bucket.tokens = min(float(capacity), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            self._buckets[key] = bucket
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - bucket.tokens) / rate))
