"""python-threatexchange's line format: ``<signal_type> <signal>`` per line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from consentry.exchange.names import from_pytx, to_pytx
from consentry.exchange.records import LineIssue, Record
from consentry.exchange.text import line_problem, physical_lines
from consentry.signals.vpdq import frames_from_text, frames_to_pytx_json
from consentry.store import Entry

# `threatexchange hash photo --photo-preprocess rotations` prefixes each line with one.
ROTATIONS = frozenset(
    {"ORIGINAL", "ROTATE90", "ROTATE180", "ROTATE270", "FLIPX", "FLIPY", "FLIPPLUS1", "FLIPMINUS1"}
)
_HEX = re.compile(r"[0-9a-fA-F]+")
_TYPE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def parse(text: str, default_type: str | None) -> Iterator[Record | LineIssue]:
    rotation_group: tuple[str, set[str]] | None = None
    for number, raw in enumerate(physical_lines(text), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        problem = line_problem(line)
        if problem:
            yield LineIssue(number, "not-text", problem)
            continue
        head, _, rest = line.partition(" ")
        group = None
        if head.upper() in ROTATIONS and rest.strip():
            rotation_group = _next_rotation_group(rotation_group, head.upper(), number)
            group = rotation_group[0]
            head, _, rest = rest.strip().partition(" ")
        yield _record(number, head, rest.strip(), default_type, group)


def _next_rotation_group(
    current: tuple[str, set[str]] | None, rotation: str, line: int
) -> tuple[str, set[str]]:
    """Consecutive rotation lines of one image form one entry; ORIGINAL starts the next."""
    if current is None or rotation == "ORIGINAL" or rotation in current[1]:
        current = (f"rotations:{line}", set())
    current[1].add(rotation)
    return current


def _record(
    line: int, head: str, rest: str, default_type: str | None, group: str | None
) -> Record | LineIssue:
    kind = from_pytx(head)
    if kind is None and _HEX.fullmatch(head):
        # A bare hash (the files `match --hashes` reads); anything after it is ignored.
        if default_type is None:
            return LineIssue(line, "unknown-type", "a bare value, and no default type was given")
        return Record(line, default_type, head, group=group)
    if kind is None:
        shown = head if _TYPE_NAME.fullmatch(head) else repr(head[:40])
        return LineIssue(line, "unknown-type", f"unsupported signal type {shown}")
    if not rest:
        return LineIssue(line, "malformed-line", f"a {head} line without a value")
    return Record(line, kind, _value(kind, rest), group=group)


def _value(kind: str, rest: str) -> str:
    """The signal itself; `dataset -P` appends the collaboration and its metadata."""
    if kind != "vpdq":
        return rest.split()[0]
    if rest.startswith("["):
        try:
            _, end = json.JSONDecoder().raw_decode(rest)
        except ValueError:
            return rest
        return rest[:end]
    return rest


def write(entries: Iterable[Entry], handle: TextIO) -> int:
    lines = 0
    for entry in entries:
        for kind, value in entry.fingerprints:
            text = frames_to_pytx_json(frames_from_text(value)) if kind == "vpdq" else value
            handle.write(f"{to_pytx(kind)} {text}\n")
            lines += 1
    return lines
