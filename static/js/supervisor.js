// The supervisor wallboard: waiting calls per queue with live wait times, agents with state, reason
// and time in state. Every wallboard frame is a whole snapshot; timers run locally between frames.
// All names go in with textContent (dom.el), never innerHTML.

import { DeskSocket } from "./socket.js";
import { Clock, Ticker, clear, el, formatTime } from "./dom.js";
import { labelOf, loadConfig, makeT } from "./i18n.js";

const config = loadConfig();
const labels = config.labels;
const t = makeT(labels);
const clock = new Clock();
const ticker = new Ticker(clock);

const $ = (id) => document.getElementById(id);
const ui = { queues: $("board-queues"), agents: $("board-agents"), updated: $("board-updated") };

function render(board) {
  if (!board) return;
  ui.updated.textContent = formatTime(board.at, config.lang) || "–";
  renderQueues(board.queues || []);
  renderAgents(board.agents || []);
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
    const rows = waiting.map((call) => el("tr", { className: call.priority > 0 ? "priority" : "" },
      el("td", { text: call.caller_number }),
      el("td", { text: call.name || t("pop.unknown") }),
      el("td", { text: labelOf(labels, "customer_type", call.customer_type) }),
      el("td", { className: "num", text: call.priority }),
      el("td", { className: "num" }, ticker.track(el("span", { className: "timer" }), call.waiting_since))));
    const body = waiting.length
      ? el("table", { className: "table compact" },
        el("thead", {}, el("tr", {}, ...["board.caller", "board.name", "board.type", "board.priority", "board.wait"]
          .map((key) => el("th", { text: t(key), attrs: { scope: "col" } })))),
        el("tbody", {}, ...rows))
      : el("p", { className: "muted", text: t("board.no_waiting") });
    ui.queues.append(el("article", { className: `queue-card${waiting.length ? " has-waiting" : ""}` },
      el("h3", { text: queue.label || queue.name }),
      el("div", { className: "stats" },
        stat("board.waiting", waiting.length),
        stat("board.available", queue.available ?? 0),
        stat("board.members", (queue.members || []).length)),
      body));
  }
}

function renderAgents(agents) {
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
    render(data.snapshot);
  },
  onFrame: (kind, data) => {
    if (kind === "wallboard") render(data);
  },
});

socket.start();
