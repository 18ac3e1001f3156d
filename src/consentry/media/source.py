"""Read media bytes from a path or memory, within limits, and identify them by content."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from typing import Literal

from consentry.media.errors import EmptyFile, TooLarge, Unreadable, UnsupportedFormat
from consentry.media.limits import DEFAULT_LIMITS, Limits
from consentry.media.sniff import (
    HEAD_BYTES,
    Sniffed,
    describe_content,
    extension_warning,
    sniff,
)

SourceLike = str | os.PathLike[str] | bytes | bytearray | memoryview


@dataclass(frozen=True)
class MediaSource:
    """Media bytes in memory plus what their content says they are."""

    data: bytes = field(repr=False)
    name: str | None
    kind: Literal["image", "video"]
    format: str
    mime: str
    warnings: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.data)


def read_source(
    source: SourceLike, *, name: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> MediaSource:
    """Read a path or take bytes, refuse what is too big, empty or not media, and sniff the type.

    Paths: the file size is checked before reading. The type comes from the content only; a file
    name whose extension disagrees adds a warning such as "named .png but content is JPEG".
    """
    data, name = read_bytes(source, name=name, limits=limits)
    return identify(data, name=name)


def read_bytes(
    source: SourceLike, *, name: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[bytes, str | None]:
    """The raw bytes of ``source`` (and its display name), within ``limits.max_bytes``.

    Unlike ``read_source`` this does not look at the content, so callers can still digest bytes
    that turn out not to be media.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        _check_size(len(data), name, limits)
        return data, name
    path = os.fspath(source)
    name = name if name is not None else str(path)
    return _read_file(path, name, limits), name


def identify(data: bytes, *, name: str | None = None) -> MediaSource:
    """Wrap bytes already in memory as a ``MediaSource``, sniffing the format from content."""
    if not data:
        raise EmptyFile("the file is empty (0 bytes)", name=name)
    head = data[:HEAD_BYTES]
    found = sniff(head)
    if found is None:
        raise UnsupportedFormat(
            f"looks like {describe_content(head)}, not an image or video Consentry can read",
            name=name,
        )
    warning = extension_warning(name, found.format)
    return MediaSource(
        data=data,
        name=name,
        kind=found.kind,
        format=found.format,
        mime=found.mime,
        warnings=(warning,) if warning else (),
    )


def sniff_file(path: str | os.PathLike[str]) -> Sniffed | None:
    """The format of the file at ``path`` from its first bytes only, or None if not media.

    For skipping non-media quickly when scanning folders; raises ``Unreadable`` like
    ``read_source``.
    """
    name = os.fspath(path)
    head = _read_file(name, name, DEFAULT_LIMITS, head_only=True)
    return sniff(head) if head else None


def _check_size(size: int, name: str | None, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise TooLarge(
            f"the file is {_mib(size)}, more than the limit of {_mib(limits.max_bytes)}", name=name
        )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB" if size >= 1024 * 1024 else f"{size} bytes"


def _read_file(path: str, name: str, limits: Limits, *, head_only: bool = False) -> bytes:
    # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise Unreadable(_os_error_words(err), name=name) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise Unreadable("this is a directory, not a file", name=name)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("this is not a regular file (device, pipe or socket)", name=name)
        if head_only:
            return os.read(fd, HEAD_BYTES)
        _check_size(info.st_size, name, limits)
        with open(fd, "rb", closefd=False) as file:
            data = file.read(min(info.st_size, limits.max_bytes) + 1)
            if len(data) > info.st_size:  # the file grew since fstat: read on, up to the limit
                data += file.read(limits.max_bytes + 1 - len(data))
    except OSError as err:
        raise Unreadable(_os_error_words(err), name=name) from None
    finally:
        os.close(fd)
    _check_size(len(data), name, limits)
    return data


def _os_error_words(err: OSError) -> str:
    words = {
        errno.ENOENT: "no such file",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EISDIR: "this is a directory, not a file",
        errno.ENOTDIR: "a part of the path is not a directory",
        errno.ELOOP: "too many symbolic links",
        errno.ENAMETOOLONG: "the file name is too long",
    }.get(err.errno or 0)
    return f"cannot read the file: {words or err.strerror or err}"
