// The supervisor wallboard: waiting calls per queue with live wait times (and each call's routing
// trace), agents with state, reason and time in state, and each queue's emergency "closed now"
// switch. Every wallboard and switches frame is a whole snapshot; timers run locally between frames.
// The day's series (waiting, SL per queue) come whole in the hello and one point per queue in each
// wallboard_series frame; they draw the sparklines here and on the TV wallboard (?tv=1, tv.js).
// All names, reasons and traces go in with textContent (dom.el), never innerHTML.

import { DeskSocket } from "./socket.js";
import { Clock, Ticker, clear, el } from "./dom.js";
import { labelOf, loadConfig, makeT } from "./i18n.js";
import { MAX_SWITCH_REASON } from "./protocol.js";
import { askAction, reasonValue } from "./dialogs.js";
import { formatDateTime } from "./format.js";
import { sparkline } from "./sparkline.js";
import { mountTv } from "./tv.js";
import { mountAgents } from "./sup_agents.js";
import { mountComplaintsBoard } from "./complaints_board.js";
import { renderMetrics } from "./sup_metrics.js";

const config = loadConfig();
const labels = config.labels;
const t = makeT(labels);
const clock = new Clock();
const ticker = new Ticker(clock);

const $ = (id) => document.getElementById(id);
const ui = {
  queues: $("board-queues"), agents: $("board-agents"), updated: $("board-updated"), status: $("switch-status"),
};

let lastBoard = null;
const switches = new Map(); // queue name -> {queue, closed, reason, by, at}
const flipping = new Set(); // queues with a switch command in flight
let actionReasons = {};     // action -> reason codes (hello.action_reasons)

// The day's series per queue: [[epoch_s, waiting, sl], ...]; seriesVersion tells the drawings to redo.
const MAX_POINTS = 2000;
const series = new Map();
let seriesDay = null;
let seriesVersion = 0;
const seriesFor = (queue) => series.get(queue) || [];
const sparks = new Map(); // `${queue}:${kind}` -> {version, node}: redrawn only when the series moved

function cachedSpark(queue, kind) {
  const key = `${queue}:${kind}`;
  const hit = sparks.get(key);
  if (hit && hit.version === seriesVersion) return hit.node;
  const target = kind === "sl" ? lastBoard?.metrics?.sl_target ?? null : null;
  const node = sparkline(seriesFor(queue), { kind, target, t, lang: config.lang, zone: lastBoard?.metrics?.timezone });
  sparks.set(key, { version: seriesVersion, node });
  return node;
}

function loadSeries(data) {
  series.clear();
  seriesDay = data && data.day;
  for (const [queue, points] of Object.entries((data && data.queues) || {})) {
    if (Array.isArray(points)) series.set(queue, points.slice(-MAX_POINTS));
  }
  seriesVersion += 1;
}

function addPoints(data) {
  if (!data || typeof data.points !== "object") return;
  if (data.day !== seriesDay) { series.clear(); seriesDay = data.day; }
  for (const [queue, point] of Object.entries(data.points)) {
    const line = series.get(queue) || [];
    line.push(point);
    if (line.length > MAX_POINTS) line.splice(0, line.length - MAX_POINTS);
    series.set(queue, line);
  }
  seriesVersion += 1;
  if (lastBoard) draw();
}

const tvMode = new URLSearchParams(location.search).get("tv") === "1";
const tv = tvMode ? mountTv({ root: $("tv-board"), t, labels, lang: config.lang, clock, seriesFor }) : null;
if (tvMode) {
  document.body.classList.add("tv-mode");
  $("tv-board").hidden = false;
  $("board-page").hidden = true;
}

function draw() {
  if (tv) tv.render(lastBoard, seriesVersion);
  else renderQueues(lastBoard.queues || []);
}

function render(board) {
  if (!board) return;
  lastBoard = board;
  ui.updated.textContent = formatDateTime(board.at, config.lang, board.metrics?.timezone) || "–";
  draw();
  if (tv) return;
  renderAgents(board.agents || []);
  renderMetrics(board, config);      // today's figures per queue and tier (sup_metrics.js)
}

function setSwitches(list) {
  switches.clear();
  for (const entry of Array.isArray(list) ? list : []) {
    if (entry && typeof entry.queue === "string") switches.set(entry.queue, entry);
  }
  if (lastBoard) draw();
}

// The routing trace in the page's language: {"en": "...", "zh": "..."}; absent or null shows nothing.
function traceText(trace) {
  if (typeof trace === "string") return trace;
  if (!trace || typeof trace !== "object") return "";
  const text = trace[config.lang] ?? trace.en ?? trace.zh ?? "";
  return typeof text === "string" ? text : "";
}

function showStatus(text, isError = false) {
  ui.status.textContent = text;
  ui.status.className = `inline-message switch-status${isError ? " is-error" : ""}`;
}

async function flip(queue, label, closed) {
  const answer = await askAction({
    t, title: t(closed ? "dlg.close_title" : "dlg.reopen_title", { queue: label }),
    body: t(closed ? "dlg.close_body" : "dlg.reopen_body"), ok: t(closed ? "dlg.close_ok" : "dlg.reopen_ok"),
    danger: closed, reasons: closed ? { codes: actionReasons.queue_close || [], labels, prefix: "sup_reason" } : null,
  });
  if (!answer) return;
  const reason = reasonValue(answer).slice(0, MAX_SWITCH_REASON);
  flipping.add(queue);
  showStatus(t("switch.saving"));
  if (lastBoard) renderQueues(lastBoard.queues || []);
  socket.send("queue_switch", { queue, closed, reason })
    .then((data) => {
      if (data.switch) switches.set(queue, data.switch);
      showStatus(t(closed ? "switch.done_closed" : "switch.done_reopened", { queue: label }));
    })
    .catch((error) => showStatus(t("switch.failed", { message: t.error(error) }), true))
    .finally(() => {
      flipping.delete(queue);
      if (lastBoard) renderQueues(lastBoard.queues || []);
    });
}

function switchBlock(queue, label) {
  const state = switches.get(queue) || { closed: false };
  const busy = flipping.has(queue);
  const button = el("button", {
    className: `btn ${state.closed ? "btn-primary" : "btn-danger"}`,
    text: t(state.closed ? "switch.reopen" : "switch.close"),
    attrs: { type: "button", disabled: busy || !socket.ready },
  });
  button.addEventListener("click", () => flip(queue, label, !state.closed));
  if (!state.closed) return el("div", { className: "switch-line" }, button);
  const who = t("switch.closed_by", { by: state.by || "?", at: formatDateTime(state.at, config.lang, lastBoard?.metrics?.timezone) || "?" });
  return el("div", { className: "switch-line is-closed" },
    el("span", { className: "badge badge-closed", text: t("switch.closed_badge") }),
    el("span", { className: "switch-who", text: who }),
    state.reason ? el("span", { className: "switch-reason",
      text: t("switch.reason", { reason: labelOf(labels, "sup_reason", state.reason) }) }) : null,
    button);
}

function stat(labelKey, value) {
  return el("div", { className: "stat" },
    el("span", { className: "stat-value", text: value }),
    el("span", { className: "stat-label", text: t(labelKey) }));
}

function renderQueues(queues) {
  clear(ui.queues);
  for (const queue of queues) {
    const waiting = queue.waiting || [];
    const rows = waiting.flatMap((call) => {
      const row = el("tr", { className: call.priority > 0 ? "priority" : "" },
        el("td", { text: call.caller_number }),
        el("td", { text: call.name || t("pop.unknown") }),
        el("td", { text: labelOf(labels, "customer_type", call.customer_type) }),
        el("td", { className: "num", text: call.priority }),
        el("td", { className: "num" }, ticker.track(el("span", { className: "timer" }), call.waiting_since)));
      const trace = traceText(call.trace);
      if (!trace) return [row];
      return [row, el("tr", { className: `trace-row${call.priority > 0 ? " priority" : ""}` },
        el("td", { className: "trace", text: trace, attrs: { colspan: 5, title: t("board.trace") } }))];
    });
    const body = waiting.length
      ? el("table", { className: "table compact" },
        el("thead", {}, el("tr", {}, ...["board.caller", "board.name", "board.type", "board.priority", "board.wait"]
          .map((key) => el("th", { text: t(key), attrs: { scope: "col" } })))),
        el("tbody", {}, ...rows))
      : el("p", { className: "muted", text: t("board.no_waiting") });
    const closed = switches.get(queue.name)?.closed === true;
    const cardClass = `queue-card${waiting.length ? " has-waiting" : ""}${closed ? " is-closed" : ""}`;
    ui.queues.append(el("article", { className: cardClass },
      el("h3", { text: labelOf(labels, "queue", queue.name) }),
      switchBlock(queue.name, labelOf(labels, "queue", queue.name)),
      el("div", { className: "stats" },
        stat("board.waiting", waiting.length),
        stat("board.available", queue.available ?? 0),
        stat("board.members", (queue.members || []).length),
        stat("board.callbacks", queue.callbacks ?? 0)),
      el("div", { className: "queue-sparks" }, cachedSpark(queue.name, "waiting"), cachedSpark(queue.name, "sl")),
      body));
  }
}

function renderAgents(agents) {
  if (agentsPanel) { agentsPanel.render(agents); return; }   // sup_agents.js (issue 5)
  const sorted = [...agents].sort((a, b) => String(a.name).localeCompare(String(b.name), config.lang));
  if (!sorted.length) {
    ui.agents.replaceChildren(el("tr", {}, el("td", { className: "muted", text: t("board.no_agents"), attrs: { colspan: 6 } })));
    return;
  }
  ui.agents.replaceChildren(...sorted.map((agent) => el("tr", {},
    el("td", { text: agent.name }),
    el("td", { text: agent.login }),
    el("td", {}, el("span", { className: `badge state-${agent.state}`, text: labelOf(labels, "state", agent.state) })),
    el("td", { text: labelOf(labels, "reason", agent.reason) }),
    el("td", { className: "num" }, ticker.track(el("span", { className: "timer" }), agent.since)),
    el("td", { text: agent.call_id ? labelOf(labels, "customer_type", agent.customer_type) || "•" : "" }))));
}

const socket = new DeskSocket({
  path: config.ws,
  t,
  banner: $("conn-banner"),
  loginUrl: config.login_url,
  onHello: (data) => {
    clock.sync(data.now);
    agentsPanel.hello(data);
    actionReasons = data.action_reasons && typeof data.action_reasons === "object" ? data.action_reasons : {};
    loadSeries(data.series);
    setSwitches(data.switches);
    render(data.snapshot);
    complaints.refresh();
  },
  onFrame: (kind, data) => {
    complaints.frame(kind, data);
    if (kind === "wallboard") render(data);
    else if (kind === "wallboard_series") addPoints(data);
    else if (kind === "switches") setSwitches(data.switches);
  },
  onState: () => {
    if (lastBoard) draw();
  },
});
// The complaints board (complaints_board.js): asked for on every hello, then pushed whole.
const complaints = mountComplaintsBoard({ root: $("complaints-board"), socket, t, labels, clock,
  reasons: () => actionReasons.reassign || [] });
// The agents table with stuck rows and one-click fixes (sup_agents.js).
const agentsPanel = mountAgents({ body: $("board-agents"), socket, t, labels, ticker, clock, lang: config.lang,
  status: $("agents-status") });

socket.start();
