"""Generator metadata: A1111, ComfyUI, InvokeAI, NovelAI, Fooocus, EXIF; broken and hostile input.

Every finding is also checked to carry no prompt text (a prompt may name the person targeted).
"""

from __future__ import annotations

import json
import tracemalloc
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from provenance_builders import (
    encode,
    exif_block,
    itxt_chunk,
    jpeg_with_segment,
    png_chunk,
    png_with_chunks,
    text_chunk,
    ztxt_chunk,
)

from consentry.signals.findings import Finding
from consentry.signals.provenance import read_generator_metadata

PROMPT = "a red bicycle leaning on a wall in Janeville"
NEGATIVE = "blurry, lowres"
A1111 = (
    f"{PROMPT}\nNegative prompt: {NEGATIVE}\n"
    "Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1234567, "
    "Size: 600x400, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, "
    'Lora hashes: "janeville_person_v1: 0123456789ab, style: abcdef012345", Version: v1.10.1'
)
COMFY_PROMPT = {
    "3": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 20, "model": ["4", 0]}},
    "4": {
        "class_type": "CheckpointLoaderSimple",
        "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"},
    },
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": PROMPT, "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": NEGATIVE, "clip": ["4", 1]}},
    "10": {"class_type": "LoraLoader", "inputs": {"lora_name": "janeville_person.safetensors"}},
}
COMFY_WORKFLOW = {
    "nodes": [
        {"id": 3, "type": "KSampler", "widgets_values": [5, "fixed", 20]},
        {
            "id": 4,
            "type": "CheckpointLoaderSimple",
            "widgets_values": ["sd_xl_base_1.0.safetensors"],
        },
        {"id": 6, "type": "CLIPTextEncode", "widgets_values": [PROMPT]},
    ],
    "links": [],
    "version": 0.4,
}


def no_prompt_text(found: Finding) -> None:
    dumped = json.dumps(found.to_json())
    for secret in ("bicycle", "Janeville", "janeville", "blurry"):
        assert secret not in dumped


def png_with(png: bytes, *chunks: bytes) -> bytes:
    return png_with_chunks(png, *chunks)


def test_a1111_parameters(coffee_png: bytes) -> None:
    found = read_generator_metadata(png_with(coffee_png, text_chunk("parameters", A1111)), "png")
    assert found is not None and found.error is None
    assert (found.source, found.ai_generated) == ("generator-metadata", True)
    section = found.evidence["automatic1111"]
    assert found.evidence["tools"] == ["automatic1111"]
    assert found.evidence["fields"] == ["parameters"]
    assert section["model"] == "v1-5-pruned-emaonly"
    assert section["model_hash"] == "6ce0161689"
    assert (section["sampler"], section["steps"], section["seed"]) == ("DPM++ 2M", "30", "1234567")
    assert section["version"] == "v1.10.1"
    assert section["lora_hashes"] == ["0123456789ab", "abcdef012345"]  # names dropped
    assert "Lora hashes" in section["keys"] and "Steps" in section["keys"]
    assert section["prompt"]["length"] == len(PROMPT)
    assert section["negative_prompt"]["length"] == len(NEGATIVE)
    no_prompt_text(found)


def test_a1111_in_compressed_itxt_and_ztxt(coffee_png: bytes) -> None:
    for chunk in (
        itxt_chunk("parameters", A1111, compressed=True),
        ztxt_chunk("parameters", zlib.compress(A1111.encode("latin-1"))),
    ):
        found = read_generator_metadata(png_with(coffee_png, chunk), "png")
        assert found is not None and found.ai_generated is True
        assert found.evidence["automatic1111"]["model_hash"] == "6ce0161689"
        no_prompt_text(found)


def test_comfyui_prompt_and_workflow(coffee_png: bytes) -> None:
    data = png_with(
        coffee_png,
        text_chunk("prompt", json.dumps(COMFY_PROMPT)),
        text_chunk("workflow", json.dumps(COMFY_WORKFLOW)),
    )
    found = read_generator_metadata(data, "png")
    assert found is not None and found.ai_generated is True
    section = found.evidence["comfyui"]
    assert found.evidence["tools"] == ["comfyui"]
    assert section["prompt_json"] == section["workflow_json"] == "ok"
    assert section["node_types"]["CLIPTextEncode"] == 3  # 2 in the API graph, 1 in the editor's
    assert section["node_types"]["KSampler"] == 2
    assert section["checkpoints"] == ["sd_xl_base_1.0.safetensors"]
    assert section["lora_loaders"] == 1
    no_prompt_text(found)


def test_comfyui_with_broken_workflow_json(coffee_png: bytes) -> None:
    data = png_with(
        coffee_png,
        text_chunk("prompt", json.dumps(COMFY_PROMPT)),
        text_chunk("workflow", json.dumps(COMFY_WORKFLOW)[:-7]),
    )
    found = read_generator_metadata(data, "png")
    assert found is not None and found.ai_generated is True
    assert found.evidence["comfyui"]["workflow_json"] == "invalid"
    assert found.evidence["comfyui"]["prompt_json"] == "ok"
    no_prompt_text(found)


def test_unparseable_graphs_are_noted_but_prove_nothing(coffee_png: bytes) -> None:
    data = png_with(coffee_png, text_chunk("prompt", PROMPT), text_chunk("workflow", "[1, 2"))
    found = read_generator_metadata(data, "png")
    assert found is not None and found.ai_generated is None
    assert found.evidence["comfyui"] == {"prompt_json": "invalid", "workflow_json": "invalid"}
    assert found.evidence["fields"] == ["prompt", "workflow"]
    no_prompt_text(found)


def test_deeply_nested_json_does_not_raise(coffee_png: bytes) -> None:
    found = read_generator_metadata(png_with(coffee_png, text_chunk("workflow", "[" * 100_000)))
    assert found is not None and found.ai_generated is None


def test_invokeai_metadata(coffee_png: bytes) -> None:
    metadata = {
        "generation_mode": "txt2img",
        "positive_prompt": PROMPT,
        "negative_prompt": NEGATIVE,
        "model": {"name": "Juggernaut XL", "hash": "blake3:0a1b2c", "base": "sdxl"},
        "app_version": "5.0.0",
        "seed": 1,
        "steps": 30,
        "scheduler": "euler",
    }
    found = read_generator_metadata(
        png_with(coffee_png, text_chunk("invokeai_metadata", json.dumps(metadata))), "png"
    )
    assert found is not None and found.ai_generated is True
    section = found.evidence["invokeai"]
    assert (section["model"], section["model_hash"], section["model_base"]) == (
        "Juggernaut XL",
        "blake3:0a1b2c",
        "sdxl",
    )
    assert (section["app_version"], section["steps"]) == ("5.0.0", 30)
    assert section["positive_prompt_digest"]["length"] == len(PROMPT)
    no_prompt_text(found)


def test_novelai(coffee_png: bytes) -> None:
    comment = {"prompt": PROMPT, "uc": NEGATIVE, "steps": 28, "sampler": "k_euler", "seed": 9}
    data = png_with(
        coffee_png,
        text_chunk("Software", "NovelAI"),
        text_chunk("Source", "NovelAI Diffusion V3 7BCCAA2C"),
        text_chunk("Description", PROMPT),
        text_chunk("Comment", json.dumps(comment)),
    )
    found = read_generator_metadata(data, "png")
    assert found is not None and found.ai_generated is True
    section = found.evidence["novelai"]
    assert section["model"] == "NovelAI Diffusion V3 7BCCAA2C"
    assert (section["sampler"], section["steps"]) == ("k_euler", 28)
    assert section["description"]["length"] == len(PROMPT)
    assert section["uc_digest"]["length"] == len(NEGATIVE)
    no_prompt_text(found)


def test_fooocus_json_parameters(coffee_png: bytes) -> None:
    parameters = {
        "Prompt": PROMPT,
        "Base Model": "juggernautXL_v8.safetensors",
        "Version": "Fooocus v2.5.5",
    }
    found = read_generator_metadata(
        png_with(coffee_png, text_chunk("parameters", json.dumps(parameters))), "png"
    )
    assert found is not None and found.ai_generated is True
    assert found.evidence["tools"] == ["fooocus"]
    assert found.evidence["fooocus"]["base_model"] == "juggernautXL_v8.safetensors"
    no_prompt_text(found)


def test_other_json_parameters(coffee_png: bytes) -> None:
    generator = {"prompt": PROMPT, "sampler": "euler", "steps": 4}
    found = read_generator_metadata(
        png_with(coffee_png, text_chunk("parameters", json.dumps(generator)))
    )
    assert found is not None and found.evidence["tools"] == ["json-parameters"]
    no_prompt_text(found)
    unrelated = {"exposure": 1.5, "lens": "50mm"}
    found = read_generator_metadata(
        png_with(coffee_png, text_chunk("parameters", json.dumps(unrelated)))
    )
    assert found is not None and found.ai_generated is None
    assert found.evidence["parameters_json"]["keys"] == ["exposure", "lens"]


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_exif_software_naming_stable_diffusion(coffee: np.ndarray, fmt: str) -> None:
    data = encode(coffee, fmt, exif=exif_block(software="Stable Diffusion XL 1.0"))
    found = read_generator_metadata(data, fmt.lower())
    assert found is not None and found.ai_generated is True
    assert found.evidence["generators"] == ["Stable Diffusion"]
    assert found.evidence["exif"]["software"] == "Stable Diffusion XL 1.0"
    assert "exif:Software" in found.evidence["fields"]


def test_exif_user_comment_with_a1111_parameters(coffee: np.ndarray) -> None:
    data = encode(coffee, "JPEG", exif=exif_block(user_comment=A1111))
    found = read_generator_metadata(data, "jpeg")
    assert found is not None and found.ai_generated is True
    assert found.evidence["automatic1111"]["model"] == "v1-5-pruned-emaonly"
    no_prompt_text(found)


def test_exif_description_naming_a_generator_is_digested(coffee: np.ndarray) -> None:
    description = f"{PROMPT} --v 6 (Midjourney)"
    found = read_generator_metadata(
        encode(coffee, "JPEG", exif=exif_block(description=description))
    )
    assert found is not None and found.ai_generated is True
    entry = found.evidence["exif"]["ImageDescription"]
    assert entry["names"] == ["Midjourney"] and entry["length"] == len(description)
    no_prompt_text(found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Created with DALL·E 3", ["DALL-E"]),
        ("Adobe Firefly Image 3", ["Adobe Firefly"]),
        ("FLUX.1 [dev]", ["FLUX"]),
        ("ComfyUI", ["ComfyUI"]),
        ("Canon EOS R5 firmware 1.8", []),
        ("Una imagen de la playa", []),
    ],
)
def test_software_names(coffee: np.ndarray, text: str, expected: list[str]) -> None:
    found = read_generator_metadata(encode(coffee, "JPEG", exif=exif_block(software=text)), "jpeg")
    if expected:
        assert found is not None and found.evidence["generators"] == expected
    else:
        assert found is None


def test_jpeg_comment_naming_a_generator(coffee_jpeg: bytes) -> None:
    data = jpeg_with_segment(coffee_jpeg, 0xFE, b"Generated by NovelAI")
    found = read_generator_metadata(data, "jpeg")
    assert found is not None and found.evidence["generators"] == ["NovelAI"]


def test_ztxt_bomb_is_capped(coffee_png: bytes) -> None:
    bomb = zlib.compress(b"A" * (64 << 20), 9)  # 64 MiB of text in ~64 KiB
    data = png_with(coffee_png, ztxt_chunk("parameters", bomb))
    found, peak = with_peak_memory(lambda: read_generator_metadata(data, "png"))
    assert peak < 16 << 20  # never inflated whole (a measure of work, not a timing)
    assert found is not None and found.ai_generated is None
    assert found.evidence["oversized"] == ["parameters"]


def test_many_bombs_share_one_budget(coffee_png: bytes) -> None:
    bomb = zlib.compress(b"A" * (2 << 20), 9)
    chunks = [ztxt_chunk(f"k{i}", bomb) for i in range(200)]
    data = png_with(coffee_png, *chunks, text_chunk("parameters", A1111))
    found, peak = with_peak_memory(lambda: read_generator_metadata(data))
    assert peak < 16 << 20
    assert found is None  # the parameters came after 64 entries: not read at all


def test_hostile_settings_line_stays_fast(coffee_png: bytes) -> None:
    # A regular expression that backtracked on this would run for hours: the suite's timeout
    # catches that; no timing is asserted here (shared machines are noisy).
    hostile = "x\nSteps: 1, Seed: 2, " + 'k: "unterminated, ' * 200_000
    found = read_generator_metadata(png_with(coffee_png, text_chunk("parameters", hostile)))
    assert found is not None and found.ai_generated is True


def test_truncated_png_keeps_what_came_before(coffee_png: bytes) -> None:
    data = png_with(coffee_png, text_chunk("parameters", A1111))
    found = read_generator_metadata(data[: len(data) // 2], "png")
    assert found is not None and found.ai_generated is True
    assert found.evidence["truncated"] is True


@pytest.mark.parametrize("cut", [8, 12, 30, 50, 120])
def test_png_cut_anywhere_does_not_raise(coffee_png: bytes, cut: int) -> None:
    data = png_with(coffee_png, text_chunk("parameters", A1111))[:cut]
    found = read_generator_metadata(data, "png")
    assert found is None or found.error is None


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_damaged_chunks_do_not_raise(coffee_png: bytes) -> None:
    damaged = png_with(
        coffee_png,
        ztxt_chunk("parameters", b"not zlib at all"),
        png_chunk(b"iTXt", b"workflow\x00\x01"),
        png_chunk(b"tEXt", b"no separator"),
        png_chunk(b"eXIf", b"MM\x00*garbage"),
    )
    found = read_generator_metadata(damaged, "png")
    assert found is not None and found.ai_generated is None
    assert found.evidence["fields"] == ["parameters", "workflow"]


@pytest.mark.parametrize("cut", [4, 10, 100, 1000])
def test_truncated_jpeg_does_not_raise(coffee: np.ndarray, cut: int) -> None:
    data = encode(coffee, "JPEG", exif=exif_block(software="Midjourney"))[:cut]
    found = read_generator_metadata(data, "jpeg")
    assert found is None or found.ai_generated is True


def test_plain_photos_give_no_finding(
    coffee_jpeg: bytes, coffee_png: bytes, coffee: np.ndarray
) -> None:
    assert read_generator_metadata(coffee_jpeg, "jpeg") is None
    assert read_generator_metadata(coffee_png, "png") is None
    assert read_generator_metadata(encode(coffee, "WEBP"), "webp") is None
    assert read_generator_metadata(b"", None) is None
    assert read_generator_metadata(b"\x00" * 100, None) is None


def with_peak_memory(work: Callable[[], Any]) -> tuple[Any, int]:
    """``work()``'s result and the most memory Python held at once while it ran."""
    tracemalloc.start()
    try:
        return work(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
