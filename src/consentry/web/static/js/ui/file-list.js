// The files picked on the "/" page: each one's thumbnail (a local blob: URL, never sent),
// what it is (its label), and its fingerprints, computed one file at a time on this device.
import { t } from "../i18n.js";
import { announce } from "./announce.js";
import { element } from "./dom.js";
import { show } from "./text.js";

const LABELS = [
  { value: "intimate", key: "protect.label_intimate" },
  { value: "fake-of-me", key: "protect.label_fake" },
  { value: "protected-public-photo", key: "protect.label_protected" },
  { value: "other", key: "protect.label_other" },
];
const PROTECTED = "protected-public-photo";
const KNOWN_ERRORS = new Set([
  "unsupported-format",
  "unreadable-image",
  "unreadable-video",
  "image-too-large",
  "image-too-small",
  "flat-image",
  "no-code",
]);

let hashing = null;

// The hashing code is loaded on first use, so the page still explains itself if it fails.
function hashingModule() {
  hashing ??= import("/static/js/hashing/index.js").catch((cause) => {
    hashing = null;
    const error = new Error(`the fingerprinting code could not be loaded: ${cause}`);
    error.code = "no-code";
    throw error;
  });
  return hashing;
}

function errorKey(error) {
  const code = KNOWN_ERRORS.has(error?.code) ? error.code : "generic";
  return `protect.file_error_${code.replaceAll("-", "_")}`;
}

function isVideo(file) {
  return file.type.startsWith("video/");
}

let nextId = 1;

class FileItem {
  constructor(file, onChange) {
    this.id = nextId++;
    this.file = file;
    this.onChange = onChange;
    this.label = null;
    this.status = "waiting"; // waiting | hashing | ready | error
    this.result = null;
    this.error = null;
    this.pending = false; // a hashing job for this file is queued
    this.removed = false;
    this.thumbUrl = URL.createObjectURL(file);
    this.node = this.render();
  }

  wantsRegions() {
    return this.label === PROTECTED;
  }

  fingerprints() {
    if (this.status !== "ready" || !this.label) return [];
    return this.result.fingerprints.map(({ type, value }) => ({ type, value, label: this.label }));
  }

  render() {
    const nameId = `file-${this.id}-name`;
    this.statusLine = element("p", { className: "file-status", id: `file-${this.id}-status` });
    this.progress = element("progress", { max: 1, value: 0, "aria-labelledby": nameId });
    this.errorLine = element("p", { className: "error", id: `file-${this.id}-error` });
    this.warningLine = element("p", { className: "hint file-warning" });
    this.removeButton = element("button", { type: "button", className: "secondary" });
    show(this.removeButton, "protect.remove");
    show(this.removeButton, "protect.remove_label", { name: this.file.name }, "aria-label");
    return element(
      "li",
      { className: "file" },
      element("div", { className: "file-thumb" }, this.thumbnail()),
      element(
        "div",
        { className: "file-body" },
        element("h3", { className: "file-name", id: nameId }, this.file.name),
        this.statusLine,
        this.progress,
        this.errorLine,
        this.warningLine,
        this.choice(nameId),
        element("div", { className: "actions" }, this.removeButton),
      ),
    );
  }

  thumbnail() {
    // A file the browser cannot show gets an empty frame instead of a broken picture.
    const placeholder = () => element("div", { className: "file-placeholder" });
    if (isVideo(this.file)) {
      // The first frame as a poster; it plays nowhere and loads from this device only.
      const video = element("video", {
        src: this.thumbUrl,
        muted: true,
        preload: "metadata",
        "aria-hidden": "true",
      });
      video.addEventListener("error", () => video.replaceWith(placeholder()));
      return video;
    }
    const image = element("img", { src: this.thumbUrl, alt: "" });
    show(image, "protect.thumb_alt", { name: this.file.name }, "alt");
    image.addEventListener("error", () => image.replaceWith(placeholder()));
    return image;
  }

  choice(nameId) {
    const legend = element("legend");
    show(legend, "protect.choose_legend", { name: this.file.name });
    this.fieldset = element(
      "fieldset",
      { className: "choice", "aria-describedby": nameId },
      legend,
    );
    for (const option of LABELS) {
      const input = element("input", {
        type: "radio",
        name: `label-${this.id}`,
        value: option.value,
      });
      input.addEventListener("change", () => this.setLabel(option.value));
      const text = element("span");
      show(text, option.key);
      const label = element("label", {}, input, " ", text);
      this.fieldset.append(label);
      if (option.value === PROTECTED) {
        const hint = element("p", { className: "hint choice-hint" });
        show(hint, "protect.label_protected_hint");
        this.fieldset.append(hint);
      }
    }
    return this.fieldset;
  }

  firstRadio() {
    return this.fieldset.querySelector("input[type=radio]");
  }

  setLabel(label) {
    const hadRegions = this.wantsRegions();
    this.label = label;
    this.fieldset.removeAttribute("aria-invalid");
    if (hadRegions !== this.wantsRegions()) this.refresh();
    this.onChange();
  }

  // After a label change: drop or compute the protected-photo fingerprint.
  refresh() {
    const wanted = this.wantsRegions();
    if (this.status === "waiting") return; // the queued run reads the label when it starts
    if (this.status === "hashing") {
      if (this.running !== wanted) queue.add(this);
      return;
    }
    if (this.status === "ready" && !wanted && this.result.protectedPhoto) {
      const fingerprints = this.result.fingerprints.filter((item) => item.type !== "regions");
      this.result = { ...this.result, fingerprints, protectedPhoto: false };
      this.update();
      return;
    }
    if (this.result?.protectedPhoto !== wanted) queue.add(this);
  }

  setProgress(fraction) {
    this.progress.value = Math.max(0, Math.min(1, fraction));
    show(this.statusLine, "protect.file_computing", {
      percent: Math.round(this.progress.value * 100),
    });
  }

  update() {
    this.node.dataset.status = this.status;
    this.progress.hidden = this.status !== "hashing";
    this.errorLine.hidden = this.status !== "error";
    if (this.status === "waiting") show(this.statusLine, "protect.file_waiting");
    if (this.status === "hashing") this.setProgress(0);
    if (this.status === "ready") {
      show(this.statusLine, "protect.file_ready", { count: this.result.fingerprints.length });
    }
    if (this.status === "error") {
      show(this.statusLine, "protect.file_failed");
      show(this.errorLine, errorKey(this.error));
      this.fieldset.setAttribute("aria-describedby", this.errorLine.id);
    } else {
      this.fieldset.setAttribute("aria-describedby", `file-${this.id}-name`);
    }
    const warning = this.status === "ready" ? shownWarning(this.result.warnings) : null;
    this.warningLine.hidden = !warning;
    if (warning) show(this.warningLine, warning);
  }

  async hash() {
    const protectedPhoto = this.wantsRegions();
    this.running = protectedPhoto;
    this.status = "hashing";
    this.update();
    this.onChange();
    let result = null;
    let error = null;
    try {
      const { fingerprintFile } = await hashingModule();
      result = await fingerprintFile(this.file, {
        protectedPhoto,
        onProgress: (fraction) => this.setProgress(Number(fraction) || 0),
      });
    } catch (caught) {
      error = caught;
    }
    // A label change while hashing queued another run; this one's answer is stale.
    if (this.removed || this.pending) return;
    if (result) {
      this.result = { ...result, protectedPhoto };
      this.status = "ready";
      announce(t("protect.announce_ready", { name: this.file.name }));
    } else {
      this.result = { protectedPhoto };
      this.error = error;
      this.status = "error";
      announce(t("protect.announce_failed", { name: this.file.name, error: t(errorKey(error)) }));
    }
    this.update();
    this.onChange();
  }

  dispose() {
    this.removed = true;
    URL.revokeObjectURL(this.thumbUrl);
    this.node.remove();
  }
}

// One file at a time: hashing is heavy, and one at a time keeps the page responsive.
const queue = {
  tail: Promise.resolve(),
  add(item) {
    if (item.pending) return;
    item.pending = true;
    if (item.status !== "hashing") {
      item.status = "waiting";
      item.update();
    }
    this.tail = this.tail.then(async () => {
      item.pending = false;
      if (!item.removed) await item.hash();
    });
  },
};

export class FileList {
  constructor(listNode, summaryNode, onChange) {
    this.listNode = listNode;
    this.summaryNode = summaryNode;
    this.onChange = onChange;
    this.items = [];
  }

  add(files) {
    const added = [...files].map((file) => new FileItem(file, () => this.changed()));
    for (const item of added) {
      this.items.push(item);
      this.listNode.append(item.node);
      item.removeButton.addEventListener("click", () => this.remove(item));
      item.update();
      queue.add(item);
    }
    if (added.length) announce(t("protect.announce_added", { count: added.length }));
    this.changed();
  }

  remove(item) {
    const index = this.items.indexOf(item);
    if (index < 0) return;
    item.dispose();
    this.items.splice(index, 1);
    announce(t("protect.announce_removed", { name: item.file.name }));
    // Keep the keyboard user's place: the next file's remove button, or the picker.
    const next = this.items[index] ?? this.items[index - 1];
    (next ? next.removeButton : document.getElementById("file-input")).focus();
    this.changed();
  }

  discard(items) {
    for (const item of items) item.dispose();
    this.items = this.items.filter((item) => !items.includes(item));
    this.changed();
  }

  counts() {
    const count = (status) => this.items.filter((item) => item.status === status).length;
    return {
      total: this.items.length,
      ready: count("ready"),
      working: count("waiting") + count("hashing"),
      failed: count("error"),
    };
  }

  changed() {
    const counts = this.counts();
    if (counts.total === 0) show(this.summaryNode, "protect.files_empty");
    else show(this.summaryNode, "protect.files_summary", counts);
    this.onChange();
  }
}

// The hashing module's warning codes, most important first; one line is shown per file.
const WARNING_KEYS = {
  "low-quality": "protect.file_warning_low_quality",
  "vpdq-unavailable": "protect.file_warning_vpdq_unavailable",
  "video-too-long": "protect.file_warning_video_too_long",
};

function shownWarning(warnings = []) {
  const code = Object.keys(WARNING_KEYS).find((candidate) => warnings.includes(candidate));
  return code ? WARNING_KEYS[code] : null;
}
