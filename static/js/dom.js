// DOM helpers. Everything that came from the server goes in as textContent: never innerHTML.
import { formatDateTime } from "./format.js";

// el("td", {className: "x", text: "y", attrs: {colspan: 2}}, child, ...)
export function el(tag, options = {}, ...children) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  for (const [name, value] of Object.entries(options.attrs || {})) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
}

export function formatDuration(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

// An instant in the page's language (static/js/format.js: formatDateTime).
export function formatTime(iso, lang) {
  return formatDateTime(iso, lang);
}

// The server's clock, as seen from here: timers count from server timestamps.
export class Clock {
  constructor() {
    this.offset = 0;
  }

  sync(serverIso) {
    const server = Date.parse(serverIso);
    if (!Number.isNaN(server)) this.offset = server - Date.now();
  }

  now() {
    return Date.now() + this.offset;
  }
}

// Live "time since" counters, refreshed once a second; elements that left the page are dropped.
export class Ticker {
  constructor(clock) {
    this.clock = clock;
    this.timers = new Map();
    this.handle = setInterval(() => this.tick(), 1000);
  }

  track(node, sinceIso) {
    const since = Date.parse(sinceIso);
    if (Number.isNaN(since)) {
      node.textContent = "";
      return node;
    }
    this.timers.set(node, since);
    node.textContent = formatDuration((this.clock.now() - since) / 1000);
    return node;
  }

  tick() {
    const now = this.clock.now();
    for (const [node, since] of this.timers) {
      if (!node.isConnected) this.timers.delete(node);
      else node.textContent = formatDuration((now - since) / 1000);
    }
  }
}
