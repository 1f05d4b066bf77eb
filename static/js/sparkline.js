// Sparklines of one queue's day (wallboard_series points [epoch_s, waiting, sl]): callers waiting, and
// the service level so far against its target. Inline SVG, scaled to its box (preserveAspectRatio
// none for the line, text kept outside the SVG so it is never stretched). An SVG <title> and the
// caption beside it say the same in words, for screen readers and a tooltip.
import { el } from "./dom.js";
import { formatClock, formatNumber, formatShare } from "./format.js";
import { svg } from "./svg.js";

const W = 300;
const H = 60;
const PAD = 4;

// kind: "waiting" | "sl"; points: [[t, waiting, sl], ...]; target: the SL target (0..1); zone: the
// time zone of the server's day (metrics.timezone) for the times under the line.
export function sparkline(points, { kind, target = null, t, lang, zone }) {
  const index = kind === "sl" ? 2 : 1;
  const values = points.filter((p) => p[index] !== null && p[index] !== undefined);
  const title = t(kind === "sl" ? "tv.spark_sl" : "tv.spark_waiting");
  const wrap = el("figure", { className: `sparkline sparkline-${kind}`, attrs: { "data-samples": values.length } });
  if (!values.length) {
    wrap.append(el("figcaption", { className: "sparkline-caption", text: `${title} · ${t("tv.spark_none")}` }));
    return wrap;
  }
  const fmt = (v) => (kind === "sl" ? formatShare(v, lang, 0) : formatNumber(v, lang));
  const t0 = values[0][0];
  const t1 = Math.max(values[values.length - 1][0], t0 + 1);
  const top = kind === "sl" ? 1 : Math.max(1, ...values.map((p) => p[index]));
  const x = (ts) => PAD + ((ts - t0) / (t1 - t0)) * (W - 2 * PAD);
  const y = (v) => H - PAD - (v / top) * (H - 2 * PAD);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", class: "sparkline-svg",
    role: "img", "aria-label": title });
  const last = values[values.length - 1][index];
  const peak = Math.max(...values.map((p) => p[index]));
  chart.append(svg("title", {}, `${title}: ${t("tv.spark_summary", { count: values.length, max: fmt(peak), last: fmt(last) })}`));
  if (kind === "sl" && target !== null) {
    chart.append(svg("line", { x1: 0, x2: W, y1: y(target), y2: y(target), class: "sparkline-target" }));
  }
  const line = values.map((p) => `${x(p[0]).toFixed(1)},${y(p[index]).toFixed(1)}`).join(" ");
  if (kind === "waiting") {
    chart.append(svg("polygon", { points: `${x(t0)},${H - PAD} ${line} ${x(values[values.length - 1][0])},${H - PAD}`,
      class: "sparkline-area" }));
  }
  chart.append(svg("polyline", { points: line, class: "sparkline-line", "data-points": values.length }));
  const end = values[values.length - 1];
  chart.append(svg("circle", { cx: x(end[0]), cy: y(end[index]), r: 3, class: "sparkline-end" }));
  const state = kind === "sl" && target !== null ? (last >= target ? "ok" : "bad") : "";
  wrap.append(chart, el("figcaption", { className: `sparkline-caption${state ? ` is-${state}` : ""}` },
    el("span", { text: title }),
    el("span", { className: "sparkline-range", text: `${formatClock(t0 * 1000, lang, zone)}–${formatClock(end[0] * 1000, lang, zone)}` }),
    el("span", { className: "sparkline-last", text: fmt(last) })));
  return wrap;
}
