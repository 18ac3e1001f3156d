"""`consentry investigate` on built exports: how fast an ecosystem is measured, in how much memory.

    .venv/bin/python bench/investigate.py                    # 2,000 photo posts + 100,000 messages
    .venv/bin/python bench/investigate.py --posts 500 --messages 20000

Two runs of the whole command in a child process (so its peak memory is its own):
1. a channel export of N photo posts (benign: scikit-image photos re-posted among pictures drawn
   per post, 640 px), with a bank holding one of the photos: media fingerprinted, inspected for
   nudity and provenance, matched, decided, clustered, reported and signed, on all cores;
2. a text-only export of M messages read with --no-media: the streaming reader and the report.
Writes bench/results/investigate.md. Figures, never pass/fail. There is no open anchor to run
side by side (Sensity's measurement of the 2020 ecosystem was a commercial service's).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO / "tests" / "investigate"))

from export_builders import build_chat_export, drawn_photo, message, sample_photo  # noqa: E402

from machine import cpu_model, load_average  # noqa: E402

OUT = BENCH / "results" / "investigate.md"
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera")
START = datetime(2024, 1, 1, tzinfo=UTC)


def photo_posts(count: int) -> list[object]:
    rng = random.Random(7)
    posts = []
    for number in range(1, count + 1):
        reposted = rng.random() < 0.5
        content = (
            sample_photo(rng.choice(PHOTOS), size=640) if reposted else drawn_photo(number, 640)
        )
        when = START + timedelta(minutes=number * 97)
        posts.append(message(number, kind="photo", content=content, date=when, text="look"))
    return posts


def text_messages(count: int) -> list[object]:
    return [
        message(n, date=START + timedelta(seconds=n * 61), text="a message without media")
        for n in range(1, count + 1)
    ]


# A fresh parent per command, so the peak it reports is this command's alone.
_MEASURE = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def consentry(home: Path, *args: str) -> tuple[float, int]:
    """Seconds and the peak RSS (MB, the largest process: workers included) of one command."""
    command = [sys.executable, "-m", "consentry", "--home", str(home), *args]
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], check=True, capture_output=True, text=True
    )
    seconds, peak_kb = measured.stdout.split()
    return float(seconds), int(peak_kb) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=OUT)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="consentry-bench-") as scratch:
        root = Path(scratch)
        home = root / "home"
        home.mkdir()
        photos = build_chat_export(root / "ChatExport_photos", photo_posts(options.posts))
        texts = build_chat_export(root / "ChatExport_texts", text_messages(options.messages))
        (root / "coffee.jpg").write_bytes(sample_photo("coffee", size=640))
        consentry(home, "bank", "create", "bench")
        consentry(home, "bank", "add", "bench", str(root / "coffee.jpg"), "--label", "intimate")
        media_s, media_mb = consentry(
            home, "investigate", str(photos), "--out", str(root / "o1"), "--bank", "bench"
        )
        text_s, text_mb = consentry(
            home, "investigate", str(texts), "--out", str(root / "o2"), "--no-media", "--no-pdf"
        )
        size_mb = (texts / "result.json").stat().st_size / 1e6
    lines = [
        "# consentry investigate\n",
        f"`bench/investigate.py`. Machine: {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} logical cores ({cpu_model()}), Python {platform.python_version()}; "
        f"load average at the end: {load_average()}. Whole commands (start-up included), one run "
        "each; peak RSS is the largest process's (workers included).\n",
        "| export | what runs | seconds | per second | peak RSS |",
        "|---|---|---|---|---|",
        f"| {options.posts:,} photo posts (640 px JPEG) | fingerprints, nudity, provenance, "
        f"bank match, policy, clusters, HTML + PDF report, signed evidence, all cores | "
        f"{media_s:.1f} | {options.posts / media_s:.1f} posts | {media_mb} MB |",
        f"| {options.messages:,} text messages ({size_mb:.0f} MB of JSON) | `--no-media`: "
        f"streamed reading, summary, report, evidence | {text_s:.1f} | "
        f"{options.messages / text_s:,.0f} messages | {text_mb} MB |",
    ]
    options.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {options.out}")


if __name__ == "__main__":
    main()
