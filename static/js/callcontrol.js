// Call control on the agent desk: Hold / Resume, Transfer (picked from the directory: an agent with
// their live state, a queue, an outside or recent number; static/js/directory.js), Hang up, and a Dial
// box (click-to-dial: the agent's phone rings first, then the customer). What it says about the call
// goes to the desk's messages bound to that call (static/js/desk_messages.js): gone with the call.
// Attended transfer: while the agent consults the target (call.consult, the caller on hold) the bar
// shows "consulting" with Complete / Cancel; the target's desk shows "consultation from <agent>".
// The bar shows only while a call is connected (Hang up also while a click-to-dial rings); Dial shows
// whenever no call rings or talks. Everything is built with textContent (dom.el), never innerHTML.

import { el } from "./dom.js";
import { TRANSFER_KINDS } from "./protocol.js";
import { createDirectory } from "./directory.js";

export function createCallControl({ root, socket, t, labels, messages, recent }) {
  if (!root) return { render() {} };
  const held = el("p", { className: "alert alert-warn cc-held", text: t("cc.on_hold"), attrs: { id: "cc-held", hidden: true } });
  const button = (id, key, extra = "") => el("button", { className: `btn ${extra}`.trim(), text: t(key), attrs: { id, type: "button" } });
  const hold = button("btn-hold", "cc.hold");
  const resume = button("btn-resume", "cc.resume", "btn-primary");
  const transfer = button("btn-transfer", "cc.transfer");
  const hangup = button("btn-hangup", "cc.hangup", "btn-danger");
  const options = (prefix, values) => values.map((v) => el("option", { text: t(`${prefix}.${v}`), attrs: { value: v } }));
  const kind = el("select", { attrs: { id: "transfer-kind" } }, ...options("cc.kind", TRANSFER_KINDS));
  const go = button("btn-transfer-go", "cc.transfer_go", "btn-primary");
  const chosen = el("span", { className: "dir-chosen", text: t("dir.choose"), attrs: { id: "transfer-chosen" } });
  go.disabled = true;
  const directory = createDirectory({ socket, t, labels, recent, onChange: (selection) => {
    go.disabled = !selection;
    chosen.textContent = selection ? t("dir.selected", { target: selection.label }) : t("dir.choose");
  } });
  const dialog = el("fieldset", { className: "form cc-transfer", attrs: { id: "transfer-dialog", hidden: true } },
    el("legend", { text: t("dir.title") }), directory.node,
    el("div", { className: "cc-transfer-go" },
      el("label", { attrs: { for: "transfer-kind" }, text: t("cc.transfer_kind") }), kind, chosen, go));
  const complete = button("btn-transfer-complete", "cc.transfer_complete", "btn-primary");
  const cancel = button("btn-transfer-cancel", "cc.transfer_cancel");
  const consulting = el("p", { className: "alert alert-warn cc-consulting", attrs: { id: "cc-consulting", role: "status", hidden: true } });
  const consultation = el("p", { className: "alert cc-consultation", attrs: { id: "cc-consultation", hidden: true } });
  const bar = el("div", { className: "cc-bar", attrs: { id: "cc-bar", hidden: true } }, hold, resume, transfer, complete, cancel, hangup);
  const recentList = el("datalist", { attrs: { id: "dial-recent" } });
  const number = el("input", { attrs: { id: "dial-number", type: "tel", maxlength: "32", autocomplete: "off", list: "dial-recent" } });
  const dial = button("btn-dial", "cc.dial");
  const dialBox = el("div", { className: "cc-dial", attrs: { id: "cc-dial" } },
    el("label", { attrs: { for: "dial-number" }, text: t("cc.dial_number") }), number, recentList, dial);
  root.append(el("h2", { className: "cc-title", text: t("cc.title") }), held, consulting, consultation, bar, dialog, dialBox);
  root.hidden = false;

  let current = null;
  // Everything said here is about the call it was sent for (or, when dialling, the call being made):
  // a reply that comes after that call left the desk says nothing.
  const send = (type, data, after) => {
    const about = current && (current.state === "connected" || current.state === "ringing") ? current.call_id : true;
    const say = (text, isError = false) => messages.say(text, { error: isError, call: about });
    socket.send(type, data).then(
      () => after && after(say),
      (error) => say(error.message || error.id, true),
    );
  };
  const fillRecent = () => recentList.replaceChildren(...recent.list().map((n) => el("option", { attrs: { value: n } })));
  fillRecent();
  const closeDirectory = () => {
    if (!dialog.hidden) directory.close();
    dialog.hidden = true;
  };

  hold.addEventListener("click", () => send("hold"));
  resume.addEventListener("click", () => send("resume"));
  hangup.addEventListener("click", () => send("hangup"));
  complete.addEventListener("click", () => send("transfer_complete", {}, (say) => say(t("cc.transferring"))));
  cancel.addEventListener("click", () => send("transfer_cancel"));
  transfer.addEventListener("click", () => {
    if (dialog.hidden) {
      dialog.hidden = false;
      directory.open();
    } else {
      closeDirectory();
    }
  });
  go.addEventListener("click", () => {
    const selection = directory.selection();
    if (!selection) return;
    send("transfer", { kind: kind.value, to: selection.to, target: selection.target }, (say) => {
      if (selection.to === "number") recent.add(selection.target);
      say(t("cc.transferring"));
      closeDirectory();
      fillRecent();
    });
  });
  dial.addEventListener("click", () => {
    const wanted = number.value.trim();
    send("dial", { number: wanted }, (say) => {
      recent.add(wanted);
      fillRecent();
      say(t("cc.dialing"));
    });
  });

  // call: the desk's current call (pop data + state) or null.
  function render(call) {
    current = call;
    const live = Boolean(current && current.state === "connected");
    const ringingOut = Boolean(current && current.state === "ringing" && current.outbound);
    bar.hidden = !(live || ringingOut);
    const consult = current && current.consult ? current.consult : null;
    // The frames say which side this desk is; after a reload only the target's pop is told apart.
    const target = Boolean(consult && (consult.role === "target" || current.state === "ringing"));
    const mine = Boolean(live && consult && !target);
    hold.hidden = !live || Boolean(current.held) || Boolean(consult);
    resume.hidden = !live || !current.held || Boolean(consult);
    transfer.hidden = !live || Boolean(current.held) || Boolean(consult);
    hangup.hidden = mine;
    complete.hidden = !mine;
    cancel.hidden = !mine;
    complete.disabled = !(mine && consult.answered);
    consulting.hidden = !mine;
    consulting.textContent = mine ? t(consult.answered ? "cc.consult_answered" : "cc.consulting", { to: consult.to }) : "";
    consultation.hidden = !target;
    consultation.textContent = target ? t("cc.consultation_from", { from: consult.from }) : "";
    held.hidden = !(live && current.held);
    if (!live || current.held || consult) closeDirectory();
    const busy = Boolean(current && (current.state === "connected" || current.state === "ringing"));
    dialBox.hidden = busy;
    // Nothing to offer (an inbound call ringing): no empty card with only its title.
    root.hidden = bar.hidden && dialBox.hidden && held.hidden && consulting.hidden && consultation.hidden;
  }

  return { render };
}
