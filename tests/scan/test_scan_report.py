import json
from pathlib import Path

import pytest

from consentry.scan import CSV_COLUMNS, ReportError, format_for, load_report
from consentry.scan.report import ReportWriter, rewrite_report


def _record(name: str, **extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "path": f"/data/{name}",
        "size": 10,
        "mtime_ns": 123,
        "kind": "image",
        "format": "jpeg",
        "pdq": "f" * 64,
        "quality": 100,
        "low_quality": False,
        "md5": "0" * 32,
        "sha256": "1" * 64,
        "width": 4,
        "height": 3,
        "matches": [],
        "error": None,
        "warnings": [],
        "scanned_at": "2024-01-01T00:00:00Z",
    }
    record.update(extra)
    return record


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_round_trip(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"report.{fmt}"
    match = {"bank": "b", "entry": 7, "label": 'a, "quoted"\nlabel', "distance": 3}
    records = [
        _record("a.jpg", matches=[match]),
        _record("b.txt", kind=None, pdq=None, error={"code": "corrupt", "message": "bad\nfile"}),
    ]
    with ReportWriter(path, fmt) as writer:
        for record in records:
            writer.append(record)
    lines = path.read_text().splitlines()
    assert len(lines) == (3 if fmt == "csv" else 2)  # one physical line per record
    loaded = load_report(path, fmt)
    assert list(loaded.records) == ["/data/a.jpg", "/data/b.txt"]
    first, second = loaded.records.values()
    assert first["matches"][0]["entry"] == 7
    assert first["quality"] == 100
    assert second["error"]["code"] == "corrupt"
    assert loaded.torn_bytes == 0 and loaded.damaged_lines == 0


def test_csv_header(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    with ReportWriter(path, "csv") as writer:
        writer.append(_record("a.jpg"))
    assert path.read_text().splitlines()[0] == ",".join(CSV_COLUMNS)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_torn_last_line_is_cut(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"r.{fmt}"
    with ReportWriter(path, fmt) as writer:
        writer.append(_record("a.jpg"))
        writer.append(_record("b.jpg"))
    intact = path.read_bytes()
    path.write_bytes(intact + b'{"path": "/data/c.jp')
    loaded = load_report(path, fmt)
    assert list(loaded.records) == ["/data/a.jpg", "/data/b.jpg"]
    assert loaded.torn_bytes == len(b'{"path": "/data/c.jp')
    assert path.read_bytes() == intact


def test_damaged_middle_line_and_duplicates_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [
        json.dumps(_record("a.jpg")),
        "not json at all",
        json.dumps({"no": "path"}),
        json.dumps(_record("a.jpg", quality=50)),
    ]
    path.write_text("\n".join(lines) + "\n")
    loaded = load_report(path, "jsonl")
    assert loaded.damaged_lines == 2
    assert loaded.duplicates == 1
    assert loaded.records["/data/a.jpg"]["quality"] == 50


def test_csv_header_mismatch_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("name,value\nx,1\n")
    with pytest.raises(ReportError) as caught:
        load_report(path, "csv")
    assert caught.value.code == "bad-report"


def test_empty_and_missing_reports(tmp_path: Path) -> None:
    assert load_report(tmp_path / "missing.jsonl", "jsonl").records == {}
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert load_report(tmp_path / "empty.jsonl", "jsonl").records == {}
    junk = bytes(range(256)) * 4 + b"\n"
    (tmp_path / "bin.jsonl").write_bytes(junk)
    with pytest.raises(ReportError):
        load_report(tmp_path / "bin.jsonl", "jsonl")
    assert (tmp_path / "bin.jsonl").read_bytes() == junk


def test_rewrite_keeps_exactly_the_records(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("older, longer content that must be gone afterwards\n" * 20)
    rewrite_report(path, "csv", [_record("x.jpg"), _record("y.jpg")])
    assert list(load_report(path, "csv").records) == ["/data/x.jpg", "/data/y.jpg"]
    assert len(path.read_text().splitlines()) == 3


def test_format_for() -> None:
    assert format_for(Path("a.csv"), None) == "csv"
    assert format_for(Path("a.CSV"), None) == "csv"
    assert format_for(Path("a.jsonl"), None) == "jsonl"
    assert format_for(Path("a.txt"), "csv") == "csv"
    with pytest.raises(ReportError):
        format_for(Path("a"), "xml")


@pytest.mark.parametrize(
    ("fmt", "content"),
    [
        ("jsonl", b"my notes without a final newline"),
        ("jsonl", b"line one\nline two"),
        ("csv", b"name,value"),
        ("csv", b"name,value\n1,2\n"),
    ],
)
def test_foreign_files_are_refused_and_left_alone(tmp_path: Path, fmt: str, content: bytes) -> None:
    path = tmp_path / f"notes.{fmt}"
    path.write_bytes(content)
    with pytest.raises(ReportError):
        load_report(path, fmt)
    assert path.read_bytes() == content


def test_torn_csv_header_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"path,size,mt")
    assert load_report(path, "csv").records == {}
    assert path.read_bytes() == b""
    with ReportWriter(path, "csv") as writer:
        writer.append(_record("a.jpg"))
    assert list(load_report(path, "csv").records) == ["/data/a.jpg"]
