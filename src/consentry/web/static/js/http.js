// JSON requests to the registry's own API, shared by every page. Every failure becomes an
// ApiError with the HTTP status, the API's error code and message, and Retry-After in seconds.
// Requests never carry cookies or a referrer and are never cached.

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

// body: JSON text, already serialised (the register page shows this exact text before sending).
export async function requestJson(method, path, { body, headers = {} } = {}) {
  const sent = { Accept: "application/json", ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: sent,
      body,
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
