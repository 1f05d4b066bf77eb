// The reports page: fetches /api/reports (the same formulas as the wallboard, README "Metrics") and
// draws a table and two SVG charts (offered / answered / abandoned bars, an SL line against the
// target). Everything from the server goes in as textContent; SVG is built with createElementNS.
import { clear, el } from "./dom.js";
import { loadConfig, makeT } from "./i18n.js";

const config = loadConfig();
const t = makeT(config.labels);
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const pct = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 1000) / 10} %`);
const num = (v) => (v === null || v === undefined ? "–" : String(v));

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

const COLUMNS = [
  ["rep.group", (r) => r.label], ["met.offered", (r) => num(r.offered)], ["met.answered", (r) => num(r.answered)],
  ["met.abandoned", (r) => num(r.abandoned)], ["met.short_abandoned", (r) => num(r.short_abandoned)],
  ["met.sl", (r) => pct(r.sl)], ["met.asa", (r) => num(r.asa)], ["met.aht", (r) => num(r.aht)],
  ["met.abandon_rate", (r) => pct(r.abandon_rate)], ["met.survey", (r) => num(r.survey_avg)],
  ["met.outcomes", (r) => Object.entries(r.outcomes || {}).map(([k, v]) => `${k} ${v}`).join(", ")],
  ["rep.missing_outcomes", (r) => num(r.missing_outcomes)],
  ["met.complaints_opened", (r) => num(r.complaints.opened)],
  ["met.complaints_in_sla", (r) => num(r.complaints.closed_in_sla)],
  ["met.complaints_late", (r) => num(r.complaints.closed_late)],
  ["met.complaints_overdue", (r) => num(r.complaints.open_overdue)],
];

function renderTable(report) {
  clear($("report-head"));
  $("report-head").append(...COLUMNS.map(([key]) => el("th", { text: t(key), attrs: { scope: "col" } })));
  clear($("report-body"));
  const rows = [...report.rows, { ...report.total, label: t("rep.total") }];
  $("report-body").append(...rows.map((r, i) => el("tr", { className: i === rows.length - 1 ? "report-total" : "" },
    ...COLUMNS.map(([, cell]) => el("td", { text: cell(r) })))));
}

function renderVolume(rows) {
  const root = $("chart-volume");
  clear(root);
  const w = Math.max(320, rows.length * 60 + 60), h = 200, base = 170;
  const max = Math.max(1, ...rows.map((r) => r.offered));
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, class: "chart", role: "img" });
  chart.append(svg("title", {}, t("rep.chart_volume")));
  rows.forEach((r, i) => {
    const x = 40 + i * 60;
    [["offered", "bar-offered"], ["answered", "bar-answered"], ["abandoned", "bar-abandoned"]].forEach(([k, cls], j) => {
      const bh = (r[k] / max) * 140;
      const bar = svg("rect", { x: x + j * 16, y: base - bh, width: 14, height: bh, class: cls });
      bar.append(svg("title", {}, `${r.label} · ${t(`met.${k}`)}: ${r[k]}`));
      chart.append(bar);
    });
    chart.append(svg("text", { x: x + 24, y: base + 16, "text-anchor": "middle", class: "chart-label" }, r.label));
  });
  chart.append(svg("line", { x1: 30, y1: base, x2: w - 10, y2: base, class: "chart-axis" }));
  root.append(chart);
}

function renderSl(rows, target) {
  const root = $("chart-sl");
  clear(root);
  const w = Math.max(320, rows.length * 60 + 60), h = 200, top = 20, base = 170;
  const y = (v) => base - v * (base - top);
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, class: "chart", role: "img" });
  chart.append(svg("title", {}, t("rep.chart_sl")));
  chart.append(svg("line", { x1: 30, y1: y(target), x2: w - 10, y2: y(target), class: "chart-target" }));
  chart.append(svg("text", { x: 2, y: y(target) + 4, class: "chart-label" }, pct(target)));
  const points = rows.map((r, i) => [64 + i * 60, r.sl]).filter(([, v]) => v !== null && v !== undefined);
  if (points.length) {
    chart.append(svg("polyline", { points: points.map(([px, v]) => `${px},${y(v)}`).join(" "), class: "chart-sl" }));
    for (const [px, v] of points) {
      const dot = svg("circle", { cx: px, cy: y(v), r: 4, class: v >= target ? "sl-ok" : "sl-bad" });
      dot.append(svg("title", {}, pct(v)));
      chart.append(dot);
    }
  }
  rows.forEach((r, i) => chart.append(svg("text", { x: 64 + i * 60, y: base + 16, "text-anchor": "middle",
    class: "chart-label" }, r.label)));
  root.append(chart);
}

async function load() {
  const params = new URLSearchParams({ from: $("report-from").value, to: $("report-to").value, by: $("report-by").value });
  $("report-csv").setAttribute("href", `/api/reports.csv?${params}`);
  history.replaceState(null, "", `/reports?${params}`);
  $("report-status").textContent = t("rep.loading");
  try {
    const resp = await fetch(`/api/reports?${params}`, { credentials: "same-origin" });
    const body = await resp.json();
    if (!resp.ok) throw new Error(body.error ? body.error.message : resp.statusText);
    $("report-status").textContent = body.rows.length ? "" : t("rep.empty");
    renderTable(body);
    renderVolume(body.rows);
    renderSl(body.rows, config.sl_target);
  } catch (err) {
    $("report-status").textContent = `${t("rep.failed")}: ${err.message}`;
  }
}

const query = new URLSearchParams(location.search);
$("report-from").value = query.get("from") || config.today;
$("report-to").value = query.get("to") || config.today;
$("report-by").value = config.groupings.includes(query.get("by")) ? query.get("by") : "day";
$("report-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
load();
