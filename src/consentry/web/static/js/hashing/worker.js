// Module worker: fingerprints one image off the page's main thread (see index.js).
// Receives { id, file, head, sniffed, protectedPhoto, progress } (head and sniffed as the page
// read them); posts progress messages, then one result or one error ({ code, message }: codes
// are the module's error codes), each with the id.

import { fingerprintImageHere } from "./index.js";

self.onmessage = async ({ data }) => {
  const { id, file, head, sniffed, protectedPhoto, progress } = data;
  const report = (fraction) => self.postMessage({ id, type: "progress", fraction });
  const onProgress = progress ? report : null;
  try {
    const options = { protectedPhoto, onProgress };
    const result = await fingerprintImageHere(file, sniffed, head, options);
    self.postMessage({ id, type: "result", result });
  } catch (error) {
    const message = String(error.message);
    self.postMessage({ id, type: "error", code: error.code ?? null, message });
  }
};
