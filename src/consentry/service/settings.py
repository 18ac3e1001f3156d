"""Tunable limits of the service, with defaults fit for one public deployment."""

from __future__ import annotations

from dataclasses import dataclass

KiB = 1024
MiB = 1024 * KiB


@dataclass(frozen=True)
class ServiceSettings:
    """Everything the HTTP layer bounds. Rate limits are per process (per worker)."""

    # Request bodies.
    case_body_bytes: int = 256 * KiB
    json_body_bytes: int = 16 * MiB  # 10,000 fingerprints, vPDQ frame lists included
    media_body_bytes: int = 50 * MiB
    import_body_bytes: int = 64 * MiB
    # People at risk, per client address.
    case_creations_per_hour: int = 30
    case_secret_attempts_per_hour: int = 120
    # Partners: each key's own ``rate_per_minute`` applies; unknown keys per address.
    failed_auth_per_minute: int = 60
    # Looked-up keys are trusted this long (a revoked key stops working within it).
    key_cache_seconds: float = 1.0
    # How often the live index follows the store's changes.
    poll_seconds: float = 0.2
    # Banks whose matches partners may see (None: every enabled bank).
    match_banks: tuple[str, ...] | None = None
    # The policy /v1/match/media decides with: a TOML file, or "default" (the shipped one).
    policy: str = "default"
    # Operator classifier configs (TOML) and C2PA trust anchors (PEM) for the signals.
    classifier_configs: tuple[str, ...] = ()
    trust_anchors: str | None = None
