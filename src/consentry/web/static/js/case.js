// The "/case" page: check a case with its id and secret, and withdraw it after a
// confirmation in the page. The secret stays in the form field: never in a URL or storage.
import { initI18n, language, t } from "./i18n.js";
import { announce } from "./ui/announce.js";
import { caseStatus, withdrawCase } from "./ui/api.js";
import { apiErrorText } from "./ui/errors.js";
import { bind, clear, show } from "./ui/text.js";

const $ = (id) => document.getElementById(id);
const CASE_ID = /^c_[A-Za-z0-9_-]{22}$/;
const CASE_ERRORS = {
  "case-not-found": "case.error_not_found",
  "case-locked": "case.error_locked",
  "case-withdrawn": "case.error_withdrawn",
};

let busy = false;

function credentials() {
  return { caseId: $("case-id").value.trim(), secret: $("secret").value.trim() };
}

function fieldError(input, errorNode, key) {
  if (key) {
    input.setAttribute("aria-invalid", "true");
    show(errorNode, key);
  } else {
    input.removeAttribute("aria-invalid");
    clear(errorNode);
  }
}

// Marks the fields that are empty or malformed; returns whether both are usable.
function validate({ caseId, secret }) {
  const idProblem = !caseId ? "case.id_missing" : CASE_ID.test(caseId) ? null : "case.id_invalid";
  fieldError($("case-id"), $("case-id-error"), idProblem);
  fieldError($("secret"), $("secret-error"), secret ? null : "case.secret_missing");
  if (idProblem) $("case-id").focus();
  else if (!secret) $("secret").focus();
  return !idProblem && secret;
}

function formatDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language(), { dateStyle: "long", timeStyle: "short" }).format(
    date,
  );
}

function showCase(status, messageKey) {
  const active = status.status === "active";
  show($("result-status"), active ? "case.status_active" : "case.status_withdrawn");
  bind($("result-count"), () =>
    new Intl.NumberFormat(language()).format(status.fingerprint_count),
  );
  bind($("result-created"), () => formatDate(status.created_at));
  const message = active ? "case.active_message" : "case.withdrawn_message";
  show($("result-message"), messageKey ?? message);
  $("withdraw-actions").hidden = !active;
  $("confirm").hidden = true;
  $("case-result").hidden = false;
  $("case-result").dataset.status = status.status;
  $("result-heading").focus();
  announce(`${$("result-message").textContent}`);
}

function showError(error) {
  bind($("case-error"), () => apiErrorText(error, CASE_ERRORS));
}

async function run(statusKey, action) {
  if (busy) return;
  busy = true;
  for (const button of document.querySelectorAll("main button")) button.disabled = true;
  clear($("case-error"));
  show($("case-status-line"), statusKey);
  try {
    await action();
  } catch (error) {
    showError(error);
  } finally {
    clear($("case-status-line"));
    for (const button of document.querySelectorAll("main button")) button.disabled = false;
    busy = false;
  }
}

function check(event) {
  event.preventDefault();
  const { caseId, secret } = credentials();
  if (!validate({ caseId, secret })) return;
  $("case-result").hidden = true;
  run("case.checking", async () => showCase(await caseStatus(caseId, secret)));
}

function askToWithdraw() {
  $("confirm").hidden = false;
  $("confirm-heading").focus();
}

function cancelWithdraw() {
  $("confirm").hidden = true;
  $("withdraw-button").focus();
}

function withdraw() {
  const { caseId, secret } = credentials();
  if (!validate({ caseId, secret })) return;
  run("case.withdrawing", async () => {
    showCase(await withdrawCase(caseId, secret), "case.withdrawn_now");
  });
}

function toggleSecret() {
  const input = $("secret");
  const showing = input.type === "text";
  input.type = showing ? "password" : "text";
  $("toggle-secret").setAttribute("aria-pressed", String(!showing));
  show($("toggle-secret"), showing ? "case.show_secret" : "case.hide_secret");
}

// #c_... in the address prefills the id; the fragment never reaches the server.
function prefillFromFragment() {
  const fragment = decodeURIComponent(location.hash.slice(1));
  if (CASE_ID.test(fragment)) $("case-id").value = fragment;
}

await initI18n("case");
prefillFromFragment();
window.addEventListener("hashchange", prefillFromFragment);
$("check-form").addEventListener("submit", check);
$("toggle-secret").addEventListener("click", toggleSecret);
$("withdraw-button").addEventListener("click", askToWithdraw);
$("cancel-withdraw").addEventListener("click", cancelWithdraw);
$("confirm-withdraw").addEventListener("click", withdraw);
document.documentElement.dataset.ready = "true";
