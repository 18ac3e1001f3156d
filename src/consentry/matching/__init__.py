"""Matching a file's fingerprints against banks.

``Matcher(store, bank_names)`` loads each bank into memory: one ``HammingIndex`` of its
PDQ hashes (an entry may hold several), one of its vPDQ frame hashes, and dicts of its
MD5/SHA-256 digests. ``match(fp)`` returns one :class:`Match` per entry reached, with
the closest way it was reached:

* PDQ: the file's main hash and every variant (trimmed, rotations...) are searched
  within the bank's radius; ``transform`` names the query hash that matched. Hashes of
  quality <= 49 are not searched (``fp.low_quality`` tells the caller), unless the
  matcher is built with ``use_low_quality=True``.
* MD5 / SHA-256: exact equality, distance 0, transform ``original``.
* vPDQ: frames of quality >= 50, first of each distinct hash, are searched within the
  bank's radius; each video entry they reach is compared with ``vpdq_match`` and
  matches when at least ``VpdqThresholds.query_percent`` (default 80) of the query's
  frames and ``target_percent`` (default 80) of the entry's frames have a counterpart.
  ``distance`` is then the median, over matched query frames, of each frame's
  distance to its closest frame of the entry; the percentages are in the match.

An entry reached several ways is reported once: smallest distance first, then
sha256 > md5 > pdq > vpdq, then the main hash before variants. Matches are sorted by
distance, bank, entry. PDQ indexes are saved in ``home/index/`` and reused while the
bank's generation (bumped on every change) is unchanged.
"""

from consentry.matching.bank_index import VpdqThresholds
from consentry.matching.matcher import Matcher
from consentry.matching.result import Match

__all__ = ["Match", "Matcher", "VpdqThresholds"]
