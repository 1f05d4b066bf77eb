// Report charts as inline SVG (createElementNS + textContent; no library): bars or a line, with a value
// axis (ticks, grid lines, a title carrying the unit), a category axis with readable labels, an
// optional target line, and an HTML legend. Drawn at the container's width (viewBox = pixels), so
// text keeps its real size.
//
// Readable labels: when categories are names (agents, queues, tiers) the bars are horizontal and the
// names sit one per row on the left, truncated with an ellipsis (the whole name in a <title>); when they
// are times (days, hours) the bars stand up and the labels turn 40° when they would not fit side by
// side, and only every n-th label is written when even that would crowd them.
import { el } from "./dom.js";
import { svg } from "./svg.js";

const LABEL_MAX_PX = 190;
const ROTATE_MAX_PX = 110;

// Rough text width at 12 px: CJK characters are square, Latin ones about 7 px.
export function textWidth(text) {
  let width = 0;
  for (const ch of String(text)) width += ch.codePointAt(0) >= 0x2e80 ? 12.5 : 7;
  return width;
}

export function truncate(text, maxPx) {
  const s = String(text);
  if (textWidth(s) <= maxPx) return s;
  let out = "";
  for (const ch of s) {
    if (textWidth(`${out}${ch}…`) > maxPx) break;
    out += ch;
  }
  return `${out}…`;
}

// An axis from 0 to a round number, in steps of 1, 2 or 5 × 10^n (whole steps for counts).
export function niceScale(max, { count = 5, whole = false } = {}) {
  const top0 = max > 0 ? max : 1;
  const raw = top0 / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  if (whole) step = Math.max(1, Math.round(step));
  const top = Math.ceil(top0 / step) * step;
  const ticks = [];
  for (let v = 0; v <= top + step / 1e6; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return { top, step, ticks };
}

export function legend(items) {
  return el("ul", { className: "legend" }, ...items.map((item) => el("li", { attrs: { "data-series": item.key || "" } },
    el("span", { className: `swatch ${item.cls}`, attrs: { "aria-hidden": "true" } }),
    el("span", { text: item.label }))));
}

function categoryLabel(node, full, shown) {
  node.textContent = shown;
  if (shown !== full) node.append(svg("title", {}, full));
  return node;
}

/**
 * categories: [{label}]; series: [{key, label, cls, values: [number|null]}];
 * horizontal: names down the side; line: one series as a line with dots (time categories);
 * valueTitle / categoryTitle: the axis titles (the value one names the unit);
 * format(v): tick and tooltip text; top: a fixed maximum (100 for %); whole: counts (whole ticks);
 * target: {value, label} drawn as a dashed line; dotClass(v): a class per dot (line charts);
 * width: the drawing's width in px; title: the chart's accessible name.
 */
export function chart({ categories, series, horizontal = false, line = false, valueTitle, categoryTitle,
  format = String, top = null, whole = false, target = null, dotClass = () => "", width = 720, title = "" }) {
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const scale = top !== null ? niceScale(top, { whole }) : niceScale(Math.max(0, ...all, target ? target.value : 0), { whole });
  const n = Math.max(categories.length, 1);
  const root = svg("svg", { class: "chart", role: "img", "aria-label": title, "data-orientation": horizontal ? "horizontal" : "vertical" });
  root.append(svg("title", {}, title));
  return horizontal ? horizontalChart() : verticalChart();

  function valueAxisTicks(position) {
    const group = svg("g", { class: "value-axis" });
    for (const tick of scale.ticks) {
      const p = position(tick);
      group.append(p.grid, p.label);
    }
    return group;
  }

  function verticalChart() {
    const widest = Math.max(0, ...categories.map((c) => textWidth(c.label)));
    const left = 72;
    const right = 16;
    const plotW = Math.max(160, width - left - right);
    const band = plotW / n;
    const rotate = widest + 8 > band;
    const every = rotate ? Math.max(1, Math.ceil(22 / band)) : 1;   // rotated labels need ~22 px each
    const bottom = rotate ? Math.min(widest, ROTATE_MAX_PX) * 0.7 + 48 : 52;
    const topPad = 16;
    const plotH = 220;
    const height = topPad + plotH + bottom;
    const y = (v) => topPad + plotH - (v / scale.top) * plotH;
    root.setAttribute("viewBox", `0 0 ${left + plotW + right} ${height}`);
    root.append(valueAxisTicks((tick) => ({
      grid: svg("line", { x1: left, x2: left + plotW, y1: y(tick), y2: y(tick), class: tick === 0 ? "chart-axis" : "grid" }),
      label: svg("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", class: "tick-value" }, format(tick)),
    })));
    root.append(svg("line", { x1: left, x2: left, y1: topPad, y2: topPad + plotH, class: "chart-axis" }));
    root.append(svg("text", { x: 14, y: topPad + plotH / 2, "text-anchor": "middle", class: "axis-title",
      transform: `rotate(-90 14 ${topPad + plotH / 2})` }, valueTitle));
    if (target) drawTarget(left, left + plotW, y(target.value), true);
    const barW = Math.min(28, (band - 8) / series.length);
    categories.forEach((cat, i) => {
      const x0 = left + i * band;
      if (line) return;
      series.forEach((s, j) => {
        const v = s.values[i];
        if (v === null || v === undefined) return;
        const x = x0 + (band - barW * series.length) / 2 + j * barW;
        const bar = svg("rect", { x, y: y(v), width: Math.max(1, barW - 1), height: Math.max(0, y(0) - y(v)), class: s.cls });
        bar.append(svg("title", {}, `${cat.label} · ${s.label}: ${format(v)}`));
        root.append(bar);
      });
    });
    if (line) drawLine((i) => left + (i + 0.5) * band, y);
    categories.forEach((cat, i) => {
      if (i % every) return;
      const cx = left + (i + 0.5) * band;
      const ly = topPad + plotH + 16;
      const text = rotate
        ? svg("text", { x: cx, y: ly, "text-anchor": "end", transform: `rotate(-40 ${cx} ${ly})`, class: "tick-label" })
        : svg("text", { x: cx, y: ly, "text-anchor": "middle", class: "tick-label" });
      root.append(categoryLabel(text, cat.label, rotate ? truncate(cat.label, ROTATE_MAX_PX) : cat.label));
    });
    root.append(svg("text", { x: left + plotW / 2, y: height - 8, "text-anchor": "middle", class: "axis-title" }, categoryTitle));
    return root;
  }

  function horizontalChart() {
    const widest = Math.max(0, ...categories.map((c) => textWidth(c.label)));
    const labelW = Math.min(LABEL_MAX_PX, widest);
    const left = labelW + 40;
    const right = 24;
    const topPad = 12;
    const row = Math.max(26, series.length * 9 + 12);
    const plotH = n * row;
    const bottom = 52;
    const plotW = Math.max(160, width - left - right);
    const height = topPad + plotH + bottom;
    const x = (v) => left + (v / scale.top) * plotW;
    root.setAttribute("viewBox", `0 0 ${left + plotW + right} ${height}`);
    root.append(valueAxisTicks((tick) => ({
      grid: svg("line", { x1: x(tick), x2: x(tick), y1: topPad, y2: topPad + plotH, class: tick === 0 ? "chart-axis" : "grid" }),
      label: svg("text", { x: x(tick), y: topPad + plotH + 16, "text-anchor": "middle", class: "tick-value" }, format(tick)),
    })));
    root.append(svg("line", { x1: left, x2: left + plotW, y1: topPad + plotH, y2: topPad + plotH, class: "chart-axis" }));
    root.append(svg("text", { x: left + plotW / 2, y: height - 8, "text-anchor": "middle", class: "axis-title" }, valueTitle));
    root.append(svg("text", { x: 12, y: topPad + plotH / 2, "text-anchor": "middle", class: "axis-title",
      transform: `rotate(-90 12 ${topPad + plotH / 2})` }, categoryTitle));
    if (target) drawTarget(topPad, topPad + plotH, x(target.value), false);
    const barH = Math.min(16, (row - 8) / series.length);
    categories.forEach((cat, i) => {
      const y0 = topPad + i * row;
      series.forEach((s, j) => {
        const v = s.values[i];
        if (v === null || v === undefined) return;
        const y = y0 + (row - barH * series.length) / 2 + j * barH;
        const bar = svg("rect", { x: left, y, width: Math.max(0, x(v) - left), height: Math.max(1, barH - 1), class: s.cls });
        bar.append(svg("title", {}, `${cat.label} · ${s.label}: ${format(v)}`));
        root.append(bar);
      });
      const text = svg("text", { x: left - 8, y: y0 + row / 2 + 4, "text-anchor": "end", class: "tick-label" });
      root.append(categoryLabel(text, cat.label, truncate(cat.label, LABEL_MAX_PX)));
    });
    return root;
  }

  function drawTarget(a, b, at, acrossX) {
    const attrs = acrossX ? { x1: a, x2: b, y1: at, y2: at } : { x1: at, x2: at, y1: a, y2: b };
    const lineNode = svg("line", { ...attrs, class: "target-line" });
    lineNode.append(svg("title", {}, target.label));
    root.append(lineNode);
  }

  function drawLine(cx, y) {
    const s = series[0];
    const points = s.values.map((v, i) => [i, v]).filter(([, v]) => v !== null && v !== undefined);
    if (points.length > 1) {
      root.append(svg("polyline", { points: points.map(([i, v]) => `${cx(i)},${y(v)}`).join(" "), class: s.cls }));
    }
    for (const [i, v] of points) {
      const dot = svg("circle", { cx: cx(i), cy: y(v), r: 4, class: dotClass(v) });
      dot.append(svg("title", {}, `${categories[i].label} · ${s.label}: ${format(v)}`));
      root.append(dot);
    }
  }
}
