"""``consentry hash``: JSON shape, table, rotations, broken files among good ones."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import Invoke, json_lines, run_module

from consentry.cli import ExitCode

KEYS = {
    "path",
    "kind",
    "format",
    "pdq",
    "quality",
    "low_quality",
    "md5",
    "sha256",
    "width",
    "height",
    "variants",
    "vpdq",
    "warnings",
    "error",
}


def test_json_shape(cli: Invoke, photos: dict[str, Path]) -> None:
    result = cli("hash", photos["astronaut"], photos["cat-png"], "--json")
    assert result.exit_code == 0, result.stderr
    first, second = json_lines(result.stdout)
    assert set(first) >= KEYS
    assert first["path"] == str(photos["astronaut"])
    assert first["kind"] == "image" and first["format"] == "jpeg"
    assert len(first["pdq"]) == 64 and int(first["pdq"], 16) >= 0
    assert first["quality"] >= 80 and first["low_quality"] is False
    assert len(first["md5"]) == 32 and len(first["sha256"]) == 64
    assert (first["width"], first["height"]) == (512, 512)
    assert first["error"] is None and first["vpdq"] is None
    assert second["format"] == "png" and second["pdq"] != first["pdq"]


def test_rotations_add_the_eight_transforms(cli: Invoke, photos: dict[str, Path]) -> None:
    plain = json_lines(cli("hash", photos["astronaut"], "--json").stdout)[0]
    rotated = json_lines(cli("hash", photos["astronaut"], "--json", "--rotations").stdout)[0]
    assert rotated["pdq"] == plain["pdq"]
    transforms = {v["transform"] for v in rotated["variants"]}
    assert {
        "rotate90",
        "rotate180",
        "rotate270",
        "flip-horizontal",
        "flip-vertical",
        "transpose",
        "transverse",
    } <= transforms
    assert not any(v["transform"].startswith("rotate") for v in plain["variants"])


def test_broken_files_exit_3_and_the_rest_is_done(cli: Invoke, photos: dict[str, Path]) -> None:
    names = ["astronaut", "truncated", "empty", "random", "text", "coffee"]
    result = cli("hash", *[photos[n] for n in names], cli_missing := "/no/such/file.jpg", "--json")
    assert result.exit_code == ExitCode.PARTIAL
    rows = json_lines(result.stdout)
    assert [r["path"] for r in rows] == [str(photos[n]) for n in names] + [cli_missing]
    codes = [r["error"]["code"] if r["error"] else None for r in rows]
    assert codes == [
        None,
        "truncated",
        "empty-file",
        "unsupported-format",
        "unsupported-format",
        None,
        "unreadable",
    ]
    assert rows[0]["pdq"] and rows[5]["pdq"]
    assert rows[1]["md5"]  # bytes were read: digests are there even though decoding failed
    for row in rows[1:5]:
        assert row["pdq"] is None and row["error"]["message"]


def test_table_output(cli: Invoke, photos: dict[str, Path]) -> None:
    result = cli("hash", photos["astronaut"], photos["truncated"])
    assert result.exit_code == ExitCode.PARTIAL
    pdq = json_lines(cli("hash", photos["astronaut"], "--json").stdout)[0]["pdq"]
    assert pdq in result.stdout  # not wrapped or truncated when piped
    assert "[truncated]" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes when not a terminal
    assert "could not be fingerprinted" in result.stderr


def test_directory_is_walked_and_non_media_is_not_a_failure(
    cli: Invoke, tmp_path: Path, photos: dict[str, Path]
) -> None:
    folder = tmp_path / "dir"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.jpg").write_bytes(photos["astronaut"].read_bytes())
    (folder / "readme.txt").write_text("hello")
    result = cli("hash", folder, "--json")
    assert result.exit_code == 0
    rows = {Path(r["path"]).name: r for r in json_lines(result.stdout)}
    assert rows["a.jpg"]["pdq"] and rows["readme.txt"]["error"]["code"] == "unsupported-format"
    (folder / "bad.jpg").write_bytes(photos["truncated"].read_bytes())
    assert cli("hash", folder, "--json").exit_code == ExitCode.PARTIAL


def test_parallel_workers_give_the_same_results(cli: Invoke, photos: dict[str, Path]) -> None:
    names = ["astronaut", "coffee", "truncated", "rocket", "cat-png", "astronaut-small"]
    paths = [photos[n] for n in names]
    serial = json_lines(cli("hash", *paths, "--json", "--workers", "1").stdout)
    parallel = json_lines(cli("hash", *paths, "--json", "--workers", "2").stdout)
    assert serial == parallel


def test_no_trim(cli: Invoke, tmp_path: Path) -> None:
    from PIL import Image, ImageOps
    from skimage import data

    framed = tmp_path / "framed.jpg"
    ImageOps.expand(Image.fromarray(data.astronaut()), border=120, fill=(0, 0, 0)).save(framed)
    trimmed = json_lines(cli("hash", framed, "--json").stdout)[0]
    untrimmed = json_lines(cli("hash", framed, "--json", "--no-trim").stdout)[0]
    assert "trimmed" in {v["transform"] for v in trimmed["variants"]}
    assert untrimmed["variants"] == []


def test_hash_in_a_subprocess(photos: dict[str, Path]) -> None:
    done = run_module("hash", photos["astronaut"], photos["text"], "--json")
    assert done.returncode == ExitCode.PARTIAL
    rows = json_lines(done.stdout)
    assert rows[0]["pdq"] and rows[1]["error"]["code"] == "unsupported-format"
