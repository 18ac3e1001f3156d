// The cases API (/v1/cases). Bodies are JSON text of fingerprints and labels only; the
// secret travels in a header.

import { requestJson } from "../http.js";

export { ApiError } from "../http.js";

function casePath(caseId) {
  return `/v1/cases/${encodeURIComponent(caseId)}`;
}

function withSecret(secret) {
  return { "X-Case-Secret": secret };
}

// json: the request body, already serialised (the page shows this exact text before sending).
export function createCase(json) {
  return requestJson("POST", "/v1/cases", { body: json });
}

export function addToCase(caseId, secret, json) {
  return requestJson("POST", `${casePath(caseId)}/fingerprints`, {
    body: json,
    headers: withSecret(secret),
  });
}

export function caseStatus(caseId, secret) {
  return requestJson("GET", casePath(caseId), { headers: withSecret(secret) });
}

export function withdrawCase(caseId, secret) {
  return requestJson("DELETE", casePath(caseId), { headers: withSecret(secret) });
}
