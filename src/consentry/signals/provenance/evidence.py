"""Helpers that keep findings' evidence free of copied text, and name known generators.

A file's free text (a prompt, a description, a caption) may name the person an image targets,
so it never enters evidence: ``text_digest`` records its length and SHA-256 instead, which is
enough to tell two files carried the same text. Tool, model and generator names are kept, cut
to ``NAME_LIMIT`` characters and stripped of control characters.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from consentry.signals.findings import PROVENANCE, Finding

NAME_LIMIT = 128

# Canonical generator name -> pattern. Patterns are specific on purpose: they also run over
# captions, where a loose one ("imagen" is Spanish for "image") would mislabel photographs.
_GENERATORS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "Stable Diffusion": r"stable[\s_-]?diffusion|\bsdxl\b",
        "Midjourney": r"\bmidjourney\b",
        # DALL·E, DALL-E, DALLE, and the middle dot mangled by ASCII-only writers ("DALL?E")
        "DALL-E": r"\bdall(?:[^a-z0-9]{1,2}|\u00c2\u00b7)?e\b",
        "Adobe Firefly": r"\bfirefly\b",
        "NovelAI": r"\bnovel\s?ai\b",
        "ComfyUI": r"\bcomfy\s?ui\b",
        "InvokeAI": r"\binvoke\s?ai\b",
        "AUTOMATIC1111": r"\bautomatic1111\b|stable-diffusion-webui",
        "Fooocus": r"\bfooocus\b",
        "FLUX": r"\bflux(?:\.[12]|[\s_-]?(?:dev|schnell|pro|kontext))\b|black\s+forest\s+labs",
        "Imagen": r"google\s+imagen|\bimagen\s?[234]\b",
        "Ideogram": r"\bideogram(?:\.ai)?\b",
        "Leonardo.Ai": r"\bleonardo\.ai\b",
        "Runway": r"\brunway\s?(?:ml|gen-?\d)\b",
        "Bing Image Creator": r"bing\s+image\s+creator|image\s+creator\s+from\s+designer",
        "Playground": r"\bplayground\s?(?:ai|v[23])\b",
    }.items()
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def text_digest(text: str) -> dict[str, Any]:
    """Length and SHA-256 of free text: what evidence records in place of the text."""
    raw = text.encode("utf-8", errors="replace")
    return {"length": len(text), "sha256": hashlib.sha256(raw).hexdigest()}


def short_name(value: object) -> str | None:
    """A tool or model name fit for evidence, or None when ``value`` is not a usable string."""
    if not isinstance(value, str):
        return None
    cleaned = _CONTROL.sub(" ", value).strip()
    return cleaned[:NAME_LIMIT] or None


def known_generators(text: str) -> list[str]:
    """Canonical names of the known image generators that ``text`` names."""
    return [name for name, pattern in _GENERATORS.items() if pattern.search(text)]


def finding(
    source: str,
    evidence: dict[str, Any],
    ai_generated: bool | None = None,
    error: str | None = None,
) -> Finding:
    return Finding(
        signal=PROVENANCE, source=source, ai_generated=ai_generated, evidence=evidence, error=error
    )


def error_finding(source: str, code: str, message: str, **evidence: Any) -> Finding:
    return finding(source, evidence, error=f"{code}: {message}")
