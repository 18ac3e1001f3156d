// A case request holds at most 1000 fingerprints and 256 KiB of JSON. Bigger sets are split:
// the first batch creates the case, the others are added to it.

export const LIMITS = {
  fingerprints: 1000,
  bytes: 250 * 1024, // under the service's 256 KiB, with room to spare
};

const encoder = new TextEncoder();

function bytes(text) {
  return encoder.encode(text).length;
}

export function requestBody(fingerprints) {
  return JSON.stringify({ fingerprints });
}

export function splitIntoBatches(
  fingerprints,
  { maxCount = LIMITS.fingerprints, maxBytes = LIMITS.bytes } = {},
) {
  const empty = bytes(requestBody([]));
  const batches = [];
  let batch = [];
  let size = empty;
  for (const fingerprint of fingerprints) {
    const itemSize = bytes(JSON.stringify(fingerprint)) + 1; // and its comma
    const full = batch.length >= maxCount || size + itemSize > maxBytes;
    if (batch.length > 0 && full) {
      batches.push(batch);
      batch = [];
      size = empty;
    }
    batch.push(fingerprint);
    size += itemSize;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
