"""Safe media intake: bytes in, decoded in memory, within limits, with typed errors.

Nothing here writes media to disk or logs it. Types come from content (magic bytes), never the
file name. See ``limits`` for what each limit means and ``color`` for colour normalisation.
"""

from consentry.media.errors import (
    Corrupt,
    EmptyFile,
    HeifNotInstalled,
    MediaError,
    TooDeeplyNested,
    TooLarge,
    TooLong,
    TooManyFrames,
    TooManyPixels,
    Truncated,
    Unreadable,
    UnsupportedFormat,
)
from consentry.media.image import DecodedImage, decode_image
from consentry.media.limits import DEFAULT_LIMITS, Limits
from consentry.media.sniff import IMAGE_FORMATS, VIDEO_FORMATS, Sniffed, describe_content, sniff
from consentry.media.source import MediaSource, identify, read_bytes, read_source, sniff_file
from consentry.media.video import VideoFrame, VideoInfo, iter_video_frames, probe_video

__all__ = [
    "DEFAULT_LIMITS",
    "IMAGE_FORMATS",
    "VIDEO_FORMATS",
    "Corrupt",
    "DecodedImage",
    "EmptyFile",
    "HeifNotInstalled",
    "Limits",
    "MediaError",
    "MediaSource",
    "Sniffed",
    "TooDeeplyNested",
    "TooLarge",
    "TooLong",
    "TooManyFrames",
    "TooManyPixels",
    "Truncated",
    "Unreadable",
    "UnsupportedFormat",
    "VideoFrame",
    "VideoInfo",
    "decode_image",
    "describe_content",
    "identify",
    "iter_video_frames",
    "probe_video",
    "read_bytes",
    "read_source",
    "sniff",
    "sniff_file",
]
