// The agent desk: state buttons, the screen pop while the phone rings, and the wrap-up form.
// Customer and agent data always go in with textContent (dom.el), never innerHTML.

import { DeskSocket } from "./socket.js";
import { Clock, Ticker, clear, el, formatTime } from "./dom.js";
import { formatSeconds } from "./format.js";
import { categoryOf, errorDetail, labelOf, loadConfig, makeT } from "./i18n.js";
import { MAX_CATEGORY, MAX_DESCRIPTION, MAX_FOLLOW_UP_NOTE, MAX_NOTES, SEVERITIES, checkDisposition } from "./protocol.js";
import { mountTasks, slaBadge } from "./tasks.js";
import { createCallControl } from "./callcontrol.js";
import { Countdown, callOf, draftStore, fillDraft, readDraft, renderPending } from "./wrapups.js";
import { createMessages } from "./desk_messages.js";
import { createAlerting } from "./alerting.js";
import { recentNumbers } from "./directory.js";
import { popCustomer } from "./pop_customer.js";

const config = loadConfig();
const labels = config.labels;
const t = makeT(labels);
const lang = config.lang;
const clock = new Clock();
const ticker = new Ticker(clock);

const $ = (id) => document.getElementById(id);
const ui = {
  badge: $("state-badge"),
  reason: $("state-reason"),
  timer: $("state-timer"),
  queues: $("state-queues"),
  available: $("btn-available"),
  pauseReason: $("pause-reason"),
  pause: $("btn-pause"),
  pauseAfter: $("btn-pause-after"),
  pauseArmed: $("pause-armed"),
  pauseArmedText: $("pause-armed-text"),
  pauseAfterCancel: $("btn-pause-after-cancel"),
  logoutQueues: $("btn-logout-queues"),
  messages: $("desk-messages"),
  pop: $("pop"),
  wrapups: $("wrapups"),
  pending: $("pending-wrapups"),
  countdown: $("wrapup-countdown"),
};

const desk = {
  connected: false,
  agent: null,
  call: null, // the current call: pop data + state (ringing | connected | wrapup)
  outcomes: [],
  pauseReasons: [],
  pauseLimits: {}, // pause code -> its limit in seconds (null: none)
  wrapups: new Map(), // call_id -> wrap-up card state; kept across reconnects so typing is never lost
  pending: [], // answered calls without an outcome, oldest first (the server reads them from the database)
};
let drafts = draftStore("?"); // the wrap-up forms' drafts in localStorage, per agent (set by hello)
const countdown = new Countdown(ui.countdown, clock, t);

const socket = new DeskSocket({
  path: config.ws,
  t,
  banner: $("conn-banner"),
  loginUrl: config.login_url,
  onHello: hello,
  onFrame: frame,
  onState: (connected) => {
    desk.connected = connected;
    renderState();
  },
});

// Messages: about a call (gone with it) or general (fade, dismissable); static/js/desk_messages.js.
const messages = createMessages({ root: ui.messages, t });
// Ring tone + desktop notification for a pop in a background tab, once the agent allowed it.
const alerting = createAlerting({ root: $("desk-notify"), t });

// The task list (follow-ups, callback visits): static/js/tasks.js; loaded on every hello.
const tasks = mountTasks({ root: $("tasks"), socket, t, labels, lang, clock });

// ------------------------------------------------------------------ frames
function hello(data) {
  clock.sync(data.now);
  desk.outcomes = data.outcomes || [];
  desk.pauseReasons = data.pause_reasons || [];
  desk.pauseLimits = data.pause_limits || {};
  fillReasons();
  const snapshot = data.snapshot || {};
  drafts = draftStore((data.user && data.user.agent_id) ?? "?");
  desk.agent = snapshot.agent || null;
  desk.call = snapshot.call || null;
  desk.pending = data.wrapups || [];
  drafts.prune(new Set([...desk.pending.map((item) => item.call_id), ...(desk.call ? [desk.call.call_id] : [])]));
  if (desk.call && desk.call.state === "wrapup") ensureWrapup(desk.call);
  renderState();
  renderPop();
  showPending();
  if (desk.agent && desk.agent.state === "paused") openOldestPending();
  tasks.refresh();
}

// ------------------------------------------------------------------ pending wrap-ups
function showPending() {
  renderPending(ui.pending, desk.pending, {
    t, labels, lang, isOpen: (callId) => desk.wrapups.has(callId), onOpen: (item) => ensureWrapup(callOf(item)),
  });
}

function refreshPending() {
  socket.send("wrapups").then((reply) => {
    desk.pending = reply.wrapups || [];
    showPending();
  }, () => {});
}

// A wrap-up left unsaved (its timer ran out) comes back when the agent pauses: the oldest one opens.
function openOldestPending() {
  const oldest = desk.pending.find((item) => !desk.wrapups.has(item.call_id));
  if (!oldest || desk.pending.some((item) => desk.wrapups.has(item.call_id))) return;
  ensureWrapup(callOf(oldest));
  showMessage(t("pending.finish_first"), false);
}

function frame(kind, data) {
  switch (kind) {
    case "agent": {
      const before = desk.agent && desk.agent.state;
      desk.agent = { ...(desk.agent || {}), ...data };
      renderState();
      if (desk.agent.state === "paused" && before !== "paused") openOldestPending();
      break;
    }
    case "disposition_saved": { // an outcome kept while the database was away has landed
      const entry = desk.wrapups.get(data.call_id);
      if (entry && entry.finish) entry.finish();
      break;
    }
    case "wrapups": // the pending list changed (a save, from this tab or another)
      desk.pending = data.wrapups || [];
      showPending();
      break;
    case "pop":
      desk.call = { ...data, state: "ringing" };
      renderPop();
      alerting.popArrived(desk.call);
      break;
    case "pop_withdrawn":
      if (desk.call && desk.call.call_id === data.call_id && desk.call.state === "ringing") {
        desk.call = null;
        renderPop(t("pop.withdrawn"));
      }
      break;
    case "call": {
      const same = desk.call && desk.call.call_id === data.call_id ? desk.call : {};
      if (data.state === "connected") {
        desk.call = { ...same, ...data, state: "connected" };
      } else if (data.state === "ended") {
        desk.call = { ...same, ...data, state: "wrapup" };
        ensureWrapup(desk.call);
        refreshPending();
      }
      renderPop();
      break;
    }
    case "error": { // about the call on the desk when there is one (the engine refused an action on it)
      // the label of the error's id; the server's English message only as the tooltip
      const node = messages.say(t.error(data), { error: true, call: liveCall() });
      if (node) node.title = errorDetail(data);
      break;
    }
    case "complaint_escalated": // one of this agent's complaints is past its SLA: escalated (issue 5)
      showMessage(t("cb.escalated", { id: (data.complaint && data.complaint.id) ?? "?",
        level: t(`cb.level${data.level}`) }), true);
      tasks.refresh();
      break;
    case "complaint_reassigned": { // a supervisor moved a complaint to or from this agent
      const id = (data.complaint && data.complaint.id) ?? "?";
      const toMe = desk.agent && data.to_agent_id === desk.agent.agent_id;
      showMessage(t(toMe ? "desk.complaint_to_me" : "desk.complaint_from_me", { id, by: data.by || "?" }), false);
      tasks.refresh();
      break;
    }
    case "notice": // a supervisor set this agent's state (issue 5): "set by supervisor X"
      if (data.kind === "forced") showMessage(t(`notice.forced.${data.action}`, { by: data.by || "?" }), false);
      // presence: the desk came back after the server had paused / logged out a lost connection
      if (data.kind === "presence" && data.action === "restored") showMessage(t("notice.presence.restored"), false);
      break;
    default:
      break;
  }
}

// ------------------------------------------------------------------ state panel
function fillReasons() {
  const chosen = ui.pauseReason.value;
  ui.pauseReason.replaceChildren(
    ...desk.pauseReasons.map((reason) => el("option", { text: reasonText(reason), attrs: { value: reason } })),
  );
  if (desk.pauseReasons.includes(chosen)) ui.pauseReason.value = chosen;
}

// A pause code with its limit, if it has one: "Break · limit 15 min".
function reasonText(reason) {
  const limit = desk.pauseLimits[reason];
  const label = labelOf(labels, "reason", reason);
  return limit ? `${label} · ${t("pause.limit", { minutes: Math.round(limit / 6) / 10 })}` : label;
}

function renderState() {
  const agent = desk.agent;
  const state = agent && agent.state ? agent.state : "unknown";
  ui.badge.textContent = labelOf(labels, "state", state);
  ui.badge.className = `badge state-${state}`;
  ui.reason.textContent = agent && agent.reason ? reasonText(agent.reason) : "";
  if (agent && agent.since) ticker.track(ui.timer, agent.since);
  if (state === "wrap_up" && agent.wrapup_ends_at) countdown.show(agent.wrapup_ends_at);
  else countdown.hide();
  renderQueueChoice(agent);
  const on = desk.connected;
  ui.available.disabled = !on || !["paused", "logged_out"].includes(state);
  ui.pause.disabled = !on || !["available", "paused"].includes(state) || desk.pauseReasons.length === 0;
  // "Pause after this call": from any state but logged out (idle: the server pauses now); armed: shown
  // with its code and a cancel button.
  const armed = agent && agent.pause_after_call;
  ui.pauseAfter.disabled = !on || ["logged_out", "unknown"].includes(state) || desk.pauseReasons.length === 0;
  ui.pauseArmed.hidden = !armed;
  ui.pauseArmedText.textContent = armed ? t("pause.after_call_armed", { reason: labelOf(labels, "reason", armed) }) : "";
  ui.pauseAfterCancel.disabled = !on || !armed;
  ui.pauseReason.disabled = ui.pause.disabled && ui.pauseAfter.disabled;
  ui.logoutQueues.disabled = !on || ["logged_out", "ringing", "on_call", "unknown"].includes(state);
}

// Per-queue login: a box per queue of the agent; ticked = working it (a highlighted one = Asterisk has
// the agent in it now).
function renderQueueChoice(agent) {
  const all = (agent && agent.all_queues) || [];
  const chosen = new Set((agent && agent.chosen_queues) || all);
  const working = new Set((agent && agent.queues) || []);
  ui.queues.replaceChildren(...all.map((queue) => {
    const box = el("input", { attrs: { type: "checkbox", value: queue, "data-queue": queue, id: `queue-${queue}` } });
    box.checked = chosen.has(queue);
    box.disabled = !desk.connected;
    box.addEventListener("change", onQueuesChanged);
    return el("label", { className: working.has(queue) ? "queue-choice in-queue" : "queue-choice" },
      box, el("span", { text: labelOf(labels, "queue", queue) }));
  }));
}

function onQueuesChanged() {
  const picked = [...ui.queues.querySelectorAll("input[data-queue]")].filter((b) => b.checked).map((b) => b.value);
  if (picked.length === 0) {
    showMessage(t("desk.queues_none"), true);
    renderState();
    return;
  }
  showMessage("");
  socket.send("queues", { queues: picked }).catch((error) => {
    showMessage(t.error(error), true, error);
    renderState();
  });
}

// A general message (not about a call): fades, or the agent dismisses it; "" says nothing.
// error: the server's error, kept as the message's tooltip (its English text is for operators).
function showMessage(text, isError = false, error = null) {
  const node = messages.say(text, { error: isError });
  if (node && error) node.title = errorDetail(error);
}

function liveCall() {
  return Boolean(desk.call && (desk.call.state === "ringing" || desk.call.state === "connected"));
}

function command(button, type, data) {
  button.disabled = true;
  showMessage("");
  socket.send(type, data).then(
    () => renderState(),
    (error) => {
      showMessage(t.error(error), true, error);
      renderState();
    },
  );
}

ui.available.addEventListener("click", () => command(ui.available, "available"));
ui.pause.addEventListener("click", () => command(ui.pause, "pause", { reason: ui.pauseReason.value }));
ui.pauseAfter.addEventListener("click", () => command(ui.pauseAfter, "pause_after_call", { reason: ui.pauseReason.value }));
ui.pauseAfterCancel.addEventListener("click", () => command(ui.pauseAfterCancel, "pause_after_call", { reason: null }));
ui.logoutQueues.addEventListener("click", () => command(ui.logoutQueues, "logout"));

// ------------------------------------------------------------------ screen pop
function field(labelKey, value) {
  if (value === null || value === undefined || value === "") return null;
  return el("div", { className: "field", attrs: { "data-testid": labelKey.replace(".", "-") } },
    el("dt", { text: t(labelKey) }), el("dd", { text: value }));
}

function table(headers, rows) {
  return el(
    "table",
    { className: "table compact" },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { text: t(h), attrs: { scope: "col" } })))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => (c instanceof Node ? el("td", {}, c) : el("td", { text: c })))))),
  );
}

// Call control (hold, transfer, hang up, dial): its own module, told about every change of the call.
const callControl = createCallControl({ root: document.getElementById("call-control"), socket, t, labels, messages,
  recent: recentNumbers(config.user && config.user.login) });

// The agent said who the caller is (pop_customer.js): the pop shows that customer's card; the other
// candidates stay on offer.
function customerLinked(callId, card) {
  if (!desk.call || desk.call.call_id !== callId) return;
  const candidates = desk.call.card && desk.call.card.candidates;
  desk.call = { ...desk.call, card: candidates ? { ...card, candidates } : card };
  const wrap = desk.wrapups.get(callId);
  if (wrap) wrap.call.card = desk.call.card;
  renderPop();
  showMessage(t("popc.saved", { name: card.name }));
}

function renderPop(notice) {
  callControl.render(desk.call);
  messages.follow(desk.call);
  const call = desk.call;
  clear(ui.pop);
  if (!call) {
    ui.pop.className = "card pop-card";
    ui.pop.append(el("p", { className: "muted", text: notice || t("desk.idle") }));
    return;
  }
  ui.pop.className = `card pop-card pop-${call.state}`;
  const card = call.card || null;
  const ivr = call.ivr || {};
  const status = { ringing: "pop.ringing", connected: "pop.connected", wrapup: "pop.wrapup" }[call.state] || "pop.ringing";

  const wait = el("span", { className: "timer" });
  if (call.state === "ringing" && call.joined_at) ticker.track(wait, call.joined_at);
  else wait.textContent = call.waited_seconds !== undefined ? formatSeconds(call.waited_seconds, lang) : "";

  ui.pop.append(
    el("div", { className: "pop-head" },
      el("span", { className: "pop-status", text: t(status), attrs: { "data-testid": "pop-status" } }),
      el("span", { className: "pop-wait" }, el("span", { className: "muted", text: `${t("pop.waited")} ` }), wait)),
    el("h2", { className: "pop-name", text: card ? card.name : t("pop.unknown"), attrs: { "data-testid": "pop-name" } }),
    el("p", { className: "pop-number", text: call.caller_number || (card && card.number) || "" }),
  );
  const choice = popCustomer({ call, socket, t, labels, onCard: customerLinked });
  if (choice) ui.pop.append(choice);
  // The full customer page opens in a new tab: the desk (and its websocket) stays here.
  if (card && card.customer_id) {
    ui.pop.append(el("a", { className: "pop-open", text: t("cust.open_full"), attrs: {
      href: `/customers/${card.customer_id}`, target: "_blank", rel: "noopener", "data-testid": "pop-open-customer" } }));
  }

  const facts = el("dl", { className: "facts" },
    card && field("pop.customer_type", labelOf(labels, "customer_type", card.customer_type)),
    card && field("pop.value_class", labelOf(labels, "value_class", card.value_class)),
    card && field("pop.account_manager", card.account_manager),
    card && field("pop.credit_status", labelOf(labels, "credit_status", card.credit_status)),
    field("pop.queue", labelOf(labels, "queue", call.queue)),
    field("pop.priority", call.priority),
    field("pop.menu_choice", labelOf(labels, "menu", ivr.menu_choice)),
    field("pop.digits", (ivr.digits || []).join(" ")),
    field("pop.language", labelOf(labels, "language", ivr.language || (card && card.language))),
  );
  ui.pop.append(facts);
  if (ivr.failed) ui.pop.append(el("p", { className: "alert alert-warn", text: t("pop.ivr_failed") }));
  // Why the call came to this desk: the routing decision, then what happened on the way.
  const trace = call.trace && (call.trace[lang === "zh" ? "zh" : "en"] || call.trace.en);
  if (trace) {
    ui.pop.append(el("div", { className: "pop-trace", attrs: { "data-testid": "pop-trace" } },
      el("span", { className: "muted", text: `${t("pop.trace")} ` }), el("span", { text: trace })));
  }

  if (card) {
    const complaints = card.open_complaints || [];
    ui.pop.append(el("h3", { text: t("pop.open_complaints") }));
    ui.pop.append(complaints.length
      ? table(["col.id", "col.category", "col.severity", "col.status", "col.created", "col.sla"],
        complaints.map((c) => [c.id, categoryOf(labels, c.category), labelOf(labels, "severity", c.severity),
          labelOf(labels, "complaint_status", c.status), formatTime(c.created_at, lang), slaBadge(c.sla_due_at, { t, clock })]))
      : el("p", { className: "muted", text: t("pop.none") }));
    const recent = card.recent || [];
    ui.pop.append(el("h3", { text: t("pop.recent") }));
    ui.pop.append(recent.length
      ? table(["col.started", "col.queue", "col.status", "col.outcome", "col.agent"],
        recent.map((r) => [formatTime(r.started_at, lang), labelOf(labels, "queue", r.queue), labelOf(labels, "call_status", r.status),
          labelOf(labels, "outcome", r.outcome), r.agent]))
      : el("p", { className: "muted", text: t("pop.none") }));
  }
}

// ------------------------------------------------------------------ wrap-up
function ensureWrapup(call) {
  if (!call || !call.call_id || desk.wrapups.has(call.call_id)) return;
  const id = `w-${desk.wrapups.size}-${Date.now()}`;
  const outcome = el("select", { attrs: { id: `${id}-outcome`, required: true } },
    el("option", { text: t("wrap.choose"), attrs: { value: "" } }),
    ...desk.outcomes.map((o) => el("option", { text: labelOf(labels, "outcome", o), attrs: { value: o } })));
  const notes = el("textarea", { attrs: { id: `${id}-notes`, rows: 4, maxlength: MAX_NOTES } });
  const withComplaint = el("input", { attrs: { id: `${id}-complaint`, type: "checkbox" } });
  const category = el("input", { attrs: { id: `${id}-category`, type: "text", maxlength: MAX_CATEGORY } });
  const severity = el("select", { attrs: { id: `${id}-severity` } },
    ...SEVERITIES.map((s) => el("option", { text: labelOf(labels, "severity", s), attrs: { value: s } })));
  const description = el("textarea", { attrs: { id: `${id}-description`, rows: 3, maxlength: MAX_DESCRIPTION } });
  const complaintBox = el("div", { className: "complaint-fields", attrs: { hidden: true } },
    el("label", { text: t("wrap.category"), attrs: { for: category.id } }), category,
    el("label", { text: t("wrap.severity"), attrs: { for: severity.id } }), severity,
    el("label", { text: t("wrap.description"), attrs: { for: description.id } }), description);
  // Follow-up (回访): the first open wrap-up card gets the plain ids (#wrap-followup...), a second one prefixed ids.
  const fid = (name) => (document.getElementById(name) ? `${id}-${name}` : name);
  const withFollowUp = el("input", { attrs: { id: fid("wrap-followup"), type: "checkbox" } });
  const followUpDue = el("input", { attrs: { id: fid("wrap-followup-due"), type: "datetime-local", value: localInput(clock.now() + 86400000) } });
  const followUpAssign = el("select", { attrs: { id: fid("wrap-followup-assign") } },
    el("option", { text: t("wrap.followup_me"), attrs: { value: "me" } }),
    el("option", { text: t("wrap.followup_pool", { queue: labelOf(labels, "queue", call.queue) || "–" }), attrs: { value: "pool", disabled: !call.queue } }));
  const followUpNote = el("textarea", { attrs: { id: fid("wrap-followup-note"), rows: 2, maxlength: MAX_FOLLOW_UP_NOTE } });
  const followUpBox = el("div", { className: "followup-fields", attrs: { hidden: true } },
    el("label", { text: t("wrap.followup_due"), attrs: { for: followUpDue.id } }), followUpDue,
    el("label", { text: t("wrap.followup_assign"), attrs: { for: followUpAssign.id } }), followUpAssign,
    el("label", { text: t("wrap.followup_note"), attrs: { for: followUpNote.id } }), followUpNote);
  const submit = el("button", { className: "btn btn-primary", text: t("wrap.submit"), attrs: { type: "submit" } });
  const status = el("p", { className: "wrap-status", attrs: { role: "status", "aria-live": "polite" } });
  const dismiss = el("button", { className: "btn btn-quiet", text: t("wrap.dismiss"), attrs: { type: "button", hidden: true } });
  const fields = el("fieldset", { className: "form" },
    el("label", { text: t("wrap.outcome"), attrs: { for: outcome.id } }), outcome,
    el("label", { text: t("wrap.notes"), attrs: { for: notes.id } }), notes,
    el("label", { className: "check" }, withComplaint, ` ${t("wrap.complaint")}`),
    complaintBox,
    el("label", { className: "check" }, withFollowUp, ` ${t("wrap.followup")}`),
    followUpBox);
  const form = el("form", { className: "wrap-form", attrs: { novalidate: true } }, fields,
    el("div", { className: "form-actions" }, submit, dismiss), status);
  const who = call.card ? call.card.name : call.caller_number || t("pop.unknown");
  const node = el("section", { className: "card wrap-card" },
    el("h2", { text: t("wrap.title") }),
    el("p", { className: "muted", text: `${t("wrap.call")}: ${who}` }),
    form);

  const entry = { call: { ...call }, node, saving: false };
  desk.wrapups.set(call.call_id, entry);

  // The draft survives a reload: kept per agent and call until the outcome is saved.
  const draftFields = { outcome, notes, complaint: withComplaint, category, severity, description,
    followup: withFollowUp, followup_due: followUpDue, followup_assign: followUpAssign, followup_note: followUpNote };
  if (fillDraft(draftFields, drafts.load(call.call_id))) {
    complaintBox.hidden = !withComplaint.checked;
    followUpBox.hidden = !withFollowUp.checked;
  }
  const keepDraft = () => drafts.save(call.call_id, readDraft(draftFields));
  form.addEventListener("input", keepDraft);
  form.addEventListener("change", keepDraft);

  withComplaint.addEventListener("change", () => { complaintBox.hidden = !withComplaint.checked; });
  withFollowUp.addEventListener("change", () => { followUpBox.hidden = !withFollowUp.checked; });
  outcome.addEventListener("change", () => {
    if (outcome.value === "complaint_logged" && !withComplaint.checked) {
      withComplaint.checked = true;
      complaintBox.hidden = false;
    }
  });
  dismiss.addEventListener("click", () => {
    desk.wrapups.delete(call.call_id);
    node.remove();
    showPending();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (entry.saving) return;
    const checked = checkDisposition({
      call_id: call.call_id,
      interaction_id: call.interaction_id,
      outcome: outcome.value,
      notes: notes.value,
      complaint: withComplaint.checked
        ? { category: category.value, severity: severity.value, description: description.value }
        : null,
      // datetime-local is the agent's local time; sent as ISO 8601 UTC.
      follow_up: withFollowUp.checked
        ? { due_at: followUpDue.value ? new Date(followUpDue.value) : null, assign: followUpAssign.value,
          pool: call.queue || "", note: followUpNote.value }
        : null,
      now: clock.now(),
    }, desk.outcomes);
    if (!checked.ok) {
      const what = labels[`field.${checked.field}`] || checked.field;
      setStatus(status, checked.field === "outcome" ? t("wrap.required") : `${t("wrap.failed", { message: what })}`, "error");
      return;
    }
    entry.saving = true;
    fields.disabled = true;
    submit.disabled = true;
    dismiss.hidden = true;
    setStatus(status, t("wrap.saving"), "busy");
    // "saved" only once the server committed it; while the database is away the server keeps the
    // outcome on disk ({queued: true}) and a disposition_saved frame finishes the form later.
    entry.finish = () => {
      entry.finish = null;
      setStatus(status, t("wrap.saved"), "ok");
      drafts.clear(call.call_id);
      if (checked.data.follow_up) tasks.refresh();
      setTimeout(() => {
        desk.wrapups.delete(call.call_id);
        node.remove();
        showPending();
      }, 4000);
    };
    socket.send("disposition", checked.data).then(
      (reply) => {
        desk.pending = desk.pending.filter((item) => item.call_id !== call.call_id);
        showPending();
        if (reply && reply.queued) {
          entry.queued = true;
          setStatus(status, t("wrap.queued"), "busy");
          return;
        }
        if (entry.finish) entry.finish();
      },
      (error) => {
        entry.saving = false;
        fields.disabled = false;
        submit.disabled = false;
        dismiss.hidden = error.id !== "no-such-call";
        setStatus(status, t("wrap.failed", { message: t.error(error) }), "error");
        status.title = errorDetail(error);
      },
    );
  });
  ui.wrapups.prepend(node);
  showPending();
}

// "YYYY-MM-DDTHH:MM" in the browser's zone, for a datetime-local input.
function localInput(ms) {
  const d = new Date(ms);
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

function setStatus(node, text, kind) {
  node.textContent = text;
  node.className = `wrap-status is-${kind}`;
}

socket.start();
