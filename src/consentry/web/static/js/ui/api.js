// The cases API (/v1/cases): fetch wrappers that turn every failure into an ApiError.
// Bodies are JSON text of fingerprints and labels only; the secret travels in a header.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

function retryAfterSeconds(header) {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const when = Date.parse(header);
  return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

async function call(method, path, { json, secret } = {}) {
  const headers = { Accept: "application/json" };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  if (secret !== undefined) headers["X-Case-Secret"] = secret;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: json,
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, "network", "the registry could not be reached");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(
      response.status,
      error.code || `http-${response.status}`,
      error.message || "",
      retryAfterSeconds(response.headers.get("Retry-After")),
    );
  }
  return data;
}

function casePath(caseId) {
  return `/v1/cases/${encodeURIComponent(caseId)}`;
}

// json: the request body, already serialised (the page shows this exact text before sending).
export function createCase(json) {
  return call("POST", "/v1/cases", { json });
}

export function addToCase(caseId, secret, json) {
  return call("POST", `${casePath(caseId)}/fingerprints`, { json, secret });
}

export function caseStatus(caseId, secret) {
  return call("GET", casePath(caseId), { secret });
}

export function withdrawCase(caseId, secret) {
  return call("DELETE", casePath(caseId), { secret });
}
