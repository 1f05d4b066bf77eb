// Dates, times and numbers in the page's language, all through Intl: the one place that decides how a
// user reads them. zh -> zh-CN ("2026年12月7日 14:05", "1,234", "95.5%"); en -> en-US ("Dec 7, 2026,
// 2:05 PM": the month is spelled, never day-first digits). Every page passes config.lang.
//
// Two kinds of input:
// - instants (ISO 8601 with an offset, e.g. "2026-12-07T06:05:00+00:00"): shown in the browser's zone;
// - wall-clock values the server already put in the center's zone (a report's day "2026-12-07" or hour
//   "2026-12-07 14:00"): shown as they are, never shifted by the browser's zone.

const LOCALES = { zh: "zh-CN", en: "en-US" };
const cache = new Map();

export function localeOf(lang) {
  return LOCALES[lang] || LOCALES.en;
}

function formatter(kind, lang, options) {
  const key = `${kind}|${lang}|${JSON.stringify(options)}`;
  if (!cache.has(key)) {
    const locale = localeOf(lang);
    cache.set(key, kind === "date" ? new Intl.DateTimeFormat(locale, options) : new Intl.NumberFormat(locale, options));
  }
  return cache.get(key);
}

function instant(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = value instanceof Date ? value : new Date(typeof value === "number" ? value : String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

// An instant with its date and time of day.
export function formatDateTime(value, lang) {
  const date = instant(value);
  if (!date) return value ? String(value) : "";
  return formatter("date", lang, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

// An instant's time of day (with seconds when asked: the wallboard's "updated at").
export function formatClock(value, lang, { seconds = false } = {}) {
  const date = instant(value);
  if (!date) return value ? String(value) : "";
  return formatter("date", lang, seconds ? { timeStyle: "medium" } : { timeStyle: "short" }).format(date);
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?$/;

// A wall-clock day ("2026-12-07") or hour ("2026-12-07 14:00") of the center's zone, as it is.
export function formatWallClock(value, lang) {
  const match = WALL.exec(String(value ?? ""));
  if (!match) return value === null || value === undefined ? "" : String(value);
  const [, y, mo, d, h, mi] = match;
  const at = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h || 0), Number(mi || 0)));
  const options = h === undefined ? { dateStyle: "medium", timeZone: "UTC" }
    : { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" };
  return formatter("date", lang, options).format(at);
}

export function formatNumber(value, lang, options = {}) {
  if (value === null || value === undefined || value === "" || Number.isNaN(Number(value))) return "–";
  return formatter("number", lang, { maximumFractionDigits: 1, ...options }).format(Number(value));
}

// A ratio (0.955) as a percentage ("95.5%").
export function formatPercent(ratio, lang, digits = 1) {
  if (ratio === null || ratio === undefined || Number.isNaN(Number(ratio))) return "–";
  return formatter("number", lang, { style: "percent", maximumFractionDigits: digits }).format(Number(ratio));
}

// A number of seconds with its unit ("12 sec", "12秒").
export function formatSeconds(seconds, lang) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return "–";
  return formatter("number", lang, { style: "unit", unit: "second", unitDisplay: "short", maximumFractionDigits: 0 })
    .format(Math.round(Number(seconds)));
}
