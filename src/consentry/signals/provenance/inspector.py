"""``ProvenanceInspector``: every provenance check on one file, one finding per check that
found something (or could not run)."""

from __future__ import annotations

from dataclasses import dataclass, field

from consentry.errors import ConsentryError
from consentry.media.sniff import HEAD_BYTES, sniff
from consentry.signals.findings import Finding, Inspector, Subject
from consentry.signals.provenance import c2pa_manifest, generator_metadata, sd_watermark, xmp_source
from consentry.signals.provenance.c2pa_manifest import C2paSettings, ManifestReader
from consentry.signals.provenance.evidence import error_finding
from consentry.signals.provenance.sd_watermark import WatermarkSettings

CHECKS = (
    c2pa_manifest.SOURCE,
    xmp_source.SOURCE,
    generator_metadata.SOURCE,
    sd_watermark.SOURCE,
)
"""Every check, by its findings' ``source`` name, in the order they run."""


@dataclass(frozen=True)
class ProvenanceSettings:
    """``c2pa``: trust anchors; ``watermark``: detection thresholds; ``checks``: which run."""

    c2pa: C2paSettings = field(default_factory=C2paSettings)
    watermark: WatermarkSettings = field(default_factory=WatermarkSettings)
    checks: tuple[str, ...] = CHECKS

    def __post_init__(self) -> None:
        unknown = sorted(set(self.checks) - set(CHECKS))
        if unknown:
            raise ConsentryError(
                f"unknown provenance check(s) {', '.join(unknown)}; known: {', '.join(CHECKS)}",
                code="unknown-provenance-check",
            )


class ProvenanceInspector(Inspector):
    """C2PA manifest, XMP DigitalSourceType, generator metadata (from the bytes) and the
    Stable Diffusion watermark (from the decoded first frame)."""

    name = "provenance"

    def __init__(self, settings: ProvenanceSettings | None = None) -> None:
        self.settings = settings or ProvenanceSettings()
        self._manifests = ManifestReader(self.settings.c2pa)

    def inspect(self, subject: Subject) -> list[Finding]:
        findings = []
        for check in self.settings.checks:
            try:
                result = self._run(check, subject)
            # A parser bug on hostile bytes must not stop a scan: it becomes this check's error.
            except Exception as exc:
                result = error_finding(check, "provenance-check-failed", type(exc).__name__)
            if result is not None:
                findings.append(result)
        return findings

    def _run(self, check: str, subject: Subject) -> Finding | None:
        if check == c2pa_manifest.SOURCE:
            sniffed = sniff(subject.data[:HEAD_BYTES])
            return self._manifests.read(subject.data, sniffed.mime if sniffed else None)
        if check == xmp_source.SOURCE:
            return xmp_source.read_xmp_source(subject.data, subject.format)
        if check == generator_metadata.SOURCE:
            return generator_metadata.read_generator_metadata(subject.data, subject.format)
        return sd_watermark.detect_sd_watermark(subject.image, self.settings.watermark)
