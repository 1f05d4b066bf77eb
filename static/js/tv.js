// The TV wallboard (/supervisor?tv=1): one large tile per queue, readable from across the room at
// 1920×1080 — callers waiting, the longest wait (ticking), today's service level — each coloured
// against the targets, with the day's sparklines, and a strip of agents counted by state.
//
// Colours (always with a word beside them, never colour alone):
//   SL:       ok at or above metrics.sl_target, warn within 90 % of it, bad below (none: no call yet);
//   longest:  ok under half of metrics.sl_seconds, warn under sl_seconds, bad at or beyond it;
//   waiting:  ok when nobody waits; else the colour of the longest wait, at least warn when the queue
//             has no available agent left.
// The board is drawn again on each wallboard frame; the longest wait and its colour tick every second
// in between, in place (the tiles are not rebuilt).
// Sparkline SVGs are rebuilt only when their series changed (seriesVersion). textContent only.
import { el, formatDuration } from "./dom.js";
import { labelOf } from "./i18n.js";
import { formatClock, formatNumber, formatShare } from "./format.js";
import { sparkline } from "./sparkline.js";

const STATES = ["available", "ringing", "on_call", "wrap_up", "paused", "logged_out"];

export function slLevel(sl, target) {
  if (sl === null || sl === undefined) return "none";
  return sl >= target ? "ok" : sl >= target * 0.9 ? "warn" : "bad";
}

const ORDER = ["ok", "warn", "bad"];
const worst = (a, b) => ORDER[Math.max(ORDER.indexOf(a), ORDER.indexOf(b))];

export function waitLevel(seconds, slSeconds) {
  return seconds < slSeconds / 2 ? "ok" : seconds < slSeconds ? "warn" : "bad";
}

function longestSeconds(queue, nowMs) {
  const since = (queue.waiting || []).map((c) => Date.parse(c.waiting_since)).filter((v) => !Number.isNaN(v));
  return since.length ? Math.max(0, (nowMs - Math.min(...since)) / 1000) : 0;
}

export function mountTv({ root, t, labels, lang, clock, seriesFor }) {
  const cache = new Map(); // `${queue}:${kind}` -> {version, node}
  let board = null;
  let version = -1;
  const clockNode = el("span", { className: "tv-clock", attrs: { "data-role": "tv-clock" } });
  const queuesNode = el("div", { className: "tv-queues" });
  const agentsNode = el("section", { className: "tv-agents", attrs: { "aria-label": t("tv.agents") } });
  root.replaceChildren(
    el("header", { className: "tv-header" },
      el("h1", { text: t("tv.title") }), clockNode,
      el("a", { className: "tv-leave", text: t("tv.close"), attrs: { href: "/supervisor", "data-action": "tv-leave" } })),
    queuesNode, agentsNode);

  function spark(queue, kind, target, zone) {
    const key = `${queue}:${kind}`;
    const hit = cache.get(key);
    if (hit && hit.version === version) return hit.node;
    const node = sparkline(seriesFor(queue), { kind, target, t, lang, zone });
    cache.set(key, { version, node });
    return node;
  }

  function figure(role, label, value, level, word) {
    return el("div", { className: `tv-figure is-${level}`, attrs: { "data-role": role, "data-level": level } },
      el("span", { className: "tv-label", text: label }),
      el("span", { className: "tv-value", text: value }),
      el("span", { className: "tv-word", text: word }));
  }

  const word = (level) => (level === "none" ? "" : t(`tv.${level}`));

  // The figures that move between frames, per queue: redrawn by tick() without rebuilding the tile.
  let live = [];

  function setLevel(node, level) {
    node.className = `tv-figure is-${level}`;
    node.setAttribute("data-level", level);
  }

  function tile(queue, rules) {
    const sl = queue.today ? queue.today.sl : null;
    const count = queue.waiting_count ?? (queue.waiting || []).length;
    const slLvl = slLevel(sl, rules.sl_target);
    const noneFree = count > 0 && !(queue.available > 0);
    const waitingFigure = figure("waiting", t("tv.waiting"), formatNumber(count, lang), "ok",
      noneFree ? t("tv.no_agent_free") : "");
    const longestFigure = figure("longest", t("tv.longest"), "", "ok", "");
    live.push({ queue, count, waitingFigure, longestFigure, slSeconds: rules.sl_seconds,
      floor: noneFree ? "warn" : "ok" });
    return el("article", { className: `tv-tile is-${slLvl}`, attrs: { "data-queue": queue.name, "data-testid": `tv-queue-${queue.name}` } },
      el("h2", { text: labelOf(labels, "queue", queue.name) }),
      el("div", { className: "tv-figures" }, waitingFigure, longestFigure,
        figure("sl", t("tv.sl"), formatShare(sl, lang, 0), slLvl,
          `${word(slLvl)}${slLvl === "none" ? "" : " · "}${t("tv.target", { target: formatShare(rules.sl_target, lang, 0) })}`)),
      el("div", { className: "tv-sparks" },
        spark(queue.name, "waiting", null, rules.timezone), spark(queue.name, "sl", rules.sl_target, rules.timezone)));
  }

  function tick() {
    if (!board) return;
    const nowMs = clock.now();
    clockNode.textContent = formatClock(nowMs, lang, (board.metrics || {}).timezone);
    for (const entry of live) {
      const longest = longestSeconds(entry.queue, nowMs);
      const level = entry.count ? waitLevel(longest, entry.slSeconds) : "ok";
      entry.longestFigure.querySelector(".tv-value").textContent = formatDuration(longest);
      setLevel(entry.longestFigure, level);
      setLevel(entry.waitingFigure, worst(level, entry.floor));
    }
  }

  function agents(list) {
    const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
    for (const a of list) if (a.state in counts) counts[a.state] += 1;
    agentsNode.replaceChildren(el("h2", { text: t("tv.agents") }), el("div", { className: "tv-states" },
      ...STATES.map((s) => el("div", { className: `tv-state state-${s}`, attrs: { "data-state": s } },
        el("span", { className: "tv-value", text: formatNumber(counts[s], lang) }),
        el("span", { className: "tv-label", text: labelOf(labels, "state", s) })))));
  }

  function draw() {
    if (!board) return;
    const rules = board.metrics || { sl_target: 0.8, sl_seconds: 20 };
    live = [];
    queuesNode.replaceChildren(...(board.queues || []).map((q) => tile(q, rules)));
    tick();
  }

  // Between frames only the clock and the longest waits move: updated in place once a second.
  setInterval(tick, 1000);

  return {
    render(next, seriesVersion) {
      board = next;
      version = seriesVersion;
      draw();
      agents(next.agents || []);
    },
  };
}
