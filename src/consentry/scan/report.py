"""The scan report, which is also the scan's journal.

One record per file, appended and flushed as soon as the file is done, so that a scan killed
at any moment (even SIGKILL) loses at most the line being written. On the next run the report
is read back: a torn last line is cut off, and every file whose (path, size, mtime) is already
recorded is skipped. If the report holds records that no longer describe the file (it changed
since) or the same path twice, it is rewritten (atomically) to keep one record per file.

Two formats: JSON lines (default; a record is a JSON object per line) and CSV (a header line,
then one row per file; nested values, e.g. the match list, are JSON text inside the cell).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from consentry.errors import ConsentryError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks
    fcntl = None  # type: ignore[assignment]

ReportFormat = Literal["jsonl", "csv"]
REPORT_FORMATS: tuple[str, ...] = ("jsonl", "csv")

CSV_COLUMNS: tuple[str, ...] = (
    "path",
    "size",
    "mtime_ns",
    "kind",
    "format",
    "pdq",
    "quality",
    "low_quality",
    "md5",
    "sha256",
    "width",
    "height",
    "match_count",
    "matches",
    "error_code",
    "error_message",
    "warnings",
    "scanned_at",
    "findings",
    "decision",
)
_INT_COLUMNS = ("size", "mtime_ns", "quality", "width", "height")


class ReportError(ConsentryError):
    """The report file cannot be used (wrong format, not writable)."""

    code = "bad-report"


Record = dict[str, Any]


@contextmanager
def report_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` so that two scans never append to one report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = open(path, "a+b")  # noqa: SIM115 - held for the whole block
    except OSError as exc:
        raise ReportError(f"cannot write the report {path}: {exc.strerror}") from exc
    with handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise ReportError(
                    f"another scan is writing {path}; wait for it or choose another --report",
                    code="report-busy",
                ) from None
        yield


def record_key(record: Record) -> tuple[str, int, int]:
    return (str(record["path"]), int(record["size"]), int(record["mtime_ns"]))


def format_for(path: Path, requested: str | None) -> ReportFormat:
    """The explicit format, else guessed from the report's extension (.csv), else JSON lines."""
    if requested:
        if requested not in REPORT_FORMATS:
            raise ReportError(f"unknown report format {requested!r}: use jsonl or csv")
        return requested  # type: ignore[return-value]
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


@dataclass
class LoadedReport:
    """What an existing report already holds."""

    records: dict[str, Record] = field(default_factory=dict)  # by path, last one wins
    torn_bytes: int = 0  # bytes of an incomplete last line that were cut off
    damaged_lines: int = 0  # complete lines that could not be read
    duplicates: int = 0
    torn_fragment: bytes = b""  # the start of the torn line, to tell ours from a foreign file


class ReportWriter:
    """Append records to a report, one flushed line each."""

    def __init__(self, path: Path, fmt: ReportFormat) -> None:
        self.path = path
        self.format = fmt
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists() or path.stat().st_size == 0
        try:
            self._file = open(path, "a", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as exc:
            raise ReportError(f"cannot write the report {path}: {exc.strerror}") from exc
        if fresh and fmt == "csv":
            self._file.write(",".join(CSV_COLUMNS) + "\n")
            self._file.flush()

    def append(self, record: Record) -> None:
        self._file.write(encode_record(record, self.format))
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def encode_record(record: Record, fmt: ReportFormat) -> str:
    if fmt == "jsonl":
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(_csv_row(record))
    return buffer.getvalue()


def _csv_row(record: Record) -> list[str]:
    error = record.get("error") or {}
    flat = dict(record)
    flat["match_count"] = len(record.get("matches") or [])
    flat["matches"] = json.dumps(record.get("matches") or [], ensure_ascii=False)
    flat["error_code"] = error.get("code")
    flat["error_message"] = error.get("message")
    flat["warnings"] = " | ".join(record.get("warnings") or [])
    for nested in ("findings", "decision"):
        if record.get(nested) is not None:
            flat[nested] = json.dumps(record[nested], ensure_ascii=False)
    return [_one_line(flat.get(column)) for column in CSV_COLUMNS]


def _one_line(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    # A record must stay on one physical line so that a torn write can be found and cut.
    return str(value).replace("\r", " ").replace("\n", " ")


def load_report(path: Path, fmt: ReportFormat) -> LoadedReport:
    """Read an existing report, cutting off a torn last line (after a crash) in place.

    Refuses (ReportError) a file that is not a report of ours rather than "repair" it.
    """
    loaded = LoadedReport()
    if not path.exists():
        return loaded
    good_end = 0
    lines = 0
    with open(path, "rb") as handle:
        for raw in _complete_lines(handle, loaded):
            good_end += len(raw)
            lines += 1
            if fmt == "csv" and lines == 1:
                _check_csv_header(path, raw)
                continue
            _add_record(loaded, _decode_line(raw, fmt))
    tail = loaded.torn_fragment if lines == 0 or fmt == "jsonl" else b""
    _refuse_foreign(path, loaded, fmt, tail)
    if loaded.torn_bytes:
        with open(path, "r+b") as handle:
            handle.truncate(good_end)
    return loaded


def _complete_lines(handle: io.BufferedReader, loaded: LoadedReport) -> Iterator[bytes]:
    for raw in handle:
        if not raw.endswith(b"\n"):
            loaded.torn_bytes = len(raw)
            loaded.torn_fragment = raw[:64]
            return
        yield raw


def _refuse_foreign(
    path: Path, loaded: LoadedReport, fmt: ReportFormat, tail: bytes | None
) -> None:
    # Rewriting or cutting a file that is not ours would destroy someone's data.
    header = (",".join(CSV_COLUMNS)).encode()
    foreign = bool(loaded.damaged_lines and not loaded.records)
    if tail:
        ours = tail.startswith(b"{") if fmt == "jsonl" else header.startswith(tail.rstrip(b"\r"))
        foreign = foreign or not ours
    if foreign:
        raise ReportError(
            f"{path} does not look like a Consentry scan report; "
            "choose another --report (or --no-resume to overwrite it)"
        )


def _add_record(loaded: LoadedReport, record: Record | None) -> None:
    if record is None:
        loaded.damaged_lines += 1
        return
    if record["path"] in loaded.records:
        loaded.duplicates += 1
    loaded.records[record["path"]] = record


def _check_csv_header(path: Path, raw: bytes) -> None:
    header = raw.decode("utf-8", "replace").strip().lstrip("\ufeff")
    if header != ",".join(CSV_COLUMNS):
        raise ReportError(
            f"{path} is not a Consentry CSV scan report (unexpected header); "
            "choose another --report or use --no-resume to overwrite it"
        )


def _decode_line(raw: bytes, fmt: ReportFormat) -> Record | None:
    try:
        text = raw.decode("utf-8")
        record = json.loads(text) if fmt == "jsonl" else _record_from_csv(text)
        record_key(record)
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return record if isinstance(record, dict) else None


def _record_from_csv(text: str) -> Record:
    row = next(csv.reader([text]))
    if len(row) != len(CSV_COLUMNS):
        raise ValueError("wrong number of columns")
    cells: dict[str, Any] = {
        k: (v if v != "" else None) for k, v in zip(CSV_COLUMNS, row, strict=True)
    }
    for column in _INT_COLUMNS:
        if cells[column] is not None:
            cells[column] = int(cells[column])
    cells["low_quality"] = cells["low_quality"] == "true"
    cells["matches"] = json.loads(cells["matches"] or "[]")
    code, message = cells.pop("error_code"), cells.pop("error_message")
    cells["error"] = {"code": code, "message": message or ""} if code else None
    cells["warnings"] = cells["warnings"].split(" | ") if cells["warnings"] else []
    for nested in ("findings", "decision"):
        if cells[nested] is None:
            del cells[nested]
        else:
            cells[nested] = json.loads(cells[nested])
    cells.pop("match_count")
    return cells


def rewrite_report(path: Path, fmt: ReportFormat, records: list[Record]) -> None:
    """Replace the report's content with exactly these records.

    Done in place (not by renaming a new file over it) so that the lock held on the report
    stays on the file in use. A crash half way only loses records, which are then redone.
    """
    with open(path, "r+", encoding="utf-8", newline="") as handle:
        handle.truncate(0)
        if fmt == "csv":
            handle.write(",".join(CSV_COLUMNS) + "\n")
        for record in records:
            handle.write(encode_record(record, fmt))
        handle.flush()
        os.fsync(handle.fileno())
