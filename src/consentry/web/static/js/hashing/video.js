// vPDQ of a video in the browser: the PDQ of one frame per second, as the server's
// consentry.signals.vpdq (and Meta's vpdq) picks them: every int(fps)-th frame, timestamped
// index / fps. The frames come from an HTMLVideoElement seeked to each chosen frame and
// drawn on a canvas; the video never leaves the page (a blob: URL is local to it).
//
// The frame rate is read from the container (MP4/MOV: the video track's sample table;
// WebM/Matroska: the track's default frame duration), as FFmpeg reports it on the server.
// A video the browser cannot decode still gets its MD5 and SHA-256 (index.js); vPDQ is then
// left out with a warning rather than guessed.

import { MediaError, makeCanvas, pixelsOver } from "./decode.js";
import { pdqFromRgba } from "./pdq.js";

const MAX_HEADER_BYTES = 64 * 1024 * 1024; // a moov box bigger than this is not read
const MAX_FRAMES = 10_000; // the server's limit on sampled frames
const MAX_SECONDS = 4 * 3600; // the server's limit on duration
const LOAD_TIMEOUT_MS = 30_000;
const PRESENT_WAIT_MS = 1_000;

async function bytesAt(file, start, length) {
  return new Uint8Array(await file.slice(start, start + length).arrayBuffer());
}

const typeOf = (bytes, at) => String.fromCharCode(...bytes.subarray(at, at + 4));

// Child boxes of bytes[start, end): [{ type, start (payload), end }].
function boxes(bytes, start, end) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = [];
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1 && at + 16 <= end) {
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) break;
    found.push({ type: typeOf(bytes, at + 4), start: at + header, end: at + size });
    at += size;
  }
  return found;
}

const child = (bytes, box, type) => boxes(bytes, box.start, box.end).find((b) => b.type === type);

async function findMoov(file) {
  let at = 0;
  while (at + 8 <= file.size) {
    const head = await bytesAt(file, at, 16);
    const view = new DataView(head.buffer);
    let size = view.getUint32(0);
    if (size === 1) size = Number(view.getBigUint64(8));
    else if (size === 0) size = file.size - at;
    if (size < 8) return null;
    if (typeOf(head, 4) === "moov") {
      if (size > MAX_HEADER_BYTES) return null;
      const bytes = await bytesAt(file, at, size);
      return { bytes, box: { start: view.getUint32(0) === 1 ? 16 : 8, end: bytes.length } };
    }
    at += size;
  }
  return null;
}

function videoTrackRate(bytes, trak) {
  const mdia = child(bytes, trak, "mdia");
  const hdlr = mdia && child(bytes, mdia, "hdlr");
  if (!hdlr || typeOf(bytes, hdlr.start + 8) !== "vide") return null;
  const mdhd = child(bytes, mdia, "mdhd");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const timescale = view.getUint32(mdhd.start + (bytes[mdhd.start] === 1 ? 20 : 12));
  const minf = child(bytes, mdia, "minf");
  const stbl = minf && child(bytes, minf, "stbl");
  const stts = stbl && child(bytes, stbl, "stts");
  if (!stts || !timescale) return null;
  let samples = 0;
  let ticks = 0;
  const entries = view.getUint32(stts.start + 4);
  for (let i = 0; i < entries; i++) {
    const at = stts.start + 8 + i * 8;
    if (at + 8 > stts.end) break;
    const count = view.getUint32(at);
    samples += count;
    ticks += count * view.getUint32(at + 4);
  }
  return ticks > 0 ? { fps: (samples * timescale) / ticks, frames: samples } : null;
}

async function isobmffRate(file) {
  const moov = await findMoov(file);
  if (!moov) return null;
  for (const trak of boxes(moov.bytes, moov.box.start, moov.box.end)) {
    if (trak.type !== "trak") continue;
    const rate = videoTrackRate(moov.bytes, trak);
    if (rate) return rate;
  }
  return null;
}

// Matroska's DefaultDuration element (ID 0x23E383): nanoseconds per frame.
async function matroskaRate(file) {
  const head = await bytesAt(file, 0, 1024 * 1024);
  for (let i = 0; i + 4 < head.length; i++) {
    if (head[i] !== 0x23 || head[i + 1] !== 0xe3 || head[i + 2] !== 0x83) continue;
    const first = head[i + 3];
    const length = Math.clz32(first) - 23; // bytes of the size field (vint)
    if (length < 1 || length > 8) continue;
    let size = first & (0xff >> length);
    for (let k = 1; k < length; k++) size = size * 256 + head[i + 3 + k];
    let nanoseconds = 0;
    for (let k = 0; k < size; k++) nanoseconds = nanoseconds * 256 + head[i + 3 + length + k];
    if (nanoseconds > 0) return { fps: 1e9 / nanoseconds, frames: null };
  }
  return null;
}

export async function containerRate(file, format) {
  try {
    if (["mp4", "mov", "3gp"].includes(format)) return await isobmffRate(file);
    if (["webm", "mkv"].includes(format)) return await matroskaRate(file);
  } catch {
    return null; // a header we cannot read: no frame rate, so no vPDQ
  }
  return null;
}

function once(target, events, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(reject, new Error("timed out")), timeoutMs);
    const handlers = {};
    function finish(settle, value) {
      clearTimeout(timer);
      for (const [name, handler] of Object.entries(handlers)) {
        target.removeEventListener(name, handler);
      }
      settle(value);
    }
    for (const [name, ok] of Object.entries(events)) {
      handlers[name] = (event) => finish(ok ? resolve : reject, event);
      target.addEventListener(name, handlers[name]);
    }
  });
}

async function openVideo(url) {
  const video = document.createElement("video");
  video.muted = true;
  video.preload = "auto";
  video.src = url;
  try {
    await once(video, { loadeddata: true, error: false }, LOAD_TIMEOUT_MS);
  } catch {
    return null;
  }
  return video.videoWidth > 0 ? video : null;
}

// Seek and wait until the frame there is the one a canvas will draw: "seeked" alone can
// come before the new frame is presented (a canvas then draws the previous one), so also
// wait for the element's next presented frame, or at most PRESENT_WAIT_MS after "seeked".
function seek(video, seconds) {
  return new Promise((resolve, reject) => {
    let seeked = false;
    let presented = !("requestVideoFrameCallback" in video);
    let fallback = null;
    const failed = setTimeout(() => finish(new Error("seeking timed out")), LOAD_TIMEOUT_MS);
    function finish(error = null) {
      clearTimeout(failed);
      clearTimeout(fallback);
      video.removeEventListener("seeked", onSeeked);
      if (error) reject(error);
      else resolve();
    }
    function onSeeked() {
      seeked = true;
      if (presented) finish();
      else fallback = setTimeout(finish, PRESENT_WAIT_MS);
    }
    if (!presented) {
      video.requestVideoFrameCallback(() => {
        presented = true;
        if (seeked) finish();
      });
    }
    video.addEventListener("seeked", onSeeked);
    video.currentTime = seconds;
  });
}

export function formatFrame(index, quality, timestamp, hash) {
  return `${index},${quality},${timestamp.toFixed(3)},${hash}`;
}

function frameIndexes(rate, duration) {
  const step = Math.max(Math.floor(rate.fps), 1);
  const total = rate.frames ?? Math.max(Math.round(duration * rate.fps), 1);
  const indexes = [];
  for (let index = 0; index < total && indexes.length < MAX_FRAMES; index += step) {
    indexes.push(index);
  }
  return indexes;
}

async function hashFrames(video, rate, onProgress) {
  const indexes = frameIndexes(rate, video.duration);
  const width = video.videoWidth;
  const height = video.videoHeight;
  const frames = [];
  const canvas = makeCanvas(width, height);
  for (const [n, index] of indexes.entries()) {
    // The middle of the frame's display interval: the seek lands on that frame for sure.
    await seek(video, Math.min((index + 0.5) / rate.fps, video.duration));
    const { hash, quality } = pdqFromRgba(pixelsOver(video, width, height, canvas), width, height);
    frames.push(formatFrame(index, quality, Math.round((index / rate.fps) * 1000) / 1000, hash));
    if (onProgress) onProgress((n + 1) / indexes.length);
  }
  return frames.join(";");
}

// { vpdq: text | null, width, height, warnings } of a video File.
export async function vpdqFromFile(file, { format = null, onProgress = null } = {}) {
  const rate = await containerRate(file, format);
  const url = URL.createObjectURL(file);
  try {
    const video = await openVideo(url);
    if (!video) {
      if (!rate && ["mp4", "mov", "3gp"].includes(format)) {
        throw new MediaError("unreadable-video", "the video could not be read: it looks damaged");
      }
      return { vpdq: null, width: null, height: null, warnings: ["vpdq-unavailable"] };
    }
    const { videoWidth: width, videoHeight: height } = video;
    if (!rate) return { vpdq: null, width, height, warnings: ["vpdq-unavailable"] };
    if (video.duration > MAX_SECONDS) {
      return { vpdq: null, width, height, warnings: ["video-too-long"] };
    }
    let vpdq;
    try {
      vpdq = await hashFrames(video, rate, onProgress);
    } catch (error) {
      throw new MediaError("unreadable-video", `the video's frames could not be read (${error})`);
    } finally {
      video.removeAttribute("src");
      video.load();
    }
    return { vpdq: vpdq || null, width, height, warnings: vpdq ? [] : ["vpdq-unavailable"] };
  } finally {
    URL.revokeObjectURL(url);
  }
}
