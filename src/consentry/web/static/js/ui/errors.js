// Words for API errors. Each page passes its own keys for the codes it knows; the rest
// (network, rate limits, server trouble) are shared in common.json.
import { language, t } from "../i18n.js";

const COMMON = {
  network: "common.error_network",
  "rate-limited": "common.error_rate_limited",
};

// "in 5 minutes" / "dentro de 5 minutos", in the current language.
export function retryWhen(seconds) {
  const format = new Intl.RelativeTimeFormat(language(), { numeric: "auto" });
  const wait = Math.max(1, seconds ?? 60);
  if (wait < 60) return format.format(wait, "second");
  if (wait < 3600) return format.format(Math.ceil(wait / 60), "minute");
  return format.format(Math.ceil(wait / 3600), "hour");
}

// The text for error (an ApiError) as t(...) arguments: pageKeys maps error codes to keys.
export function apiErrorText(error, pageKeys = {}) {
  const key = pageKeys[error.code] ?? COMMON[error.code];
  const params = {
    when: retryWhen(error.retryAfter),
    status: error.status,
    message: error.message,
  };
  if (key) return t(key, params);
  if (error.status === 429) return t("common.error_rate_limited", params);
  return t("common.error_server", params);
}
