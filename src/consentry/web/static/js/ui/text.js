// Text that depends on values (a name, a count, a date) is set through bind() or show(), so
// that it is rendered again in the new language when the person switches languages.
import { onLanguageChange, t } from "../i18n.js";

const bound = new Map(); // element -> { attribute -> render }

export function bind(element, render, attribute = "text") {
  const renders = bound.get(element) ?? new Map();
  renders.set(attribute, render);
  bound.set(element, renders);
  apply(element, attribute, render);
}

// Set element's text (or an attribute) to t(key, params), kept up to date on language change.
// params may be a function, called at each render (for dates and numbers to be localised).
export function show(element, key, params = {}, attribute = "text") {
  bind(element, () => t(key, typeof params === "function" ? params() : params), attribute);
}

// Empty the element's text and forget how it was made.
export function clear(element) {
  bound.delete(element);
  element.textContent = "";
}

function apply(element, attribute, render) {
  const value = render();
  if (attribute === "text") element.textContent = value;
  else element.setAttribute(attribute, value);
}

onLanguageChange(() => {
  for (const [element, renders] of bound) {
    if (!element.isConnected) {
      bound.delete(element);
      continue;
    }
    for (const [attribute, render] of renders) apply(element, attribute, render);
  }
});
