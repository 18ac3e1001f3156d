"""Checking a media path from an export before anything opens it.

The path is the export's word only: it is followed when it names a regular file inside the
export directory, and refused — never opened — when it is absolute, climbs out with ``..``, or
leads out through a symbolic link.
"""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path, PurePosixPath

from consentry.investigate.export_messages import MediaRef
from consentry.investigate.records import ExportMessage, ExportProblem, MediaFile

# Telegram writes a sentence in brackets instead of a path for media left out of the export,
# e.g. "(File not included. Change data exporting settings to download.)".
_PLACEHOLDER_START = "("

_REFUSED = {
    "absolute-path": "is an absolute path; only paths inside the export are followed",
    "path-outside-export": "leads outside the export; it was not opened",
    "symlink-outside-export": "is a symbolic link leading outside the export; it was not opened",
}


def check_media_path(
    message: ExportMessage, ref: MediaRef, root: Path, where: str
) -> tuple[ExportMessage, ExportProblem | None]:
    """The message with its ``MediaFile`` and, when the file cannot be used, the problem."""
    value = ref.value
    if value is None or value.startswith(_PLACEHOLDER_START):
        media = MediaFile(ref.kind, None, None, ref.mime, None, "not-exported")
        return replace(message, media=media), None
    code, path, size = resolve_inside(root, value)
    media = MediaFile(ref.kind, value, path, ref.mime, size, code)
    problem = None if code is None else _problem(message, code, value, where)
    return replace(message, media=media), problem


def resolve_inside(root: Path, relative: str) -> tuple[str | None, Path | None, int | None]:
    """(problem code or None, resolved path, size) for a path the export wrote."""
    parts = PurePosixPath(relative.replace("\\", "/"))
    if parts.is_absolute() or _has_drive(relative):
        return "absolute-path", None, None
    base = root.resolve()
    lexical = Path(os.path.normpath(base / parts))
    if not lexical.is_relative_to(base):
        return "path-outside-export", None, None
    real = lexical.resolve()
    if not real.is_relative_to(base):
        return "symlink-outside-export", None, None
    try:
        info = real.stat()
    except FileNotFoundError:
        return "missing-file", None, None
    except OSError:
        return "unreadable", None, None
    if not stat.S_ISREG(info.st_mode):
        return "unreadable", None, None
    return None, real, info.st_size


def _has_drive(relative: str) -> bool:
    return len(relative) > 1 and relative[1] == ":" and relative[0].isalpha()


def _problem(message: ExportMessage, code: str, value: str, where: str) -> ExportProblem:
    place = f"{where} chat {message.chat_id} message {message.message_id}"
    if code in _REFUSED:
        return ExportProblem(
            message.export, place, "path-outside-export", f"{value!r} {_REFUSED[code]}"
        )
    reason = "is not in the export" if code == "missing-file" else "is not a readable file"
    return ExportProblem(message.export, place, code, f"{value!r} {reason}")
