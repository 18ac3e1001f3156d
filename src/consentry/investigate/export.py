"""Reading Telegram Desktop JSON exports as a stream of messages and problems.

Both layouts are read in one streaming pass (exports reach gigabytes): a single-chat export
(``ChatExport_*/result.json``, a chat object with ``messages``) and a full-account export
(``DataExport_*/result.json``, chats under ``chats.list`` and ``left_chats.list``). Only one
message is held in memory at a time. A media path is followed only when it stays inside the
export; everything that cannot be read is reported as an ``ExportProblem`` and reading goes on.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from consentry.investigate.export_messages import MessageError, parse_message
from consentry.investigate.export_paths import check_media_path
from consentry.investigate.records import ExportMessage, ExportProblem
from consentry.scan.walk import walk_tree

RESULT_FILE = "result.json"
# A full-account export's chats sit under these lists; their events are renamed to look like a
# single-chat export's, so one C-level ijson.items(..., "messages.item") reads both layouts.
_ACCOUNT_CHATS = ("chats.list.item", "left_chats.list.item")
_CHAT_START = "<chat>"
_HEADER_FIELDS = frozenset(("id", "name", "type"))

Item = ExportMessage | ExportProblem


def read_exports(paths: Sequence[Path]) -> Iterator[Item]:
    """Every message of every export, first seen wins for a (chat_id, message_id) identity."""
    seen = IdentitySet()
    for given in paths:
        for item in _read_export(Path(given)):
            if isinstance(item, ExportMessage) and not seen.add(item.identity):
                continue
            yield item


class IdentitySet:
    """The (chat_id, message_id) identities seen so far, as bitmaps over blocks of message ids.

    A chat's message ids come from one counter and are mostly dense, so a million identities
    take kilobytes instead of the ~70 MB a set of tuples would.
    """

    _BLOCK = 256

    def __init__(self) -> None:
        self._chats: dict[int, dict[int, int]] = {}

    def add(self, identity: tuple[int, int]) -> bool:
        """Add an identity; False when it was already there."""
        chat_id, message_id = identity
        blocks = self._chats.setdefault(chat_id, {})
        block, bit = divmod(message_id, self._BLOCK)
        mask = blocks.get(block, 0)
        if mask >> bit & 1:
            return False
        blocks[block] = mask | 1 << bit
        return True


def export_files(path: Path) -> Iterator[Path]:
    """Every regular file of an export (symlinks not followed), for the evidence manifest."""
    for root in export_roots(Path(path)):
        for entry in walk_tree(root):
            yield Path(entry.path)


def export_roots(path: Path) -> list[Path]:
    """The export directories a path names: itself, its result.json's folder, or its children."""
    if path.is_file():
        return [path.parent]
    if (path / RESULT_FILE).is_file():
        return [path]
    if path.is_dir():
        return sorted(c for c in path.iterdir() if c.is_dir() and (c / RESULT_FILE).is_file())
    return []


def _read_export(given: Path) -> Iterator[Item]:
    roots = export_roots(given)
    if not roots:
        yield ExportProblem(str(given), str(given), "unknown-layout", _no_export(given))
    for root in roots:
        name = str(given) if root in (given, given.parent) else str(given / root.name)
        yield from _read_result(name, root)


def _no_export(path: Path) -> str:
    if not path.exists():
        return "does not exist"
    return f"no {RESULT_FILE} here or in the folders directly inside (is this a JSON export?)"


def _read_result(export: str, root: Path) -> Iterator[Item]:
    result = root / RESULT_FILE
    try:
        raw = result.open("rb")
    except OSError as error:
        yield ExportProblem(export, str(result), "unknown-layout", f"cannot open: {error}")
        return
    header = _leading_header(result)
    with raw:
        stream = Utf8Stream(raw)
        reader = _ChatReader(export, root, str(result))
        source: Any = reader.watch(ijson.parse(stream, use_float=True))
        if header is not None:  # a single-chat export: the C parser alone reads its messages
            reader.header, reader.found_chats, source = header, True, stream
        try:
            for message in ijson.items(source, "messages.item", use_float=True):
                yield from reader.message(message)
        except ijson.JSONError as error:
            yield _json_problem(export, str(result), stream, error)
        if stream.bad_offsets:
            yield _encoding_problem(export, str(result), stream)
        if not reader.found_chats:
            message = "no chat with messages (not a Telegram chat or account export)"
            yield ExportProblem(export, str(result), "unknown-layout", message)


def _leading_header(result: Path) -> dict[str, Any] | None:
    """A single-chat export's id, name and type when they come before its messages, else None.

    Reads only up to the start of the messages; account exports and anything unusual get None
    and are read by the general (slower, per-event) path.
    """
    header: dict[str, Any] = {}
    try:
        with result.open("rb") as raw:
            for prefix, event, value in ijson.parse(Utf8Stream(raw), use_float=True):
                if prefix in _HEADER_FIELDS:
                    header[prefix] = value
                elif prefix == "messages" and event == "start_array":
                    return header if isinstance(header.get("id"), int) else None
                elif prefix.startswith(_ACCOUNT_CHATS):
                    return None
    except (OSError, ijson.JSONError):
        return None
    return None


def _json_problem(export: str, where: str, stream: Utf8Stream, error: Exception) -> ExportProblem:
    # Only the first line: the rest of the parser's message quotes the export's text.
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    code = "truncated-json" if "premature EOF" in first or "Incomplete" in first else "bad-json"
    return ExportProblem(export, f"{where} near byte {stream.offset}", code, first)


def _encoding_problem(export: str, where: str, stream: Utf8Stream) -> ExportProblem:
    first = stream.bad_offsets[0]
    message = (
        f"{len(stream.bad_offsets)} chunk(s) are not valid {stream.encoding}; "
        "the bad bytes were replaced"
    )
    return ExportProblem(export, f"{where} near byte {first}", "bad-encoding", message)


class Utf8Stream:
    """A binary reader giving ijson valid UTF-8, whatever the export's encoding or damage.

    A byte-order mark picks UTF-8, UTF-16 or UTF-32; bytes that do not decode are replaced
    (U+FFFD) and their offsets remembered, so one bad byte does not end the whole export.
    """

    _BOMS = (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.offset = 0
        self.bad_offsets: list[int] = []
        self.encoding = self._sniff()
        self._strict = codecs.getincrementaldecoder(self.encoding)()

    def _sniff(self) -> str:
        head = self._raw.read(4)
        self._raw.seek(0)
        return next((name for bom, name in self._BOMS if head.startswith(bom)), "utf-8")

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for nothing to learn whether the stream gives bytes
            return b""
        chunk = self._raw.read(size if size > 0 else 65536)
        start, self.offset = self.offset, self.offset + len(chunk)
        final = not chunk
        try:
            text = self._strict.decode(chunk, final=final)
        except UnicodeDecodeError:
            self.bad_offsets.append(start)
            pending, _ = self._strict.getstate()
            text = (pending + chunk).decode(self.encoding, errors="replace")
            self._strict.reset()
        return text.encode("utf-8")


class _ChatReader:
    """Turns a result.json's messages into ``ExportMessage``s, knowing the current chat's header.

    ``watch`` sits between the parser and ijson.items: it notes each chat's id, name and type as
    they stream past (Telegram writes them before the messages) and renames an account export's
    chat events to the single-chat layout. Only the current message is ever built in memory.
    """

    def __init__(self, export: str, root: Path, where: str) -> None:
        self.export, self.root, self.where = export, root, where
        self.header: dict[str, Any] = {}
        self.found_chats = False
        self.headless_reported = False

    def watch(self, events: Iterable[tuple[str, str, Any]]) -> Iterator[tuple[str, str, Any]]:
        for prefix, event, value in events:
            if prefix.startswith(_ACCOUNT_CHATS):
                prefix = _single_chat_prefix(prefix)
            if prefix in _HEADER_FIELDS:
                self.header[prefix] = value
            elif prefix == _CHAT_START and event == "start_map":
                self.header, self.headless_reported = {}, False
            elif prefix == "messages" and event == "start_array":
                self.found_chats = True
            yield prefix, event, value

    def message(self, raw: Any) -> Iterator[Item]:
        if not isinstance(self.header.get("id"), int):
            yield from self._headless()
            return
        try:
            parsed = parse_message(self.export, self.header, raw)
        except MessageError as error:
            yield ExportProblem(self.export, f"{self.where} {error.where}", "bad-field", str(error))
            return
        if parsed is None:
            return
        message, media_field = parsed
        if media_field is not None:
            message, problem = check_media_path(message, media_field, self.root, self.where)
            if problem is not None:
                yield problem
        yield message

    def _headless(self) -> Iterator[Item]:
        # Reported once per chat, not once per message: a chat without an id has no identities.
        if not self.headless_reported:
            self.headless_reported = True
            message = "the chat's messages come before a numeric chat id; they were skipped"
            yield ExportProblem(self.export, self.where, "bad-field", message)


def _single_chat_prefix(prefix: str) -> str:
    """ "chats.list.item.messages.item" -> "messages.item"; the chat object itself -> <chat>."""
    for chats in _ACCOUNT_CHATS:
        if prefix == chats:
            return _CHAT_START
        if prefix.startswith(chats + "."):
            return prefix[len(chats) + 1 :]
    return prefix
