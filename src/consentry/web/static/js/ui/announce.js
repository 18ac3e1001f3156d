// One polite live region per page (#announcer) tells screen readers what just happened.
let timer = null;

export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  // Emptying first makes a repeated message be read again.
  region.textContent = "";
  clearTimeout(timer);
  timer = setTimeout(() => {
    region.textContent = text;
  }, 50);
}
