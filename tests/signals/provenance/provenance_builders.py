"""Fixture builders for the provenance tests, all on benign pictures (scikit-image samples).

- A throwaway test CA and C2PA signing certificates (cryptography, ES256), and manifests
  signed into a JPEG with c2pa-python — no timestamp authority, no network.
- XMP packets, JPEG segments, PNG chunks (tEXt/zTXt/iTXt) and EXIF blocks.
- The dwtDct watermark ENCODER, written for the tests from the published algorithm, so the
  decoder in src can be checked against marks with known content.
"""

from __future__ import annotations

import datetime
import io
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import c2pa
import numpy as np
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

from consentry.signals.provenance.dwt import haar_forward, haar_inverse
from consentry.signals.provenance.sd_watermark import BLOCK, STEP, ChromaVariant

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"

# --- pictures -------------------------------------------------------------------------------


def encode(rgb: np.ndarray, fmt: str = "JPEG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, **options)
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def reencode(data: bytes, fmt: str, **options: Any) -> bytes:
    """What a platform does on upload: decode and save again with Pillow's defaults."""
    return encode(decode(data), fmt, **options)


# --- C2PA -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        ]
    )


def _key_usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey, days: int):
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )


def make_ca(common_name: str) -> Credential:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, "Consentry Test CA")
    certificate = (
        _builder(name, name, key, days=365)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(sign=False, ca=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Credential(key, certificate)


def make_signer(ca: Credential, common_name: str, organization: str) -> Credential:
    """An end-entity C2PA signing certificate: not a CA, digitalSignature key usage, and an
    extended key usage C2PA accepts (emailProtection), with key identifiers linking it to
    its issuer."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        _builder(_name(common_name, organization), ca.certificate.subject, key, days=90)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True, ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), False
        )
        .sign(ca.key, hashes.SHA256())
    )
    return Credential(key, certificate)


def manifest_definition(source_type: str, agent: str = "Test Diffusion") -> dict[str, Any]:
    return {
        "claim_generator_info": [{"name": "consentry-tests", "version": "1.0"}],
        "title": "fixture",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": IPTC + source_type,
                            "softwareAgent": {"name": agent},
                        }
                    ]
                },
            }
        ],
    }


def sign_jpeg(jpeg: bytes, definition: dict[str, Any], signer: Credential, ca: Credential) -> bytes:
    """``jpeg`` with ``definition`` signed into it (no thumbnail, no timestamp authority)."""
    info = c2pa.C2paSignerInfo(
        c2pa.C2paSigningAlg.ES256,
        (signer.pem + ca.pem).encode(),
        signer.key_pem.encode(),
        None,
    )
    context = c2pa.Context.from_dict(
        {
            "builder": {"thumbnail": {"enabled": False}},
            "verify": {"verify_after_sign": False, "remote_manifest_fetch": False},
        }
    )
    out = io.BytesIO()
    with c2pa.Signer.from_info(info) as c2pa_signer, c2pa.Builder(definition, context) as builder:
        builder.sign(c2pa_signer, "image/jpeg", io.BytesIO(jpeg), out)
    return out.getvalue()


# --- XMP, JPEG segments, PNG chunks, EXIF -----------------------------------------------------


def xmp_packet(
    *,
    source_type: str | None = None,
    element_form: bool = False,
    ai_system: str | None = None,
    prompt: str | None = None,
    prompt_writer: str | None = None,
    creator_tool: str | None = None,
) -> bytes:
    attributes, elements = [], []
    if source_type is not None:
        value = IPTC + source_type
        if element_form:
            elements.append(f"<Iptc4xmpExt:DigitalSourceType rdf:resource='{value}'/>")
        else:
            attributes.append(f"Iptc4xmpExt:DigitalSourceType='{value}'")
    if ai_system is not None:
        elements.append(f"<Iptc4xmpExt:AISystemUsed>{ai_system}</Iptc4xmpExt:AISystemUsed>")
    if prompt is not None:
        elements.append(
            f"<Iptc4xmpExt:AIPromptInformation>{prompt}</Iptc4xmpExt:AIPromptInformation>"
        )
    if prompt_writer is not None:
        elements.append(
            f"<Iptc4xmpExt:AIPromptWriterName>{prompt_writer}</Iptc4xmpExt:AIPromptWriterName>"
        )
    if creator_tool is not None:
        attributes.append(f"xmp:CreatorTool='{creator_tool}'")
    return (
        "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>"
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'>"
        "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        "<rdf:Description rdf:about=''"
        " xmlns:Iptc4xmpExt='http://iptc.org/std/Iptc4xmpExt/2008-02-29/'"
        " xmlns:xmp='http://ns.adobe.com/xap/1.0/' "
        + " ".join(attributes)
        + ">"
        + "".join(elements)
        + "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end='w'?>"
    ).encode("utf-8")


def jpeg_with_segment(jpeg: bytes, marker: int, body: bytes) -> bytes:
    """``jpeg`` with one more segment right after SOI."""
    return jpeg[:2] + struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body + jpeg[2:]


def jpeg_with_xmp(jpeg: bytes, packet: bytes) -> bytes:
    return jpeg_with_segment(jpeg, 0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def text_chunk(keyword: str, text: str) -> bytes:
    return png_chunk(b"tEXt", keyword.encode("latin-1") + b"\x00" + text.encode("latin-1"))


def ztxt_chunk(keyword: str, compressed: bytes) -> bytes:
    return png_chunk(b"zTXt", keyword.encode("latin-1") + b"\x00\x00" + compressed)


def itxt_chunk(keyword: str, text: str, *, compressed: bool = False) -> bytes:
    raw = text.encode("utf-8")
    payload = zlib.compress(raw) if compressed else raw
    header = keyword.encode("latin-1") + b"\x00" + bytes([int(compressed), 0]) + b"\x00\x00"
    return png_chunk(b"iTXt", header + payload)


def png_with_chunks(png: bytes, *chunks: bytes) -> bytes:
    """``png`` with extra chunks right after IHDR (signature 8 bytes + IHDR 25 bytes)."""
    split = 8 + 25
    return png[:split] + b"".join(chunks) + png[split:]


def exif_block(
    *, software: str | None = None, description: str | None = None, user_comment: str | None = None
) -> bytes:
    exif = Image.Exif()
    if software is not None:
        exif[0x0131] = software
    if description is not None:
        exif[0x010E] = description
    if user_comment is not None:
        exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + user_comment.encode("utf-16-be")
    return exif.tobytes()


# --- the dwtDct watermark encoder (tests only) --------------------------------------------------


def embed_watermark(rgb: np.ndarray, bits: tuple[int, ...], variant: ChromaVariant) -> np.ndarray:
    """``rgb`` marked like the reference "dwtDct" encoder, in the pipeline ``variant`` says
    (uint8 YUV with offset 128 and rounding, or float YUV with offset 0.5; RGB or BGR)."""
    x = rgb[..., :3].astype(np.float64)
    if variant.swap_red_blue:
        x = x[..., ::-1]
    red, green, blue = x[..., 0], x[..., 1], x[..., 2]
    luma = 0.299 * red + 0.587 * green + 0.114 * blue
    u = 0.492 * (blue - luma) + variant.offset
    v = 0.877 * (red - luma) + variant.offset
    if variant.rounded:
        luma, u, v = (np.clip(np.rint(c), 0, 255) for c in (luma, u, v))
    rows, cols = u.shape[0] // 4 * 4, u.shape[1] // 4 * 4
    u = u.copy()
    u[:rows, :cols] = _mark_channel(u[:rows, :cols], np.asarray(bits))
    if variant.rounded:
        u = np.clip(np.rint(u), 0, 255)
    blue = (u - variant.offset) / 0.492 + luma
    red = (v - variant.offset) / 0.877 + luma
    green = (luma - 0.299 * red - 0.114 * blue) / 0.587
    out = np.stack([red, green, blue], axis=-1)
    if variant.swap_red_blue:
        out = out[..., ::-1]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _mark_channel(channel: np.ndarray, bits: np.ndarray) -> np.ndarray:
    ll, lh, hl, hh = haar_forward(channel)
    block_rows, block_cols = ll.shape[0] // BLOCK, ll.shape[1] // BLOCK
    height, width = block_rows * BLOCK, block_cols * BLOCK
    blocks = (
        ll[:height, :width]
        .reshape(block_rows, BLOCK, block_cols, BLOCK)
        .transpose(0, 2, 1, 3)
        .reshape(-1, BLOCK * BLOCK)
    )
    index = np.arange(len(blocks))
    position = np.argmax(np.abs(blocks[:, 1:]), axis=1) + 1
    value = blocks[index, position]
    bit = bits[index % len(bits)]
    magnitude = (np.floor(np.abs(value) / STEP) + 0.25 + 0.5 * bit) * STEP
    blocks[index, position] = np.where(value >= 0, magnitude, -magnitude)
    ll = ll.copy()
    ll[:height, :width] = (
        blocks.reshape(block_rows, block_cols, BLOCK, BLOCK)
        .transpose(0, 2, 1, 3)
        .reshape(height, width)
    )
    return haar_inverse(ll, lh, hl, hh)
