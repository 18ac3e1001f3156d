"""vPDQ agreement: Consentry's frame hashes and match rule vs Meta's ``vpdq`` package.

    bench/.work/venv/bin/python bench/vpdq_agreement.py

Generates benign videos (scikit-image photos panned and zoomed, encoded with PyAV) under
bench/.work/videos, hashes each with ``consentry.signals.fingerprint`` and with
``vpdq.computeHash(seconds_per_hash=1)``, and compares frame selection, frame hashes and
match decisions (ours: ``vpdq_match``; theirs: python-threatexchange's
``match_VPDQ_hash_brute``). Writes bench/results/vpdq_agreement.md.
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image
from skimage import data

from consentry.signals import VpdqFrame, fingerprint, vpdq_match
from consentry.signals.pdq import hamming

REPO = Path(__file__).resolve().parent.parent
QUERY_MATCH_PERCENT = 80.0  # python-threatexchange's VPDQ_QUERY_MATCH_THRESHOLD_PERCENT


def _photo(name: str) -> np.ndarray:
    image = getattr(data, name)()
    return np.dstack([image] * 3) if image.ndim == 2 else image[:, :, :3]


def _pan(photo: np.ndarray, size: tuple[int, int], t: float, zoom: float) -> np.ndarray:
    """A window over ``photo``, moving left to right over t in [0, 1], zoomed in by ``zoom``."""
    h, w = photo.shape[:2]
    scale = 1.0 + zoom * t
    win_w, win_h = int(w / (1.4 * scale)), int(h / (1.4 * scale))
    left = int((w - win_w) * t)
    top = int((h - win_h) * (0.5 + 0.3 * np.sin(3 * t)) / 1.0 * 0.9)
    crop = photo[top : top + win_h, left : left + win_w]
    return np.asarray(Image.fromarray(crop).resize(size, Image.BILINEAR))


def write_video(path: Path, frames, fps: Fraction, size: tuple[int, int], crf: int) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"crf": str(crf)}
        for rgb in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb))))
        container.mux(stream.encode())
    return path


def make_videos(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    specs = {
        # name: (photos, seconds, fps, size, zoom, crf)
        "astronaut-pan": (["astronaut"], 10, Fraction(30), (640, 480), 0.0, 23),
        "coffee-zoom": (["coffee"], 8, Fraction(25), (1280, 720), 0.8, 23),
        "chelsea-ntsc": (["chelsea"], 12, Fraction(30000, 1001), (854, 480), 0.3, 23),
        "rocket-24fps": (["rocket"], 6, Fraction(24), (640, 360), 0.5, 23),
        "cut-astronaut-coffee": (["astronaut", "coffee"], 10, Fraction(30), (640, 480), 0.0, 23),
        # a re-encoded, smaller, lower quality copy of astronaut-pan
        "astronaut-pan-copy": (["astronaut"], 10, Fraction(30), (480, 360), 0.0, 32),
    }
    paths = {}
    for name, (photos, seconds, fps, size, zoom, crf) in specs.items():
        path = folder / f"{name}.mp4"
        if not path.exists():
            total = int(seconds * fps)
            pictures = [_photo(p) for p in photos]

            def frames(total=total, pictures=pictures, size=size, zoom=zoom):
                for i in range(total):
                    t = i / total
                    part = min(int(t * len(pictures)), len(pictures) - 1)
                    yield _pan(pictures[part], size, t, zoom)

            write_video(path, frames(), fps, size, crf)
        paths[name] = path
    # a clip: seconds 3-7 of astronaut-pan, as a separate encode
    clip = folder / "astronaut-clip-3-7s.mp4"
    if not clip.exists():
        photo = _photo("astronaut")
        frames = (_pan(photo, (640, 480), i / 300, 0.0) for i in range(90, 210))
        write_video(clip, frames, Fraction(30), (640, 480), 26)
    paths["astronaut-clip-3-7s"] = clip
    return paths


def theirs(path: Path) -> list[VpdqFrame]:
    import vpdq

    return [
        VpdqFrame(f.frame_number, float(f.timestamp), f.hex, int(f.quality))
        for f in vpdq.computeHash(str(path), seconds_per_hash=1)
    ]


def pytx_match(query: list[VpdqFrame], target: list[VpdqFrame]) -> tuple[float, float]:
    from threatexchange.extensions.vpdq.vpdq_brute_matcher import match_VPDQ_hash_brute
    from threatexchange.extensions.vpdq.vpdq_util import VpdqCompactFeature

    def compact(frames):
        return [VpdqCompactFeature(f.pdq, f.quality, f.timestamp) for f in frames]

    result = match_VPDQ_hash_brute(compact(query), compact(target), 50, 31)
    return result.query_match_percent, result.compared_match_percent


def compare_hashes(name: str, ours: list[VpdqFrame], ref: list[VpdqFrame]) -> dict:
    ref_by_index = {f.index: f for f in ref}
    paired = [(f, ref_by_index[f.index]) for f in ours if f.index in ref_by_index]
    distances = [hamming(a.pdq, b.pdq) for a, b in paired]
    return {
        "name": name,
        "ours": len(ours),
        "theirs": len(ref),
        "same_indices": [f.index for f in ours] == [f.index for f in ref],
        "median": float(np.median(distances)) if distances else float("nan"),
        "max": max(distances) if distances else None,
        "exact": sum(d == 0 for d in distances),
        "paired": len(paired),
        "quality_diff": max((abs(a.quality - b.quality) for a, b in paired), default=None),
        "distances": distances,
    }


def render(rows: list[dict], matches: list[dict]) -> str:
    from importlib.metadata import version

    import vpdq  # noqa: F401

    all_d = np.array([d for r in rows for d in r["distances"]])
    lines = [
        "# vPDQ agreement with Meta's vpdq",
        "",
        f"vpdq {version('vpdq')} (`computeHash(seconds_per_hash=1)`), python-threatexchange "
        f"{version('threatexchange')} (`match_VPDQ_hash_brute`, quality 50, distance 31) vs "
        "`consentry.signals.fingerprint` + `vpdq_match`. Videos: scikit-image photos panned and "
        "zoomed, H.264 via PyAV (bench/vpdq_agreement.py).",
        "",
        f"All frames paired by frame number: {len(all_d)}; Hamming distance median "
        f"{np.median(all_d):.0f}, p99 {np.percentile(all_d, 99):.1f}, max {all_d.max()}; "
        f"identical {int((all_d == 0).sum())} ({100 * (all_d == 0).mean():.0f}%).",
        "",
        "## Frame hashes",
        "",
        "| video | frames ours | frames vpdq | same frame numbers | identical hashes "
        "| median bits | max bits | max quality diff |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['ours']} | {r['theirs']} | {'yes' if r['same_indices'] else 'no'} "
            f"| {r['exact']}/{r['paired']} | {r['median']:.0f} | {r['max']} | {r['quality_diff']} |"
        )
    agree = sum(m["decision_ours"] == m["decision_theirs"] for m in matches)
    rule = sum(m["rule_same"] for m in matches)
    lines += [
        "",
        "## Match decisions",
        "",
        f"Decision: query-match >= {QUERY_MATCH_PERCENT:.0f}% (python-threatexchange's default). "
        f"Same decision on {agree}/{len(matches)} pairs. Our rule on vpdq's own hashes gives "
        f"exactly pytx's percentages on {rule}/{len(matches)} pairs.",
        "",
        "| query | target | ours q%/t% | vpdq+pytx q%/t% | our rule on vpdq hashes | decision "
        "ours / theirs |",
        "|---|---|---|---|---|---|",
    ]
    for m in matches:
        lines.append(
            f"| {m['query']} | {m['target']} | {m['ours'][0]:.0f}/{m['ours'][1]:.0f} | "
            f"{m['theirs'][0]:.0f}/{m['theirs'][1]:.0f} | "
            f"{m['rule'][0]:.0f}/{m['rule'][1]:.0f} | "
            f"{'match' if m['decision_ours'] else 'no'} / "
            f"{'match' if m['decision_theirs'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=Path, default=REPO / "bench/.work/videos")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/vpdq_agreement.md")
    args = parser.parse_args()
    videos = make_videos(args.videos)
    ours, ref = {}, {}
    for name, path in videos.items():
        result = fingerprint(path)
        assert result.error is None, result.error
        ours[name], ref[name] = result.vpdq, theirs(path)
    rows = [compare_hashes(name, ours[name], ref[name]) for name in videos]
    matches = []
    names = list(videos)
    for query in names:
        for target in names:
            if query == target:
                continue
            mine = vpdq_match(ours[query], ours[target])
            pytx = pytx_match(ref[query], ref[target])
            rule = vpdq_match(ref[query], ref[target])
            matches.append(
                {
                    "query": query,
                    "target": target,
                    "ours": mine,
                    "theirs": pytx,
                    "rule": rule,
                    "rule_same": np.allclose(rule, pytx),
                    "decision_ours": mine[0] >= QUERY_MATCH_PERCENT,
                    "decision_theirs": pytx[0] >= QUERY_MATCH_PERCENT,
                }
            )
    report = render(rows, matches)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
