// The "/" page: a person picks photos or videos, this page fingerprints them on the device,
// shows exactly what will be sent, sends only fingerprints and labels, and shows the case id
// and secret once. The files and the secret are kept in memory only, never stored.
import { initI18n, t } from "./i18n.js";
import { announce } from "./ui/announce.js";
import { addToCase, createCase } from "./ui/api.js";
import { requestBody, splitIntoBatches } from "./ui/batches.js";
import { copyText, downloadText } from "./ui/clipboard.js";
import { apiErrorText } from "./ui/errors.js";
import { FileList } from "./ui/file-list.js";
import { wirePicker } from "./ui/picker.js";
import { collectFingerprints, renderReview } from "./ui/review.js";
import { bind, clear, show } from "./ui/text.js";

const $ = (id) => document.getElementById(id);
const SEND_ERRORS = {
  "too-many-fingerprints": "protect.error_too_many",
  "body-too-large": "protect.error_too_large",
  "media-not-accepted": "protect.error_media",
  "invalid-fingerprint": "protect.error_invalid",
  "invalid-request": "protect.error_invalid",
};

let files;
let reviewed = null; // { items, fingerprints, batches, files, skipped, done }
let created = null; // the receipt of a case whose batches are not all sent yet
let busy = false;

function hideReview() {
  reviewed = null;
  $("review").hidden = true;
}

function filesChanged() {
  if (busy || !reviewed) return;
  hideReview();
  show($("review-error"), "protect.review_stale");
}

function reviewProblem(key, focusTarget) {
  hideReview();
  show($("review-error"), key);
  focusTarget?.focus();
}

function review() {
  clear($("review-error"));
  clear($("send-error"));
  const items = files.items;
  if (items.length === 0) return reviewProblem("protect.review_need_files", $("file-input"));
  const unlabelled = items.filter((item) => !item.label && item.status !== "error");
  for (const item of unlabelled) item.fieldset.setAttribute("aria-invalid", "true");
  if (unlabelled.length) {
    return reviewProblem("protect.review_need_label", unlabelled[0].firstRadio());
  }
  if (files.counts().working) return reviewProblem("protect.review_wait");
  const fingerprints = collectFingerprints(items);
  if (fingerprints.length === 0) return reviewProblem("protect.review_nothing");
  const sendable = items.filter((item) => item.status === "ready").length;
  reviewed = {
    items: [...items],
    fingerprints,
    batches: splitIntoBatches(fingerprints),
    files: sendable,
    skipped: items.length - sendable,
    done: 0,
  };
  renderReview(reviewed);
  show($("send-button"), created ? "protect.send_rest" : "protect.send_button");
  $("review").hidden = false;
  $("review-heading").focus();
  announce(t("protect.review_summary", { count: fingerprints.length, files: sendable }));
}

async function send() {
  if (busy || !reviewed) return;
  busy = true;
  $("send-button").disabled = true;
  clear($("send-error"));
  show($("send-status"), "protect.sending");
  try {
    await sendBatches(reviewed);
    finish(reviewed.items);
  } catch (error) {
    clear($("send-status"));
    if (created) {
      const left = reviewed.batches.slice(reviewed.done).flat().length;
      bind($("send-error"), () =>
        t("protect.error_rest", { count: left, reason: apiErrorText(error, SEND_ERRORS) }),
      );
      show($("send-button"), "protect.send_rest");
    } else {
      bind($("send-error"), () => apiErrorText(error, SEND_ERRORS));
    }
    announce($("send-error").textContent);
  } finally {
    busy = false;
    $("send-button").disabled = false;
  }
}

async function sendBatches(plan) {
  if (!created) {
    created = await createCase(requestBody(plan.batches[0]));
    plan.done = 1;
    showReceipt(created, plan.batches[0].length);
  }
  // After a failure, a new review resends everything: the registry ignores repeats.
  for (let index = plan.done; index < plan.batches.length; index++) {
    const body = requestBody(plan.batches[index]);
    const status = await addToCase(created.case_id, created.secret, body);
    plan.done = index + 1;
    show($("receipt-count"), "protect.receipt_count", { count: status.fingerprint_count });
  }
}

// Everything reviewed is sent: those files leave the page (any picked since then stay).
function finish(sentItems) {
  created = null;
  hideReview();
  files.discard(sentItems);
  clear($("send-status"));
  clear($("review-error"));
  $("receipt-heading").focus();
  announce(t("protect.announce_sent"));
}

function showReceipt(receipt, count) {
  $("receipt-id").textContent = receipt.case_id;
  $("receipt-secret").textContent = receipt.secret;
  $("receipt-link").href = `/case#${receipt.case_id}`;
  show($("receipt-count"), "protect.receipt_count", { count });
  clear($("copy-status"));
  $("receipt").hidden = false;
}

function receiptText() {
  return t("protect.receipt_file", {
    id: $("receipt-id").textContent,
    secret: $("receipt-secret").textContent,
    url: `${location.origin}/case#${$("receipt-id").textContent}`,
  });
}

async function copy(target) {
  const outcome = await copyText(target);
  show($("copy-status"), outcome === "copied" ? "protect.copied" : "protect.selected");
}

function hideReceipt() {
  $("receipt-id").textContent = "";
  $("receipt-secret").textContent = "";
  clear($("copy-status"));
  $("receipt").hidden = true;
  $("file-input").focus();
  announce(t("protect.announce_receipt_hidden"));
}

function wire() {
  files = new FileList($("file-list"), $("files-summary"), filesChanged);
  wirePicker($("file-input"), $("drop-zone"), (picked) => {
    clear($("review-error"));
    files.add(picked);
  });
  $("review-button").addEventListener("click", review);
  $("send-button").addEventListener("click", send);
  $("copy-id").addEventListener("click", () => copy($("receipt-id")));
  $("copy-secret").addEventListener("click", () => copy($("receipt-secret")));
  $("download-receipt").addEventListener("click", () =>
    downloadText("consentry-case.txt", receiptText()),
  );
  $("receipt-done").addEventListener("click", hideReceipt);
}

await initI18n("protect");
wire();
show($("files-summary"), "protect.files_empty");
document.documentElement.dataset.ready = "true";
