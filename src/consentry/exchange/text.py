"""Getting a fingerprint file's text: size-capped reading, BOMs, undecodable bytes."""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from consentry.exchange.errors import FileTooLarge, UnreadableFile

DEFAULT_MAX_BYTES = 1024 * 1024 * 1024  # fingerprint files are text: 1 GiB is millions of rows
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNDECODABLE = re.compile(r"[\udc80-\udcff]")


def read_source(source: str | os.PathLike[str] | bytes, max_bytes: int) -> tuple[bytes, str]:
    """The bytes to import and a name for messages; a ``str`` is a path, never content."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > max_bytes:
            raise FileTooLarge(f"the data is larger than {max_bytes} bytes")
        return data, "<data>"
    path = Path(source)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except IsADirectoryError as error:
        raise UnreadableFile(f"{path} is a directory, not a fingerprint file") from error
    except OSError as error:
        raise UnreadableFile(f"cannot read {path}: {error.strerror or error}") from error
    if len(data) > max_bytes:
        raise FileTooLarge(f"{path} is larger than {max_bytes} bytes")
    return data, str(path)


def decode(data: bytes) -> str:
    """Text of the file: UTF-8 (BOM or not) or BOM-marked UTF-16, as Excel writes it.

    Undecodable bytes survive as lone surrogates so that :func:`line_problem` can
    report the lines they are on while every other line still imports.
    """
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return data.decode("utf-8", errors="surrogateescape")


def line_problem(text: str) -> str | None:
    """Why a line's text cannot be a fingerprint line, or None."""
    if _UNDECODABLE.search(text):
        return "the line is not UTF-8 text"
    if _BINARY.search(text):
        return "the line contains binary data (control characters)"
    return None


def physical_lines(text: str) -> list[str]:
    """Lines as editors and the csv module count them: split at \\r\\n, \\r or \\n only."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
