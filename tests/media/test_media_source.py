"""read_source: paths and bytes, size limits before reading, unreadable paths, typed errors."""

from __future__ import annotations

import os
import pickle
import random

import pytest
from PIL import Image

from consentry.errors import ConsentryError
from consentry.media import (
    EmptyFile,
    Limits,
    MediaError,
    TooLarge,
    Unreadable,
    UnsupportedFormat,
    decode_image,
    read_bytes,
    read_source,
    sniff_file,
)
from consentry.media import source as source_module
from consentry.media.errors import Corrupt, Truncated

from .helpers import encode


def test_reads_a_path_and_names_it(photo, write):
    path = write("cup.png", encode(Image.fromarray(photo), "PNG"))
    src = read_source(path)
    assert (src.name, src.kind, src.format, src.warnings) == (path, "image", "png", ())
    assert src.size == os.path.getsize(path)


def test_accepts_pathlike_bytearray_and_memoryview(photo, write, tmp_path):
    data = encode(Image.fromarray(photo), "PNG")
    path = write("cup.png", data)
    assert read_source(tmp_path / "cup.png").data == data
    assert read_source(bytearray(data)).data == data
    assert read_source(memoryview(data), name="upload").name == "upload"
    assert read_source(path, name="shown-name").name == "shown-name"


def test_bytes_over_the_limit_are_refused(photo):
    data = encode(Image.fromarray(photo), "PNG")
    with pytest.raises(TooLarge) as info:
        read_source(data, name="upload.png", limits=Limits(max_bytes=len(data) - 1))
    assert info.value.code == "too-large"
    assert "upload.png" in info.value.message


def test_file_size_is_checked_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.mp4"
    with open(path, "wb") as f:
        f.truncate(300 * 1024 * 1024)  # sparse: no disk used

    def refuse_to_read(*args, **kwargs):
        raise AssertionError("the file was opened for reading before its size was checked")

    monkeypatch.setattr(source_module, "open", refuse_to_read, raising=False)
    with pytest.raises(TooLarge, match=r"300\.0 MiB"):
        read_source(path)


def test_zero_byte_file(write):
    with pytest.raises(EmptyFile) as info:
        read_source(write("empty.jpg", b""))
    assert info.value.code == "empty-file"
    assert "empty.jpg" in info.value.message


def test_zero_bytes_in_memory():
    with pytest.raises(EmptyFile):
        read_source(b"")


def test_random_bytes_are_unsupported(write):
    data = random.Random(1).randbytes(10_000)
    with pytest.raises(UnsupportedFormat) as info:
        read_source(write("noise.bin", data))
    assert info.value.code == "unsupported-format"
    assert "noise.bin" in info.value.message
    assert "binary data of an unknown type" in info.value.message


def test_html_named_jpg_says_what_it_looks_like(write):
    path = write("photo.jpg", b"<!doctype html><html><body>not a photo</body></html>")
    with pytest.raises(UnsupportedFormat) as info:
        read_source(path)
    assert info.value.message == (
        f"{path}: looks like an HTML document, not an image or video Consentry can read"
    )


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"%PDF-1.4\n", "a PDF document"), (b"PK\x03\x04" + b"\x00" * 30, "a ZIP archive")],
)
def test_other_non_media_with_media_extensions(write, content, words):
    with pytest.raises(UnsupportedFormat, match=words):
        read_source(write("clip.mp4", content))


def test_valid_content_with_wrong_extension_decodes_with_a_warning(photo, write):
    path = write("cup.png", encode(Image.fromarray(photo), "JPEG", quality=95))
    src = read_source(path)
    assert src.format == "jpeg"
    assert src.warnings == ("named .png but content is JPEG",)
    assert decode_image(src).frames[0].shape == photo.shape


def test_missing_path(tmp_path):
    missing = str(tmp_path / "nope.jpg")
    with pytest.raises(Unreadable) as info:
        read_source(missing)
    assert info.value.code == "unreadable"
    assert info.value.message == f"{missing}: cannot read the file: no such file"


def test_directory(tmp_path):
    with pytest.raises(Unreadable, match="is a directory"):
        read_source(tmp_path)


def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(Unreadable, match="not a regular file"):
        read_source(fifo)


def test_path_through_a_file_is_unreadable(write):
    path = write("file.txt", b"hello")
    with pytest.raises(Unreadable, match="not a directory"):
        read_source(os.path.join(path, "inside.jpg"))


def test_read_bytes_keeps_non_media_bytes_for_digests(write):
    data, name = read_bytes(write("notes.txt", b"just text"))
    assert data == b"just text"
    assert name.endswith("notes.txt")


def test_media_errors_are_consentry_errors_and_pickle():
    for error in (TooLarge("x.jpg: too big"), Truncated("cut", name="a.png"), Corrupt("bad")):
        assert isinstance(error, MediaError)
        assert isinstance(error, ConsentryError)
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert (copy.code, copy.message) == (error.code, error.message)
        assert copy.to_dict() == {"code": error.code, "message": error.message}


def test_error_message_names_the_file():
    assert Truncated("the file is cut short", name="dir/a.png").message == (
        "dir/a.png: the file is cut short"
    )


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="max_frames"):
        Limits(max_frames=0)
    with pytest.raises(ValueError, match="max_bytes"):
        Limits(max_bytes=-1)


def test_sniff_file_reads_only_the_head(photo, write, tmp_path):
    assert sniff_file(write("cup.png", encode(Image.fromarray(photo), "PNG"))).format == "png"
    assert sniff_file(write("notes.txt", b"hello")) is None
    assert sniff_file(write("empty.jpg", b"")) is None
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        f.truncate(300 * 1024 * 1024)  # over the byte limit: sniffing still works
    assert sniff_file(big) is None
    with pytest.raises(Unreadable):
        sniff_file(tmp_path / "missing.jpg")
    with pytest.raises(Unreadable):
        sniff_file(tmp_path)
