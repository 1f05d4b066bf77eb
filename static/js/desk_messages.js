// Desk messages that belong somewhere: a message about a call is shown with that call and goes when
// the call leaves the desk (it is no longer ringing or talking there); a general message fades after a
// while and can be dismissed at once. A message said while no call is live but about the call being
// made ("calling…") belongs to the next call that appears. Text only (dom.el), never innerHTML.

import { el } from "./dom.js";

const FADE_MS = { info: 8000, error: 15000 };

export function createMessages({ root, t }) {
  if (!root) return { say() {}, follow() {}, clear() {} };
  let live = null;         // the call id live on the desk now, or null

  function remove(node) {
    if (node.isConnected) node.remove();
  }

  // say(text, {error, call}): call = a call id -> about that call (not shown if it already left the
  // desk); true -> about the live call, or the next one when none is live; false -> general.
  function say(text, { error = false, call = false } = {}) {
    if (!text) return null;
    if (typeof call === "string" && call !== live) return null;
    if (call === true && !live && error) call = false;   // a refusal with no call: nothing is coming
    const dismiss = el("button", { className: "msg-dismiss", text: "×",
      attrs: { type: "button", title: t("msg.dismiss"), "aria-label": t("msg.dismiss") } });
    const node = el("li", { className: `desk-message${error ? " is-error" : ""}`, attrs: { "data-testid": "desk-message" } },
      el("span", { className: "msg-text", text }), dismiss);
    dismiss.addEventListener("click", () => remove(node));
    if (call) {
      node.dataset.call = typeof call === "string" ? call : live || "next";
    } else {
      // A general error replaces a "next call" message still waiting: that call is not coming.
      if (error) root.querySelectorAll('[data-call="next"]').forEach(remove);
      setTimeout(() => remove(node), FADE_MS[error ? "error" : "info"]);
    }
    root.append(node);
    return node;
  }

  // The desk's call changed (any render): messages of a call no longer live go with it.
  function follow(call) {
    live = call && (call.state === "ringing" || call.state === "connected") ? call.call_id : null;
    for (const node of [...root.querySelectorAll("[data-call]")]) {
      if (node.dataset.call === "next") {
        if (live) node.dataset.call = live;
      } else if (node.dataset.call !== live) {
        remove(node);
      }
    }
  }

  function clear() {
    root.replaceChildren();
  }

  return { say, follow, clear };
}
