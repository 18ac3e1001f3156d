"""Content sniffing: magic bytes decide the type, file names only add warnings."""

from __future__ import annotations

import random

import pytest
from PIL import Image

from consentry.media import describe_content, identify, sniff
from consentry.media.sniff import extension_warning, isobmff_format

from .helpers import encode, make_video, panning_frames


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00" * 32


@pytest.mark.parametrize(
    ("fmt", "expected", "mime"),
    [
        ("JPEG", "jpeg", "image/jpeg"),
        ("PNG", "png", "image/png"),
        ("GIF", "gif", "image/gif"),
        ("WEBP", "webp", "image/webp"),
        ("BMP", "bmp", "image/bmp"),
        ("TIFF", "tiff", "image/tiff"),
        ("AVIF", "avif", "image/avif"),
    ],
)
def test_pillow_written_images_are_recognised(photo, fmt, expected, mime):
    found = sniff(encode(Image.fromarray(photo), fmt)[:4096])
    assert found is not None
    assert (found.kind, found.format, found.mime) == ("image", expected, mime)


def test_big_endian_and_bigtiff_headers_are_tiff():
    for head in (b"MM\x00*\x00\x00\x00\x08", b"II+\x00\x08\x00\x00\x00"):
        assert sniff(head).format == "tiff"


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (_ftyp(b"heic", b"mif1", b"heic"), "heif"),
        (_ftyp(b"mif1", b"heic"), "heif"),
        (_ftyp(b"avif", b"mif1"), "avif"),
        (_ftyp(b"mif1", b"avif"), "avif"),
        (_ftyp(b"avis", b"msf1"), "avif"),
        (_ftyp(b"isom", b"iso2", b"avc1", b"mp41"), "mp4"),
        (_ftyp(b"mp42", b"isom"), "mp4"),
        (_ftyp(b"M4V ", b"M4A "), "mp4"),
        (_ftyp(b"qt  "), "mov"),
        (_ftyp(b"3gp4"), "3gp"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x10mdat", "mov"),
    ],
)
def test_isobmff_brands(head, fmt):
    assert sniff(head).format == fmt


def test_heic_mime_differs_from_generic_heif():
    assert sniff(_ftyp(b"heic", b"mif1")).mime == "image/heic"
    assert sniff(_ftyp(b"mif1", b"miaf")).mime == "image/heif"


def test_audio_only_mp4_is_not_media():
    head = _ftyp(b"M4A ", b"isom")
    assert isobmff_format(head) == "audio"
    assert sniff(head) is None
    assert describe_content(head) == "audio (MP4/M4A)"


@pytest.mark.parametrize(
    ("container", "codec", "fmt"),
    [
        ("mp4", "libx264", "mp4"),
        ("mov", "libx264", "mov"),
        ("webm", "libvpx", "webm"),
        ("matroska", "libx264", "mkv"),
        ("avi", "mpeg4", "avi"),
    ],
)
def test_pyav_written_videos_are_recognised(photo, container, codec, fmt):
    data = make_video(panning_frames(photo, 2), codec=codec, container=container)
    found = sniff(data[:4096])
    assert (found.kind, found.format) == ("video", fmt)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (b"PK\x03\x04\x14\x00\x00\x00", "a ZIP archive"),
        (b"<!DOCTYPE html>\n<html><body>hi</body></html>", "an HTML document"),
        (b"  <html lang='en'>", "an HTML document"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG drawing"),
        (b'{"hello": "world"}', "JSON"),
        (b"Dear diary,\nthe weather was fine.\n", "text"),
        ("na\u00efve caf\u00e9\n".encode(), "text"),
        (b"\x1f\x8b\x08\x00", "a gzip-compressed file"),
        (b"\x7fELF\x02\x01\x01", "a program"),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"ID3\x04\x00", "audio (MP3)"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio (WAV)"),
        (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "a JPEG XL image"),
        (b"8BPS\x00\x01", "a Photoshop document"),
    ],
)
def test_non_media_is_described(data, words):
    assert sniff(data) is None
    assert describe_content(data).startswith(words)


def test_random_bytes_are_unknown_binary():
    data = random.Random(7).randbytes(4096)
    assert sniff(data) is None
    assert describe_content(data) == "binary data of an unknown type"


def test_text_cut_inside_a_multibyte_character_is_still_text():
    data = ("\u00e9" * 10).encode()[:-1]
    assert describe_content(data) == "text"


@pytest.mark.parametrize(
    ("name", "fmt", "warning"),
    [
        ("photo.png", "jpeg", "named .png but content is JPEG"),
        ("dir.d/PHOTO.JPG", "png", "named .jpg but content is PNG"),
        ("notes.txt", "gif", "named .txt but content is GIF"),
        ("clip.mp4", "webm", "named .mp4 but content is WebM"),
        ("photo.jpg", "jpeg", None),
        ("photo.JPEG", "jpeg", None),
        ("clip.mov", "mp4", None),  # same demuxer: no warning
        ("clip.mkv", "webm", None),
        ("IMG 2024.05.03", "jpeg", None),  # not an extension we know
        ("photo", "jpeg", None),
        (None, "jpeg", None),
    ],
)
def test_extension_warning(name, fmt, warning):
    assert extension_warning(name, fmt) == warning


def test_identify_ignores_the_name_for_the_type(photo):
    src = identify(encode(Image.fromarray(photo), "PNG"), name="holiday.jpg")
    assert (src.kind, src.format, src.mime) == ("image", "png", "image/png")
    assert src.warnings == ("named .jpg but content is PNG",)
