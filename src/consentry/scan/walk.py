"""Finding the files to look at: a recursive walk that never leaves the tree it was given.

Consentry's own data directory is never entered (its database, indexes and reports are not
media, and a scan report must not be scanned). Symbolic links are never followed: a link to a
file inside the tree would hash that file twice (it is found under its real path anyway) and a
link out of the tree could read anything on the machine. Only regular files are returned:
FIFOs, sockets and devices would block or never end.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FileEntry:
    """A regular file found by the walk; size and mtime identify this version of it."""

    path: str
    size: int
    mtime_ns: int
    from_directory: bool = False  # found by walking a directory rather than named by the user

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.path, self.size, self.mtime_ns)


@dataclass
class WalkStats:
    """What the walk left out, so the summary can say so."""

    symlinks_skipped: int = 0
    special_skipped: int = 0
    unreadable_dirs: list[str] = field(default_factory=list)
    skipped_dirs: list[str] = field(default_factory=list)  # e.g. Consentry's own data directory


def walk_tree(
    root: str | os.PathLike[str],
    stats: WalkStats | None = None,
    skip: Collection[str | os.PathLike[str]] = (),
) -> Iterator[FileEntry]:
    """Yield every regular file under ``root``, depth first, names sorted (like ``find | sort``).

    Directories in ``skip`` (compared by real path) are not entered.
    """
    stats = stats if stats is not None else WalkStats()
    skipped = {os.path.realpath(path) for path in skip}
    stack = [_sorted_entries(os.path.abspath(os.fspath(root)), stats)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        found = _classify(entry, stats)
        if isinstance(found, FileEntry):
            yield found
        elif found == "dir" and os.path.realpath(entry.path) in skipped:
            stats.skipped_dirs.append(entry.path)
        elif found == "dir":
            stack.append(_sorted_entries(entry.path, stats))


def _sorted_entries(directory: str, stats: WalkStats) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as scan:
            return iter(sorted(scan, key=lambda e: e.name))
    except OSError:
        stats.unreadable_dirs.append(directory)
        return iter(())


def _classify(entry: os.DirEntry[str], stats: WalkStats) -> FileEntry | str | None:
    try:
        if entry.is_symlink():
            stats.symlinks_skipped += 1
            return None
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return None
    if stat.S_ISDIR(info.st_mode):
        return "dir"
    if not stat.S_ISREG(info.st_mode):
        stats.special_skipped += 1
        return None
    return FileEntry(entry.path, info.st_size, info.st_mtime_ns, from_directory=True)


def expand_inputs(
    paths: Iterable[str | os.PathLike[str]],
    stats: WalkStats | None = None,
    skip: Collection[str | os.PathLike[str]] = (),
) -> Iterator[FileEntry]:
    """Paths named on a command line: files as they are, directories walked recursively.

    A named path that does not exist (or cannot be stat'ed) is still yielded, with size -1,
    so that the fingerprinting step reports it as unreadable in its place in the output.
    """
    for raw in paths:
        path = os.fspath(raw)
        try:
            info = os.stat(path)
        except OSError:
            yield FileEntry(path, -1, 0)
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from walk_tree(path, stats, skip)
        else:
            yield FileEntry(path, info.st_size, info.st_mtime_ns)


def resolved_root(root: str | os.PathLike[str]) -> Path:
    """The absolute, symlink-resolved directory a scan is about (the user named it explicitly)."""
    return Path(root).expanduser().resolve()
