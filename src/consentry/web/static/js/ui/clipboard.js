// Copy and download, without any server: the text never leaves the page except to the
// person's own clipboard or a file they save.

function select(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

// Copy element's text. Returns "copied", or "selected" when the browser refused and the
// text was selected instead for the person to copy themselves.
export async function copyText(element) {
  const text = element.textContent;
  try {
    if (!navigator.clipboard) throw new Error("no clipboard");
    await navigator.clipboard.writeText(text);
    return "copied";
  } catch {
    select(element);
    try {
      if (document.execCommand("copy")) return "copied";
    } catch {
      // fall through: the text stays selected
    }
    return "selected";
  }
}

export function downloadText(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
