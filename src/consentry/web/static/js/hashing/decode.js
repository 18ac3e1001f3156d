// Recognise a file from its first bytes and decode images to upright RGBA pixels in memory,
// the way the server does (consentry.media): EXIF orientation applied, embedded colour
// profiles ignored (the server's decoder keeps the stored values too), transparency
// composited over white. Nothing here leaves the page.

import { lumaFromRgba } from "./pdq.js";

export const HEAD_BYTES = 4096;
// The server's limits (consentry.media.limits): a bigger file would be refused there too.
export const MAX_IMAGE_BYTES = 256 * 1024 * 1024;
export const MAX_PIXELS = 100_000_000;
const STRIP_PIXELS = 4 * 1024 * 1024; // rows drawn at a time when only the luma is needed

// Image formats Chromium decodes; HEIF and TIFF it does not (the server does).
const BROWSER_IMAGE_FORMATS = new Set(["jpeg", "png", "gif", "webp", "bmp", "avif"]);
const HEIF_BRANDS = new Set(
  ["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "heif"],
);
const AVIF_BRANDS = new Set(["avif", "avis", "avio"]);
const STILL_BRANDS = new Set(["mif1", "msf1", "mif2", "miaf"]);
const AUDIO_BRANDS = new Set(["M4A ", "M4B ", "M4P ", "F4A ", "F4B "]);
const QUICKTIME_TOP_BOXES = new Set(["moov", "mdat", "wide", "free", "skip", "pnot"]);

export class MediaError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "MediaError";
    this.code = code;
  }
}

const ascii = (bytes, start, end) => String.fromCharCode(...bytes.subarray(start, end));
const startsWith = (bytes, magic) => magic.every((value, i) => bytes[i] === value);

function isobmffFormat(head) {
  if (head.length < 12 || ascii(head, 4, 8) !== "ftyp") {
    return head.length >= 8 && QUICKTIME_TOP_BOXES.has(ascii(head, 4, 8)) ? "mov" : null;
  }
  const size = Math.min(new DataView(head.buffer, head.byteOffset).getUint32(0), head.length);
  const major = ascii(head, 8, 12);
  const brands = new Set([major]);
  for (let i = 16; i + 4 <= size; i += 4) brands.add(ascii(head, i, i + 4));
  if (AVIF_BRANDS.has(major)) return "avif";
  if (HEIF_BRANDS.has(major)) return "heif";
  if (STILL_BRANDS.has(major)) return [...AVIF_BRANDS].some((b) => brands.has(b)) ? "avif" : "heif";
  if (AUDIO_BRANDS.has(major)) return "audio";
  if (major === "qt  ") return "mov";
  if (major.startsWith("3g")) return "3gp";
  if (major === "crx ") return "camera-raw";
  return "mp4";
}

// { kind: "image" | "video", format } of data starting with `head`, or null (as the server's
// consentry.media.sniff: magic numbers, never the file name).
export function sniff(head) {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { kind: "image", format: "jpeg" };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return { kind: "image", format: "png" };
  }
  const first4 = ascii(head, 0, 4);
  if (["GIF87a", "GIF89a"].includes(ascii(head, 0, 6))) return { kind: "image", format: "gif" };
  if (first4 === "RIFF" && ascii(head, 8, 12) === "WEBP") return { kind: "image", format: "webp" };
  if (["II*\0", "MM\0*", "II+\0", "MM\0+"].includes(first4)) {
    return { kind: "image", format: "tiff" };
  }
  if (ascii(head, 0, 2) === "BM" && head.length >= 18) return { kind: "image", format: "bmp" };
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) {
    const header = ascii(head, 0, 64);
    if (header.includes("webm")) return { kind: "video", format: "webm" };
    if (header.includes("matroska")) return { kind: "video", format: "mkv" };
    return null;
  }
  if (first4 === "RIFF" && ascii(head, 8, 12) === "AVI ") return { kind: "video", format: "avi" };
  const iso = isobmffFormat(head);
  if (iso === "avif" || iso === "heif") return { kind: "image", format: iso };
  if (["mp4", "mov", "3gp"].includes(iso)) return { kind: "video", format: iso };
  return null;
}

// Width x height from the header of the formats where that is cheap, else null.
export function headerSize(head, format) {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  try {
    if (format === "png") return { width: view.getUint32(16), height: view.getUint32(20) };
    if (format === "gif") {
      return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
    }
    if (format === "bmp") {
      const width = Math.abs(view.getInt32(18, true));
      return { width, height: Math.abs(view.getInt32(22, true)) };
    }
    if (format === "webp") return webpSize(head, view);
    if (format === "jpeg") return jpegSize(head, view);
  } catch {
    return null; // a head too short to say: the decoder decides
  }
  return null;
}

function webpSize(head, view) {
  const chunk = ascii(head, 12, 16);
  if (chunk === "VP8X") {
    const w = 1 + (view.getUint32(24, true) & 0xffffff);
    const h = 1 + (view.getUint32(27, true) & 0xffffff);
    return { width: w, height: h };
  }
  if (chunk === "VP8L") {
    const bits = view.getUint32(21, true);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
  }
  if (chunk === "VP8 ") {
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  return null;
}

function jpegSize(head, view) {
  let offset = 2;
  while (offset + 9 < head.length) {
    if (head[offset] !== 0xff) return null;
    const marker = head[offset + 1];
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (isFrame) return { width: view.getUint16(offset + 7), height: view.getUint16(offset + 5) };
    offset += 2 + view.getUint16(offset + 2);
  }
  return null; // the frame header is past the head (large EXIF block): the decoder decides
}

export async function readHead(file) {
  return new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
}

function checkImage(file, sniffed, head) {
  if (!BROWSER_IMAGE_FORMATS.has(sniffed.format)) {
    throw new MediaError(
      "unsupported-format",
      `${sniffed.format.toUpperCase()} images cannot be read by this browser page; ` +
        "save the photo as JPEG or PNG (for example with a screenshot) and pick that instead",
    );
  }
  if (file.size > MAX_IMAGE_BYTES) {
    throw new MediaError("image-too-large", "the file is larger than 256 MB, the limit");
  }
  const size = headerSize(head, sniffed.format);
  if (size && size.width * size.height > MAX_PIXELS) {
    throw new MediaError(
      "image-too-large",
      `the image is ${size.width} x ${size.height} pixels, more than the limit of 100 million`,
    );
  }
}

async function openBitmap(file) {
  try {
    return await createImageBitmap(file, {
      imageOrientation: "from-image",
      colorSpaceConversion: "none",
      premultiplyAlpha: "none",
    });
  } catch (error) {
    throw new MediaError("unreadable-image", `the image could not be decoded (${error.message})`);
  }
}

export function makeCanvas(width, height) {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

// RGBA pixels of `source` (an ImageBitmap, video element...) drawn over white; `canvas` may
// be passed in to be reused across many draws of the same size (a video's frames).
export function pixelsOver(source, width, height, canvas = makeCanvas(width, height)) {
  return drawOver(canvas, source, 0, width, height);
}

function drawOver(canvas, source, top, width, height) {
  const context = canvas.getContext("2d", { willReadFrequently: true, alpha: false });
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, width, height);
  context.drawImage(source, 0, top, width, height, 0, 0, width, height);
  return context.getImageData(0, 0, width, height).data;
}

// PDQ's luma of `source` over white, drawn in strips of rows: a big photo never needs its
// whole RGBA copy in memory, only the luma (4 bytes a pixel).
export function lumaOver(source, width, height) {
  const luma = new Float32Array(width * height);
  const rows = Math.max(1, Math.min(height, Math.floor(STRIP_PIXELS / width)));
  const canvas = makeCanvas(width, rows);
  for (let top = 0; top < height; top += rows) {
    const strip = Math.min(rows, height - top);
    const rgba = drawOver(canvas, source, top, width, strip);
    lumaFromRgba(rgba, width, strip, luma, top * width);
  }
  return luma;
}

// Decode an image File to an ImageBitmap (upright, profile ignored) after the checks the
// server makes; throws MediaError. The caller closes the bitmap.
export async function openImage(file, sniffed = null, head = null) {
  head = head ?? (await readHead(file));
  sniffed = sniffed ?? sniff(head);
  if (!sniffed || sniffed.kind !== "image") {
    throw new MediaError("unsupported-format", "this file is not an image this page can read");
  }
  checkImage(file, sniffed, head);
  const bitmap = await openBitmap(file);
  const { width, height } = bitmap;
  if (width * height > MAX_PIXELS || width === 0 || height === 0) {
    bitmap.close();
    if (width === 0 || height === 0) {
      throw new MediaError("unreadable-image", "the image has no pixels");
    }
    throw new MediaError("image-too-large", `the image is ${width} x ${height} pixels`);
  }
  return bitmap;
}

// Decode an image File to { rgba, width, height }; throws MediaError.
export async function decodeImage(file, sniffed = null, head = null) {
  const bitmap = await openImage(file, sniffed, head);
  try {
    const { width, height } = bitmap;
    return { rgba: pixelsOver(bitmap, width, height), width, height };
  } finally {
    bitmap.close();
  }
}
