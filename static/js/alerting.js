// Ring tone and desktop notification for a pop that arrives while the desk's tab is in the background
// (document.hidden). The agent allows it once with the visible "enable" control: that click is the user
// gesture browsers require for both the notification permission and the audio. The tone is generated
// with WebAudio (no sound file); the notification uses the Notification API, tagged with the call so a
// second pop of the same call replaces it. Text only (dom.el), never innerHTML.

import { el } from "./dom.js";

const CHOICE_KEY = "cc.notify";

export function createAlerting({ root, t }) {
  const supported = typeof window.Notification === "function";
  const enable = el("button", { className: "btn btn-quiet", text: t("notify.enable"), attrs: { id: "btn-enable-notify", type: "button" } });
  const on = el("span", { className: "notify-on", text: t("notify.on"), attrs: { id: "notify-on" } });
  const off = el("button", { className: "btn btn-quiet btn-small", text: t("notify.off"), attrs: { id: "btn-notify-off", type: "button" } });
  const note = el("span", { className: "inline-message is-error", attrs: { id: "notify-note", role: "status" } });
  if (root) root.append(enable, on, off, note);
  let audio = null;

  const wanted = () => window.localStorage.getItem(CHOICE_KEY) === "on";
  const allowed = () => supported && window.Notification.permission === "granted" && wanted();

  function render() {
    if (!root) return;
    const active = allowed();
    root.hidden = !supported;
    enable.hidden = active;
    on.hidden = !active;
    off.hidden = !active;
    note.textContent = supported && window.Notification.permission === "denied" ? t("notify.denied") : "";
  }

  function context() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume().catch(() => {});
    return audio;
  }

  enable.addEventListener("click", async () => {
    context();              // unlocked by this click: later rings may play in the background
    let permission = window.Notification.permission;
    if (permission === "default") permission = await window.Notification.requestPermission();
    if (permission === "granted") window.localStorage.setItem(CHOICE_KEY, "on");
    render();
  });
  off.addEventListener("click", () => {
    window.localStorage.setItem(CHOICE_KEY, "off");
    render();
  });

  // Two short bursts of a 440+480 Hz pair (the North American ring), 2 s in all.
  function ring() {
    const ctx = audio && audio.state === "running" ? audio : null;
    if (!ctx) return false;
    const gain = ctx.createGain();
    gain.connect(ctx.destination);
    gain.gain.value = 0;
    const start = ctx.currentTime + 0.05;
    for (const offset of [0, 0.6]) {
      gain.gain.setValueAtTime(0.15, start + offset);
      gain.gain.setValueAtTime(0, start + offset + 0.4);
    }
    for (const hz of [440, 480]) {
      const tone = ctx.createOscillator();
      tone.frequency.value = hz;
      tone.connect(gain);
      tone.start(start);
      tone.stop(start + 1.1);
    }
    return true;
  }

  // A pop arrived: ring and notify only when the agent cannot see the desk.
  function popArrived(call) {
    if (!document.hidden || !allowed()) return;
    ring();
    const card = call.card || null;
    const who = (card && card.name) || call.caller_number || "?";
    const notification = new window.Notification(t("notify.title", { who }), {
      body: t("notify.body", { queue: call.queue || "–", waited: call.waited_seconds ?? 0 }),
      tag: `call-${call.call_id}`,
      requireInteraction: false,
    });
    notification.addEventListener("click", () => {
      window.focus();
      notification.close();
    });
  }

  // After a reload the audio needs a gesture again: the agent's first click on the desk gives it.
  document.addEventListener("pointerdown", () => {
    if (allowed()) context();
  }, { once: true, capture: true });

  render();
  return { popArrived, render };
}
