from __future__ import annotations

import codecs
import random
import secrets
from pathlib import Path

import pytest

from consentry.exchange import ExchangeError, ImportReport, detect_format, import_bank
from consentry.exchange import importer as importer_module
from consentry.store import Store, StoreError


def errors(report: ImportReport) -> list[tuple[int, str]]:
    return [(issue.line, issue.code) for issue in report.errors]


def pdq() -> str:
    return secrets.token_hex(32)


# -- csv ---------------------------------------------------------------------------


def test_csv_bad_lines_are_reported_and_the_rest_imports(store: Store) -> None:
    good = [pdq(), pdq()]
    text = "\n".join(
        [
            "type,value,label",
            f"pdq,{good[0]},ok",  # 2
            "pdq,zz" + "0" * 62 + ",bad hex",  # 3
            f"pdq,{good[0][:-1]},short",  # 4
            f"pdq,{good[0]}00,long",  # 5
            f"tmk,{pdq()},unknown type",  # 6
            "pdq,,empty value",  # 7
            f"pdq,{good[1]},ok,extra,fields",  # 8
            f"md5,{pdq()},sha256 in md5",  # 9
            f"pdq,{good[1]},ok",  # 10
        ]
    )
    report = import_bank(store, "dst", text.encode(), format="csv")
    assert errors(report) == [
        (3, "invalid-fingerprint"),
        (4, "invalid-fingerprint"),
        (5, "invalid-fingerprint"),
        (6, "invalid-fingerprint"),
        (7, "invalid-fingerprint"),
        (8, "malformed-line"),
        (9, "invalid-fingerprint"),
    ]
    assert "tmk" in report.errors[3].reason
    assert report.entries_added == 2
    assert sorted(fp for e in store.iter_entries("dst") for fp in e.fingerprints) == sorted(
        ("pdq", v) for v in good
    )


@pytest.mark.parametrize(
    ("header", "missing"),
    [("label,note", "type, value"), ("type,label", "value"), ("value", "type")],
)
def test_csv_missing_columns(store: Store, header: str, missing: str) -> None:
    report = import_bank(store, "dst", f"{header}\nx,y\n".encode(), format="csv")
    assert errors(report) == [(1, "missing-columns")]
    assert missing in report.errors[0].reason
    assert store.get_bank("dst").entry_count == 0


def test_csv_header_only(store: Store) -> None:
    report = import_bank(store, "dst", b"type,value,label,note,entry\n", format="csv")
    assert report.ok and report.entries_added == 0


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", codecs.BOM_UTF8, b"\r\n"])
@pytest.mark.parametrize("format", ["csv", "pytx", "pytx-csv", "auto"])
def test_empty_files(store: Store, data: bytes, format: str) -> None:
    report = import_bank(store, "dst", data, format=format)
    assert errors(report) == [(1, "empty-file")]
    assert report.entries_added == 0


def test_csv_with_bom_and_crlf(store: Store) -> None:
    value = pdq()
    data = codecs.BOM_UTF8 + f"Type,Value,Label\r\npdq,{value},a\r\n\r\n".encode()
    report = import_bank(store, "dst", data)
    assert report.format == "csv"
    assert report.ok and report.entries_added == 1
    [entry] = list(store.iter_entries("dst"))
    assert (entry.label, entry.fingerprints) == ("a", [("pdq", value)])


def test_utf16_with_bom(store: Store) -> None:
    value = pdq()
    data = f"type,value,label\r\npdq,{value},café\r\n".encode("utf-16")
    report = import_bank(store, "dst", data)
    assert report.ok and report.entries_added == 1
    assert next(store.iter_entries("dst")).label == "café"


def test_csv_junk_lines_in_the_middle(store: Store) -> None:
    good = [pdq(), pdq()]
    data = (
        b"type,value\n"
        + f"pdq,{good[0]}\n".encode()
        + b"pdq,\xff\xfe\x00\x81junk\n"
        + b"pdq,ab\x00cd\n"
        + f"pdq,{good[1]}\n".encode()
    )
    report = import_bank(store, "dst", data, format="csv")
    assert errors(report) == [(3, "not-text"), (4, "not-text")]
    assert report.entries_added == 2


def test_csv_unterminated_quote_swallows_the_rest_as_one_bad_row(store: Store) -> None:
    value = pdq()
    text = f'type,value,label\npdq,{value},ok\npdq,{pdq()},"never closed\npdq,{pdq()},x\n'
    report = import_bank(store, "dst", text.encode(), format="csv")
    assert report.entries_added == 2  # the quoted label runs to the end: a long label
    assert report.ok


def test_csv_conflicting_labels_in_one_entry(store: Store) -> None:
    text = f"type,value,label,entry\npdq,{pdq()},a,1\nmd5,{secrets.token_hex(16)},b,1\n"
    report = import_bank(store, "dst", text.encode(), format="csv")
    assert errors(report) == [(3, "conflicting-label")]
    [entry] = list(store.iter_entries("dst"))
    assert (entry.label, len(entry.fingerprints)) == ("a", 1)


def test_csv_groups_by_entry_column(store: Store) -> None:
    text = (
        "type,value,label,note,entry\n"
        f"pdq,{pdq()},p1,first,A\n"
        f"pdq,{pdq()},,,B\n"
        f"md5,{secrets.token_hex(16)},,,A\n"
        f"pdq,{pdq()},,,\n"
    )
    report = import_bank(store, "dst", text.encode(), format="csv")
    assert report.ok and report.entries_added == 3
    sizes = sorted((len(e.fingerprints), e.label, e.note) for e in store.iter_entries("dst"))
    assert sizes[-1] == (2, "p1", "first")


def test_random_bytes_never_crash(store: Store) -> None:
    rng = random.Random(1234)
    for format in ("csv", "pytx", "pytx-csv", "auto"):
        for _ in range(30):
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
            report = import_bank(store, "dst", data, format=format)
            assert report.entries_added == 0
            assert not report.ok
    assert store.get_bank("dst").entry_count == 0


# -- pytx lines ----------------------------------------------------------------------


def test_pytx_lines_bad_and_good(store: Store) -> None:
    good = [pdq(), pdq(), secrets.token_hex(16)]
    text = "\n".join(
        [
            "# partner export",  # 1
            f"pdq {good[0]}",  # 2
            "pdq nothex",  # 3
            "pdq",  # 4
            f"url {pdq()}",  # 5
            f"raw_text {pdq()}",  # 6
            "",  # 7
            f"PDQ {good[1]}",  # 8
            f"video_md5 {good[2]}",  # 9
            f"video_sha256 {secrets.token_hex(16)}",  # 10
            "vpdq [not json",  # 11
            "@@@ !!",  # 12
        ]
    )
    report = import_bank(store, "dst", text.encode(), format="pytx")
    assert errors(report) == [
        (3, "invalid-fingerprint"),
        (4, "malformed-line"),
        (5, "unknown-type"),
        (6, "unknown-type"),
        (10, "invalid-fingerprint"),
        (11, "invalid-fingerprint"),
        (12, "unknown-type"),
    ]
    assert report.entries_added == 3


def test_pytx_bare_hashes_use_the_default_type(store: Store) -> None:
    md5s = [secrets.token_hex(16) for _ in range(3)]
    report = import_bank(store, "dst", "\r\n".join(md5s).encode(), default_type="md5")
    assert report.format == "pytx"
    assert report.entries_added == 3
    assert {fp for e in store.iter_entries("dst") for fp in e.fingerprints} == {
        ("md5", v) for v in md5s
    }


def test_pytx_bare_hash_without_default_type(store: Store) -> None:
    report = import_bank(store, "dst", pdq().encode(), format="pytx", default_type=None)
    assert errors(report) == [(1, "unknown-type")]


def test_pytx_dataset_print_lines(store: Store) -> None:
    value = pdq()
    line = f"pdq {value} 'Sample Data' POSITIVE_CLASS tag1,tag2\n"
    report = import_bank(store, "dst", line.encode(), format="pytx")
    assert report.ok
    assert next(store.iter_entries("dst")).fingerprints == [("pdq", value)]


def test_pytx_rotations_become_one_entry_per_image(store: Store) -> None:
    rotations = ["ORIGINAL", "ROTATE90", "ROTATE180", "ROTATE270", "FLIPX", "FLIPY"]
    rotations += ["FLIPPLUS1", "FLIPMINUS1"]
    lines = [f"{r} pdq {pdq()}" for r in rotations] + [f"{r} pdq {pdq()}" for r in rotations]
    report = import_bank(store, "dst", "\n".join(lines).encode(), format="pytx")
    assert report.ok
    assert report.entries_added == 2
    assert [len(e.fingerprints) for e in store.iter_entries("dst")] == [8, 8]


def test_pytx_vpdq_json_list(store: Store) -> None:
    frames = [f"{pdq()},{q},{t}" for q, t in ((100, "0.0"), (80, "1.0"), (95, "1e+03"))]
    line = 'vpdq ["' + '", "'.join(frames) + '"]\n'
    report = import_bank(store, "dst", line.encode(), format="pytx")
    assert report.ok, report.errors
    [(kind, value)] = next(store.iter_entries("dst")).fingerprints
    assert kind == "vpdq"
    assert value.split(";")[2].split(",")[:3] == ["2", "95", "1000.000"]


@pytest.mark.parametrize(
    "signal",
    ["[]", '["nothex,100,0.0"]', '["' + "a" * 64 + ',101,0"]', "[1, 2]", '["' + "a" * 64 + '"]'],
)
def test_pytx_bad_vpdq(store: Store, signal: str) -> None:
    report = import_bank(store, "dst", f"vpdq {signal}".encode(), format="pytx")
    assert errors(report) == [(1, "invalid-fingerprint")]


# -- pytx dataset csv ---------------------------------------------------------------


def test_pytx_csv_categories_and_errors(store: Store) -> None:
    keep = [pdq(), pdq()]
    text = (
        "signal_type,signal_str,collab,category,tags\n"
        f"pdq,{keep[0]},Sample Data,POSITIVE_CLASS,a b\n"
        f"pdq,{pdq()},Sample Data,NEGATIVE_CLASS,\n"
        f"pdq,{pdq()},Sample Data,DISPUTED,\n"
        f"pdq,{keep[1]},Sample Data,INVESTIGATION_SEED,\n"
        f"trend_query,{pdq()},Sample Data,POSITIVE_CLASS,\n"
        "pdq,123,Sample Data,POSITIVE_CLASS,\n"
    )
    report = import_bank(store, "dst", text.encode())
    assert report.format == "pytx-csv"
    assert [(i.line, i.code) for i in report.skipped] == [
        (3, "skipped-category"),
        (4, "skipped-category"),
    ]
    assert errors(report) == [(6, "unknown-type"), (7, "invalid-fingerprint")]
    assert report.entries_added == 2
    assert {e.label for e in store.iter_entries("dst")} == {"a b", None}


def test_pytx_csv_missing_columns(store: Store) -> None:
    report = import_bank(store, "dst", b"signal_type,collab\npdq,x\n", format="pytx-csv")
    assert errors(report) == [(1, "missing-columns")]


# -- whole-file problems -------------------------------------------------------------


def test_unknown_bank(store: Store) -> None:
    with pytest.raises(StoreError) as info:
        import_bank(store, "nope", b"x")
    assert info.value.code == "unknown-bank"


def test_unknown_format(store: Store) -> None:
    with pytest.raises(ExchangeError) as info:
        import_bank(store, "dst", b"x", format="xlsx")
    assert info.value.code == "unknown-format"


def test_unreadable_paths(store: Store, tmp_path: Path) -> None:
    for path in (tmp_path / "missing.csv", tmp_path):
        with pytest.raises(ExchangeError) as info:
            import_bank(store, "dst", path)
        assert info.value.code == "unreadable"


def test_too_large(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"0" * 1000)
    with pytest.raises(ExchangeError) as info:
        import_bank(store, "dst", path, max_bytes=999)
    assert info.value.code == "too-large"
    assert import_bank(store, "dst", path, max_bytes=1000).errors  # reads, then line error


def test_wrong_extension_is_irrelevant(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "hashes.png"
    path.write_text(f"pdq {pdq()}\n")
    assert import_bank(store, "dst", path).entries_added == 1


def test_detect_format() -> None:
    assert detect_format("\n\ntype,value\n") == "csv"
    assert detect_format("VALUE,TYPE,label") == "csv"
    assert detect_format("signal_type,signal_str,collab,category,tags") == "pytx-csv"
    assert detect_format(f"pdq {pdq()}") == "pytx"
    assert detect_format('"unclosed') == "pytx"
    assert detect_format("") == "pytx"
    assert detect_format(f"md5,{pdq()[:32]}") == "csv"  # a CSV that lost its header


def test_accepted_batches_survive_a_failure(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer_module, "BATCH_GROUPS", 10)
    calls = {"n": 0}
    real = store.add_entries

    def failing_second_batch(bank: str, items: list) -> list[int]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(bank, items)

    monkeypatch.setattr(store, "add_entries", failing_second_batch)
    text = "\n".join(f"pdq {pdq()}" for _ in range(25))
    with pytest.raises(RuntimeError):
        import_bank(store, "dst", text.encode(), format="pytx")
    assert store.get_bank("dst").entry_count == 10


def test_csv_without_header_is_reported_as_such(store: Store) -> None:
    data = f"pdq,{pdq()},label\npdq,{pdq()},label\n".encode()
    report = import_bank(store, "dst", data)
    assert report.format == "csv"
    assert errors(report) == [(1, "missing-columns")]


def test_pytx_line_numbers_count_only_real_line_breaks(store: Store) -> None:
    data = f"pdq {pdq()}\r\npdq bad\x0cvalue\rpdq {pdq()}\npdq nothex\n".encode()
    report = import_bank(store, "dst", data, format="pytx")
    assert errors(report) == [(2, "not-text"), (4, "invalid-fingerprint")]
    assert report.entries_added == 2
