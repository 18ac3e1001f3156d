"""Import and export of a bank's fingerprints as files a partner can hand over.

Formats (``format=`` of :func:`import_bank` / :func:`export_bank`):

``csv`` -- Consentry's own CSV (UTF-8, header required, columns in any order)::

    type,value,label,note,entry
    pdq,f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,case-17,,1
    md5,d41d8cd98f00b204e9800998ecf8427e,case-17,,1

  ``type`` and ``value`` are required; ``label``, ``note`` and ``entry`` optional.
  ``type`` is ``pdq``, ``md5``, ``sha256`` or ``vpdq`` (pytx names ``video_md5`` and
  ``video_sha256`` are accepted too). Rows with the same non-empty ``entry`` become one
  entry (its label and note come from its first row; a later row with a different
  non-empty label is an error); rows without ``entry`` are one entry each. Export writes
  one row per fingerprint with the entry id in ``entry``, so a re-import rebuilds the
  same grouping. A ``vpdq`` value is Consentry's frame list
  (``index,quality,timestamp,hash;...``) or pytx's JSON list.

``pytx`` -- python-threatexchange's (pytx 1.2.17) one-signal-per-line text: what
  ``threatexchange hash photo FILE`` prints, what its ``local_file`` exchange
  (``LocalFileSignalExchangeAPI``, also usable as an HMA exchange) reads, and what
  ``threatexchange dataset -P -S`` prints::

    pdq f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
    video_md5 d41d8cd98f00b204e9800998ecf8427e
    vpdq ["f8f8...9b22,100,0.000", "f8f0...9b20,98,1.000"]

  The type is everything before the first space, the signal the rest. pytx names are
  mapped: ``video_md5`` -> ``md5``, ``video_sha256`` -> ``sha256``; ``pdq`` and ``vpdq``
  are the same. On import, also accepted: a bare value per line (the files
  ``threatexchange match --hashes`` reads; its type is ``default_type``, ``pdq`` unless
  told otherwise); lines of ``threatexchange hash --photo-preprocess rotations``
  (``ROTATE90 pdq <hash>``: the lines of one image, ORIGINAL first, become one entry);
  ``dataset -P`` lines, whose text after the signal (collaboration, metadata) is
  ignored; blank lines and ``#`` comments. Each other line is one entry, labelled with
  ``label=`` if given. Export writes ``<pytx type> <value>``: labels and notes are lost.

``pytx-csv`` -- the CSV of ``threatexchange dataset -P --csv``::

    signal_type,signal_str,collab,category,tags
    pdq,f8f8...9b22,Sample Data,POSITIVE_CLASS,case-17 urgent

  One entry per row: ``tags`` becomes the label, the collaboration goes into the note.
  Rows whose category is ``NEGATIVE_CLASS`` or ``DISPUTED`` are skipped (reported in
  ``ImportReport.skipped``): they say matching content does *not* belong. Export writes
  the bank name as ``collab``, ``POSITIVE_CLASS`` and the label as ``tags``.

pytx's vPDQ signal is a JSON list of ``"<pdq hex>,<quality>,<timestamp>"`` strings;
it is converted both ways. HMA (hasher-matcher-actioner) has no bank file import of
its own: it reads hashes through the same ``local_file`` exchange, i.e. ``pytx``.
pytx's fetched state (pickled Python objects) is never read: unpickling runs code.

Import never stops at a bad line: every line that cannot be imported is reported
(line number, code, reason) in :class:`ImportReport` and the rest goes in, committed
in batches so nothing accepted is lost. Import is idempotent: a fingerprint already in
the bank with the same type, value and label is skipped (counted in ``duplicates``);
if part of an entry is already there, the missing fingerprints join that entry.
Input may carry a UTF-8 BOM, be UTF-16 with a BOM (as Excel saves "Unicode text") and
use CRLF line ends. ``format="auto"`` picks ``csv`` or ``pytx-csv`` from a header line,
otherwise ``pytx``.
"""

from consentry.exchange.api import FORMATS, detect_format, export_bank, import_bank
from consentry.exchange.errors import ExchangeError, FileTooLarge, UnknownFormat, UnreadableFile
from consentry.exchange.records import ImportReport, LineIssue

__all__ = [
    "FORMATS",
    "ExchangeError",
    "FileTooLarge",
    "ImportReport",
    "LineIssue",
    "UnknownFormat",
    "UnreadableFile",
    "detect_format",
    "export_bank",
    "import_bank",
]
