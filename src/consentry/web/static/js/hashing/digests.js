// MD5 and SHA-256 of a file's bytes, incrementally, in plain JavaScript.
// crypto.subtle cannot stream, has no MD5, and is missing on plain-http origins, so both
// digests are written out here (RFC 1321 and FIPS 180-4). MD5 identifies known files; it
// is not used for security.

const CHUNK_BYTES = 4 * 1024 * 1024;

function toHex(bytes) {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

// Shared buffering: subclasses consume whole 64-byte blocks, then pad the tail.
class BlockHash {
  constructor() {
    this.block = new Uint8Array(64);
    this.filled = 0;
    this.length = 0; // bytes hashed so far
    this.finished = null;
  }

  update(bytes) {
    if (this.finished) throw new Error("digest already finished");
    let offset = 0;
    this.length += bytes.length;
    if (this.filled > 0) {
      const take = Math.min(64 - this.filled, bytes.length);
      this.block.set(bytes.subarray(0, take), this.filled);
      this.filled += take;
      offset = take;
      if (this.filled < 64) return this;
      this.compress(this.block, 0);
      this.filled = 0;
    }
    for (; offset + 64 <= bytes.length; offset += 64) this.compress(bytes, offset);
    this.block.set(bytes.subarray(offset), 0);
    this.filled = bytes.length - offset;
    return this;
  }

  // The padding both digests use: 0x80, zeros, then the bit length in 8 bytes.
  pad(littleEndian) {
    const bitsLow = (this.length * 8) >>> 0;
    const bitsHigh = Math.floor(this.length / 0x20000000) >>> 0;
    const tail = new Uint8Array(this.filled < 56 ? 64 : 128);
    tail.set(this.block.subarray(0, this.filled));
    tail[this.filled] = 0x80;
    const view = new DataView(tail.buffer);
    const end = tail.length - 8;
    if (littleEndian) {
      view.setUint32(end, bitsLow, true);
      view.setUint32(end + 4, bitsHigh, true);
    } else {
      view.setUint32(end, bitsHigh, false);
      view.setUint32(end + 4, bitsLow, false);
    }
    for (let offset = 0; offset < tail.length; offset += 64) this.compress(tail, offset);
  }

  hex() {
    if (!this.finished) this.finished = toHex(this.finish());
    return this.finished;
  }
}

const MD5_SHIFTS = Int32Array.of(
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
  14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15,
  21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
);
const MD5_CONSTANTS = Int32Array.from({ length: 64 }, (_, i) =>
  Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000),
);

export class Md5 extends BlockHash {
  constructor() {
    super();
    this.state = Int32Array.of(0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476);
    this.words = new Int32Array(16);
  }

  compress(bytes, offset) {
    const m = this.words;
    for (let i = 0; i < 16; i++) {
      const p = offset + i * 4;
      m[i] = bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
    }
    const st = this.state;
    let a = st[0];
    let b = st[1];
    let c = st[2];
    let d = st[3];
    // Four rounds of sixteen steps; each differs only in its mixing function and word order.
    for (let i = 0; i < 64; i++) {
      let f;
      let g;
      if (i < 16) {
        f = d ^ (b & (c ^ d));
        g = i;
      } else if (i < 32) {
        f = c ^ (d & (b ^ c));
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const sum = (a + f + MD5_CONSTANTS[i] + m[g]) | 0;
      const s = MD5_SHIFTS[i];
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
  }

  finish() {
    this.pad(true);
    const out = new Uint8Array(16);
    const view = new DataView(out.buffer);
    this.state.forEach((word, i) => view.setInt32(i * 4, word, true));
    return out;
  }
}

const SHA256_CONSTANTS = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);

const rotr = (x, n) => (x >>> n) | (x << (32 - n));

export class Sha256 extends BlockHash {
  constructor() {
    super();
    this.state = Int32Array.of(
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
      0x5be0cd19,
    );
    this.schedule = new Int32Array(64);
  }

  compress(bytes, offset) {
    const w = this.schedule;
    for (let i = 0; i < 16; i++) {
      const p = offset + i * 4;
      w[i] = (bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3];
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
      const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    const st = this.state;
    let a = st[0];
    let b = st[1];
    let c = st[2];
    let d = st[3];
    let e = st[4];
    let f = st[5];
    let g = st[6];
    let h = st[7];
    for (let i = 0; i < 64; i++) {
      const s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const choice = (e & f) ^ (~e & g);
      const t1 = (h + s1 + choice + SHA256_CONSTANTS[i] + w[i]) | 0;
      const s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const majority = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (s0 + majority) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
  }

  finish() {
    this.pad(false);
    const out = new Uint8Array(32);
    const view = new DataView(out.buffer);
    this.state.forEach((word, i) => view.setInt32(i * 4, word, false));
    return out;
  }
}

// MD5 and SHA-256 of a File or Blob, read in chunks (never the whole file in one buffer).
// onProgress(fraction) is called after each chunk.
export async function digestFile(file, onProgress = null) {
  const md5 = new Md5();
  const sha256 = new Sha256();
  const size = file.size;
  for (let offset = 0; offset < size; offset += CHUNK_BYTES) {
    const end = Math.min(offset + CHUNK_BYTES, size);
    const chunk = new Uint8Array(await file.slice(offset, end).arrayBuffer());
    md5.update(chunk);
    sha256.update(chunk);
    if (onProgress) onProgress(end / size);
  }
  if (onProgress && size === 0) onProgress(1);
  return { md5: md5.hex(), sha256: sha256.hex() };
}
