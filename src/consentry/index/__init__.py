"""Exact Hamming-radius search over 256-bit hashes (PDQ and vPDQ frame hashes).

    index = HammingIndex()
    index.add(ids, hashes_from_hex(hex_strings))          # incremental
    for ids, distances in index.search(queries, radius=31):
        ...

Every stored hash within the radius comes back (100% recall). See :mod:`.layout` for how.
"""

from consentry.index.codec import hashes_from_hex, hex_from_hashes
from consentry.index.errors import (
    HammingIndexError,
    IndexCorrupt,
    IndexUnreadable,
    IndexVersionUnsupported,
    InvalidHashes,
    InvalidRadius,
)
from consentry.index.hamming import HammingIndex
from consentry.index.segment import Hits

__all__ = [
    "HammingIndex",
    "HammingIndexError",
    "Hits",
    "IndexCorrupt",
    "IndexUnreadable",
    "IndexVersionUnsupported",
    "InvalidHashes",
    "InvalidRadius",
    "hashes_from_hex",
    "hex_from_hashes",
]
