// Module worker: fingerprints one image off the page's main thread (see index.js).
// Receives { id, file, protectedPhoto, progress }; posts progress messages, then one result
// or one error ({ code, message }: codes are the module's error codes), each with the id.

import { readHead, sniff } from "./decode.js";
import { fingerprintImageHere } from "./index.js";

self.onmessage = async ({ data }) => {
  const { id, file, protectedPhoto, progress } = data;
  const report = (fraction) => self.postMessage({ id, type: "progress", fraction });
  const onProgress = progress ? report : null;
  try {
    const head = await readHead(file);
    const options = { protectedPhoto, onProgress };
    const result = await fingerprintImageHere(file, sniff(head), head, options);
    self.postMessage({ id, type: "result", result });
  } catch (error) {
    const message = String(error.message);
    self.postMessage({ id, type: "error", code: error.code ?? null, message });
  }
};
