// The review API (/v1/review) with a moderator's partner key. The key lives only in the
// closure of the client made for it: never in storage, cookies or the URL. Dropping the
// client (sign out) forgets it.

import { requestJson } from "../http.js";

const BASE = "/v1/review/decisions";

function send(key, method, path, body) {
  const headers = { Authorization: `Bearer ${key}` };
  const json = body === undefined ? undefined : JSON.stringify(body);
  return requestJson(method, path, { body: json, headers });
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
