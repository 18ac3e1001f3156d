"""Module-level work functions (picklable) for the worker-pool tests."""

from __future__ import annotations

import os

from consentry.errors import ConsentryError


def work(data: bytes) -> int:
    """Length of ``data``: b"bad…" raises, b"bug…" fails oddly, b"crash…" kills the worker."""
    if data.startswith(b"bad"):
        raise ConsentryError("broken on purpose", code="corrupt")
    if data.startswith(b"bug"):
        raise KeyError("an unexpected failure")
    if data.startswith(b"crash"):
        os._exit(3)  # simulates a decoder killing its worker process
    return len(data)
