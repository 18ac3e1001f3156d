"""Prometheus text exposition, written by hand: a few counters, one histogram, gauges."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Requests by route and status, match latency, and gauges read at scrape time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self._latency_counts = [0] * len(LATENCY_BUCKETS)
        self._latency_sum = 0.0
        self._latency_total = 0
        self._match_fingerprints = 0
        self._gauges: dict[str, tuple[str, Callable[[], float | None]]] = {}

    def count_request(self, method: str, route: str, status: int) -> None:
        with self._lock:
            self._requests[(method, route, status)] += 1

    def observe_match(self, seconds: float, fingerprints: int) -> None:
        with self._lock:
            for index, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    self._latency_counts[index] += 1
            self._latency_sum += seconds
            self._latency_total += 1
            self._match_fingerprints += fingerprints

    def gauge(self, name: str, help_text: str, read: Callable[[], float | None]) -> None:
        self._gauges[name] = (help_text, read)

    def render(self) -> str:
        with self._lock:
            requests = sorted(self._requests.items())
            counts = list(self._latency_counts)
            total, seconds, fingerprints = (
                self._latency_total,
                self._latency_sum,
                self._match_fingerprints,
            )
        lines = [
            "# HELP consentry_http_requests_total HTTP requests by route template and status.",
            "# TYPE consentry_http_requests_total counter",
        ]
        for (method, route, status), value in requests:
            labels = _labels(method=method, route=route, status=str(status))
            lines.append(f"consentry_http_requests_total{{{labels}}} {value}")
        lines += [
            "# HELP consentry_match_seconds Time to match one request's fingerprints.",
            "# TYPE consentry_match_seconds histogram",
        ]
        for bound, count in zip(LATENCY_BUCKETS, counts, strict=True):
            lines.append(f'consentry_match_seconds_bucket{{le="{bound}"}} {count}')
        lines += [
            f'consentry_match_seconds_bucket{{le="+Inf"}} {total}',
            f"consentry_match_seconds_sum {seconds:.6f}",
            f"consentry_match_seconds_count {total}",
            "# HELP consentry_match_fingerprints_total Fingerprints matched.",
            "# TYPE consentry_match_fingerprints_total counter",
            f"consentry_match_fingerprints_total {fingerprints}",
        ]
        for name, (help_text, read) in sorted(self._gauges.items()):
            try:
                value = read()
            except Exception:  # a gauge must never break the scrape
                value = None
            if value is None:
                continue
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]
        return "\n".join(lines) + "\n"


def _labels(**pairs: str) -> str:
    return ",".join(f'{key}="{_escape(value)}"' for key, value in pairs.items())


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def metric_lines(text: str, name: str) -> Iterable[str]:
    """Lines of ``text`` holding samples of ``name`` (for tests and tooling)."""
    return (line for line in text.splitlines() if line.startswith(name))
