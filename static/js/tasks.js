// The agent's task list: follow-ups and callback visits (回访) of this agent and of their queues' pools,
// soonest due first. Dial one in a click (the `dial` command), record its result (`follow_up_done`) or
// cancel it; "saved" shows only after the server's reply (it answers once committed). What the agent
// typed in a result form survives refreshes and failures. Everything goes in with textContent (dom.el).

import { clear, el, formatDuration, formatTime } from "./dom.js";
import { categoryOf, labelOf } from "./i18n.js";
import { MAX_FOLLOW_UP_NOTE, checkFollowUpDone } from "./protocol.js";

const REFRESH_MS = 60000;
const RESULTS = {
  follow_up: ["reached", "no_answer", "wrong_number"],
  callback_visit: ["satisfied", "unsatisfied", "no_answer", "wrong_number"],
};

// ------------------------------------------------------------------ SLA clocks
const badges = new Map(); // node -> {due, t, clock}
setInterval(() => {
  for (const [node, info] of badges) {
    if (!node.isConnected) badges.delete(node);
    else paintBadge(node, info);
  }
}, 1000);

// Beyond a day, whole days and hours read better than a clock ("2 d 3 h", "2天3小时").
function slaSpan(seconds, t) {
  if (seconds < 86400) return formatDuration(seconds);
  const days = Math.floor(seconds / 86400);
  return t("sla.days", { days, hours: Math.floor((seconds % 86400) / 3600) });
}

function paintBadge(node, { due, t, clock }) {
  const left = (due - clock.now()) / 1000;
  node.textContent = left >= 0 ? t("sla.left", { time: slaSpan(left, t) }) : t("sla.overdue", { time: slaSpan(-left, t) });
  node.className = `sla-badge ${left >= 0 ? "is-running" : "is-overdue"}`;
}

// A live countdown to an SLA deadline (ISO), "overdue by ..." once it passed; "" when there is none.
export function slaBadge(iso, { t, clock }) {
  const node = el("span", { className: "sla-badge" });
  const due = Date.parse(iso || "");
  if (Number.isNaN(due)) return node;
  const info = { due, t, clock };
  badges.set(node, info);
  paintBadge(node, info);
  return node;
}

// ------------------------------------------------------------------ the panel
export function mountTasks({ root, socket, t, labels, lang, clock }) {
  const forms = new Map(); // follow_up_id -> open result form (kept across refreshes: typing is never lost)
  const message = el("p", { className: "inline-message", attrs: { role: "status", "aria-live": "polite" } });
  const list = el("ul", { className: "task-list" });
  const reload = el("button", { className: "btn btn-quiet", text: t("tasks.refresh"), attrs: { type: "button" } });
  root.replaceChildren(el("div", { className: "tasks-head" }, el("h2", { text: t("tasks.title") }), reload), message, list);
  let tasks = [];

  function show(text, isError = false) {
    message.textContent = text;
    message.classList.toggle("is-error", isError);
  }

  function refresh() {
    if (!socket.ready) return;
    socket.send("tasks").then((data) => {
      tasks = data.tasks || [];
      render();
    }, (error) => show(t("tasks.failed", { message: t.error(error) }), true));
  }

  function render() {
    const open = new Set(tasks.map((task) => task.id));
    for (const id of forms.keys()) if (!open.has(id)) forms.delete(id);
    clear(list);
    if (!tasks.length) {
      list.append(el("li", { className: "muted", text: t("tasks.none") }));
      return;
    }
    for (const task of tasks) list.append(row(task));
  }

  function row(task) {
    const due = el("span", { className: "task-due", text: `${t("tasks.due")} ${formatTime(task.due_at, lang)}` });
    const dial = el("button", { className: "btn task-dial", text: t("tasks.dial"), attrs: { type: "button", disabled: !task.number } });
    const done = el("button", { className: "btn task-done", text: t("tasks.done"), attrs: { type: "button" } });
    const cancel = el("button", { className: "btn btn-quiet task-cancel", text: t("tasks.cancel"), attrs: { type: "button" } });
    const complaint = task.complaint_id
      ? el("span", { className: "task-complaint" },
        `${t("tasks.complaint")} #${task.complaint_id} ${categoryOf(labels, task.complaint_category || "")} · `,
        labelOf(labels, "severity", task.complaint_severity), " · ",
        labelOf(labels, "complaint_status", task.complaint_status), " ",
        task.complaint_sla_due_at && ["open", "in_progress"].includes(task.complaint_status)
          ? slaBadge(task.complaint_sla_due_at, { t, clock }) : "")
      : null;
    const item = el("li", { className: `task ${task.overdue ? "is-overdue" : ""}`, attrs: { "data-follow-up-id": task.id } },
      el("div", { className: "task-line" },
        el("strong", { text: labelOf(labels, "kind", task.kind) }), " ",
        el("span", { text: task.customer_name || t("pop.unknown") }), " ",
        el("span", { className: "task-number", text: task.number || "" }), " ",
        due, " ",
        task.overdue ? el("span", { className: "badge task-overdue", text: t("tasks.overdue") }) : null, " ",
        el("span", { className: "muted", text: task.mine ? t("tasks.mine") : t("tasks.pool", { queue: labelOf(labels, "queue", task.pool) }) })),
      task.note ? el("p", { className: "task-note", text: task.note }) : null,
      complaint,
      el("div", { className: "task-actions" }, dial, done, cancel));
    if (forms.has(task.id)) item.append(forms.get(task.id));

    dial.addEventListener("click", () => {
      dial.disabled = true;
      show(t("tasks.dialing", { number: task.number }));
      socket.send("dial", { number: task.number }).then(
        () => { dial.disabled = false; },
        (error) => {
          dial.disabled = false;
          show(t("tasks.failed", { message: t.error(error) }), true);
        },
      );
    });
    done.addEventListener("click", () => {
      if (!forms.has(task.id)) {
        forms.set(task.id, resultForm(task));
        item.append(forms.get(task.id));
      }
    });
    cancel.addEventListener("click", () => {
      cancel.disabled = true;
      socket.send("follow_up_cancel", { follow_up_id: task.id, note: "" }).then(
        () => {
          show(t("tasks.cancelled"));
          forms.delete(task.id);
          refresh();
        },
        (error) => {
          cancel.disabled = false;
          show(t("tasks.failed", { message: t.error(error) }), true);
        },
      );
    });
    return item;
  }

  function resultForm(task) {
    const base = `task-${task.id}`;
    const result = el("select", { className: "task-result", attrs: { id: `${base}-result` } },
      el("option", { text: t("wrap.choose"), attrs: { value: "" } }),
      ...(RESULTS[task.kind] || RESULTS.follow_up).map((r) => el("option", { text: labelOf(labels, "result", r), attrs: { value: r } })));
    const note = el("textarea", { className: "task-result-note", attrs: { id: `${base}-note`, rows: 2, maxlength: MAX_FOLLOW_UP_NOTE } });
    const satisfaction = el("select", { className: "task-satisfaction", attrs: { id: `${base}-satisfaction` } },
      el("option", { text: "–", attrs: { value: "" } }),
      ...[5, 4, 3, 2, 1].map((n) => el("option", { text: String(n), attrs: { value: n } })));
    const visit = task.kind === "callback_visit";
    const save = el("button", { className: "btn btn-primary task-save", text: t("tasks.save"), attrs: { type: "submit" } });
    const status = el("p", { className: "wrap-status", attrs: { role: "status", "aria-live": "polite" } });
    const fields = el("fieldset", { className: "form" },
      el("label", { text: t("tasks.result"), attrs: { for: result.id } }), result,
      visit ? el("label", { text: t("tasks.satisfaction"), attrs: { for: satisfaction.id } }) : null,
      visit ? satisfaction : null,
      el("label", { text: t("tasks.note"), attrs: { for: note.id } }), note);
    const form = el("form", { className: "task-form", attrs: { novalidate: true } }, fields, save, status);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const checked = checkFollowUpDone({ follow_up_id: task.id, result: result.value, note: note.value,
        satisfaction: visit ? satisfaction.value : "" });
      if (!checked.ok) {
        status.textContent = t("tasks.invalid", { field: t(`tasks.${checked.field}`) });
        status.className = "wrap-status is-error";
        return;
      }
      fields.disabled = true;
      save.disabled = true;
      status.textContent = t("wrap.saving");
      status.className = "wrap-status is-busy";
      socket.send("follow_up_done", checked.data).then(
        (data) => {
          // Committed: only now is it shown as saved.
          forms.delete(task.id);
          const moved = data.complaint ? ` ${t("tasks.complaint_now", { status: labelOf(labels, "complaint_status", data.complaint.status) })}` : "";
          show(`${t("wrap.saved")}.${moved}`);
          refresh();
        },
        (error) => {
          fields.disabled = false;
          save.disabled = false;
          status.textContent = t("wrap.failed", { message: t.error(error) });
          status.className = "wrap-status is-error";
        },
      );
    });
    return form;
  }

  reload.addEventListener("click", refresh);
  setInterval(refresh, REFRESH_MS);
  return { refresh };
}
