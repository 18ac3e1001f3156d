"""What a running service holds: the store, cases, partners, the live index, limits, metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request

from consentry.assessment import Assessor
from consentry.cases import Cases
from consentry.decisions import Decisions
from consentry.matching.live import LiveMatcher
from consentry.partners import Partners
from consentry.policy.option import policy_from_option
from consentry.service.metrics import Metrics
from consentry.service.ratelimit import RateLimiter
from consentry.service.settings import ServiceSettings
from consentry.signals.inspectors import InspectorOptions
from consentry.store import Store

if TYPE_CHECKING:
    from consentry.service.auth import KeyCache  # auth depends on this module


@dataclass
class Runtime:
    store: Store
    cases: Cases
    partners: Partners
    matcher: LiveMatcher
    keys: KeyCache
    settings: ServiceSettings
    metrics: Metrics
    assessor: Assessor
    decisions: Decisions
    limiter: RateLimiter = field(default_factory=RateLimiter)


def open_runtime(
    store_url: str | None, home: Path, settings: ServiceSettings, metrics: Metrics
) -> Runtime:
    from consentry.service.auth import KeyCache  # auth depends on this module

    store = Store.open_url(store_url, home=home) if store_url else Store.open(home)
    try:
        partners = Partners(store)
        matcher = LiveMatcher(store, poll_seconds=settings.poll_seconds)
        assessor = Assessor(
            match=lambda fp: matcher.match_fingerprint(fp, banks=settings.match_banks),
            policy=policy_from_option(settings.policy),
            bank_actions=matcher.bank_action,
            needs_regions=lambda: matcher.has_regions,
            inspector_options=InspectorOptions(settings.classifier_configs, settings.trust_anchors),
        )
        runtime = Runtime(
            store=store,
            cases=Cases(store),
            partners=partners,
            matcher=matcher,
            keys=KeyCache(partners, ttl=settings.key_cache_seconds),
            settings=settings,
            metrics=metrics,
            assessor=assessor,
            decisions=Decisions(store),
        )
        matcher.start()
    except BaseException:
        store.close()
        raise
    metrics.gauge(
        "consentry_index_ready", "1 once the live index is built.", lambda: int(matcher.ready)
    )
    metrics.gauge(
        "consentry_index_last_seq",
        "Last change applied to the live index.",
        lambda: matcher.last_seq,
    )
    metrics.gauge(
        "consentry_index_seq_lag",
        "Changes in the store not yet applied to the live index.",
        lambda: max(0, store.last_change_seq() - matcher.last_seq),
    )
    metrics.gauge("consentry_index_size", "Entries in the live index.", lambda: matcher.size)
    return runtime


def close_runtime(runtime: Runtime) -> None:
    try:
        runtime.matcher.stop()
    finally:
        runtime.store.close()


def runtime(request: Request) -> Runtime:
    """FastAPI dependency: the app's runtime (opened by the lifespan)."""
    found: Runtime = request.app.state.runtime
    return found


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"
