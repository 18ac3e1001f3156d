"""Errors of the sync feed and client, each with a stable ``code``."""

from __future__ import annotations

from consentry.errors import ConsentryError


class SyncError(ConsentryError):
    """Pulling a remote feed failed (unreachable, refused, or an unusable answer)."""

    code = "sync-failed"


class InvalidCursor(SyncError):
    code = "invalid-cursor"


class InvalidLimit(SyncError):
    code = "invalid-limit"
