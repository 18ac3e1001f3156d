import json
import os
from pathlib import Path

import pytest
from scan_fakes import FakeJob

from consentry.scan import ReportError, ScanOptions, default_report_path, load_report, run_scan


def _make_tree(root: Path, good: int = 5) -> None:
    (root / "sub").mkdir(parents=True)
    for i in range(good):
        (root / ("sub" if i % 2 else ".") / f"img{i}.jpg").write_text(f"hash{i}")
    (root / "broken.jpg").write_text("bad bytes")
    (root / "notes.txt").write_text("txt file")
    (root / "clip.mp4").write_text("video-match")


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_full_scan_records_every_file_once(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _make_tree(tree)
    report = tmp_path / "r.jsonl"
    summary = run_scan(tree, FakeJob(), ScanOptions(report=report))
    records = _lines(report)
    assert len(records) == 8
    assert len({r["path"] for r in records}) == 8
    assert summary.files == 8 and summary.hashed == 8 and summary.resumed == 0
    assert summary.images == 5 and summary.videos == 1
    assert summary.matched == 1 and summary.matches == 1
    assert dict(summary.errors) == {"corrupt": 1, "unsupported-format": 1}
    assert summary.failed == 1 and summary.not_media == 1


def test_rerun_skips_recorded_files(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _make_tree(tree)
    report = tmp_path / "r.jsonl"
    run_scan(tree, FakeJob(), ScanOptions(report=report))
    before = report.read_bytes()
    job = FakeJob()
    summary = run_scan(tree, job, ScanOptions(report=report))
    assert job.finished == []
    assert summary.resumed == 8 and summary.hashed == 0 and summary.files == 8
    assert summary.matched == 1 and summary.failed == 1  # counts include earlier results
    assert report.read_bytes() == before


def test_changed_and_new_files_are_redone_once(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _make_tree(tree)
    report = tmp_path / "r.jsonl"
    run_scan(tree, FakeJob(), ScanOptions(report=report))
    changed = tree / "img0.jpg"
    changed.write_text("hash0-edited")
    os.utime(changed, ns=(1, 1))
    (tree / "new.jpg").write_text("hashnew")
    job = FakeJob()
    summary = run_scan(tree, job, ScanOptions(report=report))
    assert sorted(Path(p).name for p in job.finished) == ["img0.jpg", "new.jpg"]
    records = _lines(report)
    assert len(records) == 9 and len({r["path"] for r in records}) == 9
    assert summary.hashed == 2 and summary.resumed == 7


def test_torn_tail_is_repaired_and_file_redone(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _make_tree(tree)
    report = tmp_path / "r.jsonl"
    run_scan(tree, FakeJob(), ScanOptions(report=report))
    lines = report.read_text().splitlines(keepends=True)
    torn = "".join(lines[:5]) + lines[5][: len(lines[5]) // 2]
    report.write_text(torn)
    job = FakeJob()
    summary = run_scan(tree, job, ScanOptions(report=report))
    assert summary.resumed == 5 and summary.hashed == 3
    records = _lines(report)  # would raise if a torn fragment were left in the middle
    assert sorted(r["path"] for r in records) == sorted({r["path"] for r in records})
    assert len(records) == 8


def test_no_resume_starts_over(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _make_tree(tree)
    report = tmp_path / "r.csv"
    run_scan(tree, FakeJob(), ScanOptions(report=report, format="csv"))
    job = FakeJob()
    summary = run_scan(tree, job, ScanOptions(report=report, format="csv", resume=False))
    assert len(job.finished) == 8 and summary.resumed == 0
    assert len(load_report(report, "csv").records) == 8
    assert len(report.read_text().splitlines()) == 9  # header + one row per file


def test_csv_report_resumes(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _make_tree(tree)
    report = tmp_path / "r.csv"
    run_scan(tree, FakeJob(), ScanOptions(report=report, format="csv"))
    job = FakeJob()
    summary = run_scan(tree, job, ScanOptions(report=report, format="csv"))
    assert job.finished == [] and summary.resumed == 8
    assert summary.matched == 1 and dict(summary.errors)["corrupt"] == 1


def test_report_inside_the_tree_is_not_scanned(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _make_tree(tree)
    report = tree / "report.jsonl"
    run_scan(tree, FakeJob(), ScanOptions(report=report))
    summary = run_scan(tree, FakeJob(), ScanOptions(report=report))
    assert summary.files == 8 and summary.hashed == 0
    assert all(not r["path"].endswith("report.jsonl") for r in _lines(report))


def test_foreign_file_as_report_is_refused_and_kept(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _make_tree(tree)
    report = tmp_path / "precious.jsonl"
    report.write_text("my notes\nmore notes\n")
    with pytest.raises(ReportError):
        run_scan(tree, FakeJob(), ScanOptions(report=report))
    assert report.read_text() == "my notes\nmore notes\n"


def test_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "f.jpg").write_text("x")
    with pytest.raises(ReportError) as caught:
        run_scan(tmp_path / "f.jpg", FakeJob(), ScanOptions(report=tmp_path / "r.jsonl"))
    assert caught.value.code == "not-a-directory"


def test_parallel_scan_matches_serial(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _make_tree(tree, good=12)
    serial = run_scan(tree, FakeJob(), ScanOptions(report=tmp_path / "a.jsonl"))
    parallel = run_scan(tree, FakeJob(), ScanOptions(report=tmp_path / "b.jsonl", workers=2))
    assert serial.to_dict() | {"report": "", "seconds": 0, "files_per_second": 0} == (
        parallel.to_dict() | {"report": "", "seconds": 0, "files_per_second": 0}
    )
    by_path = lambda p: {r["path"]: r for r in _lines(p)}  # noqa: E731
    assert by_path(tmp_path / "a.jsonl") == by_path(tmp_path / "b.jsonl")


def test_default_report_path_is_stable_per_directory(tmp_path: Path) -> None:
    (tmp_path / "My Photos").mkdir()
    (tmp_path / "other" / "My Photos").mkdir(parents=True)
    first = default_report_path(tmp_path / "home", tmp_path / "My Photos")
    assert first == default_report_path(tmp_path / "home", str(tmp_path / "My Photos") + "/")
    assert first.parent == tmp_path / "home" / "scans"
    assert first.name.startswith("My_Photos-") and first.suffix == ".jsonl"
    assert first != default_report_path(tmp_path / "home", tmp_path / "other" / "My Photos")
    assert default_report_path(tmp_path, tmp_path / "My Photos", "csv").suffix == ".csv"


class InterruptedJob(FakeJob):
    """Ctrl-C arrives while the third file is being finished."""

    def finish(self, entry, outcome):
        if len(self.finished) == 2:
            raise KeyboardInterrupt
        return super().finish(entry, outcome)


def test_interrupted_scan_keeps_what_was_done(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _make_tree(tree)
    report = tmp_path / "r.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_scan(tree, InterruptedJob(), ScanOptions(report=report, workers=1))
    assert len(_lines(report)) == 2
    job = FakeJob()
    summary = run_scan(tree, job, ScanOptions(report=report))
    assert summary.resumed == 2 and summary.hashed == 6 and len(job.finished) == 6
    assert len({r["path"] for r in _lines(report)}) == 8


def test_two_scans_never_share_a_report(tmp_path: Path) -> None:
    from consentry.scan.report import report_lock

    tree = tmp_path / "tree"
    _make_tree(tree)
    report = tmp_path / "r.jsonl"
    with report_lock(report), pytest.raises(ReportError) as caught:
        run_scan(tree, FakeJob(), ScanOptions(report=report))
    assert caught.value.code == "report-busy"
    assert run_scan(tree, FakeJob(), ScanOptions(report=report)).hashed == 8
