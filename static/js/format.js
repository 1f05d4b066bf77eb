// Numbers, shares, durations, days and times in the page's language: zh -> zh-CN, en -> en-US (the month
// spelled and first, never day-first digits). Intl does the work; nothing is hand-formatted. Every page
// passes config.lang.
//
// Two kinds of time:
// - instants (ISO 8601 with an offset): formatDateTime / formatClock, in the browser's zone or in the
//   business-hours zone the server counts days in (timeZone: metrics.timezone) when given;
// - wall-clock values the server already put in the center's zone (a report's day "2026-12-07" or hour
//   "2026-12-07 14:00"): formatDay / formatWallClock, shown as they are, never shifted.

export const localeOf = (lang) => (lang === "zh" ? "zh-CN" : "en-US");

const missing = (value) => value === null || value === undefined || value === "" || Number.isNaN(Number(value));

export function formatNumber(value, lang, digits = 0) {
  if (missing(value)) return "–";
  return new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: digits }).format(Number(value));
}

// A share 0..1 as a percentage ("82.5%" / "82.5%"); null -> "–".
export function formatShare(value, lang, digits = 1) {
  if (missing(value)) return "–";
  return new Intl.NumberFormat(localeOf(lang), { style: "percent", maximumFractionDigits: digits }).format(Number(value));
}

export const formatPercent = formatShare;

// Seconds with their unit ("12s" / "12秒"), via Intl's unit formatting.
export function formatSeconds(value, lang, digits = 0) {
  if (missing(value)) return "–";
  return new Intl.NumberFormat(localeOf(lang), { style: "unit", unit: "second", unitDisplay: "narrow",
    maximumFractionDigits: digits }).format(Number(value));
}

// timeZone: the business-hours zone the server counts days in (metrics.timezone); absent: the browser's.
const zoned = (timeZone) => (timeZone ? { timeZone } : {});

function instant(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

// An instant with its date and time of day ("Mar 4, 2026, 02:05 PM" / "2026年3月4日 14:05"); "" for none.
export function formatDateTime(value, lang, timeZone) {
  const date = instant(value);
  if (!date) return "";
  return new Intl.DateTimeFormat(localeOf(lang), { year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", ...zoned(timeZone) }).format(date);
}

export function formatClock(value, lang, timeZone) {
  const date = instant(value);
  if (!date) return "";
  return new Intl.DateTimeFormat(localeOf(lang), { hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    ...zoned(timeZone) }).format(date);
}

// An ISO day ("2024-05-03") as the reader writes it ("May 3" / "5月3日"), kept in that calendar day.
export function formatDay(isoDay, lang, withYear = false) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(isoDay));
  if (!match) return String(isoDay);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(localeOf(lang), { month: "short", day: "numeric", timeZone: "UTC",
    ...(withYear ? { year: "numeric" } : {}) }).format(date);
}

// A wall-clock day ("2026-12-07") or hour ("2026-12-07 14:00") of the center's zone, with its year, as
// it is ("Dec 7, 2026, 14:00" / "2026年12月7日 14:00").
export function formatWallClock(value, lang) {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?$/.exec(String(value ?? ""));
  if (!match) return value === null || value === undefined ? "" : String(value);
  const [, y, mo, d, h, mi] = match;
  const at = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h || 0), Number(mi || 0)));
  const options = { year: "numeric", month: "short", day: "numeric", timeZone: "UTC",
    ...(h === undefined ? {} : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }) };
  return new Intl.DateTimeFormat(localeOf(lang), options).format(at);
}
