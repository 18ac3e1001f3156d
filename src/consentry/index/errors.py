"""Errors raised by the Hamming index, each with a stable code."""

from __future__ import annotations

from consentry.errors import ConsentryError


class HammingIndexError(ConsentryError):
    """Base class for index errors."""

    code = "index-error"


class InvalidHashes(HammingIndexError):
    """Hashes or ids of the wrong shape, dtype or value."""

    code = "invalid-hashes"


class InvalidRadius(HammingIndexError):
    """A search radius outside 0..256."""

    code = "invalid-radius"


class IndexCorrupt(HammingIndexError):
    """A saved index that is truncated, damaged or not an index at all."""

    code = "index-corrupt"


class IndexVersionUnsupported(HammingIndexError):
    """A saved index written by a newer (or unknown) format version."""

    code = "index-version"


class IndexUnreadable(HammingIndexError):
    """The index file could not be read or written (missing, directory, I/O error)."""

    code = "index-unreadable"
