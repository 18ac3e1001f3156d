// One decision as a queue item: when and where it was seen, the decision with its rule and
// reasons, the matches, the signals, the fingerprints and, while it waits, Approve / Reject.
// Never the media: Consentry does not keep it.

import { t } from "/static/js/i18n.js";
import { el, formatNumber, referenceNode, timeElement } from "/static/js/review/dom.js";

const none = () => t("review.none");

export function titleId(record) {
  return `decision-${record.id}-title`;
}

function text(value) {
  return value === undefined || value === null || value === "" ? none() : String(value);
}

function facts(pairs) {
  return el(
    "dl",
    { className: "facts" },
    pairs.map(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]),
  );
}

function reviewState(record) {
  if (record.review === "pending") return t("review.review_pending");
  if (record.review === "approved" || record.review === "rejected") {
    return t(`review.review_${record.review}`, { who: text(record.reviewed_by) });
  }
  return t("review.review_none");
}

function stateLine(record) {
  const state = record.review || "none";
  const line = el("p", { className: `review-state state-${state}` }, reviewState(record));
  if (record.reviewed_at) line.append(" · ", timeElement(record.reviewed_at));
  return line;
}

function decisionPart(record) {
  const decision = record.decision || {};
  const rule = record.rule
    ? [el("code", {}, record.rule), decision.description ? ` — ${decision.description}` : ""]
    : t("review.rule_default");
  const reasons = (decision.reasons || []).map((reason) =>
    el("li", {}, text(reason.detail ?? reason.condition)),
  );
  return [
    el("h4", {}, t("review.decision_heading")),
    facts([
      [t("review.field_action"), t(`review.action_${record.action}`)],
      [t("review.field_rule"), el("span", {}, rule)],
    ]),
    reasons.length
      ? [el("p", { className: "sub" }, t("review.reasons")), el("ul", {}, reasons)]
      : el("p", { className: "muted" }, t("review.no_reasons")),
  ];
}

const MATCH_COLUMNS = ["bank", "entry", "label", "signal", "distance", "kind", "score"];

function matchCell(match, column) {
  if (column === "kind") return t(`review.kind_${match.kind === "derived" ? "derived" : "copy"}`);
  if (column === "score") return formatNumber(match.score);
  return text(match[column]);
}

function matchesPart(record) {
  const matches = record.matches || [];
  const heading = el("h4", {}, t("review.matches_heading", { count: matches.length }));
  if (!matches.length) return [heading, el("p", { className: "muted" }, t("review.no_matches"))];
  const head = el(
    "tr",
    {},
    MATCH_COLUMNS.map((column) => el("th", { scope: "col" }, t(`review.col_${column}`))),
  );
  const rows = matches.map((match) =>
    el(
      "tr",
      {},
      MATCH_COLUMNS.map((column) => el("td", {}, matchCell(match, column))),
    ),
  );
  // A keyboard user can scroll a wide table on a narrow screen: the region takes focus.
  const region = el(
    "div",
    {
      className: "table-scroll",
      role: "region",
      tabindex: "0",
      "aria-label": t("review.matches_region", { id: record.id }),
    },
    el("table", {}, el("thead", {}, head), el("tbody", {}, rows)),
  );
  return [heading, region];
}

function findingText(finding) {
  const parts = [];
  if (finding.score !== undefined) {
    parts.push(t("review.finding_score", { score: formatNumber(finding.score) }));
  }
  const labels = Object.entries(finding.labels || {});
  if (labels.length) {
    const shown = labels.map(([name, score]) => `${name} ${formatNumber(score)}`).join(", ");
    parts.push(t("review.finding_labels", { labels: shown }));
  }
  if (finding.ai_generated === true) parts.push(t("review.finding_ai_yes"));
  if (finding.ai_generated === false) parts.push(t("review.finding_ai_no"));
  if (finding.error) parts.push(t("review.finding_error", { error: finding.error }));
  return parts.length ? parts.join("; ") : t("review.finding_nothing");
}

function findingsPart(record) {
  const findings = record.findings || [];
  const heading = el("h4", {}, t("review.findings_heading"));
  if (!findings.length) return [heading, el("p", { className: "muted" }, t("review.no_findings"))];
  const items = findings.map((finding) =>
    el(
      "li",
      {},
      el("strong", {}, `${text(finding.signal)} (${text(finding.source)})`),
      `: ${findingText(finding)}`,
    ),
  );
  return [heading, el("ul", {}, items)];
}

function fingerprintsPart(record) {
  const code = (value) => (value ? el("code", {}, value) : none());
  return [
    el("h4", {}, t("review.fingerprints_heading")),
    facts([
      ["SHA-256", code(record.sha256)],
      ["PDQ", code(record.pdq)],
    ]),
    el("p", { className: "hint" }, t("review.no_media")),
  ];
}

function verdictButtons(record, onVerdict) {
  if (record.review !== "pending") return null;
  const button = (verdict, className) => {
    const made = el(
      "button",
      {
        type: "button",
        className,
        "data-verdict": verdict,
        "aria-describedby": titleId(record),
      },
      t(`review.${verdict === "approved" ? "approve" : "reject"}`),
    );
    made.addEventListener("click", () => onVerdict(record, verdict, made));
    return made;
  };
  return el(
    "div",
    { className: "actions verdicts" },
    button("approved", "approve"),
    button("rejected", "danger"),
  );
}

// The <li> for record; onVerdict(record, verdict, button) is called by Approve / Reject.
export function renderDecision(record, { onVerdict, error = "" } = {}) {
  const title = t("review.item_title", {
    id: record.id,
    action: t(`review.action_${record.action}`),
  });
  const article = el(
    "article",
    { "aria-labelledby": titleId(record) },
    el("h3", { id: titleId(record), tabindex: "-1" }, title),
    stateLine(record),
    facts([
      [t("review.field_when"), timeElement(record.at)],
      [t("review.field_source"), text(record.source)],
      [t("review.field_partner"), text(record.partner)],
      [t("review.field_chat"), text(record.chat)],
      [t("review.field_reference"), referenceNode(record.reference)],
    ]),
    decisionPart(record),
    matchesPart(record),
    findingsPart(record),
    fingerprintsPart(record),
    verdictButtons(record, onVerdict),
    el("p", { className: "error item-error", role: "alert" }, error),
  );
  return el(
    "li",
    { className: "card decision", id: `decision-${record.id}`, "data-id": record.id },
    article,
  );
}
