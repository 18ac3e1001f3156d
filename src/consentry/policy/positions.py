"""Where each key and value of a TOML document sits: paths -> 1-based line numbers.

``tomllib`` reports positions only for syntax errors, yet a policy author needs the line of a
semantic mistake too (an unknown key, a duplicate rule name). This scanner walks a document
that tomllib has already accepted and records the line of every table header, key and array
element under its path: ``("rule", 2, "when", "match", "label")`` for the ``label`` key of
the match condition of the third ``[[rule]]``; array indices are ints.

It trusts the syntax (tomllib checked it) and never raises: anything it cannot follow just
leaves paths unrecorded, and :meth:`Positions.line` then falls back to the nearest recorded
parent.
"""

from __future__ import annotations

import bisect
import contextlib
import re
from collections.abc import Hashable

Path = tuple[Hashable, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")
_BASIC_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


class Positions:
    """Line numbers of the paths in one TOML document."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Path, int] = {}
        self._newlines = [i for i, char in enumerate(text) if char == "\n"]
        # Positions are a courtesy: on a surprise, keep what was found before it.
        with contextlib.suppress(IndexError, ValueError):
            _Scanner(text, self._record).run()

    def line(self, path: Path) -> int | None:
        """The line of ``path``, else of its nearest recorded parent, else None."""
        while path:
            found = self._lines.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return None

    def _record(self, path: Path, offset: int) -> None:
        self._lines.setdefault(path, bisect.bisect_right(self._newlines, offset - 1) + 1)


class _Scanner:
    def __init__(self, text: str, record) -> None:
        self.text = text
        self.i = 0
        self.record = record
        self.array_counts: dict[Path, int] = {}

    def run(self) -> None:
        table: Path = ()
        while self._skip_blank_lines():
            if self.text[self.i] == "[":
                table = self._header()
            else:
                self._key_value(table)

    def _header(self) -> Path:
        start = self.i
        double = self.text.startswith("[[", self.i)
        self.i += 2 if double else 1
        keys = self._dotted_key()
        self.i = self.text.index("]]" if double else "]", self.i) + (2 if double else 1)
        path: Path = ()
        for position, key in enumerate(keys):
            path = (*path, key)
            if double and position == len(keys) - 1:
                self.array_counts[path] = self.array_counts.get(path, -1) + 1
            if path in self.array_counts:
                path = (*path, self.array_counts[path])
            self.record(path, start)
        return path

    def _key_value(self, table: Path) -> None:
        start = self.i
        path = (*table, *self._dotted_key())
        self._skip_spaces()
        if self.text[self.i] != "=":
            raise ValueError("expected '='")
        self.i += 1
        self.record(path, start)
        self._value(path)

    def _value(self, path: Path) -> None:
        self._skip_spaces()
        text, i = self.text, self.i
        if text[i] == "{":
            self._inline_table(path)
        elif text[i] == "[":
            self._array(path)
        elif text.startswith(('"""', "'''"), i):
            self.i = text.index(text[i : i + 3], i + 3) + 3
            while self.i < len(text) and text[self.i] == text[i]:
                self.i += 1  # up to two quotes may end the content itself
        elif text[i] in "\"'":
            self._string()
        else:
            found = _SCALAR_END.search(text, i)
            self.i = found.start() if found else len(text)

    def _inline_table(self, path: Path) -> None:
        self.i += 1
        while True:
            self._skip_blank()
            if self.text[self.i] == "}":
                self.i += 1
                return
            if self.text[self.i] == ",":
                self.i += 1
                continue
            self._key_value(path)

    def _array(self, path: Path) -> None:
        self.i += 1
        index = 0
        while True:
            self._skip_blank()
            char = self.text[self.i]
            if char == "]":
                self.i += 1
                return
            if char == ",":
                self.i += 1
                index += 1
                continue
            self.record((*path, index), self.i)
            self._value((*path, index))

    def _dotted_key(self) -> list[str]:
        keys: list[str] = []
        while True:
            self._skip_spaces()
            keys.append(self._simple_key())
            self._skip_spaces()
            if self.text[self.i] != ".":
                return keys
            self.i += 1

    def _simple_key(self) -> str:
        text, i = self.text, self.i
        if text[i] == '"':
            raw = self._string()
            return raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if text[i] == "'":
            return self._string()[1:-1]
        found = _BARE_KEY.match(text, i)
        if found is None:
            raise ValueError("expected a key")
        self.i = found.end()
        return found.group()

    def _string(self) -> str:
        text, i = self.text, self.i
        if text[i] == "'":
            end = text.index("'", i + 1) + 1
        else:
            found = _BASIC_STRING.match(text, i)
            if found is None:
                raise ValueError("unterminated string")
            end = found.end()
        self.i = end
        return text[i:end]

    def _skip_spaces(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in " \t":
            self.i += 1

    def _skip_blank(self) -> None:
        """Spaces, newlines and comments (inside arrays and lenient inline tables)."""
        text = self.text
        while self.i < len(text):
            if text[self.i] in " \t\r\n":
                self.i += 1
            elif text[self.i] == "#":
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end
            else:
                return

    def _skip_blank_lines(self) -> bool:
        """Move to the next header or key; False at the end of the document."""
        self._skip_blank()
        return self.i < len(self.text)
