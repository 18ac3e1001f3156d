"""Fixtures for the CLI tests: benign images drawn from scikit-image's sample photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_helpers import Invoke
from PIL import Image
from skimage import data
from typer.testing import CliRunner, Result

from consentry.cli import app


def save_jpeg(rgb: np.ndarray, path: Path, quality: int = 90) -> Path:
    Image.fromarray(rgb).save(path, quality=quality)
    return path


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Originals, edited copies, unrelated photos and broken files, written once."""
    folder = tmp_path_factory.mktemp("photos")
    astronaut = Image.fromarray(data.astronaut())
    files = {
        "astronaut": save_jpeg(data.astronaut(), folder / "astronaut.jpg"),
        "coffee": save_jpeg(data.coffee(), folder / "coffee.jpg"),
        "rocket": save_jpeg(data.rocket(), folder / "rocket.jpg"),
    }
    small = astronaut.resize((256, 256))
    small.save(folder / "astronaut-small.jpg", quality=70)
    files["astronaut-small"] = folder / "astronaut-small.jpg"
    astronaut.transpose(Image.Transpose.ROTATE_90).save(folder / "astronaut-rot.jpg", quality=90)
    files["astronaut-rot"] = folder / "astronaut-rot.jpg"
    Image.fromarray(data.chelsea()).save(folder / "cat.png")
    files["cat-png"] = folder / "cat.png"
    whole = files["coffee"].read_bytes()
    files["truncated"] = folder / "truncated.jpg"
    files["truncated"].write_bytes(whole[: len(whole) // 3])
    files["empty"] = folder / "empty.jpg"
    files["empty"].write_bytes(b"")
    files["random"] = folder / "random.png"
    files["random"].write_bytes(np.random.default_rng(1).integers(0, 256, 5000, np.uint8).tobytes())
    files["text"] = folder / "notes.txt"
    files["text"].write_text("not a picture\n")
    return files


@pytest.fixture
def cli(home: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run the app in-process with --home set (CONSENTRY_HOME cleared)."""
    monkeypatch.delenv("CONSENTRY_HOME", raising=False)
    runner = CliRunner()

    def invoke(*args: object, input: str | None = None) -> Result:
        argv = ["--home", str(home), *[str(a) for a in args]]
        return runner.invoke(app, argv, input=input, catch_exceptions=False)

    return invoke


def write_video(path: Path, *, frames: int = 30, fps: int = 10, bit_rate: int = 400_000) -> Path:
    """A short benign clip: the astronaut photo panning sideways (MPEG-4 part 2)."""
    import av

    image = data.astronaut()[::2, ::2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 256, 256, "yuv420p"
        stream.bit_rate = bit_rate
        for index in range(frames):
            rgb = np.ascontiguousarray(np.roll(image, index * 3, axis=1))
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    clip = write_video(folder / "clip.mp4")
    reencoded = write_video(folder / "clip-reencoded.mp4", bit_rate=150_000)
    truncated = folder / "clip-truncated.mp4"
    truncated.write_bytes(clip.read_bytes()[:600])
    return {"clip": clip, "reencoded": reencoded, "truncated": truncated}
