"""MD5 and SHA-256 written in JavaScript (static/js/hashing/digests.js) against the standard
test vectors and hashlib, fed whole, in awkward pieces, and as Files read in chunks."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest
from hashing_helpers import HashingPage

# RFC 1321 appendix A.5 and FIPS 180-2 / NIST examples.
MD5_VECTORS = {
    "": "d41d8cd98f00b204e9800998ecf8427e",
    "a": "0cc175b9c0f1b6a831c399e269772661",
    "abc": "900150983cd24fb0d6963f7d28e17f72",
    "message digest": "f96b697d7cb7938d525a2f31aaf161d0",
    "abcdefghijklmnopqrstuvwxyz": "c3fcd3d76192e4007dfb496cca67e13b",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789": (
        "d174ab98d277d9f5a5611c2c9f419d9f"
    ),
    "1234567890" * 8: "57edf4a22be3c955ac49da2e2107b67a",
}
SHA256_VECTORS = {
    "": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq": (
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
    "lmnopqrsmnopqrstnopqrstu": (
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
    ),
}

DIGEST_TEXTS = """
async ({ texts, js }) => {
  const { Md5, Sha256 } = await import(`${js}/digests.js`);
  const encoder = new TextEncoder();
  return texts.map((text) => {
    const bytes = encoder.encode(text);
    return { md5: new Md5().update(bytes).hex(), sha256: new Sha256().update(bytes).hex() };
  });
}
"""

# Each buffer whole, then again fed in pieces of the given sizes (cycled).
DIGEST_BUFFERS = """
async ({ names, prefix, js, pieces }) => {
  const { Md5, Sha256 } = await import(`${js}/digests.js`);
  const out = [];
  for (const name of names) {
    const bytes = new Uint8Array(await (await fetch(prefix + name)).arrayBuffer());
    const whole = { md5: new Md5().update(bytes).hex(), sha256: new Sha256().update(bytes).hex() };
    const md5 = new Md5();
    const sha = new Sha256();
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const end = Math.min(at + pieces[i % pieces.length], bytes.length);
      md5.update(bytes.subarray(at, end));
      sha.update(bytes.subarray(at, end));
      at = end;
    }
    out.push({ whole, pieces: { md5: md5.hex(), sha256: sha.hex() } });
  }
  return out;
}
"""

DIGEST_FILE = """
async ({ name, prefix, js }) => {
  const { digestFile } = await import(`${js}/digests.js`);
  const blob = await (await fetch(prefix + name)).blob();
  const progress = [];
  const started = performance.now();
  const result = await digestFile(new File([blob], "big.bin"), (f) => progress.push(f));
  return { ...result, progress, ms: performance.now() - started };
}
"""


@pytest.fixture
def hashing(page: Any, server: Any) -> HashingPage:
    return HashingPage(page, server.url).open()


def test_standard_vectors(hashing: HashingPage) -> None:
    texts = sorted(set(MD5_VECTORS) | set(SHA256_VECTORS))
    results = hashing.evaluate(DIGEST_TEXTS, {"texts": texts, "js": "/static/js/hashing"})
    for text, got in zip(texts, results, strict=True):
        if text in MD5_VECTORS:
            assert got["md5"] == MD5_VECTORS[text], text
        if text in SHA256_VECTORS:
            assert got["sha256"] == SHA256_VECTORS[text], text
        assert got["md5"] == hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
        assert got["sha256"] == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("pieces", [[1_000_000_000], [1, 63, 64, 65, 7], [55, 9, 128]])
def test_random_bytes_of_awkward_lengths(hashing: HashingPage, pieces: list[int]) -> None:
    rng = np.random.default_rng(sum(pieces))
    lengths = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1_000_003]
    names = []
    expected = []
    for length in lengths:
        data = rng.integers(0, 256, length, dtype=np.uint8).tobytes()
        names.append(hashing.put(f"random-{length}", data))
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        expected.append({"md5": md5, "sha256": hashlib.sha256(data).hexdigest()})
    arg = {"names": names, "prefix": "/__hashing_test__/", "js": "/static/js/hashing"}
    results = hashing.evaluate(DIGEST_BUFFERS, {**arg, "pieces": pieces})
    for length, want, got in zip(lengths, expected, results, strict=True):
        assert got["whole"] == want, length
        assert got["pieces"] == want, length


def test_a_file_larger_than_a_chunk_is_read_in_chunks(hashing: HashingPage) -> None:
    data = np.random.default_rng(9).integers(0, 256, 9 * 1024 * 1024 + 7, np.uint8).tobytes()
    hashing.put("big.bin", data)
    arg = {"name": "big.bin", "prefix": "/__hashing_test__/", "js": "/static/js/hashing"}
    result = hashing.evaluate(DIGEST_FILE, arg)
    assert result["md5"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    # 4 MiB chunks: three reads, progress after each, ending at 1.
    assert len(result["progress"]) == 3
    assert result["progress"] == sorted(result["progress"])
    assert result["progress"][-1] == 1
