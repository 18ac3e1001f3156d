// The moderators' review console (/review): sign in with a partner key that has the review
// scope, list decisions (pending review by default), filter them, approve or reject.
// The key is held in memory only (the client object below); nothing is stored in the browser.

import { initI18n, onLanguageChange, t } from "/static/js/i18n.js";
import { reviewClient } from "/static/js/review/api.js";
import { dayToIso } from "/static/js/review/dom.js";
import { renderDecision, titleId } from "/static/js/review/render.js";
import { announce } from "/static/js/ui/announce.js";

const PAGE_SIZE = 25;

const state = {
  client: null, // holds the key; null when signed out
  filters: {},
  records: [], // decisions shown, newest first
  errors: new Map(), // decision id -> message shown on its item
  nextBefore: null,
};

const $ = (id) => document.getElementById(id);

// What to tell the moderator about a failed request.
function describe(error) {
  if (error.status === 0) return t("review.error_network");
  if (error.status === 401) return t("review.error_bad_key");
  if (error.status === 403) return t("review.error_no_scope");
  if (error.status === 429) return t("review.error_rate", { seconds: error.retryAfter ?? 60 });
  if (error.status === 422) return t("review.error_filter", { message: error.message });
  return t("review.error_other", { message: error.message });
}

function readFilters() {
  return {
    status: $("filter-status").value,
    bank: $("filter-bank").value.trim(),
    chat: $("filter-chat").value.trim(),
    since: dayToIso($("filter-since").value),
    until: dayToIso($("filter-until").value, { nextDay: true }),
  };
}

function onVerdict(record, verdict, button) {
  reviewOne(record, verdict, button);
}

function renderItem(record) {
  return renderDecision(record, { onVerdict, error: state.errors.get(record.id) || "" });
}

function renderQueue() {
  $("queue").replaceChildren(...state.records.map(renderItem));
  $("older").hidden = state.nextBefore === null;
  $("queue-summary").textContent = state.records.length
    ? t("review.shown", { count: state.records.length })
    : t("review.loaded_none");
}

function replaceItem(record) {
  state.records = state.records.map((shown) => (shown.id === record.id ? record : shown));
  const current = $(`decision-${record.id}`);
  if (current) current.replaceWith(renderItem(record));
}

function focusItem(id) {
  $(titleId({ id }))?.focus();
}

async function loadPage({ append }) {
  const query = { ...state.filters, limit: PAGE_SIZE };
  if (append) query.before = state.nextBefore;
  $("queue").setAttribute("aria-busy", "true");
  try {
    return await state.client.list(query);
  } finally {
    $("queue").removeAttribute("aria-busy");
  }
}

function signOutBecause(message) {
  signOut();
  $("signin-error").textContent = message;
}

async function showFirstPage() {
  $("queue-error").textContent = "";
  let page;
  try {
    page = await loadPage({ append: false });
  } catch (error) {
    if (error.status === 401 || error.status === 403) return signOutBecause(describe(error));
    $("queue-error").textContent = describe(error);
    return false;
  }
  state.records = page.items;
  state.nextBefore = page.next_before;
  state.errors.clear();
  renderQueue();
  announce($("queue-summary").textContent);
  return true;
}

async function showOlder() {
  const button = $("older");
  button.disabled = true;
  $("queue-error").textContent = "";
  try {
    const page = await loadPage({ append: true });
    const firstNew = page.items[0];
    state.records = state.records.concat(page.items);
    state.nextBefore = page.next_before;
    renderQueue();
    announce(t("review.loaded_older", { count: page.items.length }));
    if (firstNew) focusItem(firstNew.id);
  } catch (error) {
    if (error.status === 401 || error.status === 403) return signOutBecause(describe(error));
    $("queue-error").textContent = describe(error);
  } finally {
    button.disabled = false;
  }
}

async function reviewOne(record, verdict, button) {
  for (const other of button.parentElement.querySelectorAll("button")) other.disabled = true;
  state.errors.delete(record.id);
  try {
    const reviewed = await state.client.review(record.id, verdict);
    const { feedback, ...decision } = reviewed;
    replaceItem(decision);
    const sent = feedback.filter((item) => item.recorded).length;
    announce(t(`review.announce_${verdict}`, { id: record.id, count: sent }));
  } catch (error) {
    if (error.status === 401 || error.status === 403) return signOutBecause(describe(error));
    if (error.status === 409 || error.status === 404) {
      await refreshAfterConflict(record, error);
    } else {
      state.errors.set(record.id, describe(error));
      replaceItem(record);
      announce(describe(error));
    }
  }
  focusItem(record.id);
}

async function refreshAfterConflict(record, error) {
  const message =
    error.status === 404
      ? t("review.gone", { id: record.id })
      : t("review.already_reviewed", { id: record.id });
  state.errors.set(record.id, message);
  try {
    replaceItem(await state.client.get(record.id));
  } catch {
    replaceItem(record);
  }
  announce(message);
}

async function signIn(event) {
  event.preventDefault();
  const input = $("key");
  const key = input.value.trim();
  const error = $("signin-error");
  error.textContent = "";
  if (!key) {
    error.textContent = t("review.error_empty_key");
    input.focus();
    return;
  }
  const button = $("signin-button");
  button.disabled = true;
  state.client = reviewClient(key);
  state.filters = readFilters();
  try {
    const page = await loadPage({ append: false });
    input.value = ""; // from here on the key is only in the client's memory
    state.records = page.items;
    state.nextBefore = page.next_before;
    state.errors.clear();
    $("signin").hidden = true;
    $("console").hidden = false;
    renderQueue();
    $("queue-heading").focus();
    announce(`${t("review.signed_in")} ${$("queue-summary").textContent}`);
  } catch (failure) {
    state.client = null;
    error.textContent = describe(failure);
    input.focus();
  } finally {
    button.disabled = false;
  }
}

function signOut() {
  state.client = null;
  state.records = [];
  state.nextBefore = null;
  state.errors.clear();
  $("queue").replaceChildren();
  $("console").hidden = true;
  $("signin").hidden = false;
  $("key").value = "";
  $("signin-error").textContent = "";
  $("key").focus();
}

async function applyFilters(event) {
  event.preventDefault();
  state.filters = readFilters();
  if (await showFirstPage()) $("queue-heading").focus();
}

function clearFilters() {
  $("filters").reset();
  applyFilters(new Event("submit"));
}

async function start() {
  await initI18n("review");
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", () => {
    signOut();
    announce(t("review.signed_out"));
  });
  $("filters").addEventListener("submit", applyFilters);
  $("clear-filters").addEventListener("click", clearFilters);
  $("older").addEventListener("click", showOlder);
  onLanguageChange(() => {
    if (state.client) renderQueue();
  });
  document.body.dataset.ready = "true";
}

start();
