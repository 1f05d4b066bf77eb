// Nothing unsaved: the pending wrap-ups list (every answered call of the agent without an outcome, as
// the server reads it from the database), the wrap-up countdown, and the wrap-up form's draft kept in
// localStorage (per agent and call) until the outcome is saved. Customer data goes in with textContent.

import { el, formatDuration, formatTime } from "./dom.js";
import { labelOf } from "./i18n.js";

// ------------------------------------------------------------------ drafts
// One localStorage entry per agent and call: {outcome, notes, complaint, category, severity, description,
// followup, followup_due, followup_assign, followup_note}. A browser that refuses storage keeps nothing.
export function draftStore(agentId) {
  const key = (callId) => `cc.wrapup-draft.${agentId}.${callId}`;
  return {
    load(callId) {
      try {
        const raw = window.localStorage.getItem(key(callId));
        return raw ? JSON.parse(raw) : null;
      } catch {
        return null;
      }
    },
    save(callId, draft) {
      try {
        window.localStorage.setItem(key(callId), JSON.stringify(draft));
      } catch {
        // storage full or refused: the form still holds what was typed
      }
    },
    clear(callId) {
      try {
        window.localStorage.removeItem(key(callId));
      } catch {
        // nothing to clear
      }
    },
    // Drafts of calls no longer waiting for an outcome (saved from another tab or device) are dropped.
    prune(keepCallIds) {
      try {
        const prefix = key("");
        const stale = [];
        for (let i = 0; i < window.localStorage.length; i += 1) {
          const name = window.localStorage.key(i);
          if (name && name.startsWith(prefix) && !keepCallIds.has(name.slice(prefix.length))) stale.push(name);
        }
        stale.forEach((name) => window.localStorage.removeItem(name));
      } catch {
        // storage refused: nothing kept either
      }
    },
  };
}

// The form's fields by draft name -> element; read and fill them as a draft.
export function readDraft(fields) {
  const draft = {};
  for (const [name, node] of Object.entries(fields)) draft[name] = node.type === "checkbox" ? node.checked : node.value;
  return draft;
}

export function fillDraft(fields, draft) {
  if (!draft) return false;
  let filled = false;
  for (const [name, node] of Object.entries(fields)) {
    if (!(name in draft)) continue;
    if (node.type === "checkbox") node.checked = Boolean(draft[name]);
    else node.value = draft[name] ?? "";
    filled = true;
  }
  return filled;
}

// ------------------------------------------------------------------ countdown
// "Wrap-up ends in 0:42", counted on the server's clock; once over, a reminder to save.
export class Countdown {
  constructor(node, clock, t) {
    this.node = node;
    this.clock = clock;
    this.t = t;
    this.ends = null;
    this.handle = null;
  }

  show(endsIso) {
    const ends = Date.parse(endsIso || "");
    if (Number.isNaN(ends)) {
      this.hide();
      return;
    }
    this.ends = ends;
    this.node.hidden = false;
    this.tick();
    if (this.handle === null) this.handle = setInterval(() => this.tick(), 1000);
  }

  hide() {
    this.ends = null;
    this.node.hidden = true;
    this.node.textContent = "";
    if (this.handle !== null) clearInterval(this.handle);
    this.handle = null;
  }

  tick() {
    if (this.ends === null) return;
    const left = Math.ceil((this.ends - this.clock.now()) / 1000);
    this.node.classList.toggle("is-over", left <= 0);
    this.node.textContent = left > 0 ? this.t("wrap.ends_in", { time: formatDuration(left) }) : this.t("wrap.time_over");
  }
}

// ------------------------------------------------------------------ pending list
// The call a wrap-up form is opened for, from a pending item.
export function callOf(item) {
  return {
    call_id: item.call_id, interaction_id: item.interaction_id, queue: item.queue || "",
    caller_number: item.caller_number || "", card: item.name ? { name: item.name, customer_id: item.customer_id } : null,
    state: "wrapup",
  };
}

// items: oldest first. isOpen(call_id): its form is on the desk. onOpen(item): open its form.
export function renderPending(root, items, { t, labels, lang, isOpen, onOpen }) {
  const heading = el("h2", { text: t("pending.title", { count: items.length }), attrs: { "data-testid": "pending-title" } });
  if (items.length === 0) {
    root.replaceChildren(heading, el("p", { className: "muted", text: t("pending.none") }));
    return;
  }
  const rows = items.map((item) => {
    const who = item.name || item.caller_number || t("pop.unknown");
    const open = el("button", { className: "btn btn-quiet", text: isOpen(item.call_id) ? t("pending.shown") : t("pending.open"),
      attrs: { type: "button", disabled: isOpen(item.call_id), "data-call-id": item.call_id } });
    open.addEventListener("click", () => onOpen(item));
    return el("li", { className: "pending-item", attrs: { "data-testid": "pending-item", "data-call-id": item.call_id } },
      el("span", { className: "pending-who", text: who }),
      el("span", { className: "muted", text: labelOf(labels, "queue", item.queue) }),
      el("span", { className: "muted", text: t("pending.answered", { time: formatTime(item.answered_at, lang) }) }),
      open);
  });
  root.replaceChildren(heading, el("ul", { className: "pending-list" }, ...rows));
}
