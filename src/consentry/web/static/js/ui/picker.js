// Two ways to pick files: the file input (keyboard and screen readers) and a drop zone
// around it for drag and drop. Files go to onFiles; nothing is read here.

export function wirePicker(input, zone, onFiles) {
  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = ""; // so the same file can be picked again after removing it
    if (files.length) onFiles(files);
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", (event) => {
    if (!zone.contains(event.relatedTarget)) zone.classList.remove("dragging");
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length) onFiles(files);
  });
  // A file dropped next to the zone would make the browser open it and leave this page,
  // losing the work done so far: refuse drops anywhere else.
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => {
      if (!zone.contains(event.target)) event.preventDefault();
    });
  }
}
