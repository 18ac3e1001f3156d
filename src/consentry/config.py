"""Where Consentry keeps its data: ``--home``, else ``$CONSENTRY_HOME``, else a per-user dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "CONSENTRY_HOME"


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory, creating it if needed."""
    if explicit:
        home = Path(explicit)
    elif os.environ.get(HOME_ENV):
        home = Path(os.environ[HOME_ENV])
    else:
        home = Path(platformdirs.user_data_dir("consentry", appauthor=False))
    home = home.expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home
