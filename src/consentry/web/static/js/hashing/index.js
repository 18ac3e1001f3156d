// Fingerprints of a file picked on this device, computed in the browser: the file itself
// never leaves the page, only what this module returns may be sent.
//
// fingerprintFile(file, { protectedPhoto, onProgress }) ->
//   { kind: "image" | "video", fingerprints: [{ type, value }], width, height, pdqQuality,
//     warnings: [] }
// fingerprints: pdq, md5, sha256 for an image (+ regions for a protected photo); md5,
// sha256 (+ vpdq where the browser decodes the video) for a video.
// warnings (codes): "low-quality" (PDQ quality <= 49: still sent, the server judges),
// "vpdq-unavailable" (a video this browser cannot decode), "video-too-long".
// Errors are thrown as Error objects with a .code: "unsupported-format", "unreadable-image",
// "image-too-large", "unreadable-video" (a bad file never gives partial results); with
// protectedPhoto also regions.js's "image-too-small" and "flat-image".
// Images are decoded and hashed in a Web Worker (worker.js) so the page stays responsive;
// where a worker cannot start, the same code runs here. Videos need a <video> element, so
// they are hashed on the page.

import { lumaOver, MediaError, openImage, pixelsOver, readHead, sniff } from "./decode.js";
import { digestFile } from "./digests.js";
import { LOW_QUALITY_MAX, pdqFromLuma, pdqFromRgba } from "./pdq.js";
import { vpdqFromFile } from "./video.js";

export { MediaError } from "./decode.js";

// Where an image's progress stands once it is decoded and hashed (the digests follow).
const IMAGE_DECODED = 0.6;

function progressSlice(onProgress, start, end) {
  if (!onProgress) return null;
  return (fraction) => onProgress(start + (end - start) * Math.min(Math.max(fraction, 0), 1));
}

// regions.js throws an Error with .code "image-too-small" or "flat-image" for a photo that
// cannot be protected; it reaches the caller, who asked for that fingerprint explicitly.
async function regionsOf(rgba, width, height) {
  const { regionsFromRgba } = await import("./regions.js");
  return regionsFromRgba(rgba, width, height);
}

// PDQ (and, for a protected photo, the regions fingerprint) of an opened image. Without
// regions only the luma is ever held (drawn in strips), which keeps big photos affordable.
async function imageSignals(bitmap, protectedPhoto) {
  const { width, height } = bitmap;
  if (!protectedPhoto) {
    return pdqFromLuma(lumaOver(bitmap, width, height), width, height);
  }
  const rgba = pixelsOver(bitmap, width, height);
  return { ...pdqFromRgba(rgba, width, height), regions: await regionsOf(rgba, width, height) };
}

// The image path, wherever it runs (worker.js calls it too).
export async function fingerprintImageHere(file, sniffed, head, { protectedPhoto, onProgress }) {
  const bitmap = await openImage(file, sniffed, head);
  const { width, height } = bitmap;
  let signals;
  try {
    signals = await imageSignals(bitmap, protectedPhoto);
  } finally {
    bitmap.close();
  }
  const warnings = signals.quality <= LOW_QUALITY_MAX ? ["low-quality"] : [];
  if (onProgress) onProgress(IMAGE_DECODED);
  const digests = await digestFile(file, progressSlice(onProgress, IMAGE_DECODED, 1));
  const fingerprints = [
    { type: "pdq", value: signals.hash },
    { type: "md5", value: digests.md5 },
    { type: "sha256", value: digests.sha256 },
  ];
  if (protectedPhoto) fingerprints.push({ type: "regions", value: signals.regions });
  if (onProgress) onProgress(1);
  return { kind: "image", fingerprints, width, height, pdqQuality: signals.quality, warnings };
}

async function fingerprintVideo(file, sniffed, { onProgress }) {
  const digests = await digestFile(file, progressSlice(onProgress, 0, 0.3));
  const fingerprints = [
    { type: "md5", value: digests.md5 },
    { type: "sha256", value: digests.sha256 },
  ];
  const video = await vpdqFromFile(file, {
    format: sniffed.format,
    onProgress: progressSlice(onProgress, 0.3, 1),
  });
  if (video.vpdq) fingerprints.push({ type: "vpdq", value: video.vpdq });
  if (onProgress) onProgress(1);
  return {
    kind: "video",
    fingerprints,
    width: video.width,
    height: video.height,
    pdqQuality: null,
    warnings: video.warnings,
  };
}

const WORKER_UNAVAILABLE = Symbol("worker unavailable");
let sharedWorker = null; // started on first use, kept: its modules load once
let workerBroken = false;
const pending = new Map(); // request id -> { resolve, reject, onProgress }
let nextId = 1;

function startWorker() {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onmessage = ({ data }) => {
    const request = pending.get(data.id);
    if (!request) return;
    if (data.type === "progress") {
      if (request.onProgress) request.onProgress(data.fraction);
      return;
    }
    pending.delete(data.id);
    if (data.type === "result") {
      request.resolve(data.result);
    } else {
      const { code, message } = data;
      request.reject(code ? new MediaError(code, message) : new Error(message));
    }
  };
  worker.onerror = (event) => {
    // The worker could not start (or died): everything waiting runs on the page instead.
    event.preventDefault();
    workerBroken = true;
    sharedWorker = null;
    worker.terminate();
    for (const request of pending.values()) request.resolve(WORKER_UNAVAILABLE);
    pending.clear();
  };
  return worker;
}

// fingerprintImageHere in the worker; WORKER_UNAVAILABLE when it cannot run there.
function inWorker(file, sniffed, head, { protectedPhoto, onProgress }) {
  if (workerBroken) return Promise.resolve(WORKER_UNAVAILABLE);
  try {
    sharedWorker = sharedWorker ?? startWorker();
  } catch {
    workerBroken = true;
    return Promise.resolve(WORKER_UNAVAILABLE);
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    const progress = Boolean(onProgress);
    sharedWorker.postMessage({ id, file, head, sniffed, protectedPhoto, progress });
  });
}

// `worker: false` hashes on the page itself (tests compare both paths).
export async function fingerprintFile(
  file,
  { protectedPhoto = false, onProgress = null, worker = true } = {},
) {
  const head = await readHead(file);
  const sniffed = sniff(head);
  if (!sniffed) {
    const message =
      file.size === 0 ? "the file is empty" : "the file is not a photo or video this page can read";
    throw new MediaError("unsupported-format", message);
  }
  if (sniffed.kind === "image") {
    const options = { protectedPhoto, onProgress };
    if (worker && typeof Worker !== "undefined" && typeof OffscreenCanvas !== "undefined") {
      const result = await inWorker(file, sniffed, head, options);
      if (result !== WORKER_UNAVAILABLE) return result;
    }
    return fingerprintImageHere(file, sniffed, head, options);
  }
  return fingerprintVideo(file, sniffed, { onProgress });
}
