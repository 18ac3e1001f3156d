// The review of exactly what will be sent: every fingerprint's type, label and value.
import { element } from "./dom.js";
import { show } from "./text.js";

const SHOWN_IN_FULL = 64; // pdq, md5, sha256; longer values (regions, vpdq) are shortened

// Fingerprints of all files, each (type, value) once, in file order.
export function collectFingerprints(items) {
  const seen = new Set();
  const fingerprints = [];
  for (const item of items) {
    for (const fingerprint of item.fingerprints()) {
      const key = `${fingerprint.type}:${fingerprint.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      fingerprints.push(fingerprint);
    }
  }
  return fingerprints;
}

function valueCell(value) {
  if (value.length <= SHOWN_IN_FULL) return element("td", {}, element("code", {}, value));
  const note = element("span", { className: "hint" });
  show(note, "protect.review_value_shortened", { length: value.length });
  return element(
    "td",
    {},
    element("code", {}, `${value.slice(0, 40)}…`),
    " ",
    note,
  );
}

export function renderReview({ fingerprints, files, skipped }) {
  const rows = fingerprints.map((fingerprint) =>
    element(
      "tr",
      {},
      element("td", {}, element("code", {}, fingerprint.type)),
      element("td", {}, element("code", {}, fingerprint.label)),
      valueCell(fingerprint.value),
    ),
  );
  document.querySelector("#review-table tbody").replaceChildren(...rows);
  show(document.getElementById("review-summary"), "protect.review_summary", {
    count: fingerprints.length,
    files,
  });
  const skippedLine = document.getElementById("review-skipped");
  skippedLine.hidden = skipped === 0;
  if (skipped) show(skippedLine, "protect.review_skipped", { count: skipped });
  document.getElementById("review-json").textContent = JSON.stringify({ fingerprints }, null, 2);
}
