// The console's websocket: connect, reconnect with backoff, resume with the last seq, replies as
// promises, and a visible banner whenever the page may be out of date.

import { CLOSE, decode, encodeCommand } from "./protocol.js";
import { el } from "./dom.js";

const PING_EVERY_MS = 20000;
const PING_TIMEOUT_MS = 10000;
const ACK_DELAY_MS = 300;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;

export class DeskSocket {
  // path: "/ws?view=agent"; t: label function; banner: the #conn-banner element;
  // onHello(data), onFrame(kind, data, seq), onState(connected: boolean).
  constructor({ path, t, banner, loginUrl = "/login", onHello, onFrame, onState = () => {} }) {
    this.path = path;
    this.t = t;
    this.banner = banner;
    this.loginUrl = loginUrl;
    this.onHello = onHello;
    this.onFrame = onFrame;
    this.onState = onState;
    this.ws = null;
    this.ready = false; // true between hello and close
    this.stopped = false;
    this.attempts = 0;
    this.lastSeq = null;
    this.epoch = null;
    this.nextId = 1;
    this.pending = new Map();
    this.ackTimer = null;
    this.pingTimer = null;
    this.pingDeadline = null;
    this.retryTimer = null;
  }

  start() {
    this.showBanner(this.t("conn.connecting"));
    this.connect();
  }

  // Send a command; resolves with the reply's data, rejects with {id, message}.
  send(type, data = {}) {
    if (!this.ready) {
      return Promise.reject({ id: "disconnected", message: this.t("wrap.offline") });
    }
    const id = this.nextId++;
    let text;
    try {
      text = encodeCommand(type, id, data);
    } catch (error) {
      return Promise.reject({ id: "invalid-input", message: String(error.message || error) });
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(text);
    });
  }

  connect() {
    const url = new URL(this.path, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (this.lastSeq !== null) {
      url.searchParams.set("resume", String(this.lastSeq));
      if (this.epoch) url.searchParams.set("epoch", this.epoch);
    }
    const ws = new WebSocket(url.toString());
    this.ws = ws;
    ws.addEventListener("message", (event) => this.receive(event.data));
    ws.addEventListener("close", (event) => this.closed(ws, event));
  }

  receive(text) {
    let message;
    try {
      message = decode(text);
    } catch (error) {
      console.warn("console: ignoring a frame that is not an envelope", error);
      return;
    }
    if (message.type === "reply") {
      this.reply(message);
      return;
    }
    if (message.type === "hello") {
      this.hello(message.data);
      return;
    }
    if (typeof message.seq === "number") {
      if (this.lastSeq !== null && message.seq <= this.lastSeq) return; // already handled (replay)
      if (this.lastSeq !== null && message.seq > this.lastSeq + 1) {
        console.warn(`console: frames ${this.lastSeq + 1}..${message.seq - 1} were lost; the hello snapshot covers them`);
      }
      this.lastSeq = message.seq;
      this.scheduleAck();
    }
    this.onFrame(message.type, message.data, message.seq);
  }

  hello(data) {
    const fresh = this.lastSeq === null || this.epoch !== data.epoch || data.seq < this.lastSeq;
    if (fresh) this.lastSeq = data.seq; // a new stream: the snapshot is the whole truth
    this.epoch = data.epoch;
    this.ready = true;
    this.attempts = 0;
    this.hideBanner();
    this.startPing();
    this.onHello(data);
    this.onState(true);
  }

  reply(message) {
    const waiter = this.pending.get(message.re);
    if (waiter === undefined) {
      if (!message.ok) console.warn("console: server error", message.error);
      return;
    }
    this.pending.delete(message.re);
    if (message.ok) waiter.resolve(message.data || {});
    else waiter.reject(message.error || { id: "error", message: "error" });
  }

  closed(ws, event) {
    if (ws !== this.ws) return;
    this.ready = false;
    this.stopPing();
    clearTimeout(this.ackTimer);
    this.ackTimer = null;
    for (const waiter of this.pending.values()) {
      waiter.reject({ id: "disconnected", message: this.t("wrap.offline") });
    }
    this.pending.clear();
    this.onState(false);
    if (event.code === CLOSE.UNAUTHENTICATED) {
      this.stopped = true;
      const link = el("a", { attrs: { href: this.loginUrl }, text: this.t("conn.sign_in") });
      this.showBanner(this.t("conn.session_ended"), link);
      return;
    }
    if (event.code === CLOSE.FORBIDDEN) {
      this.stopped = true;
      this.showBanner(this.t("conn.forbidden"));
      return;
    }
    if (this.stopped) return;
    const flooding = event.code === CLOSE.FLOODING;
    const base = event.code === CLOSE.TOO_SLOW ? BACKOFF_MIN_MS
      : flooding ? BACKOFF_MAX_MS : Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempts);
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    this.attempts += 1;
    const retry = this.t("conn.retry_in", { seconds: Math.ceil(delay / 1000) });
    this.showBanner(`${this.t(flooding ? "conn.flooding" : "conn.reconnecting")} (${retry})`);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  scheduleAck() {
    if (this.ackTimer !== null) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      if (this.ready && this.lastSeq !== null) this.ws.send(encodeCommand("ack", null, { seq: this.lastSeq }));
    }, ACK_DELAY_MS);
  }

  // A half-open connection can look alive for minutes: ask, and reconnect when nobody answers.
  startPing() {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (!this.ready) return;
      const ws = this.ws;
      this.pingDeadline = setTimeout(() => ws.close(4000, "no reply to ping"), PING_TIMEOUT_MS);
      this.send("ping").then(() => clearTimeout(this.pingDeadline), () => {});
    }, PING_EVERY_MS);
  }

  stopPing() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pingDeadline);
    this.pingTimer = null;
  }

  showBanner(text, ...extra) {
    this.banner.replaceChildren(el("span", { text }), ...extra.map((node) => [" ", node]).flat());
    this.banner.hidden = false;
  }

  hideBanner() {
    this.banner.hidden = true;
    this.banner.replaceChildren();
  }
}
