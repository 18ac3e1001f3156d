"""The evidence package: flagged rows, a signed manifest, and verification that catches changes."""

from __future__ import annotations

import base64
import csv
import json
import shutil
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from skimage import data
from typer.testing import CliRunner

from consentry.cli.app import app
from consentry.investigate.evidence import (
    CSV_COLUMNS,
    EvidenceError,
    key_fingerprint,
    load_or_create_key,
    signing_key,
    verify_evidence,
    write_evidence,
)
from consentry.investigate.export import export_files, read_exports
from consentry.investigate.records import ExportMessage, ItemResult, MediaFile

from .export_builders import build_account_export, chat, message

CAPTION = "a caption that must never reach the evidence"
EVIL_NAME = '=HYPERLINK("http://example.invalid")'


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A tiny single-chat export: result.json and one benign photo."""
    folder = tmp_path / "exports" / "ChatExport_2026-01-01"
    (folder / "photos").mkdir(parents=True)
    Image.fromarray(data.coffee()).resize((64, 48)).save(folder / "photos" / "photo_1.jpg")
    (folder / "result.json").write_text(json.dumps({"name": "x", "messages": []}))
    return folder


def _message(export: Path, message_id: int, chat_name: str = "Channel A") -> ExportMessage:
    media = MediaFile(
        kind="photo",
        relative="photos/photo_1.jpg",
        path=export / "photos" / "photo_1.jpg",
        mime="image/jpeg",
        size=100,
    )
    return ExportMessage(
        export=str(export),
        chat_id=1234567,
        chat_name=chat_name,
        chat_type="public_channel",
        message_id=message_id,
        date=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        sender="Somebody",
        sender_id="channel1234567",
        forwarded_from="Other chat",
        saved_from=None,
        via_bot="somebot",
        reply_to=None,
        text=CAPTION,
        media=media,
    )


def _items() -> list[ItemResult]:
    decision = {
        "action": "block",
        "rule": "known-ncii",
        "description": "known image",
        "reasons": [{"condition": "match", "detail": "matched bank ncii entry 7", "values": {}}],
        "fired": ["known-ncii"],
        "scopes": [],
    }
    match = {"bank": "ncii", "entry": 7, "signal": "pdq", "distance": 4, "transform": "original"}
    finding = {"signal": "nudity", "source": "opennsfw", "score": 0.12}
    return [
        ItemResult(
            identity=(1234567, 1),
            sha256="a" * 64,
            md5="b" * 32,
            pdq="c" * 64,
            pdq_quality=100,
            matches=[match],
            findings=[finding],
            decision=decision,
            nudity=0.12,
            flagged=True,
        ),
        ItemResult(identity=(1234567, 2), sha256="d" * 64, flagged=False),
        ItemResult(identity=(1234567, 3), error="unreadable: bad file", flagged=True),
    ]


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def out(tmp_path: Path, export: Path, key: Ed25519PrivateKey) -> Path:
    """An investigation's output folder with a report, a journal and the evidence package."""
    folder = tmp_path / "out"
    (folder / "work").mkdir(parents=True)
    (folder / "report.html").write_text("<html>report</html>")
    (folder / "work" / "items.jsonl").write_text("{}\n")
    messages = [_message(export, 1, EVIL_NAME), _message(export, 2), _message(export, 3)]
    inputs = [export / "result.json", export / "photos" / "photo_1.jpg"]
    write_evidence(folder, _items(), messages, inputs, key=key)
    return folder


def test_package_holds_flagged_rows_and_verifies(out: Path, export: Path) -> None:
    evidence = out / "evidence"
    names = sorted(p.name for p in evidence.iterdir())
    assert names == [
        "flagged.csv",
        "flagged.jsonl",
        "manifest.json",
        "manifest.sig",
        "public_key.pem",
    ]
    rows = [json.loads(line) for line in (evidence / "flagged.jsonl").read_text().splitlines()]
    assert [row["message_id"] for row in rows] == [1, 3]
    first = rows[0]
    assert first["link"] == "https://t.me/c/1234567/1"
    assert first["time"] == "2026-01-02T03:04:05+00:00"
    assert first["sender_id"] == "channel1234567"
    assert first["via_bot"] == "somebot"
    assert first["pdq"] == "c" * 64 and first["matches"][0]["entry"] == 7
    assert first["decision"]["action"] == "block"
    assert "rule 'known-ncii'" in first["explanation"]
    assert "matched bank ncii entry 7" in first["explanation"]
    assert "could not be assessed: unreadable" in rows[1]["explanation"]
    result = verify_evidence(evidence)
    assert result.ok, result.differences
    assert result.outputs_checked == 5  # report, journal, 3 evidence files
    assert result.inputs_checked == 2
    manifest = json.loads((evidence / "manifest.json").read_text())
    assert {e["name"] for e in manifest["inputs"]} == {"result.json", "photos/photo_1.jpg"}
    assert {e["name"] for e in manifest["outputs"]} == {
        "report.html",
        "work/items.jsonl",
        "evidence/flagged.jsonl",
        "evidence/flagged.csv",
        "evidence/public_key.pem",
    }


def test_no_media_and_no_text_inside(out: Path, export: Path) -> None:
    photo = (export / "photos" / "photo_1.jpg").read_bytes()
    for path in (out / "evidence").iterdir():
        content = path.read_bytes()
        assert photo[:64] not in content
        assert b"\xff\xd8\xff" not in content  # no JPEG anywhere
        assert CAPTION.encode() not in content
        assert b"Somebody" not in content  # the sender's display name is not needed


def test_csv_has_every_column_and_defuses_formulas(out: Path) -> None:
    with (out / "evidence" / "flagged.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert rows[0]["chat_name"] == "'" + EVIL_NAME
    assert rows[0]["action"] == "block"
    assert "bank ncii entry 7 (pdq, distance 4)" in rows[0]["matches"]
    assert "nudity/opennsfw score=0.12" in rows[0]["signals"]
    assert rows[1]["pdq"] == ""


def _edit_row(out: Path) -> None:
    path = out / "evidence" / "flagged.jsonl"
    path.write_text(path.read_text().replace('"message_id": 1', '"message_id": 9'))


def _edit_csv(out: Path) -> None:
    path = out / "evidence" / "flagged.csv"
    path.write_text(path.read_text().replace("block", "allow"))


def _edit_manifest(out: Path) -> None:
    path = out / "evidence" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["flagged"] = 0
    path.write_text(json.dumps(manifest, sort_keys=True, indent=2) + "\n")


def _swap_signature(out: Path) -> None:
    other = Ed25519PrivateKey.generate().sign((out / "evidence" / "manifest.json").read_bytes())
    (out / "evidence" / "manifest.sig").write_text(base64.b64encode(other).decode() + "\n")


def _swap_public_key(out: Path) -> None:
    pem = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (out / "evidence" / "public_key.pem").write_bytes(pem)


def _edit_input(out: Path) -> None:
    photo = out.parent / "exports" / "ChatExport_2026-01-01" / "photos" / "photo_1.jpg"
    photo.write_bytes(photo.read_bytes() + b"\0")


TAMPERING: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "row edited": (_edit_row, "evidence/flagged.jsonl", "changed"),
    "csv edited": (_edit_csv, "evidence/flagged.csv", "changed"),
    "evidence file added": (
        lambda o: (o / "evidence" / "extra.txt").write_text("x"),
        "evidence/extra.txt",
        "extra",
    ),
    "output file added": (lambda o: (o / "more.html").write_text("x"), "more.html", "extra"),
    "report removed": (lambda o: (o / "report.html").unlink(), "report.html", "missing"),
    "rows removed": (
        lambda o: (o / "evidence" / "flagged.csv").unlink(),
        "evidence/flagged.csv",
        "missing",
    ),
    "manifest edited": (_edit_manifest, "manifest.json", "bad-signature"),
    "signature swapped": (_swap_signature, "manifest.json", "bad-signature"),
    "signature removed": (
        lambda o: (o / "evidence" / "manifest.sig").unlink(),
        "manifest.sig",
        "missing",
    ),
    "public key swapped": (_swap_public_key, "manifest.json", "bad-signature"),
    "input changed": (_edit_input, "input:photos/photo_1.jpg", "changed"),
}


@pytest.mark.parametrize("change", sorted(TAMPERING))
def test_any_change_fails_verification(out: Path, change: str) -> None:
    tamper, name, problem = TAMPERING[change]
    tamper(out)
    result = verify_evidence(out)
    assert not result.ok
    assert (name, problem) in [(d.name, d.problem) for d in result.differences]


def test_resigned_with_another_key_fails_against_the_trusted_key(
    out: Path, export: Path, key: Ed25519PrivateKey
) -> None:
    forger = Ed25519PrivateKey.generate()
    _edit_row(out)
    rows = [
        ItemResult(identity=(1234567, 9), flagged=True),
    ]
    write_evidence(out, rows, [], [export / "result.json"], key=forger)
    assert verify_evidence(out).ok  # consistent in itself: only the signer's key can tell
    result = verify_evidence(out, trusted_key=key.public_key())
    assert not result.ok and not result.signature_ok
    assert result.key_fingerprint == key_fingerprint(key.public_key())
    assert verify_evidence(out).key_fingerprint == key_fingerprint(forger.public_key())


def test_moved_inputs_are_unreachable_not_failures(out: Path, tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    shutil.move(tmp_path / "exports" / "ChatExport_2026-01-01", moved)
    result = verify_evidence(out)
    assert result.ok and result.inputs_checked == 0
    assert sorted(result.inputs_unreachable) == ["photos/photo_1.jpg", "result.json"]
    found = verify_evidence(out, inputs_root=moved)
    assert found.ok and found.inputs_checked == 2
    (moved / "result.json").write_text("{}")
    changed = verify_evidence(out, inputs_root=moved)
    assert [d.name for d in changed.differences] == ["input:result.json"]


def test_signing_key_is_created_private_and_reused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = signing_key(home)
    path = home / "keys" / "evidence-ed25519.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = signing_key(home)
    assert key_fingerprint(first.public_key()) == key_fingerprint(again.public_key())
    named = signing_key(home, tmp_path / "mine.pem")
    assert (tmp_path / "mine.pem").exists()
    assert key_fingerprint(named.public_key()) != key_fingerprint(first.public_key())


def test_a_key_that_is_not_ed25519_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ec.pem"
    path.write_bytes(
        generate_private_key(SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(EvidenceError) as caught:
        load_or_create_key(path)
    assert caught.value.code == "bad-signing-key"


def test_cli_verify_exit_codes(out: Path, key: Ed25519PrivateKey, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["evidence", "verify", str(out / "evidence")])
    assert ok.exit_code == 0, ok.output
    assert "ok: the package is intact" in ok.output
    assert key_fingerprint(key.public_key()) in ok.output
    pem = tmp_path / "trusted.pem"
    pem.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    trusted = runner.invoke(app, ["evidence", "verify", str(out), "--public-key", str(pem)])
    assert trusted.exit_code == 0, trusted.output
    _edit_row(out)
    bad = runner.invoke(app, ["evidence", "verify", str(out), "--json"])
    assert bad.exit_code == 1
    report = json.loads(bad.stdout)
    assert report["ok"] is False and report["signature_ok"] is True
    assert report["differences"][0]["name"] == "evidence/flagged.jsonl"
    missing = runner.invoke(app, ["evidence", "verify", str(tmp_path / "nowhere")])
    assert missing.exit_code == 4


def test_package_from_a_built_export(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    export = build_account_export(
        tmp_path / "DataExport_2020",
        [
            chat("Bot channel", [message(1, kind="photo", via_bot="fakebot", text=CAPTION)]),
            chat("Private", [message(2, kind="video")], chat_type="personal_chat", chat_id=42),
        ],
    )
    messages = [m for m in read_exports([export]) if isinstance(m, ExportMessage)]
    assert len(messages) == 2
    items = [ItemResult(identity=m.identity, sha256="e" * 64, flagged=True) for m in messages]
    out = tmp_path / "out"
    inputs = list(export_files(export))
    write_evidence(out, items, {m.identity: m for m in messages}, inputs, key=key)
    rows = [json.loads(x) for x in (out / "evidence" / "flagged.jsonl").read_text().splitlines()]
    by_chat = {row["chat_name"]: row for row in rows}
    assert by_chat["Bot channel"]["via_bot"] == "fakebot"
    assert by_chat["Bot channel"]["link"] == "https://t.me/c/1234567890/1"
    assert by_chat["Private"]["link"] is None
    assert by_chat["Private"]["media_kind"] == "video"
    result = verify_evidence(out)
    assert result.ok and result.inputs_checked == len(inputs) >= 3
    media = [m.media.path.read_bytes() for m in messages if m.media and m.media.path]
    assert len(media) == 2
    for path in (out / "evidence").iterdir():
        content = path.read_bytes()
        assert CAPTION.encode() not in content
        assert not any(file[:100] in content for file in media)
    (export / "result.json").write_text("{}")
    assert not verify_evidence(out).ok
