// Customer search (/customers) and the customer page (/customers/<id>).
// Everything that came from the server goes in with textContent (dom.el), never innerHTML.

import { clear, el, formatTime } from "./dom.js";
import { categoryOf, errorDetail, errorText, labelOf, loadConfig, makeT } from "./i18n.js";

const config = loadConfig();
const labels = config.labels;
const t = makeT(labels);
const lang = config.lang;
const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 20;

// ------------------------------------------------------------------ shared
async function api(url, options = {}) {
  const response = await fetch(url, { credentials: "same-origin", ...options });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.status === 401) {
    window.location.assign("/login");
    throw new Error(t("conn.session_ended"));
  }
  if (!response.ok) {
    // The label of the error's id (and of the fields it names); the server's English message is the detail.
    const error = (body && body.error) || {};
    const failure = new Error(errorText(labels, error));
    failure.id = error.id || `http-${response.status}`;
    failure.detail = errorDetail(error) || `HTTP ${response.status}`;
    throw failure;
  }
  return body;
}

// Dial (click-to-dial): the agent's phone rings first, then the customer; the call shows on the desk.
// POST as JSON from this site only (console/desk/click_to_dial.py).
async function dial(number) {
  const status = $("dial-status");
  status.classList.remove("is-error");
  status.textContent = "";
  try {
    await api("/api/desk/dial", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ number }) });
    status.textContent = t("cust.dialing", { number });
  } catch (error) {
    status.textContent = t("cust.dial_failed", { message: error.message });
    status.classList.add("is-error");
  }
}

function dialButton(number) {
  const button = el("button", { className: "btn btn-dial", text: t("cust.dial"), attrs: {
    type: "button", "aria-label": t("cust.dial_number", { number }), "data-number": number } });
  button.addEventListener("click", () => dial(number));
  return button;
}

function table(headers, rows, testid) {
  if (!rows.length) return el("p", { className: "muted", text: t("pop.none") });
  return el("table", { className: "table compact", attrs: { "data-testid": testid } },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { text: t(h), attrs: { scope: "col" } })))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", { text: c ?? "" }))))));
}

function field(labelKey, value, testid) {
  if (value === null || value === undefined || value === "") return null;
  return el("div", { className: "field", attrs: { "data-testid": testid || labelKey.replace(/\./g, "-") } },
    el("dt", { text: t(labelKey) }), el("dd", { text: value }));
}

// ------------------------------------------------------------------ search page
function searchPage() {
  const ui = {
    form: $("customer-search-form"),
    input: $("customer-search"),
    status: $("customer-search-status"),
    results: $("customer-results"),
    body: $("customer-results-body"),
    exportLink: $("customer-export"),
    limit: $("customer-search-limit"),
    prev: $("customer-prev"),
    next: $("customer-next"),
  };
  const state = { q: "", offset: 0, seq: 0 };
  // Exports are for supervisors and admins (the server refuses the others with export-not-allowed).
  const mayExport = ["supervisor", "admin"].includes((config.user || {}).role);

  async function run(q, offset) {
    state.q = q;
    state.offset = offset;
    const seq = ++state.seq;
    const url = new URL(window.location.href);
    if (q) url.searchParams.set("q", q);
    else url.searchParams.delete("q");
    if (offset) url.searchParams.set("offset", String(offset));
    else url.searchParams.delete("offset");
    window.history.replaceState(null, "", url.pathname + url.search);
    if (!q) {
      ui.status.textContent = t("cust.enter_query");
      ui.results.hidden = true;
      ui.exportLink.hidden = true;
      ui.limit.hidden = true;
      ui.prev.hidden = ui.next.hidden = true;
      return;
    }
    ui.status.textContent = t("cust.searching");
    ui.exportLink.href = `/api/customers/export.csv?${new URLSearchParams({ q })}`;
    ui.exportLink.hidden = !mayExport;
    let data;
    try {
      data = await api(`/api/customers?${new URLSearchParams({ q, limit: PAGE_SIZE, offset })}`);
    } catch (error) {
      if (seq !== state.seq) return;
      ui.status.textContent = t("cust.load_failed", { message: error.message });
      ui.status.classList.add("is-error");
      return;
    }
    if (seq !== state.seq) return; // a newer search is under way
    ui.status.classList.remove("is-error");
    render(data);
  }

  function render(data) {
    const rows = data.results || [];
    clear(ui.body);
    for (const c of rows) {
      // A customer found only by an exact number is not one of the agent's own: no page to open.
      const link = c.own === false
        ? el("span", { text: c.name, attrs: { "data-testid": "customer-not-own", title: t("cust.not_own") } },
          el("span", { className: "muted", text: ` · ${t("cust.not_own")}` }))
        : el("a", { text: c.name, attrs: { href: `/customers/${c.id}`, "data-testid": "customer-link" } });
      ui.body.append(el("tr", { attrs: { "data-customer-id": c.id, "data-testid": "customer-row" } },
        el("td", {}, link),
        el("td", { className: "phones" }, ...(c.phones || []).map((p) => el("span", { className: "phone" },
          el("span", { className: "phone-number", text: p.e164 }), dialButton(p.e164)))),
        el("td", { text: labelOf(labels, "customer_type", c.customer_type) }),
        el("td", { text: labelOf(labels, "value_class", c.value_class) }),
        el("td", { text: c.account_number || "" }),
        el("td", { text: labelOf(labels, "cust.match", c.match) })));
    }
    ui.results.hidden = rows.length === 0;
    ui.limit.hidden = !data.limited;
    ui.limit.textContent = data.limited ? t(`cust.limited.${data.limited}`) : "";
    if (!rows.length) {
      ui.status.textContent = t("cust.no_results");
    } else {
      const range = { from: data.offset + 1, to: data.offset + rows.length };
      ui.status.textContent = t(data.more ? "cust.results_more" : "cust.results", range);
    }
    ui.prev.hidden = data.offset === 0;
    ui.next.hidden = !data.more;
  }

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(ui.input.value.trim(), 0);
  });
  ui.prev.addEventListener("click", () => run(state.q, Math.max(0, state.offset - PAGE_SIZE)));
  ui.next.addEventListener("click", () => run(state.q, state.offset + PAGE_SIZE));

  const params = new URLSearchParams(window.location.search);
  const initial = (params.get("q") || "").trim();
  if (initial) {
    ui.input.value = initial;
    run(initial, Number.parseInt(params.get("offset") || "0", 10) || 0);
  }
}

// ------------------------------------------------------------------ customer page
function customerPage() {
  const id = config.customer_id;
  const ui = {
    status: $("customer-load-status"),
    view: $("customer-view"),
    name: $("customer-name"),
    facts: $("customer-facts"),
    form: $("contact-form"),
    email: $("contact-email"),
    address: $("contact-address"),
    phones: $("contact-phones"),
    addPhone: $("contact-add-phone"),
    addKind: $("contact-add-kind"),
    save: $("contact-save"),
    saveStatus: $("contact-status"),
    calls: $("customer-calls"),
    complaints: $("customer-complaints"),
    followUps: $("customer-follow-ups"),
    tiers: $("customer-tier-changes"),
    audit: $("customer-audit"),
  };
  const removed = new Set();

  function renderContact(contact) {
    ui.email.value = contact.email || "";
    ui.address.value = contact.address || "";
    removed.clear();
    clear(ui.phones);
    for (const phone of contact.phones || []) {
      const remove = el("input", { attrs: { type: "checkbox", "data-testid": "phone-remove", "aria-label": `${t("cust.remove_phone")} ${phone.e164}` } });
      remove.addEventListener("change", () => {
        if (remove.checked) removed.add(phone.e164);
        else removed.delete(phone.e164);
      });
      ui.phones.append(el("li", { attrs: { "data-phone": phone.e164 } },
        el("span", { className: "phone-number", text: phone.e164 }), " ",
        el("span", { className: "muted", text: labelOf(labels, "cust.kind", phone.kind) }), " ", dialButton(phone.e164), " ",
        el("label", { className: "check" }, remove, ` ${t("cust.remove_phone")}`)));
    }
    ui.save.disabled = !config.can_edit;
  }

  function render(data) {
    const c = data.customer;
    document.title = `${c.name} · ${t("cust.page_title")}`;
    ui.name.textContent = c.name;
    clear(ui.facts);
    ui.facts.append(...[
      field("pop.customer_type", labelOf(labels, "customer_type", c.customer_type)),
      field("pop.value_class", labelOf(labels, "value_class", c.value_class)),
      field("pop.account_manager", c.manager_name),
      field("pop.credit_status", labelOf(labels, "credit_status", c.credit_status)),
      field("pop.language", labelOf(labels, "language", c.language)),
      field("cust.account_number", c.account_number),
      field("cust.has_pin", t(c.has_pin ? "cust.yes" : "cust.no")),
      field("cust.created", formatTime(c.created_at, lang)),
    ].filter(Boolean));
    renderContact({ email: c.email, address: c.address, phones: c.phones });
    ui.calls.replaceChildren(table(
      ["col.started", "col.queue", "col.status", "col.outcome", "col.agent", "wrap.notes"],
      (data.calls || []).map((r) => [formatTime(r.started_at, lang), labelOf(labels, "queue", r.queue), labelOf(labels, "call_status", r.status),
        labelOf(labels, "outcome", r.outcome), r.agent_name, r.notes]), "calls-table"));
    ui.complaints.replaceChildren(table(
      ["col.id", "col.category", "col.severity", "col.status", "col.created", "cust.sla_due", "cust.owner"],
      (data.complaints || []).map((r) => [r.id, categoryOf(labels, r.category), labelOf(labels, "severity", r.severity),
        labelOf(labels, "complaint_status", r.status), formatTime(r.created_at, lang), formatTime(r.sla_due_at, lang),
        r.owner_name]), "complaints-table"));
    ui.followUps.replaceChildren(table(
      ["cust.due", "cust.kind", "col.status", "cust.assigned", "cust.note", "cust.result"],
      (data.follow_ups || []).map((r) => [formatTime(r.due_at, lang), labelOf(labels, "cust.fu_kind", r.kind),
        labelOf(labels, "cust.fu_status", r.status), r.assigned_name || r.pool, r.note, r.result]), "follow-ups-table"));
    ui.tiers.replaceChildren(table(
      ["cust.when", "cust.from", "cust.to", "cust.reason"],
      (data.tier_changes || []).map((r) => [formatTime(r.changed_at, lang),
        `${labelOf(labels, "customer_type", r.from_type)} / ${labelOf(labels, "value_class", r.from_class)}`,
        `${labelOf(labels, "customer_type", r.to_type)} / ${labelOf(labels, "value_class", r.to_class)}`,
        r.reason]), "tier-changes-table"));
  }

  function describe(value, entry) {
    if (entry && entry.action === "customer.read") return t("cust.audit.read", { source: (value || {}).source || "?" });
    if (entry && entry.action === "customer.read_refused") {
      return t("cust.audit.read_refused", { source: (value || {}).source || "?" });
    }
    if (!value) return "";
    const phones = (value.phones || []).map((p) => p.e164).join(", ");
    return [value.email, value.address, phones].filter(Boolean).join(" · ");
  }

  async function loadAudit() {
    try {
      const data = await api(`/api/customers/${id}/audit`);
      ui.audit.replaceChildren(table(["cust.when", "cust.who", "cust.before", "cust.after"],
        (data.entries || []).map((e) => [formatTime(e.at, lang), e.actor_login, describe(e.before), describe(e.after, e)]),
        "audit-table"));
    } catch (error) {
      ui.audit.replaceChildren(el("p", { className: "is-error", text: t("cust.load_failed", { message: error.message }) }));
    }
  }

  async function load() {
    try {
      const data = await api(`/api/customers/${id}`);
      ui.status.textContent = "";
      render(data);
      ui.view.hidden = false;
    } catch (error) {
      ui.status.textContent = error.id === "no-such-customer" ? t("cust.not_found") : t("cust.load_failed", { message: error.message });
      if (error.id === "customer-not-yours") ui.status.dataset.errorId = error.id;
      return;
    }
    loadAudit();
  }

  ui.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!config.can_edit) return;
    const changes = { email: ui.email.value.trim(), address: ui.address.value.trim(), remove_phones: [...removed] };
    const added = ui.addPhone.value.trim();
    if (added) changes.add_phones = [{ number: added, kind: ui.addKind.value }];
    ui.save.disabled = true;
    ui.saveStatus.classList.remove("is-error");
    ui.saveStatus.textContent = t("cust.saving");
    try {
      const result = await api(`/api/customers/${id}/contact`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(changes),
      });
      renderContact(result.contact);
      ui.addPhone.value = "";
      ui.saveStatus.textContent = t(result.changed ? "cust.saved" : "cust.unchanged");
      loadAudit();
    } catch (error) {
      ui.saveStatus.classList.add("is-error");
      ui.saveStatus.textContent = t("cust.save_failed", { message: error.message });
      ui.saveStatus.title = error.detail || "";
    } finally {
      ui.save.disabled = !config.can_edit;
    }
  });

  load();
}

if (config.view === "customer") customerPage();
else searchPage();
