// Small DOM and formatting helpers for the review console. Text from the API is only ever
// set as text (textContent), never parsed as HTML.

import { language, t } from "/static/js/i18n.js";

// el("p", { className: "hint", id: "x" }, "text", otherNode, ...)
export function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === "className") element.className = value;
    else if (name === "text") element.textContent = value;
    else element.setAttribute(name, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function formatWhen(iso) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return String(iso);
  return new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeStyle: "short" }).format(
    moment,
  );
}

export function timeElement(iso) {
  return el("time", { datetime: iso }, formatWhen(iso));
}

export function formatNumber(value, digits = 2) {
  if (value === undefined || value === null || value === "") return t("review.none");
  const number = Number(value);
  if (!Number.isFinite(number)) return String(value);
  return new Intl.NumberFormat(language(), { maximumFractionDigits: digits }).format(number);
}

// A reference as text; an http(s) URL becomes a link that opens elsewhere (so the console,
// and the key in its memory, stay) without telling the other site where it came from.
export function referenceNode(reference) {
  if (!reference) return document.createTextNode(t("review.none"));
  let url = null;
  try {
    url = new URL(reference);
  } catch {
    url = null;
  }
  if (url && (url.protocol === "http:" || url.protocol === "https:")) {
    return el("a", { href: url.href, rel: "noreferrer noopener", target: "_blank" }, reference);
  }
  return el("span", { className: "mono" }, reference);
}

// A date picker's "YYYY-MM-DD" as the moment this device's day starts, in ISO 8601 (UTC);
// with nextDay, the start of the following day (the API's "until" is exclusive).
export function dayToIso(value, { nextDay = false } = {}) {
  const found = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
  if (!found) return "";
  const [, year, month, day] = found.map(Number);
  const moment = new Date(year, month - 1, day + (nextDay ? 1 : 0));
  return Number.isNaN(moment.getTime()) ? "" : moment.toISOString();
}
