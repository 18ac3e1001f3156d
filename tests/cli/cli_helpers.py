"""Helpers shared by the CLI tests (a uniquely named module: conftest is not importable)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

Invoke = Callable[..., Result]


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_module(
    *args: object, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m consentry ARGS`` in a real subprocess."""
    full_env = {k: v for k, v in os.environ.items() if k != "CONSENTRY_HOME"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "consentry", *[str(a) for a in args]],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
