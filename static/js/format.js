// Numbers, shares, durations, days and times in the page's language: zh -> zh-CN, en -> en-US
// (month first, as English readers of this console expect). Intl does the work; nothing is hand-formatted.

export const localeOf = (lang) => (lang === "zh" ? "zh-CN" : "en-US");

export function formatNumber(value, lang, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
  return new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: digits }).format(Number(value));
}

// A share 0..1 as a percentage ("82.5%" / "82.5%"); null -> "–".
export function formatShare(value, lang, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
  return new Intl.NumberFormat(localeOf(lang), { style: "percent", maximumFractionDigits: digits }).format(Number(value));
}

// Seconds with their unit ("12 s" / "12 秒"), via Intl's unit formatting.
export function formatSeconds(value, lang, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
  return new Intl.NumberFormat(localeOf(lang), { style: "unit", unit: "second", unitDisplay: "narrow",
    maximumFractionDigits: digits }).format(Number(value));
}

// timeZone: the business-hours zone the server counts days in (metrics.timezone); absent: the browser's.
const zoned = (timeZone) => (timeZone ? { timeZone } : {});

export function formatDateTime(value, lang, timeZone) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(localeOf(lang), { year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", ...zoned(timeZone) }).format(date);
}

export function formatClock(value, lang, timeZone) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return "";
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
