// The transfer directory: every agent with their live state, every queue with its waiting callers, an
// outside number, and this agent's recent numbers (kept in this browser, per agent). Searchable by
// name, extension (login) or queue. While open it asks the server again every few seconds, so states
// change on screen as agents change theirs. Text only (dom.el), never innerHTML.

import { el } from "./dom.js";
import { labelOf } from "./i18n.js";

const REFRESH_MS = 2000;
const RECENT_MAX = 8;

// Recent numbers dialled or transferred to, newest first, per agent login (localStorage).
export function recentNumbers(login) {
  const key = `cc.recent.${login || "anyone"}`;
  const read = () => {
    try {
      const list = JSON.parse(window.localStorage.getItem(key) || "[]");
      return Array.isArray(list) ? list.filter((n) => typeof n === "string").slice(0, RECENT_MAX) : [];
    } catch {
      return [];
    }
  };
  return {
    list: read,
    add(number) {
      if (!number) return;
      const list = [number, ...read().filter((n) => n !== number)].slice(0, RECENT_MAX);
      try {
        window.localStorage.setItem(key, JSON.stringify(list));
      } catch {
        // storage full or disabled: recents are a convenience
      }
    },
  };
}

// createDirectory({socket, t, labels, recent, onChange}) -> {node, open(), close(), selection()}
// selection(): {to: "agent"|"queue"|"number", target, label} or null.
export function createDirectory({ socket, t, labels, recent, onChange = () => {} }) {
  const search = el("input", { attrs: { id: "directory-search", type: "search", maxlength: "64", autocomplete: "off",
    placeholder: t("dir.search"), "aria-label": t("dir.search") } });
  const agents = el("ul", { className: "dir-list", attrs: { id: "directory-agents", "aria-label": t("dir.agents") } });
  const queues = el("ul", { className: "dir-list", attrs: { id: "directory-queues", "aria-label": t("dir.queues") } });
  const number = el("input", { attrs: { id: "transfer-number", type: "tel", maxlength: "32", autocomplete: "off" } });
  const recents = el("div", { className: "dir-recent", attrs: { id: "directory-recent" } });
  const status = el("p", { className: "muted dir-status", attrs: { role: "status" } });
  const recentTitle = el("h3", { text: t("dir.recent") });
  const node = el("div", { className: "directory", attrs: { id: "transfer-directory" } },
    search, status,
    el("div", { className: "dir-columns" },
      el("section", {}, el("h3", { text: t("dir.agents") }), agents),
      el("section", {}, el("h3", { text: t("dir.queues") }), queues,
        el("label", { attrs: { for: "transfer-number" }, text: t("dir.number") }), number,
        recentTitle, recents)));

  let data = { agents: [], queues: [] };
  let chosen = null;
  let timer = null;
  let asking = false;

  function pick(selection) {
    chosen = selection;
    render();
    onChange(chosen);
  }

  function row(selection, main, extra, badge) {
    const pressed = Boolean(chosen && chosen.to === selection.to && chosen.target === selection.target);
    const button = el("button", { className: "dir-item", attrs: { type: "button", "aria-pressed": pressed ? "true" : "false" } },
      el("span", { className: "dir-main", text: main }), extra && el("span", { className: "muted dir-extra", text: extra }), badge);
    button.addEventListener("click", () => {
      number.value = "";
      pick(selection);
    });
    return button;
  }

  function render() {
    const q = search.value.trim().toLowerCase();
    const hit = (...texts) => !q || texts.some((text) => String(text || "").toLowerCase().includes(q));
    const shownAgents = data.agents.filter((a) => hit(a.name, a.login));
    const shownQueues = data.queues.map((x) => ({ ...x, label: labelOf(labels, "queue", x.name) }))
      .filter((x) => hit(x.name, x.label));
    agents.replaceChildren(...shownAgents.map((a) => {
      const state = labelOf(labels, "state", a.state);
      const reason = a.state === "paused" && a.reason ? ` · ${labelOf(labels, "reason", a.reason)}` : "";
      const badge = el("span", { className: `badge state-${a.state}`, text: `${state}${reason}`, attrs: { "data-testid": "dir-state" } });
      return el("li", { attrs: { "data-login": a.login, "data-state": a.state } },
        row({ to: "agent", target: a.login, label: `${a.name} (${a.login})` }, a.name, a.login, badge));
    }));
    queues.replaceChildren(...shownQueues.map((x) => el("li", { attrs: { "data-queue": x.name } },
      row({ to: "queue", target: x.name, label: x.label }, x.label,
        t("dir.queue_line", { waiting: x.waiting, available: x.available })))));
    const numbers = recent.list().filter((n) => hit(n));
    recentTitle.hidden = numbers.length === 0;
    recents.replaceChildren(...numbers.map((n) => {
      const b = el("button", { className: "btn btn-quiet dir-number", text: n, attrs: { type: "button", "data-number": n } });
      b.addEventListener("click", () => {
        number.value = n;
        pick({ to: "number", target: n, label: n });
      });
      return b;
    }));
    if (!shownAgents.length && !shownQueues.length && !numbers.length && (data.agents.length || data.queues.length)) {
      status.textContent = t("dir.none");
    } else if (status.textContent === t("dir.none")) {
      status.textContent = "";
    }
  }

  function load() {
    if (asking) return;
    asking = true;
    socket.send("directory", {}).then(
      (reply) => {
        asking = false;
        data = { agents: reply.agents || [], queues: reply.queues || [] };
        if (status.textContent === t("dir.loading")) status.textContent = "";
        render();
      },
      (error) => {
        asking = false;
        status.textContent = t("dir.failed", { message: t.error(error) });
      },
    );
  }

  search.addEventListener("input", render);
  number.addEventListener("input", () => {
    const value = number.value.trim();
    pick(value ? { to: "number", target: value, label: value } : null);
  });

  return {
    node,
    open() {
      status.textContent = t("dir.loading");
      render();
      load();
      clearInterval(timer);
      timer = setInterval(load, REFRESH_MS);
      search.focus();
    },
    close() {
      clearInterval(timer);
      timer = null;
      chosen = null;
      search.value = "";
      number.value = "";
      onChange(null);
    },
    selection: () => chosen,
  };
}
