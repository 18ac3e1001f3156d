"""Where Consentry keeps its data: ``--home``, else ``$CONSENTRY_HOME``, else a per-user dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "CONSENTRY_HOME"


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory, creating it if needed."""
    home = home_path(explicit)
    home.mkdir(parents=True, exist_ok=True)
    return home


def home_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data directory's path, without creating it."""
    if explicit:
        home = Path(explicit)
    elif os.environ.get(HOME_ENV):
        home = Path(os.environ[HOME_ENV])
    else:
        home = Path(platformdirs.user_data_dir("consentry", appauthor=False))
    return home.expanduser()
