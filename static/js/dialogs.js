// Modal dialogs for the supervisor's actions: an HTML <dialog> opened with showModal() (focus moves in
// and stays in, Escape cancels, focus returns to the button that opened it), a title, a sentence saying
// what will happen, optional extra fields, and a reason pick-list (radio buttons: arrow keys move, the
// labels come from the page's labels, "other" opens a text box). Replaces prompt()/confirm().
//
// askAction({...}) resolves to {reason, text, fields} when confirmed, or null when cancelled.
// Everything goes in with textContent (dom.el), never innerHTML.

import { el } from "./dom.js";
import { labelOf } from "./i18n.js";

export const OTHER = "other";
const MAX_TEXT = 200;
let counter = 0;

// A group of radio buttons, one per reason code, labelled from `${prefix}.${code}`.
function reasonGroup({ codes, labels, prefix, t, name }) {
  const legend = el("legend", { text: t("dlg.reason") });
  const options = codes.map((code, i) => {
    const id = `${name}-${i}`;
    const input = el("input", { attrs: { type: "radio", name, id, value: code, "data-reason": code } });
    return el("label", { className: "reason-option", attrs: { for: id } }, input,
      el("span", { text: labelOf(labels, prefix, code) }));
  });
  const other = el("input", { className: "reason-other", attrs: {
    type: "text", maxlength: MAX_TEXT, "aria-label": t("dlg.other_text"), placeholder: t("dlg.other_text"),
    "data-role": "other-text", hidden: true } });
  const group = el("fieldset", { className: "reason-group" }, legend, ...options, codes.includes(OTHER) ? other : null);
  group.addEventListener("change", () => {
    other.hidden = selected() !== OTHER;
    if (!other.hidden) other.focus();
  });
  const selected = () => group.querySelector("input[type=radio]:checked")?.value || "";
  return { node: group, selected, otherText: () => other.value.trim(), first: () => group.querySelector("input") };
}

/**
 * title, body: texts; ok: the confirm button's text; danger: a red confirm button;
 * reasons: {codes, labels, prefix} (omit for a plain confirmation); required: a reason must be picked;
 * fields: extra nodes above the reasons; check(): a message when the extra fields are not right yet;
 * t: the page's label function.
 */
export function askAction({ title, body, ok, danger = false, reasons = null, required = true, fields = [],
  check = () => "", t }) {
  return new Promise((resolve) => {
    counter += 1;
    const id = `action-dialog-${counter}`;
    const opener = document.activeElement;
    const picker = reasons && reasons.codes.length
      ? reasonGroup({ ...reasons, t, name: `${id}-reason` }) : null;
    const message = el("p", { className: "inline-message is-error", attrs: { role: "alert", "data-role": "dialog-error" } });
    const confirm = el("button", { className: `btn ${danger ? "btn-danger" : "btn-primary"}`, text: ok,
      attrs: { type: "submit", value: "ok", "data-action": "dialog-ok" } });
    const cancel = el("button", { className: "btn btn-quiet", text: t("dlg.cancel"),
      attrs: { type: "button", "data-action": "dialog-cancel" } });
    const form = el("form", { attrs: { method: "dialog" } },
      el("h2", { text: title, attrs: { id: `${id}-title` } }),
      body ? el("p", { className: "dialog-body", text: body, attrs: { id: `${id}-body` } }) : null,
      ...fields, picker ? picker.node : null, message,
      el("div", { className: "dialog-buttons" }, cancel, confirm));
    const dialog = el("dialog", { className: "action-dialog", attrs: {
      "aria-labelledby": `${id}-title`, "aria-describedby": body ? `${id}-body` : null, "data-testid": "action-dialog" } },
    form);
    let answer = null;

    form.addEventListener("submit", (event) => {
      const problem = check() || (picker && required && !picker.selected() ? t("dlg.reason_needed") : "")
        || (picker && picker.selected() === OTHER && !picker.otherText() ? t("dlg.other_needed") : "");
      if (problem) {
        event.preventDefault();
        message.textContent = problem;
        return;
      }
      const reason = picker ? picker.selected() : "";
      answer = { reason, text: reason === OTHER ? picker.otherText() : "",
        label: reason === OTHER ? picker.otherText() : (reason ? labelOf(reasons.labels, reasons.prefix, reason) : "") };
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    (picker ? picker.first() : confirm).focus();
  });
}

// The reason as the server keeps it: the code, or the supervisor's own words for "other".
export function reasonValue(answer) {
  if (!answer) return "";
  return answer.reason === OTHER ? answer.text : answer.reason;
}
