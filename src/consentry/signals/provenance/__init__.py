"""Provenance signals: what a file says, or carries, about how it was made.

Four checks, each a function from bytes (or pixels) to a
:class:`~consentry.signals.findings.Finding` or None, never raising; :class:`ProvenanceInspector`
runs them all on a Subject:

- ``c2pa``: a C2PA manifest, validated (signature, content hash, optional trust anchors), and
  its AI-generation actions.
- ``xmp``: IPTC DigitalSourceType and the IPTC AI fields in XMP.
- ``generator-metadata``: what generators write (A1111 parameters, ComfyUI graphs, NovelAI,
  InvokeAI, EXIF Software naming a generator).
- ``sd-watermark``: the invisible watermark of Stable Diffusion's (and FLUX's) reference code.

All are high-precision, low-recall: their presence is evidence, their absence proves nothing
(a re-encode strips nearly all of them). See docs/provenance.md.
"""

from consentry.signals.provenance.c2pa_manifest import C2paSettings, ManifestReader, read_c2pa
from consentry.signals.provenance.generator_metadata import read_generator_metadata
from consentry.signals.provenance.inspector import CHECKS, ProvenanceInspector, ProvenanceSettings
from consentry.signals.provenance.sd_watermark import (
    MESSAGES,
    WatermarkReading,
    WatermarkSettings,
    detect_sd_watermark,
    read_watermarks,
)
from consentry.signals.provenance.xmp_source import find_xmp_packets, read_xmp_source

__all__ = [
    "CHECKS",
    "MESSAGES",
    "C2paSettings",
    "ManifestReader",
    "ProvenanceInspector",
    "ProvenanceSettings",
    "WatermarkReading",
    "WatermarkSettings",
    "detect_sd_watermark",
    "find_xmp_packets",
    "read_c2pa",
    "read_generator_metadata",
    "read_watermarks",
    "read_xmp_source",
]
