// The console's JSON envelope, encode/decode only: mirrors console/protocol.py (keep them in step).
//
// Server -> browser: {type, seq?, data} and replies {type: "reply", re, ok, data | error: {id, message}}.
// Browser -> server: {type: <command>, id, data}.
// seq is per agent and survives reconnects; reconnect with ?resume=<last seq>&epoch=<epoch>.

export const COMMANDS = Object.freeze(["available", "pause", "logout", "disposition", "ack", "ping", "queue_switch"]);
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const CLOSE = Object.freeze({
  GOING_AWAY: 1001,
  UNAUTHENTICATED: 4401, // log in again, do not retry
  FORBIDDEN: 4403, // wrong Origin or a view the role may not open, do not retry
  TOO_SLOW: 4429, // outbound queue overflowed: reconnect with resume
});

export const SEVERITIES = Object.freeze(["low", "medium", "high", "critical"]);
export const MAX_NOTES = 4000;
export const MAX_CATEGORY = 64;
export const MAX_DESCRIPTION = 4000;
export const MAX_SWITCH_REASON = 200;

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
  return {
    ok: true,
    data: { call_id: fields.call_id, interaction_id: fields.interaction_id || "", outcome, notes, complaint },
  };
}
