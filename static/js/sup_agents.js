// Supervisor page, agents table (issue 5): state, pause reason, time in state, current call + tier,
// answered today, answered calls without an outcome, stuck rows highlighted with the reason, and one-click fixes per row: Available /
// Pause / Log out (agent_force, with confirm) and Listen / Whisper / Barge (spy, only while on a call).
//
// "stuck" comes with each wallboard frame, but since only changes on a state change: between frames
// the row is recomputed every few seconds from stuck_at ({reason, at}) with the page's server-synced
// clock. Names and reasons go in with textContent (dom.el), never innerHTML.

import { el } from "./dom.js";
import { labelOf } from "./i18n.js";

const RECHECK_MS = 5000;

export function stuckNow(agent, nowMs) {
  if (agent.stuck) return agent.stuck;
  const at = agent.stuck_at;
  if (!at || !agent.since) return null;
  const due = Date.parse(at.at);
  if (Number.isNaN(due) || nowMs < due) return null;
  return { reason: at.reason, minutes: Math.floor((nowMs - Date.parse(agent.since)) / 60000) };
}

export function mountAgents({ body, socket, t, labels, ticker, clock, lang, status }) {
  let agents = [];
  let reasons = [];
  const pauseReasons = () => reasons;

  function say(text, isError = false) {
    if (!status) return;
    status.textContent = text;
    status.className = `inline-message switch-status${isError ? " is-error" : ""}`;
  }

  function force(agent, action) {
    const name = agent.name || agent.login;
    const label = t(`sup.force_${action}`);
    let reason = "";
    if (action === "pause") {
      const reasons = pauseReasons();
      const answer = window.prompt(t("sup.pause_prompt", { reasons: reasons.join(", ") }), reasons[0] || "");
      if (answer === null) return;
      reason = answer.trim();
    }
    const question = action === "logout" ? t("sup.confirm_logout", { name }) : t("sup.confirm_force", { name, action: label });
    if (!window.confirm(question)) return;
    socket.send("agent_force", { agent_id: agent.agent_id, action, reason })
      .then(() => say(t("sup.done", { name, action: label })))
      .catch((error) => say(t("sup.failed", { message: error.message || error.id || "?" }), true));
  }

  function spy(agent, mode) {
    const name = agent.name || agent.login;
    socket.send("spy", { agent_id: agent.agent_id, mode })
      .then(() => say(t("sup.spy_started", { name, mode: t(`sup.spy_${mode}`) })))
      .catch((error) => say(t("sup.failed", { message: error.message || error.id || "?" }), true));
  }

  function button(action, labelKey, onClick, danger = false) {
    const node = el("button", {
      className: `btn btn-small${danger ? " btn-danger" : ""}`,
      text: t(labelKey),
      attrs: { type: "button", "data-action": action, "data-testid": action, disabled: !socket.ready },
    });
    node.addEventListener("click", onClick);
    return node;
  }

  function row(agent, nowMs) {
    const stuck = stuckNow(agent, nowMs);
    const onCall = agent.state === "on_call";
    const buttons = [
      button("force-available", "sup.force_available", () => force(agent, "available")),
      button("force-pause", "sup.force_pause", () => force(agent, "pause")),
      button("force-logout", "sup.force_logout", () => force(agent, "logout"), true),
    ];
    if (onCall) {
      buttons.push(button("spy-listen", "sup.spy_listen", () => spy(agent, "listen")),
        button("spy-whisper", "sup.spy_whisper", () => spy(agent, "whisper")),
        button("spy-barge", "sup.spy_barge", () => spy(agent, "barge")));
    }
    const stateCell = el("td", {},
      el("span", { className: `badge state-${agent.state}`, text: labelOf(labels, "state", agent.state) }),
      stuck ? el("span", { className: "stuck-reason", text: t(`sup.stuck.${stuck.reason}`, { minutes: stuck.minutes }) }) : null);
    return el("tr", { className: stuck ? "stuck" : "", attrs: { "data-agent-id": agent.agent_id, "data-state": agent.state } },
      el("td", { text: agent.name }),
      el("td", { text: agent.login }),
      stateCell,
      el("td", { text: labelOf(labels, "reason", agent.reason) }),
      el("td", { className: "num" }, ticker.track(el("span", { className: "timer" }), agent.since)),
      el("td", { text: agent.call_id ? labelOf(labels, "customer_type", agent.customer_type) || "•" : "" }),
      el("td", { className: "num", text: agent.answered_today ?? "" }),
      // Answered calls still without an outcome (the pending wrap-ups of that agent), highlighted when any.
      el("td", { className: agent.missing_outcomes ? "num missing-outcomes" : "num",
        text: agent.missing_outcomes ?? "", attrs: { "data-testid": "missing-outcomes" } }),
      el("td", { className: "row-actions" }, ...buttons));
  }

  function render(list) {
    if (Array.isArray(list)) agents = [...list].sort((a, b) => String(a.name).localeCompare(String(b.name), lang));
    if (!agents.length) {
      body.replaceChildren(el("tr", {}, el("td", { className: "muted", text: t("board.no_agents"), attrs: { colspan: 9 } })));
      return;
    }
    const nowMs = clock.now();
    body.replaceChildren(...agents.map((agent) => row(agent, nowMs)));
  }

  // Turn rows stuck on time between frames (only re-render when a row's stuck state changed).
  let shown = "";
  setInterval(() => {
    const nowMs = clock.now();
    const key = agents.map((a) => (stuckNow(a, nowMs) ? "1" : "0")).join("");
    if (key !== shown) render();
    shown = key;
  }, RECHECK_MS);

  return {
    hello: (data) => { reasons = Array.isArray(data.pause_reasons) ? data.pause_reasons : []; },
    render: (list) => { render(list); shown = agents.map((a) => (stuckNow(a, clock.now()) ? "1" : "0")).join(""); },
  };
}
