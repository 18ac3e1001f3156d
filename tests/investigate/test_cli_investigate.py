"""``consentry investigate``: report, signed evidence, exit codes, banks, resuming."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from consentry.cli import app
from consentry.signals import fingerprint
from consentry.store import Store

from .export_builders import build_chat_export, drawn_photo, message, sample_photo


@pytest.fixture
def cli(home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CONSENTRY_HOME", raising=False)
    monkeypatch.delenv("CONSENTRY_POLICY", raising=False)
    runner = CliRunner()

    def invoke(*args: object) -> Result:
        argv = ["--home", str(home), *[str(a) for a in args]]
        return runner.invoke(app, argv, catch_exceptions=False)

    return invoke


@pytest.fixture
def clean_export(tmp_path: Path) -> Path:
    specs = [
        message(1, kind="photo", content=sample_photo("astronaut", 96), via_bot="@a_bot"),
        message(2, kind="photo", content=drawn_photo(2)),
        message(3, kind="video", forwarded_from="Elsewhere"),
    ]
    return build_chat_export(tmp_path / "exports" / "ChatExport_2020-10-01", specs)


def test_writes_report_and_a_signed_evidence_package(
    cli, clean_export: Path, tmp_path: Path, home: Path
) -> None:
    out = tmp_path / "out"
    done = cli("investigate", clean_export, "--out", out, "--workers", "1", "--no-pdf")
    assert done.exit_code == 0, done.output
    assert "images and videos 3: assessed 3" in done.output
    for name in ("report.html", "summary.json", "problems.jsonl", "work/items.jsonl"):
        assert (out / name).is_file(), name
    assert not (out / "report.pdf").exists()
    evidence = out / "evidence"
    assert (evidence / "manifest.sig").is_file()
    key = home / "keys" / "evidence-ed25519.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    manifest = json.loads((evidence / "manifest.json").read_text())
    assert "summary.json" in json.dumps(manifest) and "work/items.jsonl" in json.dumps(manifest)
    verified = cli("evidence", "verify", out)
    assert verified.exit_code == 0, verified.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["bots"] == {"@a_bot": 1} and summary["assessed"] == 3


def test_json_summary_and_a_rerun_resumes(cli, clean_export: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("investigate", clean_export, "--out", out, "-w", "1", "--no-pdf", "--json")
    first = cli(*args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["media"] == 3
    second = cli(*args[:-1])
    assert "(0 now, 3 from the journal" in second.output
    assert cli("evidence", "verify", out).exit_code == 0


def test_broken_media_give_exit_code_3_and_are_counted(cli, tmp_path: Path) -> None:
    specs = [
        message(1, kind="photo"),
        message(2, kind="photo", write=False),
        message(3, kind="photo", path="/etc/hostname"),
    ]
    export = build_chat_export(tmp_path / "ChatExport", specs)
    done = cli("investigate", export, "--out", tmp_path / "out", "-w", "1", "--no-pdf")
    assert done.exit_code == 3, done.output
    assert "failed 2" in done.output and "2 problems" in done.output
    problems = (tmp_path / "out" / "problems.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["code"] for line in problems) == [
        "missing-file",
        "path-outside-export",
    ]


def test_banks_flag_and_to_bank_pushes(cli, store: Store, tmp_path: Path) -> None:
    registered = sample_photo("coffee", 96)
    fp = fingerprint(registered)
    store.create_bank("ncii")
    store.add_entry("ncii", [("pdq", fp.pdq), ("sha256", fp.sha256)], label="intimate")
    store.create_bank("found")
    specs = [message(1, kind="photo", content=registered), message(2, kind="photo")]
    export = build_chat_export(tmp_path / "ChatExport", specs)
    out = tmp_path / "out"
    done = cli(
        "investigate",
        export,
        "--out",
        out,
        "-b",
        "ncii",
        "--to-bank",
        "found",
        "--no-pdf",
        "-w",
        "1",
    )
    assert done.exit_code == 0, done.output
    assert "flagged 1, matched 1" in done.output and "added 1 entries to bank found" in done.output
    assert [dict(e.fingerprints)["sha256"] for e in store.iter_entries("found")] == [fp.sha256]
    rows = (out / "evidence" / "flagged.jsonl").read_text().splitlines()
    assert len(rows) == 1 and fp.sha256 in rows[0]


def test_an_unknown_bank_fails_before_any_work(cli, clean_export: Path, tmp_path: Path) -> None:
    done = cli("investigate", clean_export, "--out", tmp_path / "out", "--to-bank", "nope")
    assert done.exit_code == 4
    assert "unknown-bank" in done.output
    assert not (tmp_path / "out").exists()


def test_no_media_and_an_explicit_signing_key(cli, clean_export: Path, tmp_path: Path) -> None:
    key = tmp_path / "keys" / "case.pem"
    out = tmp_path / "out"
    done = cli(
        "investigate", clean_export, "--out", out, "--no-media", "--signing-key", key, "--no-pdf"
    )
    assert done.exit_code == 0, done.output
    assert "assessed 0" in done.output and "not exported 3" in done.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not (out / "work").exists()
    assert cli("evidence", "verify", out, "--public-key", key).exit_code == 0


def test_the_pdf_is_printed_when_chromium_is_here(cli, clean_export: Path, tmp_path: Path) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is required at /usr/bin/chromium (apt-get install chromium)")
    out = tmp_path / "out"
    done = cli("investigate", clean_export, "--out", out, "-w", "1", "--no-media")
    assert done.exit_code == 0, done.output
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "report.pdf" in (out / "evidence" / "manifest.json").read_text()
