// The reports page: fetches /api/reports (the same formulas as the wallboard, README "Metrics") and
// draws three charts of the table's rows — calls offered / answered / abandoned, service level
// against its target, ASA and AHT in seconds — then the same rows as a table. Time groupings (day,
// hour, hour of day) stand as columns over a time axis (every hour 0–23, every day of the range);
// names (queue, agent, tier) lie as horizontal bars so that long names stay readable. Numbers, shares,
// seconds and days are written in the page's language (format.js). Data goes in as textContent.
import { clear, el } from "./dom.js";
import { errorText, labelOf, loadConfig, makeT } from "./i18n.js";
import { chart, legend } from "./charts.js";
import { formatDay, formatNumber, formatSeconds, formatShare } from "./format.js";

const config = loadConfig();
const lang = config.lang;
const labels = config.labels;
const t = makeT(labels);
const $ = (id) => document.getElementById(id);
const TIME_GROUPS = new Set(["day", "hour", "hour_of_day"]);
const MAX_FILLED_DAYS = 62;

const num = (v) => formatNumber(v, lang);
const share = (v) => formatShare(v, lang);
const secs = (v) => formatSeconds(v, lang, 1);

// A group's name as the reader reads it (the same in the charts and the table).
function groupLabel(row, by) {
  if (row.key === null || row.key === undefined) return by === "agent" ? t("chart.unassigned") : "–";
  if (by === "day") return formatDay(row.key, lang);
  if (by === "hour") {
    const [day, hour] = String(row.key).split(" ");
    return `${formatDay(day, lang)} ${hour || ""}`.trim();
  }
  if (by === "hour_of_day") return `${String(row.key).padStart(2, "0")}:00`;
  if (by === "tier") return labelOf(labels, "customer_type", row.key);
  if (by === "queue") return labelOf(labels, "queue", row.key);
  return row.label || String(row.key);
}

const COLUMNS = [
  ["rep.group", (r) => r.display], ["met.offered", (r) => num(r.offered)], ["met.answered", (r) => num(r.answered)],
  ["met.abandoned", (r) => num(r.abandoned)], ["met.short_abandoned", (r) => num(r.short_abandoned)],
  ["met.sl", (r) => share(r.sl)], ["met.asa", (r) => secs(r.asa)], ["met.aht", (r) => secs(r.aht)],
  ["met.abandon_rate", (r) => share(r.abandon_rate)], ["met.survey", (r) => formatNumber(r.survey_avg, lang, 2)],
  ["met.missing_outcomes", (r) => num(r.missing_outcomes)],
  ["met.outcomes", (r) => Object.entries(r.outcomes || {}).map(([k, v]) => `${labelOf(labels, "outcome", k)} ${num(v)}`).join(", ")],
  ["met.complaints_opened", (r) => num(r.complaints.opened)],
  ["met.complaints_in_sla", (r) => num(r.complaints.closed_in_sla)],
  ["met.complaints_late", (r) => num(r.complaints.closed_late)],
  ["met.complaints_overdue", (r) => num(r.complaints.open_overdue)],
];

// Per agent only: minutes paused, and minutes beyond each pause code's limit (highlighted when any).
const PAUSE_COLUMNS = [
  ["rep.paused_minutes", (r) => formatNumber(r.paused_minutes, lang, 1)],
  ["rep.pause_over_minutes", (r) => formatNumber(r.pause_over_minutes, lang, 1),
    (r) => (r.pause_over_minutes > 0 ? "over-limit" : "")],
];

function renderTable(rows, total, by) {
  const columns = by === "agent" ? [...COLUMNS, ...PAUSE_COLUMNS] : COLUMNS;
  clear($("report-head"));
  $("report-head").append(...columns.map(([key]) => el("th", { text: t(key), attrs: { scope: "col" } })));
  clear($("report-body"));
  const all = [...rows, { ...total, display: t("rep.total") }];
  $("report-body").append(...all.map((r, i) => el("tr", { className: i === all.length - 1 ? "report-total" : "" },
    ...columns.map(([, cell, cls], j) => el(j === 0 ? "th" : "td", { text: cell(r),
      className: cls ? cls(r) : "", attrs: j === 0 ? { scope: "row" } : {} })))));
}

// Time axes show every slot, also the quiet ones: 0–23 for hours of the day, each day of the range.
function filled(rows, by, from, to) {
  const empty = (key) => ({ key, offered: 0, answered: 0, abandoned: 0, sl: null, asa: null, aht: null, empty: true });
  const byKey = new Map(rows.map((r) => [String(r.key), r]));
  if (by === "hour_of_day") return Array.from({ length: 24 }, (_, h) => byKey.get(String(h)) || empty(h));
  if (by === "day") {
    const start = Date.parse(`${from}T00:00:00Z`);
    const end = Date.parse(`${to}T00:00:00Z`);
    const days = Math.round((end - start) / 86400000) + 1;
    if (!(days > 0) || days > MAX_FILLED_DAYS) return rows;
    return Array.from({ length: days }, (_, i) => {
      const key = new Date(start + i * 86400000).toISOString().slice(0, 10);
      return byKey.get(key) || empty(key);
    });
  }
  return rows;
}

function figureBody(id, node, items) {
  const root = $(id);
  clear(root);
  root.append(node, legend(items));
}

function renderCharts(rows, by, target) {
  const horizontal = !TIME_GROUPS.has(by);
  const width = Math.max(480, $("chart-volume").clientWidth || 720);
  const categories = rows.map((r) => ({ label: r.display }));
  const categoryTitle = t(`chart.axis_${by}`);
  const common = { categories, horizontal, categoryTitle, width };
  const volume = [
    { key: "offered", label: t("met.offered"), cls: "s-offered", values: rows.map((r) => r.offered) },
    { key: "answered", label: t("met.answered"), cls: "s-answered", values: rows.map((r) => r.answered) },
    { key: "abandoned", label: t("met.abandoned"), cls: "s-abandoned", values: rows.map((r) => r.abandoned) },
  ];
  figureBody("chart-volume", chart({ ...common, series: volume, whole: true, format: num,
    valueTitle: t("chart.axis_calls"), title: t("rep.chart_volume") }), volume);

  const targetPct = Math.round(target * 1000) / 10;
  const slSeries = [{ key: "sl", label: t("met.sl"), cls: horizontal ? "s-answered" : "line-sl",
    values: rows.map((r) => (r.sl === null || r.sl === undefined ? null : Math.round(r.sl * 1000) / 10)) }];
  const targetLabel = t("chart.target", { target: share(target) });
  figureBody("chart-sl", chart({ ...common, series: slSeries, line: !horizontal, top: 100,
    format: (v) => share(v / 100), valueTitle: t("chart.axis_sl"), title: t("rep.chart_sl"),
    target: { value: targetPct, label: targetLabel }, dotClass: (v) => (v >= targetPct ? "dot-ok" : "dot-bad") }),
  [...slSeries, { key: "target", label: targetLabel, cls: "target-line" }]);

  const times = [
    { key: "asa", label: t("met.asa"), cls: "s-asa", values: rows.map((r) => r.asa) },
    { key: "aht", label: t("met.aht"), cls: "s-aht", values: rows.map((r) => r.aht) },
  ];
  figureBody("chart-times", chart({ ...common, series: times, format: (v) => formatSeconds(v, lang, 2),
    valueTitle: t("chart.axis_seconds"), title: t("chart.times") }), times);
}

let last = null;

async function load() {
  const params = new URLSearchParams({ from: $("report-from").value, to: $("report-to").value, by: $("report-by").value });
  $("report-csv").setAttribute("href", `/api/reports.csv?${params}`);
  history.replaceState(null, "", `/reports?${params}`);
  $("report-status").textContent = t("rep.loading");
  try {
    const resp = await fetch(`/api/reports?${params}`, { credentials: "same-origin" });
    const body = await resp.json();
    if (!resp.ok) throw new Error(errorText(labels, body.error || {}));
    $("report-status").textContent = body.rows.length ? "" : t("rep.empty");
    last = body;
    draw();
  } catch (err) {
    $("report-status").textContent = `${t("rep.failed")}: ${err.message}`;
  }
}

function draw() {
  if (!last) return;
  const rows = last.rows.map((r) => ({ ...r, display: groupLabel(r, last.by) }));
  renderTable(rows, last.total, last.by);
  const drawn = filled(rows, last.by, last.from, last.to).map((r) => ({ ...r, display: r.display || groupLabel(r, last.by) }));
  renderCharts(drawn, last.by, last.rules ? last.rules.sl_target : config.sl_target);
}

const query = new URLSearchParams(location.search);
$("report-from").value = query.get("from") || config.today;
$("report-to").value = query.get("to") || config.today;
$("report-by").value = config.groupings.includes(query.get("by")) ? query.get("by") : "day";
$("report-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
let resizing = null;
window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(draw, 200); });
load();
