// Supervisor page, agents table (issue 5, issue 10): state, pause reason, time in state, current call +
// tier, answered today, stuck rows highlighted with the reason, and the fixes that apply to the row's
// state (ACTIONS): Available / Pause / Log out (agent_force) and Listen / Whisper / Barge (spy, on a
// call only), each through a dialog (dialogs.js) with a reason picked from configured lists.
// Fields other parts add to a row are drawn when present: missing_outcomes (answered calls without a
// saved outcome), pause_limit_seconds with pause_since (paused beyond it: the row is highlighted,
// "over-limit") and pause_after_call (the code an agent armed for the end of their call).
//
// "stuck" comes with each wallboard frame, but since only changes on a state change: between frames
// the row is recomputed every few seconds from stuck_at ({reason, at}) with the page's server-synced
// clock. Names and reasons go in with textContent (dom.el), never innerHTML.

import { el } from "./dom.js";
import { labelOf } from "./i18n.js";
import { askAction, reasonValue } from "./dialogs.js";

const RECHECK_MS = 5000;

// Which fix applies in which state (a logged-out agent cannot be logged out or paused, an available
// one made available...). Spying needs a call.
export const ACTIONS = Object.freeze({
  available: Object.freeze(["paused", "wrap_up"]),
  pause: Object.freeze(["available", "wrap_up"]),
  logout: Object.freeze(["available", "paused", "ringing", "on_call", "wrap_up"]),
  spy: Object.freeze(["on_call"]),
});
export const applies = (action, state) => (ACTIONS[action] || []).includes(state);

// Seconds beyond the row's pause limit (0: within it, or no limit known). Counted from pause_since (the
// start of the current code: a switch from lunch to break starts again; kept across a server restart).
export function overLimit(agent, nowMs) {
  const limit = Number(agent.pause_limit_seconds);
  const start = agent.pause_since || agent.since;
  if (agent.state !== "paused" || !(limit > 0) || !start) return agent.over_limit === true ? 1 : 0;
  const paused = (nowMs - Date.parse(start)) / 1000;
  return Number.isNaN(paused) || paused <= limit ? 0 : paused - limit;
}

const reasonCode = (r) => (typeof r === "string" ? r : (r && (r.code || r.name)) || "");

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
  let pauseReasons = [];
  let actionReasons = {};

  function say(text, isError = false) {
    if (!status) return;
    status.textContent = text;
    status.className = `inline-message switch-status${isError ? " is-error" : ""}`;
  }

  async function force(agent, action) {
    const name = agent.name || agent.login;
    const reasons = action === "pause"
      ? { codes: pauseReasons, labels, prefix: "reason" }
      : { codes: actionReasons[action] || [], labels, prefix: "sup_reason" };
    const answer = await askAction({
      t, title: t(`dlg.${action}_title`, { name }), body: t(`dlg.${action}_body`, { name }),
      ok: t(`dlg.${action}_ok`), danger: action === "logout", reasons,
    });
    if (!answer) return;
    const label = t(`sup.force_${action}`);
    socket.send("agent_force", { agent_id: agent.agent_id, action, reason: reasonValue(answer) })
      .then(() => say(t("sup.done", { name, action: answer.label ? `${label} · ${answer.label}` : label })))
      .catch((error) => say(t("sup.failed", { message: error.message || error.id || "?" }), true));
  }

  async function spy(agent, mode) {
    const name = agent.name || agent.login;
    const answer = await askAction({
      t, title: t("dlg.spy_title", { name, mode: t(`sup.spy_${mode}`) }), body: t(`dlg.spy_body_${mode}`, { name }),
      ok: t(`sup.spy_${mode}`),
    });
    if (!answer) return;
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
    const state = agent.state;
    const buttons = [];
    if (applies("available", state)) buttons.push(button("force-available", "sup.force_available", () => force(agent, "available")));
    if (applies("pause", state)) buttons.push(button("force-pause", "sup.force_pause", () => force(agent, "pause")));
    if (applies("spy", state)) {
      buttons.push(button("spy-listen", "sup.spy_listen", () => spy(agent, "listen")),
        button("spy-whisper", "sup.spy_whisper", () => spy(agent, "whisper")),
        button("spy-barge", "sup.spy_barge", () => spy(agent, "barge")));
    }
    if (applies("logout", state)) buttons.push(button("force-logout", "sup.force_logout", () => force(agent, "logout"), true));
    const missing = Number(agent.missing_outcomes) || 0;
    const over = overLimit(agent, nowMs);
    const limit = Number(agent.pause_limit_seconds);
    const nameCell = el("td", {}, el("span", { text: agent.name }),
      missing > 0 ? el("span", { className: "badge badge-missing", text: t("sup.missing_outcomes", { count: missing }),
        attrs: { title: t("sup.missing_outcomes_title"), "data-role": "missing-outcomes" } }) : null);
    const stateCell = el("td", {},
      el("span", { className: `badge state-${state}`, text: labelOf(labels, "state", state) }),
      stuck ? el("span", { className: "stuck-reason", text: t(`sup.stuck.${stuck.reason}`, { minutes: stuck.minutes }) }) : null,
      agent.pause_after_call ? el("span", { className: "pause-next", attrs: { "data-role": "pause-after-call" },
        text: t("sup.pause_after_call", { reason: labelOf(labels, "reason", agent.pause_after_call) }) }) : null);
    const reasonCell = el("td", {}, el("span", { text: labelOf(labels, "reason", agent.reason) }),
      state === "paused" && limit > 0 ? el("span", { className: "pause-limit muted",
        text: t("sup.pause_limit", { minutes: Math.round(limit / 60) }) }) : null,
      over > 0 ? el("span", { className: "badge badge-over", text: t("sup.over_limit", { minutes: Math.ceil(over / 60) }),
        attrs: { "data-role": "over-limit" } }) : null);
    const classes = [stuck ? "stuck" : "", over > 0 ? "over-limit" : ""].filter(Boolean).join(" ");
    return el("tr", { className: classes, attrs: { "data-agent-id": agent.agent_id, "data-state": state } },
      nameCell,
      el("td", { text: agent.login }),
      stateCell,
      reasonCell,
      el("td", { className: "num" }, ticker.track(el("span", { className: "timer" }), agent.since)),
      el("td", { text: agent.call_id ? labelOf(labels, "customer_type", agent.customer_type) || "•" : "" }),
      el("td", { className: "num", text: agent.answered_today ?? "" }),
      el("td", { className: "row-actions" }, ...(buttons.length ? buttons
        : [el("span", { className: "muted", text: t("sup.no_actions") })])));
  }

  function render(list) {
    if (Array.isArray(list)) agents = [...list].sort((a, b) => String(a.name).localeCompare(String(b.name), lang));
    if (!agents.length) {
      body.replaceChildren(el("tr", {}, el("td", { className: "muted", text: t("board.no_agents"), attrs: { colspan: 8 } })));
      return;
    }
    const nowMs = clock.now();
    body.replaceChildren(...agents.map((agent) => row(agent, nowMs)));
  }

  // What changes a row between frames: stuck or not, and minutes over the pause limit.
  const rowKey = (nowMs) => agents.map((a) => `${stuckNow(a, nowMs) ? 1 : 0}${Math.ceil(overLimit(a, nowMs) / 60)}`).join(",");

  // Turn rows stuck on time between frames (only re-render when a row's stuck state changed).
  let shown = "";
  setInterval(() => {
    const nowMs = clock.now();
    const key = rowKey(nowMs);
    if (key !== shown) render();
    shown = key;
  }, RECHECK_MS);

  return {
    hello: (data) => {
      pauseReasons = (Array.isArray(data.pause_reasons) ? data.pause_reasons : []).map(reasonCode).filter(Boolean);
      actionReasons = data.action_reasons && typeof data.action_reasons === "object" ? data.action_reasons : {};
    },
    render: (list) => { render(list); shown = rowKey(clock.now()); },
  };
}
