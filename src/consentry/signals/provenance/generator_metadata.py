"""Metadata that image generators write into their files.

- AUTOMATIC1111 / Forge / SD.Next: PNG text "parameters" (or EXIF UserComment in JPEG/WebP),
  the prompt, "Negative prompt: ..." and a settings line "Steps: 20, Sampler: ..., Model: ...".
  Fooocus writes a JSON object in "parameters".
- ComfyUI: PNG text "prompt" (the API graph) and "workflow" (the editor graph), both JSON.
- NovelAI: PNG text "Software" = "NovelAI", "Source" (the model), "Comment" (JSON settings).
- InvokeAI: PNG text "invokeai_metadata" (JSON); older versions "sd-metadata" / "Dream".
- EXIF Software / ImageDescription / UserComment, JPEG comments and other text naming a known
  generator (Stable Diffusion, Midjourney, DALL-E, Adobe Firefly, FLUX...).

Evidence records which fields exist, the tool, model names and hashes, sampler settings and
node types — never a prompt or caption (length and SHA-256 instead), and never LoRA or
embedding names, which commonly name the person they were trained on (their hashes only).

Like XMP, this metadata is self-asserted and is lost on almost any re-encode; its presence is
strong evidence (nobody types a ComfyUI graph into a photograph), its absence proves nothing.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from consentry.signals.findings import Finding
from consentry.signals.provenance.containers import Metadata, read_metadata
from consentry.signals.provenance.evidence import (
    error_finding,
    finding,
    known_generators,
    short_name,
    text_digest,
)
from consentry.signals.provenance.exif import exif_text_tags

SOURCE = "generator-metadata"

_GENERATOR_KEYWORDS = frozenset(
    {
        "parameters",
        "prompt",
        "workflow",
        "invokeai_metadata",
        "invokeai_graph",
        "invokeai_workflow",
        "sd-metadata",
        "Dream",
    }
)
# Text entries whose value may name a generator: checked by name, recorded only as a digest.
_NAMING_KEYWORDS = (
    "Software",
    "Source",
    "Title",
    "Author",
    "Description",
    "Comment",
    "jpeg:comment",
)
_MAX_SETTINGS_LINE = 16 << 10  # A1111 lines are a few hundred bytes; this bounds the regex
_MAX_NODE_TYPES = 64
_MAX_NAMES = 16

# One "Key: value" pair of an A1111 settings line; values may be quoted and contain commas.
_SETTING = re.compile(r'\s*([A-Za-z][\w \-/+.()]{0,40}?):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)')
_A1111_VALUES = {
    "Steps": "steps",
    "Sampler": "sampler",
    "Schedule type": "schedule_type",
    "CFG scale": "cfg_scale",
    "Seed": "seed",
    "Size": "size",
    "Model hash": "model_hash",
    "Model": "model",
    "VAE hash": "vae_hash",
    "VAE": "vae",
    "Denoising strength": "denoising_strength",
    "Clip skip": "clip_skip",
    "Hires upscale": "hires_upscale",
    "Hires upscaler": "hires_upscaler",
    "Version": "version",
}
_A1111_HASH_LISTS = {"Lora hashes": "lora_hashes", "TI hashes": "embedding_hashes"}
_A1111_MARKERS = frozenset({"Sampler", "Seed", "CFG scale", "Model hash"})
_CHECKPOINT_INPUTS = ("ckpt_name", "unet_name")
_FOOOCUS_VALUES = (
    "Base Model",
    "Refiner Model",
    "Version",
    "Sampler",
    "Steps",
    "Seed",
    "Performance",
)
# Keys that only image generation settings have; a "parameters" JSON without any is not one.
_GENERATION_KEYS = frozenset({"prompt", "negative prompt", "sampler", "cfg scale", "base model"})
_NOVELAI_VALUES = ("sampler", "steps", "seed", "scale", "noise_schedule", "version", "request_type")
_INVOKEAI_VALUES = ("app_version", "generation_mode", "scheduler", "steps", "seed", "cfg_scale")


class _Report:
    """Evidence being gathered: per-tool sections, generator names, the verdict."""

    def __init__(self) -> None:
        self.evidence: dict[str, Any] = {}
        self.tools: list[str] = []
        self.generators: list[str] = []

    def tool(self, name: str, section: dict[str, Any]) -> None:
        if name not in self.tools:
            self.tools.append(name)
        self.evidence.setdefault(name, {}).update(section)

    def names(self, text: str) -> list[str]:
        found = known_generators(text)
        self.generators += [g for g in found if g not in self.generators]
        return found


def read_generator_metadata(data: bytes, fmt: str | None = None) -> Finding | None:
    """The generator-metadata finding for a file's bytes; None when nothing names a generator."""
    try:
        meta = read_metadata(data, fmt)
        return _analyse(meta)
    except (ValueError, IndexError, KeyError, TypeError, RecursionError) as exc:
        return error_finding(SOURCE, "generator-metadata-unreadable", type(exc).__name__)


def _analyse(meta: Metadata) -> Finding | None:
    report = _Report()
    fields = list(meta.text)
    _read_a1111_or_fooocus(meta.text.get("parameters"), report)
    _read_comfyui(meta.text.get("prompt"), meta.text.get("workflow"), report)
    _read_invokeai(meta.text, report)
    _read_novelai(meta.text, report)
    _read_naming_text(meta.text, report)
    fields += _read_exif(meta.exif, report)
    relevant = set(meta.text) & _GENERATOR_KEYWORDS or set(meta.oversized) & _GENERATOR_KEYWORDS
    if not (report.tools or report.generators or relevant):
        return None
    evidence = report.evidence
    evidence["fields"] = sorted(set(fields) | set(meta.oversized))[:32]
    if report.tools:
        evidence["tools"] = report.tools
    if report.generators:
        evidence["generators"] = report.generators
    if meta.oversized:
        evidence["oversized"] = sorted(meta.oversized)[:8]
    if meta.truncated:
        evidence["truncated"] = True
    return finding(SOURCE, evidence, True if report.tools or report.generators else None)


# --- AUTOMATIC1111 / Forge / Fooocus ---------------------------------------------------------


def _read_a1111_or_fooocus(text: str | None, report: _Report) -> None:
    if not text:
        return
    if text.lstrip().startswith("{"):
        _read_fooocus(text, report)
        return
    section = parse_a1111(text)
    if section is not None:
        report.tool("automatic1111", section)


def parse_a1111(text: str) -> dict[str, Any] | None:
    """Evidence from an A1111-style parameters text, or None when it has no settings line."""
    lines = text.splitlines()
    settings_at = _settings_line(lines)
    if settings_at is None:
        return None
    line = lines[settings_at][:_MAX_SETTINGS_LINE]
    settings = {m.group(1).strip(): m.group(2).strip() for m in _SETTING.finditer(line)}
    if "Steps" not in settings or not _A1111_MARKERS & settings.keys():
        return None
    section: dict[str, Any] = {"keys": sorted(settings)[:48]}
    for key, name in _A1111_VALUES.items():
        value = short_name(settings.get(key, "").strip('"'))
        if value:
            section[name] = value
    for key, name in _A1111_HASH_LISTS.items():
        if key in settings:
            section[name] = _hashes_only(settings[key])
    prompt, negative = _split_prompt(lines[:settings_at])
    if prompt:
        section["prompt"] = text_digest(prompt)
    if negative:
        section["negative_prompt"] = text_digest(negative)
    return section


def _settings_line(lines: list[str]) -> int | None:
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].lstrip().startswith("Steps:"):
            return index
    return None


def _split_prompt(lines: list[str]) -> tuple[str, str]:
    for index, line in enumerate(lines):
        if line.startswith("Negative prompt:"):
            negative = [line.removeprefix("Negative prompt:"), *lines[index + 1 :]]
            return "\n".join(lines[:index]).strip(), "\n".join(negative).strip()
    return "\n".join(lines).strip(), ""


def _hashes_only(value: str) -> list[str]:
    """The hashes of a '"name: hash, name: hash"' list, without the names."""
    hashes = []
    for entry in value.strip('"').split(","):
        _, _, digest = entry.rpartition(":")
        digest = digest.strip()
        if re.fullmatch(r"[0-9A-Fa-f]{6,64}", digest):
            hashes.append(digest.lower())
    return hashes[:_MAX_NAMES]


def _read_fooocus(text: str, report: _Report) -> None:
    document = _json_object(text)
    if document is None:
        report.evidence["parameters_json"] = "invalid"
        return
    section = _json_summary(document, _FOOOCUS_VALUES)
    version = str(document.get("Version", document.get("version", "")))
    if "fooocus" in version.lower():
        report.tool("fooocus", section)
    elif {str(k).lower() for k in document} & _GENERATION_KEYS:
        report.tool("json-parameters", section)
    else:
        report.evidence["parameters_json"] = section


# --- ComfyUI ---------------------------------------------------------------------------------


def _read_comfyui(prompt: str | None, workflow: str | None, report: _Report) -> None:
    if prompt is None and workflow is None:
        return
    section: dict[str, Any] = {}
    node_types: Counter[str] = Counter()
    checkpoints: list[str] = []
    for key, text, read_graph in (
        ("prompt", prompt, _api_graph_nodes),
        ("workflow", workflow, _editor_graph_nodes),
    ):
        if text is None:
            continue
        document = _json_object(text)
        nodes = read_graph(document) if document is not None else None
        if nodes is None:
            section[f"{key}_json"] = "invalid" if document is None else "not a ComfyUI graph"
            continue
        section[f"{key}_json"] = "ok"
        for node_type, checkpoint in nodes:
            node_types[node_type] += 1
            if checkpoint and checkpoint not in checkpoints:
                checkpoints.append(checkpoint)
    if not node_types:
        report.evidence["comfyui"] = section
        return
    section["node_types"] = dict(node_types.most_common(_MAX_NODE_TYPES))
    section["lora_loaders"] = sum(n for t, n in node_types.items() if "lora" in t.lower())
    if checkpoints:
        section["checkpoints"] = checkpoints[:_MAX_NAMES]
    report.tool("comfyui", section)


def _api_graph_nodes(document: dict[str, Any]) -> list[tuple[str, str | None]] | None:
    nodes = []
    for node in document.values():
        if isinstance(node, dict) and short_name(node.get("class_type")):
            inputs = node.get("inputs") if isinstance(node.get("inputs"), dict) else {}
            checkpoint = next((inputs[k] for k in _CHECKPOINT_INPUTS if k in inputs), None)
            nodes.append((short_name(node["class_type"]) or "", short_name(checkpoint)))
    return nodes or None


def _editor_graph_nodes(document: dict[str, Any]) -> list[tuple[str, str | None]] | None:
    raw_nodes = document.get("nodes")
    if not isinstance(raw_nodes, list):
        return None
    nodes = []
    for node in raw_nodes:
        node_type = short_name(node.get("type")) if isinstance(node, dict) else None
        if node_type:
            nodes.append((node_type, _editor_checkpoint(node_type, node)))
    return nodes or None


def _editor_checkpoint(node_type: str, node: dict[str, Any]) -> str | None:
    widgets = node.get("widgets_values")
    is_loader = "checkpointloader" in node_type.lower() or node_type == "UNETLoader"
    if is_loader and isinstance(widgets, list) and widgets:
        return short_name(widgets[0])
    return None


# --- InvokeAI / NovelAI ------------------------------------------------------------------------


def _read_invokeai(text: dict[str, str], report: _Report) -> None:
    raw = text.get("invokeai_metadata")
    if raw is not None:
        document = _json_object(raw)
        if document is None:
            report.evidence["invokeai"] = {"metadata_json": "invalid"}
        else:
            section = _json_summary(document, _INVOKEAI_VALUES)
            section.update(_model_summary(document.get("model")))
            report.tool("invokeai", section)
    legacy = [
        k for k in ("sd-metadata", "Dream", "invokeai_graph", "invokeai_workflow") if k in text
    ]
    if legacy:
        report.tool("invokeai", {"fields": legacy})


def _model_summary(model: Any) -> dict[str, Any]:
    if isinstance(model, str):
        return {"model": short_name(model)}
    if not isinstance(model, dict):
        return {}
    summary = {
        "model": short_name(model.get("name", model.get("model_name"))),
        "model_hash": short_name(model.get("hash")),
        "model_base": short_name(model.get("base", model.get("base_model"))),
    }
    return {k: v for k, v in summary.items() if v}


def _read_novelai(text: dict[str, str], report: _Report) -> None:
    if "novelai" not in text.get("Software", "").lower():
        return
    section: dict[str, Any] = {}
    model = short_name(text.get("Source"))
    if model:
        section["model"] = model
    comment = text.get("Comment")
    if comment is not None:
        document = _json_object(comment)
        if document is None:
            section["comment_json"] = "invalid"
        else:
            section.update(_json_summary(document, _NOVELAI_VALUES))
    if text.get("Description"):
        section["description"] = text_digest(text["Description"])
    report.tool("novelai", section)


def _read_naming_text(text: dict[str, str], report: _Report) -> None:
    """Text fields naming a known generator (their digest, never their text)."""
    named: dict[str, Any] = {}
    for keyword in _NAMING_KEYWORDS:
        value = text.get(keyword)
        if value and report.names(value):
            named[keyword] = {**text_digest(value), "names": known_generators(value)}
    if named:
        report.evidence["named_in"] = named


# --- EXIF ---------------------------------------------------------------------------------------


def _read_exif(raw: bytes | None, report: _Report) -> list[str]:
    """Reads the EXIF fields that matter; returns which were present."""
    if not raw:
        return []
    tags = exif_text_tags(raw)
    if tags is None:
        report.evidence["exif"] = {"readable": False}
        return ["exif"]
    section: dict[str, Any] = {}
    software = tags.get("Software")
    if software:
        section["software"] = short_name(software)
        report.names(software)
    comment = tags.get("UserComment", "")
    a1111 = parse_a1111(comment) if comment else None
    if a1111 is not None:
        report.tool("automatic1111", a1111)
    for name in ("ImageDescription", "UserComment", "Artist"):
        value = tags.get(name)
        if value and (name != "UserComment" or a1111 is None) and report.names(value):
            section[name] = {**text_digest(value), "names": known_generators(value)}
    if section:
        report.evidence["exif"] = section
    return [f"exif:{name}" for name in sorted(tags)]


# --- JSON helpers -------------------------------------------------------------------------------


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _json_summary(document: dict[str, Any], value_keys: tuple[str, ...]) -> dict[str, Any]:
    """Key names, whitelisted scalar values, and digests of anything that looks like a prompt."""
    section: dict[str, Any] = {"keys": sorted(short_name(k) or "" for k in document)[:64]}
    for key in value_keys:
        value = document.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            section[_snake(key)] = value
        elif short_name(value):
            section[_snake(key)] = short_name(value)
    prompts = {k: v for k, v in document.items() if _is_prompt_key(k) and isinstance(v, str) and v}
    for key, value in list(prompts.items())[:4]:
        section[f"{_snake(key)}_digest"] = text_digest(value)
    return section


def _is_prompt_key(key: str) -> bool:
    lowered = key.lower()
    return "prompt" in lowered or lowered in ("uc", "description", "caption")


def _snake(key: str) -> str:
    return re.sub(r"\W+", "_", key.strip()).lower()
