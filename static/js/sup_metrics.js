// Today's figures on the wallboard: a tile per queue and per tier (calls waiting, longest wait, SL
// colored against the target, ASA, abandon rate, AHT, offered / answered / abandoned). The server
// computes them (callcenter/metrics.py, the same formulas as the reports); this only draws them,
// with textContent. Hooked from supervisor.js: renderMetrics(board, config) on every snapshot.
// Shares, seconds and counts are written in the page's language (format.js).
import { clear, el, formatDuration } from "./dom.js";
import { labelOf, makeT } from "./i18n.js";
import { formatDay, formatNumber, formatSeconds, formatShare } from "./format.js";

let lang = "zh";
const pct = (value) => formatShare(value, lang);
const secs = (value) => formatSeconds(value === null || value === undefined ? value : Math.round(value), lang);
const num = (value) => formatNumber(value ?? 0, lang);

function slClass(today, target) {
  if (today.sl === null || today.sl === undefined) return "sl-none";
  return today.sl >= target ? "sl-ok" : today.sl >= target * 0.9 ? "sl-warn" : "sl-bad";
}

function tile(title, group, rules, t, testid) {
  const today = group.today || {};
  const figure = (label, value, className = "") => el("div", { className: `metric ${className}` },
    el("span", { className: "metric-label", text: label }), el("span", { className: "metric-value", text: value }));
  return el("article", { className: `metric-tile ${slClass(today, rules.sl_target)}`, attrs: { "data-testid": testid } },
    el("h4", { text: title }),
    figure(t("met.waiting"), num(group.waiting_count), "metric-waiting"),
    figure(t("met.longest"), formatDuration(group.longest_wait || 0)),
    figure(t("met.sl"), pct(today.sl), "metric-sl"),
    figure(t("met.asa"), secs(today.asa)),
    figure(t("met.abandon_rate"), pct(today.abandon_rate)),
    figure(t("met.aht"), secs(today.aht)),
    figure(`${t("met.offered")} / ${t("met.answered")} / ${t("met.abandoned")}`,
      `${num(today.offered)} / ${num(today.answered)} / ${num(today.abandoned)}`));
}

export function renderMetrics(board, config) {
  const root = document.getElementById("board-metrics");
  if (!root || !board || !board.metrics) return;
  const t = makeT(config.labels);
  lang = config.lang;
  const rules = board.metrics;
  const rule = t("met.sl_rule", { s: rules.sl_seconds, target: pct(rules.sl_target) });
  const queues = el("div", { className: "metric-grid" },
    ...(board.queues || []).map((q) => tile(labelOf(config.labels, "queue", q.name), q, rules, t, `metrics-queue-${q.name}`)));
  const tiers = el("div", { className: "metric-grid" },
    ...(board.tiers || []).map((g) => tile(labelOf(config.labels, "customer_type", g.tier) || g.tier, g, rules, t,
      `metrics-tier-${g.tier}`)));
  clear(root);
  root.append(el("p", { className: "muted", text: `${t("met.today")} (${formatDay(rules.day, lang, true)}) · ${t("met.sl")}: ${rule}` }),
    el("h3", { text: t("met.by_queue") }), queues, el("h3", { text: t("met.by_tier") }), tiers);
}
