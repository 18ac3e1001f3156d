"""Partner keys (``Authorization: Bearer <key>``) and their scopes.

Keys are looked up in the database per request through a cache of at most ``ttl``
seconds, so a new key works at once and a revoked or rotated key stops within ``ttl``,
in every worker. The cache is keyed by the key's SHA-256, never the key itself. Unknown
keys are not cached (a key created a moment ago must work), but failures are rate
limited per client address.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from consentry.service.errors import ApiError
from consentry.service.runtime import Runtime, client_address, runtime

if TYPE_CHECKING:
    from consentry.partners import Partner, Partners

bearer = HTTPBearer(auto_error=False, description="A partner key: `cs_<key id>_<secret>`.")
_MAX_KEY_CHARS = 200


class KeyCache:
    def __init__(self, partners: Partners, *, ttl: float = 1.0, max_keys: int = 10_000) -> None:
        self._partners = partners
        self._ttl = ttl
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._found: dict[str, tuple[float, Partner]] = {}

    def authenticate(self, key: str) -> Partner | None:
        digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
        now = time.monotonic()
        with self._lock:
            cached = self._found.get(digest)
        if cached is not None and now - cached[0] <= self._ttl:
            return cached[1]
        partner = self._partners.authenticate(key)
        with self._lock:
            if partner is None:
                self._found.pop(digest, None)
            else:
                if len(self._found) >= self._max_keys:
                    self._found.clear()
                self._found[digest] = (now, partner)
        return partner


def require_scope(scope: str, *also: str) -> Callable[..., Partner]:
    """A dependency that yields the authenticated partner holding ``scope`` (or one of ``also``)."""
    accepted = (scope, *also)

    def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
        rt: Runtime = Depends(runtime),
    ) -> Partner:
        partner = _authenticate(request, credentials, rt)
        if not set(accepted) & set(partner.scopes):
            raise ApiError(403, "forbidden", f"this key lacks the {' or '.join(accepted)!s} scope")
        wait = rt.limiter.take(f"key:{partner.key_id}", partner.rate_per_minute, 60.0)
        if wait:
            raise ApiError(
                429,
                "rate-limited",
                f"more than {partner.rate_per_minute} requests a minute for this key",
                headers={"Retry-After": str(wait)},
            )
        return partner

    return dependency


def _authenticate(
    request: Request, credentials: HTTPAuthorizationCredentials | None, rt: Runtime
) -> Partner:
    if credentials is None or not credentials.credentials:
        raise ApiError(
            401,
            "unauthenticated",
            "send a partner key: Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = credentials.credentials
    partner = rt.keys.authenticate(key) if len(key) <= _MAX_KEY_CHARS else None
    if partner is None:
        address = client_address(request)
        wait = rt.limiter.take(f"badkey:{address}", rt.settings.failed_auth_per_minute, 60.0)
        if wait:
            raise ApiError(
                429,
                "rate-limited",
                "too many requests with unknown keys from this address",
                headers={"Retry-After": str(wait)},
            )
        raise ApiError(
            401,
            "unauthenticated",
            "unknown or revoked partner key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.partner_name = partner.name
    return partner
