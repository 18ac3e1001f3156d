from __future__ import annotations

import io
import json
import re
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from consentry.exchange import export_bank, import_bank
from consentry.signals.vpdq import frames_from_text
from consentry.store import Store

Contents = Callable[[str], list[tuple[object, ...]]]


def fill(store: Store, values: dict[str, str]) -> None:
    store.add_entry("src", [("pdq", values["pdq"]), ("md5", values["md5"])], label="case, 1")
    store.add_entry("src", [("sha256", values["sha256"])], label='quote " and\nnewline', note="n")
    store.add_entry("src", [("vpdq", values["vpdq"])], label="vidéo ✓")
    store.add_entry("src", [("pdq", secrets.token_hex(32))])


def test_csv_round_trip(store: Store, values: dict[str, str], contents: Contents) -> None:
    fill(store, values)
    out = io.StringIO()
    assert export_bank(store, "src", out, format="csv") == 5
    report = import_bank(store, "dst", out.getvalue().encode(), format="csv")
    assert report.ok, report.errors
    assert (report.entries_added, report.fingerprints_added, report.duplicates) == (4, 5, 0)
    assert contents("dst") == contents("src")


def test_csv_export_layout(store: Store, values: dict[str, str]) -> None:
    entry_id = store.add_entry("src", [("pdq", values["pdq"]), ("md5", values["md5"])], label="L")
    out = io.StringIO()
    export_bank(store, "src", out)
    assert out.getvalue().splitlines() == [
        "type,value,label,note,entry",
        f"pdq,{values['pdq']},L,,{entry_id}",
        f"md5,{values['md5']},L,,{entry_id}",
    ]


def comparable(fingerprint: tuple[str, str]) -> tuple[str, object]:
    """pytx's vPDQ form has no frame index (position stands in): compare the rest."""
    kind, value = fingerprint
    if kind != "vpdq":
        return kind, value
    return kind, [(f.pdq, f.quality, f.timestamp) for f in frames_from_text(value)]


def test_pytx_round_trip_keeps_fingerprints(
    store: Store, values: dict[str, str], contents: Contents
) -> None:
    fill(store, values)
    out = io.StringIO()
    assert export_bank(store, "src", out, format="pytx") == 5
    report = import_bank(store, "dst", out.getvalue().encode(), format="pytx")
    assert report.ok, report.errors
    expected = sorted(comparable(fp) for _, _, fps in contents("src") for fp in fps)
    got = sorted(comparable(fp) for _, _, fps in contents("dst") for fp in fps)
    assert got == expected
    assert report.entries_added == 5  # one entry per line: pytx has no grouping


def test_pytx_export_uses_pytx_names(store: Store, values: dict[str, str]) -> None:
    fill(store, values)
    out = io.StringIO()
    export_bank(store, "src", out, format="pytx")
    lines = out.getvalue().splitlines()
    assert f"pdq {values['pdq']}" in lines
    assert f"video_md5 {values['md5']}" in lines
    assert f"video_sha256 {values['sha256']}" in lines
    vpdq_line = next(line for line in lines if line.startswith("vpdq "))
    assert all(re.fullmatch(r"[a-z0-9_]+ \S.*", line) for line in lines)
    _assert_pytx_vpdq(vpdq_line.partition(" ")[2], values["vpdq"])


def _assert_pytx_vpdq(signal: str, canonical: str) -> None:
    """pytx 1.2.17 reads a JSON list of '<hex>,<quality>,<timestamp>' strings."""
    items = json.loads(signal)
    frames = frames_from_text(canonical)
    assert len(items) == len(frames)
    for item, frame in zip(items, frames, strict=True):
        pdq, quality, timestamp = item.split(",")
        assert (pdq, int(quality), float(timestamp)) == (frame.pdq, frame.quality, frame.timestamp)


def test_pytx_csv_round_trip(store: Store, values: dict[str, str], contents: Contents) -> None:
    store.add_entry("src", [("pdq", values["pdq"])], label="case-1")
    store.add_entry("src", [("md5", values["md5"])])
    store.add_entry("src", [("vpdq", values["vpdq"])], label="v")
    out = io.StringIO()
    assert export_bank(store, "src", out, format="pytx-csv") == 3
    text = out.getvalue()
    assert text.splitlines()[0] == "signal_type,signal_str,collab,category,tags"
    assert f"pdq,{values['pdq']},src,POSITIVE_CLASS,case-1" in text.splitlines()
    report = import_bank(store, "dst", text.encode(), format="pytx-csv")
    assert report.ok, report.errors
    dst = contents("dst")
    assert [(label, [comparable(fp) for fp in fps]) for label, _, fps in dst] == [
        (label, [comparable(fp) for fp in fps]) for label, _, fps in contents("src")
    ]
    assert all(note == "pytx collaboration: src" for _, note, _ in dst)


def test_export_to_a_path(store: Store, values: dict[str, str], tmp_path: Path) -> None:
    fill(store, values)
    target = tmp_path / "out.csv"
    target.write_text("old content")
    assert export_bank(store, "src", target) == 5
    assert target.read_text(encoding="utf-8").startswith("type,value,label,note,entry\n")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")] == []
    report = import_bank(store, "dst", target)
    assert (report.format, report.entries_added) == ("csv", 4)


def test_export_empty_bank(store: Store) -> None:
    out = io.StringIO()
    assert export_bank(store, "src", out) == 0
    assert out.getvalue() == "type,value,label,note,entry\n"


@pytest.mark.parametrize("format", ["csv", "pytx", "pytx-csv"])
def test_reimport_is_idempotent(
    store: Store, values: dict[str, str], contents: Contents, format: str
) -> None:
    fill(store, values)
    out = io.StringIO()
    export_bank(store, "src", out, format=format)
    data = out.getvalue().encode()
    first = import_bank(store, "dst", data, format=format)
    before = contents("dst")
    second = import_bank(store, "dst", data, format=format)
    assert second.ok
    assert (second.entries_added, second.fingerprints_added) == (0, 0)
    assert second.duplicates == first.fingerprints_added == 5
    assert contents("dst") == before


def test_same_value_with_another_label_is_a_new_entry(store: Store, values: dict[str, str]) -> None:
    import_bank(store, "dst", f"type,value,label\npdq,{values['pdq']},a\n".encode())
    report = import_bank(store, "dst", f"type,value,label\npdq,{values['pdq']},b\n".encode())
    assert (report.entries_added, report.duplicates) == (1, 0)
    assert store.get_bank("dst").entry_count == 2


def test_reimport_with_a_new_fingerprint_extends_the_entry(
    store: Store, values: dict[str, str]
) -> None:
    first = f"type,value,label,entry\npdq,{values['pdq']},L,7\n"
    import_bank(store, "dst", first.encode())
    second = first + f"md5,{values['md5']},L,7\n"
    report = import_bank(store, "dst", second.encode())
    assert (report.entries_added, report.fingerprints_added, report.duplicates) == (0, 1, 1)
    [entry] = list(store.iter_entries("dst"))
    assert sorted(entry.fingerprints) == sorted([("pdq", values["pdq"]), ("md5", values["md5"])])


def test_import_label_applies_to_unlabelled_lines(store: Store, values: dict[str, str]) -> None:
    text = f"pdq {values['pdq']}\nvideo_md5 {values['md5']}\n"
    report = import_bank(store, "dst", text.encode(), label="partner-batch-3")
    assert report.entries_added == 2
    assert {e.label for e in store.iter_entries("dst")} == {"partner-batch-3"}
