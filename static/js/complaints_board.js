// The supervisors' complaints board: open, in-progress and resolved (awaiting the callback visit)
// complaints grouped by severity, with the customer's tier, a live SLA clock (slaBadge), the escalation
// level and a reassign button opening a dialog (dialogs.js: the new owner and a reason from
// supervision.action_reasons.reassign; `complaint_reassign`, answered once committed). The reason goes
// as the note, in the supervisor's words (the label they picked, or their own text).
// The server pushes the whole board (`complaints`) after an escalation or a hand-over; the table is asked
// for again (`complaints`) on every (re)connect. Everything goes in with textContent (dom.el).

import { el } from "./dom.js";
import { labelOf } from "./i18n.js";
import { slaBadge } from "./tasks.js";
import { askAction } from "./dialogs.js";

const SEVERITIES = ["critical", "high", "medium", "low"];
const TIERS = ["vip", "group", "family", "individual", "unknown"];

export function mountComplaintsBoard({ root, socket, t, labels, clock, reasons = () => [] }) {
  if (!root) return { refresh() {}, frame() {} };
  const message = el("p", { className: "inline-message", attrs: { role: "status", "aria-live": "polite" } });
  const counts = el("div", { className: "complaint-counts" });
  const table = el("table", { className: "table compact complaints-table" });
  root.replaceChildren(message, counts, table);
  let board = null;

  function show(text, isError = false) {
    message.textContent = text;
    message.classList.toggle("is-error", isError);
  }

  function refresh() {
    if (!socket.ready) return;
    socket.send("complaints", {}).then(render).catch((error) => show(t("cb.failed", { message: error.message || error.id || "?" }), true));
  }

  async function reassign(complaint) {
    const select = el("select", { attrs: { id: "reassign-owner", "data-role": "owner" } },
      el("option", { text: t("cb.choose_agent"), attrs: { value: "" } }),
      ...(board.agents || []).filter((a) => a.id !== complaint.owner_agent_id)
        .map((a) => el("option", { text: `${a.name} (${a.login})`, attrs: { value: String(a.id) } })));
    const owner = complaint.owner_name ? `${complaint.owner_name} (${complaint.owner_login})` : "–";
    const answer = await askAction({
      t, title: t("dlg.reassign_title", { id: complaint.id }), body: t("dlg.reassign_body", { owner }),
      ok: t("dlg.reassign_ok"), reasons: { codes: reasons(), labels, prefix: "sup_reason" },
      fields: [el("label", { className: "dialog-field", attrs: { for: "reassign-owner" } },
        el("span", { text: t("cb.new_owner") }), select)],
      check: () => (Number(select.value) ? "" : t("dlg.agent_needed")),
    });
    if (!answer) return;
    show(t("switch.saving"));
    socket.send("complaint_reassign", { complaint_id: complaint.id, agent_id: Number(select.value), note: answer.label })
      .then((data) => {
        show(t("cb.reassigned", { id: complaint.id, name: data.complaint?.owner_name || "" }));
        refresh();
      })
      .catch((error) => show(t("cb.failed", { message: error.message || error.id || "?" }), true));
  }

  function row(complaint) {
    const button = el("button", { className: "btn btn-quiet", text: t("cb.reassign"), attrs: { type: "button", "data-action": "reassign" } });
    button.addEventListener("click", () => reassign(complaint));
    const level = complaint.escalation_level || 0;
    const clockCell = complaint.status === "resolved"
      ? el("span", { className: "muted", text: labelOf(labels, "complaint_status", "resolved") })
      : slaBadge(complaint.sla_due_at, { t, clock });
    return el("tr", { className: complaint.overdue ? "overdue" : "", attrs: { "data-complaint-id": complaint.id } },
      el("td", { className: "num", text: complaint.id }),
      el("td", { text: complaint.customer_name || t("pop.unknown") }),
      el("td", { text: complaint.tier === "unknown" ? "–" : labelOf(labels, "customer_type", complaint.tier) }),
      el("td", { text: labelOf(labels, "value_class", complaint.value_class) }),
      el("td", { text: complaint.category }),
      el("td", { text: labelOf(labels, "complaint_status", complaint.status) }),
      el("td", { text: complaint.owner_name ? `${complaint.owner_name} (${complaint.owner_login})` : "" }),
      el("td", {}, clockCell),
      el("td", {}, level > 0
        ? el("span", { className: `badge escalation-${level}`, text: t(`cb.level${level}`), attrs: { "data-level": level } })
        : ""),
      el("td", {}, button));
  }

  function renderCounts(table) {
    const cells = SEVERITIES.flatMap((severity) => {
      const total = TIERS.reduce((sum, tier) => sum + ((table[severity] || {})[tier] || 0), 0);
      return total ? [el("span", { className: `badge severity-${severity}`, attrs: { "data-severity": severity } },
        `${labelOf(labels, "severity", severity)} ${total}`)] : [];
    });
    counts.replaceChildren(...cells);
  }

  function render(data) {
    if (!data || !Array.isArray(data.complaints)) return;
    board = data;
    renderCounts(data.counts || {});
    const head = el("thead", {}, el("tr", {}, ...["cb.id", "board.name", "cb.tier", "cb.value", "cb.category",
      "cb.status", "cb.owner", "col.sla", "cb.level", "cb.action"].map((key) => el("th", { text: t(key), attrs: { scope: "col" } }))));
    const bodies = SEVERITIES.flatMap((severity) => {
      const rows = data.complaints.filter((c) => c.severity === severity);
      if (!rows.length) return [];
      return [el("tbody", { attrs: { "data-severity": severity } },
        el("tr", { className: "group-row" }, el("th", {
          text: `${labelOf(labels, "severity", severity)} · ${rows.length}`, attrs: { colspan: 10, scope: "rowgroup" } })),
        ...rows.map(row))];
    });
    table.replaceChildren(head, ...(bodies.length ? bodies
      : [el("tbody", {}, el("tr", {}, el("td", { className: "muted", text: t("cb.none"), attrs: { colspan: 10 } })))]));
  }

  function frame(kind, data) {
    if (kind === "complaints") render(data);
    else if (kind === "complaint_escalated" && data.complaint) {
      show(t("cb.escalated", { id: data.complaint.id, level: t(`cb.level${data.level}`) }));
    }
  }

  return { refresh, frame };
}
