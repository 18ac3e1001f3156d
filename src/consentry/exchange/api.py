"""``import_bank`` and ``export_bank``: see the package docstring for the formats."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from consentry.exchange import consentry_csv, pytx_csv, pytx_lines
from consentry.exchange.errors import UnknownFormat, UnreadableFile
from consentry.exchange.importer import apply
from consentry.exchange.names import from_pytx
from consentry.exchange.records import ImportReport, LineIssue, Record
from consentry.exchange.text import DEFAULT_MAX_BYTES, decode, physical_lines, read_source
from consentry.store import Store

FORMATS = ("csv", "pytx", "pytx-csv")


def import_bank(
    store: Store,
    bank_name: str,
    source: str | os.PathLike[str] | bytes,
    *,
    format: str = "auto",
    default_type: str | None = "pdq",
    label: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportReport:
    """Import a fingerprint file (a path, or its bytes) into an existing bank.

    ``default_type``: the type of bare values in ``pytx`` files. ``label``: for entries
    whose line carries none. Raises only for problems with the file as a whole
    (unreadable, too large, unknown format, unknown bank); bad lines are reported.
    """
    chosen = _check_format(format, allow_auto=True)
    store.get_bank(bank_name)  # unknown-bank before reading anything
    data, _name = read_source(source, max_bytes)
    text = decode(data)
    if chosen == "auto":
        chosen = detect_format(text)
    report = ImportReport(bank=bank_name, format=chosen)
    if not text.strip():
        report.errors.append(LineIssue(1, "empty-file", "the file is empty"))
        return report
    apply(store, bank_name, _parse(chosen, text, default_type), report, label)
    return report


def export_bank(
    store: Store, bank_name: str, dest: str | os.PathLike[str] | TextIO, *, format: str = "csv"
) -> int:
    """Write the bank's fingerprints; returns the number of fingerprints written.

    A path is written atomically (a temporary file renamed into place).
    """
    chosen = _check_format(format, allow_auto=False)
    store.get_bank(bank_name)
    entries = store.iter_entries(bank_name)
    if not isinstance(dest, str | os.PathLike):
        return _write(chosen, entries, dest, bank_name)
    with _atomic_text(Path(dest)) as handle:
        return _write(chosen, entries, handle, bank_name)


def detect_format(text: str) -> str:
    """``csv`` or ``pytx-csv`` when the first non-blank line is their header, else ``pytx``.

    A first line like ``pdq,<hash>,...`` is taken as a CSV that lost its header, so
    the import reports the missing header instead of failing on every line.
    """
    first = next((line for line in physical_lines(text) if line.strip()), "")
    try:
        fields = [name.strip().lower() for name in next(csv.reader(io.StringIO(first)), [])]
    except csv.Error:
        return "pytx"
    if {"signal_type", "signal_str"} <= set(fields):
        return "pytx-csv"
    if {"type", "value"} <= set(fields):
        return "csv"
    if len(fields) > 1 and from_pytx(fields[0]) is not None:
        return "csv"
    return "pytx"


def _check_format(format: str, *, allow_auto: bool) -> str:
    if format in FORMATS or (allow_auto and format == "auto"):
        return format
    choices = ", ".join((*FORMATS, "auto") if allow_auto else FORMATS)
    raise UnknownFormat(f"unknown fingerprint file format {format!r}: expected one of {choices}")


def _parse(format: str, text: str, default_type: str | None) -> Iterator[Record | LineIssue]:
    if format == "csv":
        return consentry_csv.parse(text)
    if format == "pytx-csv":
        return pytx_csv.parse(text)
    return pytx_lines.parse(text, default_type)


def _write(format: str, entries: Iterable, handle: TextIO, bank_name: str) -> int:
    if format == "csv":
        return consentry_csv.write(entries, handle)
    if format == "pytx-csv":
        return pytx_csv.write(entries, handle, collab=bank_name)
    return pytx_lines.write(entries, handle)


@contextlib.contextmanager
def _atomic_text(path: Path) -> Iterator[TextIO]:
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    except OSError as error:
        raise UnreadableFile(f"cannot write {path}: {error.strerror or error}") from error
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
