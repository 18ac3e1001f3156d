"""Fingerprint type names as python-threatexchange (pytx) and HMA spell them."""

from __future__ import annotations

# pytx only has MD5/SHA-256 as "video_md5"/"video_sha256"; they are plain digests of the
# file's bytes, the same as ours, whatever the file is.
FROM_PYTX = {
    "pdq": "pdq",
    "vpdq": "vpdq",
    "video_md5": "md5",
    "video_sha256": "sha256",
    "md5": "md5",
    "sha256": "sha256",
}
TO_PYTX = {"pdq": "pdq", "vpdq": "vpdq", "md5": "video_md5", "sha256": "video_sha256"}


def from_pytx(name: str) -> str | None:
    return FROM_PYTX.get(name.strip().lower())


def to_pytx(name: str) -> str:
    return TO_PYTX.get(name, name)
