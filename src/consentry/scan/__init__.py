"""Resumable, parallel scanning of a directory tree; the report file doubles as the journal.

from consentry.scan import ScanOptions, run_scan, FingerprintJob
summary = run_scan("photos/", FingerprintJob(matcher=...), ScanOptions(report=Path("r.jsonl")))
"""

from consentry.scan.engine import ScanJob, ScanOptions, ScanProgress, default_report_path, run_scan
from consentry.scan.report import (
    CSV_COLUMNS,
    REPORT_FORMATS,
    ReportError,
    ReportFormat,
    format_for,
    load_report,
)
from consentry.scan.summary import NOT_MEDIA_CODES, ScanSummary
from consentry.scan.walk import FileEntry, WalkStats, expand_inputs, walk_tree
from consentry.workers import (
    Outcome,
    WorkerCrashed,
    choose_workers,
    default_workers,
    run_parallel,
)

__all__ = [
    "CSV_COLUMNS",
    "NOT_MEDIA_CODES",
    "REPORT_FORMATS",
    "FileEntry",
    "Outcome",
    "ReportError",
    "ReportFormat",
    "ScanJob",
    "ScanOptions",
    "ScanProgress",
    "ScanSummary",
    "WalkStats",
    "WorkerCrashed",
    "choose_workers",
    "default_report_path",
    "default_workers",
    "expand_inputs",
    "format_for",
    "load_report",
    "run_parallel",
    "run_scan",
    "walk_tree",
]
