// The review API (/v1/review) with a moderator's partner key. The key lives only in the
// closure of the client made for it: never in storage, cookies or the URL. Dropping the
// client (sign out) forgets it.

export class ReviewApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

const BASE = "/v1/review/decisions";

async function send(key, method, path, body) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ReviewApiError(0, "network", "the registry could not be reached");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    const retry = Number(response.headers.get("Retry-After"));
    throw new ReviewApiError(
      response.status,
      error.code || `http-${response.status}`,
      error.message || "",
      Number.isFinite(retry) && retry > 0 ? Math.ceil(retry) : null,
    );
  }
  return data;
}

// filters: { status, bank, chat, since, until, before, limit }; empty values are left out.
function listPath(filters) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${BASE}?${text}` : BASE;
}

export function reviewClient(key) {
  return {
    list: (filters) => send(key, "GET", listPath(filters)),
    get: (id) => send(key, "GET", `${BASE}/${encodeURIComponent(id)}`),
    review: (id, verdict) => send(key, "POST", `${BASE}/${encodeURIComponent(id)}`, { verdict }),
  };
}
