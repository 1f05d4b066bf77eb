// Who the caller is, said from the pop: pick among the customers sharing the caller's number
// (card.candidates), or create the customer of an unknown caller (the number prefilled). The choice is
// stored with the call on the server (call_customer / customer_create) and the pop then shows the
// chosen card (onCard). Customer data goes in with textContent (dom.el), never innerHTML.

import { el } from "./dom.js";
import { labelOf } from "./i18n.js";

const CUSTOMER_TYPES = ["vip", "group", "family", "individual"];

export function popCustomer({ call, socket, t, labels, onCard }) {
  const card = call.card || null;
  const candidates = (card && card.candidates) || [];
  const status = el("p", { className: "popc-status", attrs: { role: "status", "data-testid": "popc-status" } });
  const say = (text, kind) => {
    status.textContent = text;
    status.className = `popc-status${kind ? ` is-${kind}` : ""}`;
  };
  const linked = (reply) => {
    say(t("popc.saved", { name: reply.card.name }), "ok");
    onCard(call.call_id, reply.card);
  };

  if (card && candidates.length > 1) {
    const list = el("ul", { className: "popc-candidates", attrs: { "data-testid": "popc-candidates" } },
      ...candidates.map((c) => {
        const current = c.customer_id === card.customer_id;
        const pick = el("button", { className: `btn${current ? " btn-primary" : ""}`, attrs: {
          type: "button", "data-customer-id": c.customer_id, "aria-pressed": current ? "true" : "false" } },
        el("span", { text: c.name }), el("span", { className: "muted", text: ` · ${labelOf(labels, "customer_type", c.customer_type)}` }));
        pick.addEventListener("click", () => {
          if (c.customer_id === card.customer_id) return;
          say(t("popc.saving"), "busy");
          socket.send("call_customer", { call_id: call.call_id, customer_id: c.customer_id }).then(
            linked, (error) => say(t("popc.failed", { message: error.message || error.id }), "error"));
        });
        return el("li", {}, pick);
      }));
    return el("div", { className: "popc popc-shared", attrs: { "data-testid": "popc-shared" } },
      el("p", { className: "alert alert-info", text: t("popc.shared", { count: candidates.length }) }), list, status);
  }
  if (card) return null;

  // An unknown caller: "Create customer" opens a small form with the caller's number prefilled.
  const open = el("button", { className: "btn", text: t("popc.create"), attrs: { type: "button", id: "btn-popc-create" } });
  const name = el("input", { attrs: { id: "popc-name", type: "text", maxlength: "200", autocomplete: "off", required: true } });
  const type = el("select", { attrs: { id: "popc-type" } },
    ...CUSTOMER_TYPES.map((v) => el("option", { text: labelOf(labels, "customer_type", v), attrs: { value: v } })));
  type.value = "individual";
  const number = el("input", { attrs: { id: "popc-number", type: "tel", maxlength: "32", autocomplete: "off",
    value: call.caller_number || "" } });
  const save = el("button", { className: "btn btn-primary", text: t("popc.save"), attrs: { type: "submit" } });
  const cancel = el("button", { className: "btn btn-quiet", text: t("popc.cancel"), attrs: { type: "button" } });
  const form = el("form", { className: "form popc-form", attrs: { hidden: true, novalidate: true, "data-testid": "popc-form" } },
    el("label", { attrs: { for: "popc-name" }, text: t("popc.name") }), name,
    el("label", { attrs: { for: "popc-type" }, text: t("popc.type") }), type,
    el("label", { attrs: { for: "popc-number" }, text: t("popc.number") }), number,
    el("div", { className: "form-actions" }, save, cancel));
  open.addEventListener("click", () => {
    form.hidden = false;
    open.hidden = true;
    name.focus();
  });
  cancel.addEventListener("click", () => {
    form.hidden = true;
    open.hidden = false;
    say("");
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save.disabled = true;
    say(t("popc.saving"), "busy");
    socket.send("customer_create", { call_id: call.call_id, name: name.value.trim(), customer_type: type.value,
      number: number.value.trim() }).then(linked, (error) => {
      save.disabled = false;
      say(t("popc.failed", { message: error.message || error.id }), "error");
    });
  });
  return el("div", { className: "popc popc-unknown", attrs: { "data-testid": "popc-unknown" } }, open, form, status);
}
