"""Saved index format: an uncompressed .npz (no pickle) with a JSON header and a checksum.

Members: ``header`` (uint8 bytes of a JSON object: format, version, count, crc32), ``hashes``
((n, 32) uint8) and ``ids`` ((n,) int64 little-endian). Lookup tables are rebuilt on load, so
a damaged file can never steer the search kernels out of bounds.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from consentry.index.codec import HASH_BYTES
from consentry.index.errors import IndexCorrupt, IndexUnreadable, IndexVersionUnsupported

FORMAT_NAME = "consentry-hamming-index"
FORMAT_VERSION = 1
MEMBERS = ("header", "hashes", "ids")


def save(path: str | os.PathLike[str], hashes: np.ndarray, ids: np.ndarray) -> None:
    """Write atomically: a temporary file in the same folder, then a rename."""
    target = Path(path)
    ids = ids.astype("<i8", copy=False)
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "count": len(ids),
        "crc32": _checksum(hashes, ids),
    }
    header_bytes = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    try:
        fd, temp_name = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, header=header_bytes, hashes=hashes, ids=ids)
        os.replace(temp_name, target)
    except OSError as error:
        raise IndexUnreadable(f"cannot write index file {target}: {error}") from error


def load(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read and verify a saved index; return (hashes (n, 32) uint8, ids (n,) int64)."""
    source = Path(path)
    try:
        with open(source, "rb") as handle:
            return _read(handle, source)
    except (IndexCorrupt, IndexVersionUnsupported):
        raise
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise IndexUnreadable(f"cannot read index file {source}: {error}") from error
    except (zipfile.BadZipFile, ValueError, EOFError, KeyError, OSError) as error:
        raise IndexCorrupt(f"{source} is not a readable Consentry index: {error}") from error


def _read(handle, source: Path) -> tuple[np.ndarray, np.ndarray]:
    archive = np.load(handle, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise IndexCorrupt(f"{source} is not a Consentry index (not an .npz archive)")
    with archive:
        if set(archive.files) != set(MEMBERS):
            raise IndexCorrupt(f"{source} is not a Consentry index (unexpected contents)")
        header = _parse_header(archive["header"], source)
        hashes, ids = archive["hashes"], archive["ids"]
    _check_arrays(hashes, ids, header, source)
    return hashes, ids.astype(np.int64, copy=False)


def _parse_header(raw: np.ndarray, source: Path) -> dict:
    try:
        header = json.loads(raw.astype(np.uint8).tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexCorrupt(f"{source}: unreadable index header") from error
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise IndexCorrupt(f"{source} is not a Consentry index (wrong format name)")
    version = header.get("version")
    if version != FORMAT_VERSION:
        raise IndexVersionUnsupported(
            f"{source} uses index format version {version!r}; this Consentry reads version "
            f"{FORMAT_VERSION}. Rebuild the index or upgrade Consentry."
        )
    return header


def _check_arrays(hashes: np.ndarray, ids: np.ndarray, header: dict, source: Path) -> None:
    count = header.get("count")
    if hashes.dtype != np.uint8 or hashes.ndim != 2 or hashes.shape[1] != HASH_BYTES:
        raise IndexCorrupt(f"{source}: hashes array has dtype {hashes.dtype}, shape {hashes.shape}")
    if ids.dtype != np.dtype("<i8") or ids.shape != (hashes.shape[0],):
        raise IndexCorrupt(f"{source}: ids array has dtype {ids.dtype}, shape {ids.shape}")
    if count != len(ids):
        raise IndexCorrupt(f"{source}: header says {count} hashes, file holds {len(ids)}")
    if header.get("crc32") != _checksum(hashes, ids):
        raise IndexCorrupt(f"{source}: checksum mismatch (the file is damaged)")


def _checksum(hashes: np.ndarray, ids: np.ndarray) -> int:
    crc = zlib.crc32(np.ascontiguousarray(hashes).data)
    return zlib.crc32(np.ascontiguousarray(ids).data, crc)
