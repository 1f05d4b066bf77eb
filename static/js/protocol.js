// The console's JSON envelope, encode/decode only: mirrors console/protocol.py (keep them in step).
//
// Server -> browser: {type, seq?, data} and replies {type: "reply", re, ok, data | error: {id, message}}.
// Browser -> server: {type: <command>, id, data}.
// seq is per agent and survives reconnects; reconnect with ?resume=<last seq>&epoch=<epoch>.

export const COMMANDS = Object.freeze(["available", "pause", "pause_after_call", "logout", "disposition", "wrapups", "ack", "ping", "queue_switch",
  "hold", "resume", "hangup", "transfer", "transfer_complete", "transfer_cancel", "dial",
  "tasks", "follow_up_done", "follow_up_cancel", "complaint_advance", "complaints", "complaint_reassign", "queues",
  "agent_force", "spy", "directory", "call_customer", "customer_create"]);
// Supervision (issue 5): agent_force {agent_id, action, reason}, spy {agent_id, mode}. The reason of a
// forced available / log out is a code of hello.action_reasons or the supervisor's words (audited).
// Server kind wallboard_series {day, step, points: {queue: [epoch_s, waiting, sl]}} (issue 10).
export const FORCE_ACTIONS = Object.freeze(["available", "pause", "logout"]);
export const SPY_MODES = Object.freeze(["listen", "whisper", "barge"]);
export const TRANSFER_KINDS = Object.freeze(["blind", "attended"]);
export const TRANSFER_TO = Object.freeze(["agent", "queue", "number"]);
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const CLOSE = Object.freeze({
  GOING_AWAY: 1001,
  UNAUTHENTICATED: 4401, // log in again, do not retry
  FORBIDDEN: 4403, // wrong Origin or a view the role may not open, do not retry
  TOO_SLOW: 4429, // outbound queue overflowed: reconnect with resume
  FLOODING: 4430, // too many commands over the rate limit: reconnect later (the longest backoff)
});

export const SEVERITIES = Object.freeze(["low", "medium", "high", "critical"]);
export const MAX_NOTES = 4000;
export const MAX_CATEGORY = 64;
export const MAX_DESCRIPTION = 4000;
export const MAX_SWITCH_REASON = 200;
export const FOLLOW_UP_ASSIGN = Object.freeze(["me", "pool"]);
export const FOLLOW_UP_RESULTS = Object.freeze(["reached", "satisfied", "unsatisfied", "no_answer", "wrong_number"]);
export const COMPLAINT_STATUSES = Object.freeze(["open", "in_progress", "resolved", "confirmed", "closed"]);
export const MAX_FOLLOW_UP_NOTE = 4000;
export const MAX_FOLLOW_UP_DAYS = 366;

const encoder = new TextEncoder();

export function encodeCommand(type, id, data = {}) {
  if (!COMMANDS.includes(type)) throw new Error(`unknown command ${type}`);
  const text = JSON.stringify({ type, id, data });
  if (encoder.encode(text).length > MAX_MESSAGE_BYTES) {
    throw new Error(`message larger than ${MAX_MESSAGE_BYTES} bytes`);
  }
  return text;
}

// Parse one server frame; throws on anything that is not an envelope.
export function decode(text) {
  const message = JSON.parse(text);
  if (message === null || typeof message !== "object" || Array.isArray(message) || typeof message.type !== "string") {
    throw new Error("frame is not a JSON envelope");
  }
  if (message.type !== "reply" && (message.data === null || typeof message.data !== "object")) {
    throw new Error("frame data must be an object");
  }
  return message;
}

// Client-side check of a disposition, same rules as decode_disposition in console/protocol.py.
// Returns {ok: true, data} or {ok: false, field}.
export function checkDisposition(fields, outcomes) {
  const outcome = fields.outcome;
  if (!outcomes.includes(outcome)) return { ok: false, field: "outcome" };
  const notes = (fields.notes || "").trim();
  if (notes.length > MAX_NOTES) return { ok: false, field: "notes" };
  let complaint = null;
  if (fields.complaint) {
    const category = (fields.complaint.category || "").trim();
    const description = (fields.complaint.description || "").trim();
    const severity = fields.complaint.severity;
    if (!category || category.length > MAX_CATEGORY) return { ok: false, field: "complaint.category" };
    if (!SEVERITIES.includes(severity)) return { ok: false, field: "complaint.severity" };
    if (!description || description.length > MAX_DESCRIPTION) return { ok: false, field: "complaint.description" };
    complaint = { category, severity, description };
  }
  let followUp = null;
  if (fields.follow_up) {
    const checked = checkFollowUp(fields.follow_up, fields.now === undefined ? Date.now() : fields.now);
    if (!checked.ok) return checked;
    followUp = checked.data;
  }
  return {
    ok: true,
    data: { call_id: fields.call_id, interaction_id: fields.interaction_id || "", outcome, notes, complaint,
      follow_up: followUp },
  };
}

// The wrap-up's follow-up, same rules as decode_follow_up: due (a Date or ms) in the future and within
// MAX_FOLLOW_UP_DAYS, sent as ISO 8601 UTC; assign me | pool (pool names a queue); note length.
export function checkFollowUp(followUp, now) {
  const due = followUp.due_at instanceof Date ? followUp.due_at : new Date(followUp.due_at);
  const when = due.getTime();
  if (Number.isNaN(when) || when <= now || when > now + MAX_FOLLOW_UP_DAYS * 86400000) {
    return { ok: false, field: "follow_up.due_at" };
  }
  const assign = followUp.assign || "me";
  if (!FOLLOW_UP_ASSIGN.includes(assign)) return { ok: false, field: "follow_up.assign" };
  const pool = assign === "pool" ? (followUp.pool || "").trim() : "";
  if (assign === "pool" && !pool) return { ok: false, field: "follow_up.pool" };
  const note = (followUp.note || "").trim();
  if (note.length > MAX_FOLLOW_UP_NOTE) return { ok: false, field: "follow_up.note" };
  return { ok: true, data: { due_at: due.toISOString(), assign, pool, note } };
}

// follow_up_done, same rules as decode_follow_up_done.
export function checkFollowUpDone(fields) {
  if (!Number.isInteger(fields.follow_up_id) || fields.follow_up_id <= 0) return { ok: false, field: "follow_up_id" };
  if (!FOLLOW_UP_RESULTS.includes(fields.result)) return { ok: false, field: "result" };
  const satisfaction = fields.satisfaction === "" || fields.satisfaction === undefined ? null : Number(fields.satisfaction);
  if (satisfaction !== null && !(Number.isInteger(satisfaction) && satisfaction >= 1 && satisfaction <= 5)) {
    return { ok: false, field: "satisfaction" };
  }
  const note = (fields.note || "").trim();
  if (note.length > MAX_FOLLOW_UP_NOTE) return { ok: false, field: "note" };
  return { ok: true, data: { follow_up_id: fields.follow_up_id, result: fields.result, note, satisfaction } };
}
