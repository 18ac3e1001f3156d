// The protected-photo ("regions") fingerprint of a registered photo, computed in the browser.
//
// The same algorithm as consentry.signals.regions (read its docstrings for the why): luma
// resized the way Pillow resizes, a difference-of-Gaussians scale space, blob-placed patches
// sampled on a 16x16 grid, 64 bits per patch from the magnitudes of its lowest DCT
// frequencies, and the same "r1." text (binary record, CRC-32, base64url).
//
// To agree with the server bit for bit, arithmetic follows the Python kernels' types: what
// they do in float32 is rounded with Math.fround at the same steps, what they do in float64 is
// plain JavaScript arithmetic. Only the registered (non-dense) kind is computed here.
// Pure computation on arrays: it runs in a page or in a Worker.

const PREFIX = "r1.";
export const MIN_SIDE = 32;
const WORK_SHORT_SIDE = 256;
const WORK_MAX_LONG_SIDE = 768;
export const MIN_REGISTERED_TILES = 24;
const CELLS = 16;
const PATCH_PER_SIGMA = 16.0;
const SIGMA0 = 1.6;
const LEVELS_PER_OCTAVE = 3;
const OCTAVES = 5;
const CONTRAST_FLOOR = 0.001;
const EDGE_RATIO = 10.0;
const BLUR_PER_CELL = 0.6;
const ENERGY_FLOOR = 0.4;
const CANDIDATES_PER_TILE = 3;
const SIZE_CODE_STEPS = 64;
const REGISTERED = { count: 128, smallest: 1 / 10, largest: 1 / 2 };
const KIND_REGISTERED = 0;

const f32 = Math.fround;

function regionsError(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

// rgba: Uint8ClampedArray of width x height RGBA pixels (alpha ignored), already oriented.
// Returns the "r1." text of a registered photo; throws an Error with .code "image-too-small"
// or "flat-image".
export function regionsFromRgba(rgba, width, height) {
  const luma = workingLuma(rgba, width, height);
  const { blobs, space } = detectBlobs(luma);
  const candidates = selectBlobs(blobs, luma, REGISTERED);
  const tiles = chooseTiles(space, candidates, REGISTERED.count);
  if (tiles.length < MIN_REGISTERED_TILES) {
    throw regionsError(
      "flat-image",
      `the image has too little detail to fingerprint (${tiles.length} detailed regions, at ` +
        `least ${MIN_REGISTERED_TILES} needed)`,
    );
  }
  return PREFIX + base64url(encodeRecord(tiles, luma));
}

// ---------------------------------------------------------------------------------------------
// Working luma: Pillow's RGB -> L conversion, then its resize (BOX when shrinking, BILINEAR
// when enlarging), then float32 in [0, 1].

export function workingLuma(rgba, width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || rgba.length < width * height * 4) {
    throw new RangeError(`expected ${width}x${height} RGBA pixels, got ${rgba.length} bytes`);
  }
  if (Math.min(width, height) < MIN_SIDE) {
    throw regionsError(
      "image-too-small",
      `the image is ${width}x${height} pixels: at least ${MIN_SIDE} pixels are needed on the ` +
        "short side",
    );
  }
  let scale = WORK_SHORT_SIDE / Math.min(width, height);
  scale = Math.min(scale, WORK_MAX_LONG_SIDE / Math.max(width, height));
  const outWidth = Math.max(1, roundHalfEven(width * scale));
  const outHeight = Math.max(1, roundHalfEven(height * scale));
  if (Math.min(outWidth, outHeight) < MIN_SIDE) {
    throw regionsError("image-too-small", `the image is ${width}x${height} pixels: too narrow`);
  }
  const filter = scale < 1 ? BOX : BILINEAR;
  const grey = resizeLuma(rgba, width, height, outWidth, outHeight, filter);
  const data = new Float32Array(grey.length);
  for (let i = 0; i < grey.length; i++) data[i] = grey[i] / 255;
  return { data, width: outWidth, height: outHeight };
}

function roundHalfEven(value) {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

// Pillow's integer luma of each pixel: (19595 R + 38470 G + 7471 B + 0x8000) >> 16.
function lumaOf(rgba, width, height) {
  const grey = new Uint8Array(width * height);
  for (let i = 0, at = 0; i < grey.length; i++, at += 4) {
    grey[i] = (rgba[at] * 19595 + rgba[at + 1] * 38470 + rgba[at + 2] * 7471 + 0x8000) >>> 16;
  }
  return grey;
}

const BOX = { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1.0 : 0.0) };
const BILINEAR = { support: 1.0, weight: (x) => Math.max(0, 1.0 - Math.abs(x)) };
const PRECISION_BITS = 22; // Pillow's fixed point for 8-bit images: 32 - 8 - 2

// Pillow resizes in two passes through 8-bit images, so their order changes the result: from
// Pillow 13 on, it reduces height first when that removes more than twice as many rows as
// columns (earlier versions always go across first: such tall photos then differ by a few
// tiles from a server running them).
function resizeLuma(rgba, width, height, outWidth, outHeight, filter) {
  let image = { data: lumaOf(rgba, width, height), width, height };
  const across = () => {
    if (image.width !== outWidth) image = resampleAxis(image, outWidth, filter, true);
  };
  const down = () => {
    if (image.height !== outHeight) image = resampleAxis(image, outHeight, filter, false);
  };
  if (outHeight < height && height - outHeight > 2 * (width - outWidth)) {
    down();
    across();
  } else {
    across();
    down();
  }
  return image.data;
}

// For each output sample: the first input sample and the fixed-point weights of the inputs
// it averages. The filter is widened by the reduction factor when shrinking.
function resampleWeights(inSize, outSize, filter) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1.0);
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const starts = new Int32Array(outSize);
  const counts = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const raw = new Float64Array(taps);
  for (let out = 0; out < outSize; out++) {
    const centre = (out + 0.5) * scale;
    const first = Math.max(Math.trunc(centre - support + 0.5), 0);
    const count = Math.min(Math.trunc(centre + support + 0.5), inSize) - first;
    let total = 0.0;
    for (let k = 0; k < count; k++) {
      raw[k] = filter.weight((k + first - centre + 0.5) * (1.0 / filterScale));
      total += raw[k];
    }
    for (let k = 0; k < count; k++) {
      const w = total !== 0.0 ? raw[k] / total : raw[k];
      weights[out * taps + k] = Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    starts[out] = first;
    counts[out] = count;
  }
  return { starts, counts, weights, taps };
}

// One pass: resample along rows (alongRows) or along columns, rounding to 8 bits as Pillow.
function resampleAxis(image, outSize, filter, alongRows) {
  const { data, width, height } = image;
  const { starts, counts, weights, taps } = resampleWeights(
    alongRows ? width : height,
    outSize,
    filter,
  );
  const outWidth = alongRows ? outSize : width;
  const outHeight = alongRows ? height : outSize;
  const out = new Uint8Array(outWidth * outHeight);
  const stride = alongRows ? 1 : width;
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const sample = alongRows ? x : y;
      let at = alongRows ? y * width + starts[sample] : starts[sample] * width + x;
      let sum = half;
      for (let k = 0, w = sample * taps; k < counts[sample]; k++, w++, at += stride) {
        sum += data[at] * weights[w];
      }
      out[y * outWidth + x] = Math.min(255, Math.max(0, sum >> PRECISION_BITS));
    }
  }
  return { data: out, width: outWidth, height: outHeight };
}

// ---------------------------------------------------------------------------------------------
// Scale space and blobs. An image is { data: Float32Array, width, height }.

function mirror(i, n) {
  if (i < 0) i = -i - 1;
  if (i >= n) i = 2 * n - i - 1;
  return Math.min(Math.max(i, 0), n - 1);
}

function gaussianTaps(sigma) {
  const radius = Math.max(1, Math.ceil(3.0 * sigma));
  const taps = new Float32Array(2 * radius + 1);
  for (let k = -radius; k <= radius; k++) taps[k + radius] = Math.exp(-0.5 * (k / sigma) ** 2);
  let total = 0;
  for (let k = 0; k < taps.length; k++) total = f32(total + taps[k]);
  for (let k = 0; k < taps.length; k++) taps[k] = taps[k] / total;
  return { taps, radius };
}

// Separable blur with mirrored edges, every product and sum rounded to float32.
export function gaussianBlur(image, sigma) {
  const { taps, radius } = gaussianTaps(sigma);
  const { data, width, height } = image;
  const rows = new Float32Array(data.length);
  const padded = new Float32Array(width + 2 * radius); // one row, edges mirrored
  for (let y = 0; y < height; y++) {
    const line = y * width;
    for (let i = 0; i < padded.length; i++) padded[i] = data[line + mirror(i - radius, width)];
    for (let x = 0; x < width; x++) {
      let total = 0;
      for (let k = 0; k < taps.length; k++) total = f32(total + f32(taps[k] * padded[x + k]));
      rows[line + x] = total;
    }
  }
  const out = new Float32Array(data.length);
  const sources = new Int32Array(taps.length); // mirrored rows under the kernel
  for (let y = 0; y < height; y++) {
    for (let k = 0; k < taps.length; k++) sources[k] = mirror(y + k - radius, height) * width;
    const line = y * width;
    for (let x = 0; x < width; x++) {
      let total = 0;
      for (let k = 0; k < taps.length; k++) total = f32(total + f32(taps[k] * rows[sources[k] + x]));
      out[line + x] = total;
    }
  }
  return { data: out, width, height };
}

function difference(a, b) {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] - b.data[i];
  return { data: out, width: a.width, height: a.height };
}

function everyOther(image) {
  const width = Math.ceil(image.width / 2);
  const height = Math.ceil(image.height / 2);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = image.data[2 * y * image.width + 2 * x];
  }
  return { data: out, width, height };
}

// Blobs as { x, y, sigma, response } in luma pixels, and the Gaussian levels kept for
// sampling patches: { image, factor, sigma }.
export function detectBlobs(luma) {
  const step = 2.0 ** (1.0 / LEVELS_PER_OCTAVE);
  const blobs = [];
  const space = [{ image: luma, factor: 1.0, sigma: 0.5 }];
  let image = gaussianBlur(luma, Math.sqrt(SIGMA0 ** 2 - 0.25));
  for (let octave = 0; octave < OCTAVES; octave++) {
    if (Math.min(image.width, image.height) < 16) break;
    const factor = 2.0 ** octave;
    const levels = [image];
    for (let level = 1; level < LEVELS_PER_OCTAVE + 3; level++) {
      const previous = SIGMA0 * step ** (level - 1);
      const current = SIGMA0 * step ** level;
      levels.push(gaussianBlur(levels[level - 1], Math.sqrt(current ** 2 - previous ** 2)));
    }
    for (let k = 0; k < LEVELS_PER_OCTAVE; k++) {
      space.push({ image: levels[k], factor, sigma: SIGMA0 * step ** k * factor });
    }
    const dogs = [];
    for (let k = 0; k + 1 < levels.length; k++) dogs.push(difference(levels[k + 1], levels[k]));
    for (const found of scaleExtrema(dogs)) {
      blobs.push({
        x: (found.x + 0.5) * factor,
        y: (found.y + 0.5) * factor,
        sigma: SIGMA0 * 2.0 ** (octave + found.level / LEVELS_PER_OCTAVE),
        response: found.response,
      });
    }
    image = everyOther(levels[LEVELS_PER_OCTAVE]);
  }
  return { blobs, space };
}

// Local extrema over the inner levels of a difference-of-Gaussians stack, edge-like points
// dropped, each refined by one quadratic step (the types follow the Python kernel's: sums of
// two float32 samples are float32, anything with a float64 constant is float64).
function scaleExtrema(dogs) {
  const { width, height } = dogs[0];
  const edgeLimit = (EDGE_RATIO + 1.0) ** 2 / EDGE_RATIO;
  const found = [];
  for (let s = 1; s < dogs.length - 1; s++) {
    const d = dogs[s].data;
    for (let y = 1; y < height - 1; y++) {
      for (let x = 1; x < width - 1; x++) {
        const at = y * width + x;
        const value = d[at];
        if (Math.abs(value) < CONTRAST_FLOOR || !isExtremum(dogs, s, at, width, value)) continue;
        const dxx = f32(d[at + 1] + d[at - 1]) - 2.0 * value;
        const dyy = f32(d[at + width] + d[at - width]) - 2.0 * value;
        const cross = f32(f32(f32(d[at + width + 1] - d[at + width - 1]) - d[at - width + 1]) +
          d[at - width - 1]);
        const dxy = 0.25 * cross;
        const det = dxx * dyy - dxy * dxy;
        if (det <= 0.0 || (dxx + dyy) ** 2 / det >= edgeLimit) continue;
        found.push(refine(dogs, s, at, width, x, y));
      }
    }
  }
  return found;
}

function isExtremum(dogs, s, at, width, value) {
  for (let ds = -1; ds <= 1; ds++) {
    const d = dogs[s + ds].data;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        if (ds === 0 && dy === 0 && dx === 0) continue;
        const other = d[at + dy * width + dx];
        if (value > 0 && other >= value) return false;
        if (value < 0 && other <= value) return false;
      }
    }
  }
  return true;
}

function clipHalf(offset) {
  return Math.min(Math.max(offset, -0.5), 0.5);
}

// One Newton step on the 3-D quadratic fit, each offset clipped to half a sample.
function refine(dogs, s, at, width, x, y) {
  const d = dogs[s].data;
  const below = dogs[s - 1].data;
  const above = dogs[s + 1].data;
  const value = d[at];
  const gx = 0.5 * f32(d[at + 1] - d[at - 1]);
  const gy = 0.5 * f32(d[at + width] - d[at - width]);
  const gs = 0.5 * f32(above[at] - below[at]);
  const hxx = f32(d[at + 1] + d[at - 1]) - 2.0 * value;
  const hyy = f32(d[at + width] + d[at - width]) - 2.0 * value;
  const hss = f32(above[at] + below[at]) - 2.0 * value;
  const ox = clipHalf(hxx !== 0.0 ? -gx / hxx : 0.0);
  const oy = clipHalf(hyy !== 0.0 ? -gy / hyy : 0.0);
  const os = clipHalf(hss !== 0.0 ? -gs / hss : 0.0);
  return {
    x: x + ox,
    y: y + oy,
    level: s + os,
    response: value + 0.5 * (gx * ox + gy * oy + gs * os),
  };
}

// Blobs whose patch side is within the selection's range, strongest first.
export function selectBlobs(blobs, luma, selection) {
  const short = Math.min(luma.width, luma.height);
  const kept = blobs.filter((blob) => {
    const side = (blob.sigma * PATCH_PER_SIGMA) / short;
    return side >= selection.smallest && side <= selection.largest;
  });
  const order = kept.map((blob, index) => index);
  order.sort((a, b) => Math.abs(kept[b].response) - Math.abs(kept[a].response) || a - b);
  return order.slice(0, CANDIDATES_PER_TILE * selection.count).map((index) => kept[index]);
}

// ---------------------------------------------------------------------------------------------
// Patches and their bits.

// The strongest blobs whose patch has enough contrast, each with its 64-bit hash.
function chooseTiles(space, blobs, count) {
  const tables = dctTables();
  const logSigmas = space.map((level) => Math.log(level.sigma));
  const tiles = [];
  for (const blob of blobs) {
    if (tiles.length === count) break;
    const side = blob.sigma * PATCH_PER_SIGMA;
    const level = nearestLevel(Math.log((BLUR_PER_CELL * side) / CELLS), logSigmas);
    const cells = patchCells(space[level], blob.x, blob.y, side);
    const coefficients = patchCoefficients(cells, tables);
    if (energy(coefficients) < ENERGY_FLOOR) continue;
    tiles.push({ blob, hash: medianBits(coefficients, tables.weights) });
  }
  return tiles;
}

function nearestLevel(wanted, logSigmas) {
  let best = 0;
  for (let k = 1; k < logSigmas.length; k++) {
    if (Math.abs(wanted - logSigmas[k]) < Math.abs(wanted - logSigmas[best])) best = k;
  }
  return best;
}

// CELLS x CELLS means of an upright square patch; each cell averages 2x2 bilinear samples.
function patchCells(level, centreX, centreY, side) {
  const { image, factor } = level;
  const out = new Float32Array(CELLS * CELLS);
  const step = side / CELLS;
  for (let row = 0; row < CELLS; row++) {
    for (let col = 0; col < CELLS; col++) {
      let total = 0.0;
      for (let sy = 0; sy < 2; sy++) {
        for (let sx = 0; sx < 2; sx++) {
          const u = (col + 0.25 + 0.5 * sx) * step - 0.5 * side;
          const v = (row + 0.25 + 0.5 * sy) * step - 0.5 * side;
          // the Python kernel turns the grid by an angle; at 0 its terms are exactly these
          const x = centreX + 1.0 * u - 0.0 * v;
          const y = centreY + 0.0 * u + 1.0 * v;
          total += bilinear(image, x / factor, y / factor);
        }
      }
      out[row * CELLS + col] = 0.25 * total;
    }
  }
  return out;
}

// Sample at continuous (x, y), pixel k covering [k, k + 1); edges clamped.
function bilinear(image, x, y) {
  const { data, width, height } = image;
  x = Math.min(Math.max(x - 0.5, 0.0), width - 1.0);
  y = Math.min(Math.max(y - 0.5, 0.0), height - 1.0);
  const x0 = width > 1 ? Math.min(Math.trunc(x), width - 2) : 0;
  const y0 = height > 1 ? Math.min(Math.trunc(y), height - 2) : 0;
  const fx = x - x0;
  const fy = y - y0;
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const top = data[y0 * width + x0] * (1.0 - fx) + data[y0 * width + x1] * fx;
  const bottom = data[y1 * width + x0] * (1.0 - fx) + data[y1 * width + x1] * fx;
  return top * (1.0 - fy) + bottom * fy;
}

let tablesCache = null;

// The 64 lowest DCT frequencies (u, v) ordered by radius then u, the orthonormal DCT basis
// (frequency-major), and each frequency's weight (its radius, float32).
function dctTables() {
  if (tablesCache) return tablesCache;
  const candidates = [];
  for (let u = 0; u < CELLS; u++) {
    for (let v = 0; v < CELLS; v++) if (u + v > 0) candidates.push([u, v]);
  }
  candidates.sort((a, b) => a[0] ** 2 + a[1] ** 2 - (b[0] ** 2 + b[1] ** 2) || a[0] - b[0]);
  const pairs = candidates.slice(0, 64);
  const frequencies = Math.max(...pairs.flat()) + 1;
  const basis = new Float64Array(frequencies * CELLS);
  for (let u = 0; u < frequencies; u++) {
    for (let x = 0; x < CELLS; x++) {
      let value = Math.cos((Math.PI * (2 * x + 1) * u) / (2 * CELLS));
      if (u === 0) value /= Math.sqrt(2.0);
      basis[u * CELLS + x] = value * Math.sqrt(2.0 / CELLS);
    }
  }
  const weights = new Float32Array(pairs.map(([u, v]) => Math.hypot(u, v)));
  tablesCache = { pairs, frequencies, basis, weights };
  return tablesCache;
}

// The 64 DCT-II coefficients (float32) of a patch, rows first then columns.
function patchCoefficients(cells, { pairs, frequencies, basis }) {
  const rows = new Float64Array(CELLS * frequencies);
  for (let y = 0; y < CELLS; y++) {
    for (let u = 0; u < frequencies; u++) {
      let total = 0.0;
      for (let x = 0; x < CELLS; x++) total += basis[u * CELLS + x] * cells[y * CELLS + x];
      rows[y * frequencies + u] = total;
    }
  }
  const out = new Float32Array(pairs.length);
  for (let j = 0; j < pairs.length; j++) {
    const [u, v] = pairs[j];
    let total = 0.0;
    for (let y = 0; y < CELLS; y++) total += basis[v * CELLS + y] * rows[y * frequencies + u];
    out[j] = total;
  }
  return out;
}

// Root-sum-square of the coefficients, summed in numpy's order (8 interleaved partial sums).
function energy(coefficients) {
  const partial = new Float64Array(8);
  for (let j = 0; j < coefficients.length; j++) partial[j % 8] += coefficients[j] ** 2;
  const [a, b, c, d, e, f, g, h] = partial;
  return Math.sqrt(a + b + (c + d) + (e + f + (g + h)));
}

// 64 bits as [low 32, high 32]: bit j set when weighted magnitude j is above the median.
function medianBits(coefficients, weights) {
  const weighted = new Float32Array(coefficients.length);
  for (let j = 0; j < weighted.length; j++) weighted[j] = Math.abs(coefficients[j]) * weights[j];
  const sorted = Float32Array.from(weighted).sort();
  const half = sorted.length >> 1;
  const median = f32(sorted[half - 1] + sorted[half]) / 2;
  const words = [0, 0];
  for (let j = 0; j < weighted.length; j++) {
    if (weighted[j] > median) words[j >> 5] |= 1 << (j & 31);
  }
  return [words[0] >>> 0, words[1] >>> 0];
}

// ---------------------------------------------------------------------------------------------
// The binary record: kind, frame width and height, tile count (little-endian u8, u16 x 3),
// hashes (u64 each), geometry (x, y in 1/256ths of the frame, size code), CRC-32.

function sizeCode(sigma, short) {
  const side = (sigma * PATCH_PER_SIGMA) / short;
  return clipByte(roundHalfEven(255 + SIZE_CODE_STEPS * Math.log2(side)));
}

function clipByte(value) {
  return Math.min(255, Math.max(0, value));
}

function encodeRecord(tiles, luma) {
  const n = tiles.length;
  const body = new Uint8Array(7 + 11 * n);
  const view = new DataView(body.buffer);
  view.setUint8(0, KIND_REGISTERED);
  view.setUint16(1, luma.width, true);
  view.setUint16(3, luma.height, true);
  view.setUint16(5, n, true);
  const short = Math.min(luma.width, luma.height);
  tiles.forEach(({ blob, hash }, i) => {
    view.setUint32(7 + 8 * i, hash[0], true);
    view.setUint32(11 + 8 * i, hash[1], true);
    const at = 7 + 8 * n + 3 * i;
    body[at] = clipByte(Math.floor((blob.x / luma.width) * 256));
    body[at + 1] = clipByte(Math.floor((blob.y / luma.height) * 256));
    body[at + 2] = sizeCode(blob.sigma, short);
  });
  const record = new Uint8Array(body.length + 4);
  record.set(body);
  new DataView(record.buffer).setUint32(body.length, crc32(body), true);
  return record;
}

let crcTable = null;

function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function base64url(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) text += ALPHABET[(chunk >> (18 - 6 * k)) & 63];
  }
  return text;
}
