"""The browser's PDQ against the server's, file by file, in headless Chromium.

    .venv/bin/python bench/browser_pdq.py              # skimage set (+ ../shared/pdq-reference)
    .venv/bin/python bench/browser_pdq.py --images DIR --images skimage

For each image: the page's fingerprintFile (static/js/hashing/index.js: Chromium decodes,
pdq.js hashes) and the server's consentry.signals.fingerprint on the same bytes. Writes
bench/results/browser_pdq.md: Hamming distance distribution by format (all, and where the
server's quality >= 80) and the time per image on each side. Figures, never pass/fail.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO / "tests" / "web"))

from hashing_helpers import (  # noqa: E402
    HashingPage,
    file_variants,
    fingerprint_value,
    hamming,
    sample_photos,
)

from conftest import CHROMIUM_ARGS, DEFAULT_CHROMIUM, start_server  # noqa: E402
from consentry.media import decode_image, sniff  # noqa: E402
from consentry.signals.fingerprint import fingerprint  # noqa: E402
from consentry.signals.pdq import pdq_from_rgb  # noqa: E402
from machine import cpu_model, load_average  # noqa: E402

OUT = BENCH / "results" / "browser_pdq.md"
REFERENCE = REPO.parent / "shared" / "pdq-reference"  # Meta's PDQ test images, when present
SKIMAGE = "skimage"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic"}
IMAGE_SUFFIXES |= {".avif", ".heif"}
BATCH = 12  # files per page round trip


def skimage_files() -> dict[str, tuple[str, bytes]]:
    return {f"skimage/{name}": item for name, item in file_variants(sample_photos()).items()}


def folder_files(root: Path) -> dict[str, tuple[str, bytes]]:
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
            data = path.read_bytes()
            sniffed = sniff(data[:4096])
            group = sniffed.format if sniffed else "not media"
            files[f"{root.name}/{path.relative_to(root)}"] = (group, data)
    return files


def server_side(data: bytes) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fingerprint(data, trim=False)  # what the page computes: digests + PDQ
    return result, (time.perf_counter() - started) * 1000


def measure(files: dict[str, tuple[str, bytes]], hashing: HashingPage) -> list[dict[str, Any]]:
    names = list(files)
    rows = []
    for start in range(0, len(names), BATCH):
        batch = {name: files[name][1] for name in names[start : start + BATCH]}
        ours = hashing.fingerprint(batch)
        for name, data in batch.items():
            hashing.files.pop(name, None)
            server, server_ms = server_side(data)
            row = row_for(name, files[name][0], ours[name], server, server_ms)
            full = full_size_reference(data)
            browser_pdq = fingerprint_value(ours[name], "pdq")
            row["to_full"] = hamming(browser_pdq, full) if browser_pdq and full else None
            rows.append(row)
    return rows


def full_size_reference(data: bytes) -> str | None:
    """pdqhash's hash of the server's decode at full size (no reduced-scale JPEG decode)."""
    try:
        frame = decode_image(data, max_frames=1).frames[0]
    except Exception:  # what the server cannot decode has no reference
        return None
    return pdq_from_rgb(frame, reference=True).hash


def row_for(name: str, group: str, ours: dict, server: Any, server_ms: float) -> dict[str, Any]:
    browser_pdq = fingerprint_value(ours, "pdq")
    both = browser_pdq is not None and server.pdq is not None
    return {
        "name": name,
        "group": group,
        "browser_error": ours.get("code"),
        "server_error": server.error.code if server.error else None,
        "distance": hamming(browser_pdq, server.pdq) if both else None,
        "quality": server.quality,
        "browser_quality": ours.get("pdqQuality"),
        "browser_ms": ours.get("ms"),
        "server_ms": server_ms,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def trusted_row(row: dict[str, Any]) -> bool:
    return row["distance"] is not None and row["quality"] >= 80


def summary_line(label: str, rows: list[dict[str, Any]]) -> str:
    distances = [row["distance"] for row in rows if row["distance"] is not None]
    trusted = [
        row["distance"] for row in rows if row["distance"] is not None and row["quality"] >= 80
    ]
    browser_ms = [row["browser_ms"] for row in rows if row["browser_ms"] is not None]
    server_ms = [row["server_ms"] for row in rows if row["distance"] is not None]
    failed = sum(1 for row in rows if row["distance"] is None)
    to_full = [row["to_full"] for row in rows if row["to_full"] is not None]

    def stats(values: list[int]) -> str:
        if not values:
            return "- | - | - | -"
        at_zero = 100 * sum(1 for v in values if v == 0) / len(values)
        return (
            f"{statistics.median(values):g} | {percentile(values, 0.95):g} | {max(values)} "
            f"| {at_zero:.0f}%"
        )

    times = (
        f"{statistics.median(browser_ms):.0f} | {statistics.median(server_ms):.0f}"
        if browser_ms and server_ms
        else "- | -"
    )
    return (
        f"| {label} | {len(rows)} | {failed} | {len(trusted)} | {stats(trusted)} | "
        f"{stats(distances)} | {stats(to_full)} | {times} |"
    )


TABLE_HEAD = (
    "| set / format | files | not hashed | q>=80 | median | p95 | max | at 0 | "
    "all: median | p95 | max | at 0 | full-size: median | p95 | max | at 0 | "
    "browser ms | python ms |\n" + "|---" * 18 + "|"
)


def report(sets: dict[str, list[dict[str, Any]]], chromium: str) -> str:
    lines = [
        "# Browser PDQ against the server's\n",
        "`bench/browser_pdq.py`: each file fingerprinted by the page's module "
        "(static/js/hashing/index.js in headless Chromium: Chromium decodes, EXIF orientation "
        "applied, colour profile ignored, alpha over white; pdq.js hashes) and by "
        "`consentry.signals.fingerprint` on the same bytes. Distance: Hamming bits between "
        "the two PDQ hashes. q>=80 columns: files whose server-side quality is >= 80 (PDQ's "
        "bar: median <= 2, max <= 10 there). Full-size columns: the browser's hash against "
        "Meta's pdqhash of the server's decode at full size (no reduced-scale JPEG decode), "
        "which separates decoding from the server's reduced-scale arithmetic. Times: median "
        "per file, browser = decode + PDQ + MD5/SHA-256 inside the page, python = "
        "`fingerprint(data, trim=False)` in this process (no page round trip on either side). "
        "Figures, not pass/fail.\n",
        f"Machine: {platform.system()} {platform.machine()} ({cpu_model()}), {chromium}, "
        f"Python {platform.python_version()}; load average {load_average()}.\n",
    ]
    for set_name, rows in sets.items():
        lines.append(f"## {set_name}\n")
        lines.append(TABLE_HEAD)
        lines.append(summary_line("all", rows))
        for group in sorted({row["group"] for row in rows}):
            lines.append(summary_line(group, [row for row in rows if row["group"] == group]))
        lines.append("")
        lines.extend(outliers(rows))
    return "\n".join(lines) + "\n"


def outliers(rows: list[dict[str, Any]]) -> list[str]:
    notes = []
    for row in rows:
        if row["distance"] is None:
            notes.append(
                f"- {row['name']}: not hashed (browser: {row['browser_error'] or 'ok'}, "
                f"server: {row['server_error'] or 'ok'})"
            )
        elif row["distance"] > 10:
            notes.append(
                f"- {row['name']}: {row['distance']} bits (server quality {row['quality']}, "
                f"browser {row['browser_quality']})"
            )
    return [*notes, ""] if notes else []


def default_sources() -> list[str]:
    return [SKIMAGE, str(REFERENCE)] if REFERENCE.is_dir() else [SKIMAGE]


def chromium_version(path: str) -> str:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
        return out.stdout.strip().split(" built")[0] or "Chromium"
    except (OSError, subprocess.TimeoutExpired):
        return "Chromium"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--images",
        action="append",
        help=f"a folder of images (repeatable); '{SKIMAGE}' for the generated set; default: "
        f"'{SKIMAGE}' and {REFERENCE} when it exists",
    )
    parser.add_argument("--chromium", default=DEFAULT_CHROMIUM)
    parser.add_argument("--out", type=Path, default=OUT)
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    sets: dict[str, list[dict[str, Any]]] = {}
    server = start_server(Path(tempfile.mkdtemp(prefix="browser-pdq-")))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=options.chromium, headless=True, args=CHROMIUM_ARGS
            )
            hashing = HashingPage(browser.new_page(), server.url).open()
            for source in options.images or default_sources():
                if source == SKIMAGE:
                    label, files = "scikit-image sample photos and their variants", skimage_files()
                else:
                    label, files = f"`{source}`", folder_files(Path(source))
                print(f"{label}: {len(files)} files", flush=True)
                sets[label] = measure(files, hashing)
            browser.close()
    finally:
        server.stop()
    options.out.write_text(report(sets, chromium_version(options.chromium)))
    print(f"wrote {options.out}")


if __name__ == "__main__":
    main()
