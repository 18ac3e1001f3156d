// PDQ, Meta's 256-bit perceptual photo hash, computed from RGBA pixels in the browser.
//
// The arithmetic follows the published algorithm step by step: luma, two passes of a
// box ("Jarosz tent") filter along each axis with window ceil(side / 128), 64x64 samples
// at the centres of a 64x64 grid, 16x16 DCT of those samples, one bit per coefficient
// above the median. Meta's reference does this in single precision; every step here is
// rounded with Math.fround where the reference stores or adds a float, so that the same
// pixels give the same bits as the reference (tests/web/test_browser_pdq.py checks it).

const MIN_HASHABLE_SIDE = 5;
const GRID = 64;
const DCT_SIZE = 16;
const ZERO_HASH = "0".repeat(64);
const fr = Math.fround;

let dctMatrix = null;

// Row i (0..15), column j (0..63) of the DCT-II basis for frequencies 1..16.
function dct16x64() {
  if (dctMatrix) return dctMatrix;
  dctMatrix = new Float32Array(DCT_SIZE * GRID);
  const scale = fr(Math.sqrt(2 / GRID));
  for (let i = 0; i < DCT_SIZE; i++) {
    for (let j = 0; j < GRID; j++) {
      dctMatrix[i * GRID + j] = scale * Math.cos((Math.PI / 2 / GRID) * (i + 1) * (2 * j + 1));
    }
  }
  return dctMatrix;
}

// Luma as the reference's Python binding computes it: double products, stored as float.
// Into `luma` from index `offset` when given (the image can arrive in strips of rows).
export function lumaFromRgba(rgba, width, height, luma = null, offset = 0) {
  const out = luma ?? new Float32Array(width * height);
  const end = offset + width * height;
  for (let p = offset, q = 0; p < end; p++, q += 4) {
    out[p] = rgba[q] * 0.299 + rgba[q + 1] * 0.587 + rgba[q + 2] * 0.114;
  }
  return out;
}

export function filterWindow(side) {
  return Math.floor((side + 2 * GRID - 1) / (2 * GRID));
}

// One box-filter pass along a row: `length` values of `input` from `start` into `output`
// from 0. The window is centred (`half` ahead of the output) and shrinks at both ends; the
// running sum is kept in single precision as in the reference, whose rounding is part of PDQ.
function boxPass(input, start, output, length, window) {
  const half = Math.floor((window + 2) / 2);
  let sum = 0;
  let count = 0;
  let read = start;
  let drop = start;
  let write = 0;
  for (let i = 0; i < half - 1; i++) {
    sum = fr(sum + input[read++]);
    count++;
  }
  for (let i = 0; i < window - half + 1; i++) {
    sum = fr(sum + input[read++]);
    output[write++] = sum / ++count;
  }
  for (let i = 0; i < length - window; i++) {
    sum = fr(fr(sum + input[read++]) - input[drop++]);
    output[write++] = sum / count;
  }
  for (let i = 0; i < half - 1; i++) {
    sum = fr(sum - input[drop++]);
    output[write++] = sum / --count;
  }
}

function blurRows(data, width, height, window) {
  const row = new Float32Array(width);
  for (let y = 0; y < height; y++) {
    boxPass(data, y * width, row, width, window);
    data.set(row, y * width);
  }
}

// The same pass down the columns `cols` of a row-major image, in place and all columns in
// step: per column the same additions in the same order as boxPass, but memory is read row
// by row. A row is overwritten before the pass has subtracted it, so the original values
// of the rows still to subtract wait in a small ring buffer.
function blurColumns(data, width, height, window, cols) {
  const half = Math.floor((window + 2) / 2);
  const n = cols.length;
  const sums = new Float32Array(n); // stores round to single precision, as the reference
  const ringRows = window - half + 2;
  const ring = new Float32Array(ringRows * n);
  const add = (row) => {
    const base = row * width;
    for (let k = 0; k < n; k++) sums[k] += data[base + cols[k]];
  };
  const subtract = (row) => {
    const slot = (row % ringRows) * n;
    for (let k = 0; k < n; k++) sums[k] -= ring[slot + k];
  };
  const write = (row, count) => {
    const base = row * width;
    const slot = (row % ringRows) * n;
    for (let k = 0; k < n; k++) {
      ring[slot + k] = data[base + cols[k]];
      data[base + cols[k]] = sums[k] / count;
    }
  };
  let read = 0;
  let drop = 0;
  let out = 0;
  let count = 0;
  for (let i = 0; i < half - 1; i++) {
    add(read++);
    count++;
  }
  for (let i = 0; i < window - half + 1; i++) {
    add(read++);
    write(out++, ++count);
  }
  for (let i = 0; i < height - window; i++) {
    add(read++);
    subtract(drop++);
    write(out++, count);
  }
  for (let i = 0; i < half - 1; i++) {
    subtract(drop++);
    write(out++, --count);
  }
}

const centres = (side) =>
  Int32Array.from({ length: GRID }, (_, i) => Math.floor(((i + 0.5) * side) / GRID));

// The 64x64 samples PDQ hashes, from luma (Float32Array, row-major), blurred in place.
// The reference blurs (rows then columns) twice, then samples the centres of a 64x64 grid;
// here the last pass runs only down the sampled columns, which gives the same samples.
export function gridFromLuma(luma, width, height) {
  if (width === GRID && height === GRID) return Float32Array.from(luma);
  const alongRows = filterWindow(width);
  const alongCols = filterWindow(height);
  const sampledColumns = centres(width);
  blurRows(luma, width, height, alongRows);
  blurColumns(luma, width, height, alongCols, Int32Array.from({ length: width }, (_, x) => x));
  blurRows(luma, width, height, alongRows);
  blurColumns(luma, width, height, alongCols, sampledColumns);
  const grid = new Float32Array(GRID * GRID);
  const sampledRows = centres(height);
  for (let i = 0; i < GRID; i++) {
    const row = sampledRows[i] * width;
    for (let j = 0; j < GRID; j++) grid[i * GRID + j] = luma[row + sampledColumns[j]];
  }
  return grid;
}

function gradientSum(grid, step, rows, cols) {
  let total = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = i * GRID + j;
      const scaled = fr(fr(fr(grid[k] - grid[k + step]) * 100) / 255);
      total += Math.abs(Math.trunc(scaled));
    }
  }
  return total;
}

// PDQ's quality: how many significant gradients the 64x64 samples have, 0..100.
export function qualityOfGrid(grid) {
  const total = gradientSum(grid, GRID, GRID - 1, GRID) + gradientSum(grid, 1, GRID, GRID - 1);
  return Math.min(Math.floor(total / 90), 100);
}

// D * grid * D^T with D the 16x64 DCT basis, accumulated in single precision.
export function dctOfGrid(grid) {
  const d = dct16x64();
  const partial = new Float32Array(DCT_SIZE * GRID);
  for (let i = 0; i < DCT_SIZE; i++) {
    for (let j = 0; j < GRID; j++) {
      let sum = 0;
      for (let k = 0; k < GRID; k++) sum = fr(sum + fr(d[i * GRID + k] * grid[k * GRID + j]));
      partial[i * GRID + j] = sum;
    }
  }
  const out = new Float32Array(DCT_SIZE * DCT_SIZE);
  for (let i = 0; i < DCT_SIZE; i++) {
    for (let j = 0; j < DCT_SIZE; j++) {
      let sum = 0;
      for (let k = 0; k < GRID; k++) sum = fr(sum + fr(partial[i * GRID + k] * d[j * GRID + k]));
      out[i * DCT_SIZE + j] = sum;
    }
  }
  return out;
}

// Bit k (k = 16 * row + col) is set when coefficient k exceeds the lower median; the text
// form is most significant bit (k = 255) first, as Meta's tools and the server print it.
export function hexFromDct(dct) {
  const median = Float32Array.from(dct).sort()[127];
  let hex = "";
  for (let byte = 31; byte >= 0; byte--) {
    let value = 0;
    for (let bit = 7; bit >= 0; bit--) {
      value = (value << 1) | (dct[byte * 8 + bit] > median ? 1 : 0);
    }
    hex += value.toString(16).padStart(2, "0");
  }
  return hex;
}

// PDQ of luma (Float32Array, row-major); the luma is overwritten (blurred in place).
export function pdqFromLuma(luma, width, height) {
  if (width < MIN_HASHABLE_SIDE || height < MIN_HASHABLE_SIDE) {
    return { hash: ZERO_HASH, quality: 0 };
  }
  const grid = gridFromLuma(luma, width, height);
  return { hash: hexFromDct(dctOfGrid(grid)), quality: qualityOfGrid(grid) };
}

// PDQ hash (64 lowercase hex) and quality (0..100) of RGBA pixels (alpha is ignored: the
// caller composites transparent images over white first, as the server does).
export function pdqFromRgba(rgba, width, height) {
  if (rgba.length < width * height * 4) {
    throw new Error(`expected ${width}x${height} RGBA pixels, got ${rgba.length} bytes`);
  }
  if (width < MIN_HASHABLE_SIDE || height < MIN_HASHABLE_SIDE) {
    return { hash: ZERO_HASH, quality: 0 };
  }
  return pdqFromLuma(lumaFromRgba(rgba, width, height), width, height);
}

export const LOW_QUALITY_MAX = 49;
