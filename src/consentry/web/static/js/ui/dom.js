// A small element builder: element("p", { className: "hint", id: "x" }, child, "text").
// Keys starting with "data-" or "aria-" and "for" become attributes; others are properties.
export function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key.startsWith("data-") || key.startsWith("aria-") || key === "for" || key === "role") {
      node.setAttribute(key, String(value));
    } else {
      node[key] = value;
    }
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}
