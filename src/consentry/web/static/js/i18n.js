// Translations for the pages. Text lives in static/i18n/<language>/<file>.json, one file per
// page plus common.json; the languages offered are listed in static/i18n/languages.json.
// In the HTML: data-i18n="key" sets an element's text; data-i18n-attr="aria-label:key,title:key2"
// sets attributes. A key is "file.name" (common.title, protect.pick_photos, ...).
// docs/translating.md says how to add a language.

const STORAGE_KEY = "consentry.language";
const FALLBACK = "en";

let languages = [];
let current = FALLBACK;
let texts = {};
let fallbackTexts = {};
const listeners = [];

async function loadJson(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status}`);
  return response.json();
}

async function loadTexts(language, files) {
  const loaded = {};
  for (const file of files) {
    loaded[file] = await loadJson(`/static/i18n/${language}/${file}.json`);
  }
  return loaded;
}

function lookup(table, key) {
  const dot = key.indexOf(".");
  const file = table[key.slice(0, dot)];
  return file ? file[key.slice(dot + 1)] : undefined;
}

// The text for key in the current language, with {name} placeholders filled from params.
export function t(key, params = {}) {
  let text = lookup(texts, key) ?? lookup(fallbackTexts, key);
  if (text === undefined) {
    console.warn(`missing translation: ${key}`);
    return key;
  }
  for (const [name, value] of Object.entries(params)) {
    text = text.split(`{${name}}`).join(String(value));
  }
  return text;
}

export function language() {
  return current;
}

// Apply the current language to root and everything under it.
export function translate(root = document) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of element.dataset.i18nAttr.split(",")) {
      const [attribute, key] = pair.split(":").map((part) => part.trim());
      element.setAttribute(attribute, t(key));
    }
  }
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

function preferredLanguage() {
  const codes = languages.map((entry) => entry.code);
  const fromUrl = new URLSearchParams(location.search).get("lang");
  const stored = localStorage.getItem(STORAGE_KEY);
  for (const wanted of [fromUrl, stored, ...(navigator.languages || [])]) {
    if (!wanted) continue;
    const base = wanted.toLowerCase().split("-")[0];
    if (codes.includes(wanted)) return wanted;
    if (codes.includes(base)) return base;
  }
  return FALLBACK;
}

let pageFiles = ["common"];

export async function setLanguage(code) {
  const entry = languages.find((candidate) => candidate.code === code);
  if (!entry) throw new Error(`unknown language ${code}`);
  texts = await loadTexts(code, pageFiles);
  current = code;
  localStorage.setItem(STORAGE_KEY, code);
  document.documentElement.lang = code;
  document.documentElement.dir = entry.dir || "ltr";
  translate();
  for (const listener of listeners) listener(code);
}

// Load the language list and the texts for this page, translate it, and wire the
// language picker (a <select id="language">) if the page has one.
export async function initI18n(page) {
  pageFiles = ["common", page];
  languages = await loadJson("/static/i18n/languages.json");
  fallbackTexts = await loadTexts(FALLBACK, pageFiles);
  await setLanguage(preferredLanguage());
  const picker = document.getElementById("language");
  if (picker) {
    picker.replaceChildren(
      ...languages.map((entry) => {
        const option = document.createElement("option");
        option.value = entry.code;
        option.textContent = entry.name;
        option.lang = entry.code;
        return option;
      }),
    );
    picker.value = current;
    picker.addEventListener("change", () => setLanguage(picker.value));
  }
}
