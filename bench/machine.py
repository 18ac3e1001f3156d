"""What every benchmark report says about the machine it ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (elsewhere: platform's best guess)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: the machines are shared, so reports say it."""
    if not hasattr(os, "getloadavg"):
        return "?"
    return " ".join(f"{load:.1f}" for load in os.getloadavg())
