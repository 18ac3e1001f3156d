"""The ``consentry`` command line (Typer + Rich): hash, bank, match, scan, demo."""

from consentry.cli.app import app, main
from consentry.cli.exitcodes import ExitCode

__all__ = ["ExitCode", "app", "main"]
