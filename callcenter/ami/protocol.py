"""A faster, bounded ``protocol_factory`` for panoramisk's ``Manager``.

panoramisk 1.4 decodes every TCP read on its own (a UTF-8 character cut by the read is lost), lets a
frame without an end grow without bound, builds a case-insensitive ``Message`` for every frame and
matches every event against every registered pattern (~35k events/s). Here the hot path is: split the
read into frames on bytes (``parser.FrameReader``, which bounds and resyncs), look at the first line,
drop the events we do not use undecoded, decode and parse the few we keep into a plain dict and hand
it to ``sink`` (a sync callable: translate + ``inbox.put_nowait``). Everything else (responses, list
events answering one of our actions, ``FullyBooted``, ``Shutdown``) takes panoramisk's own path, so
action futures, reconnect bookkeeping and callbacks behave exactly as upstream.

Fairness: one read can hold hundreds of frames and a burst thousands. After ``frames_per_turn`` frames
handed on, the protocol pauses reading, gives the loop a turn (websocket sends, the watchdog's Ping,
the engine draining the inbox) and goes on from where it stopped, in order. With no running loop
(tests, benches feeding bytes by hand) there is nobody to yield to and a read is handled at once.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from callcenter.ami import parser

log = logging.getLogger(__name__)

# Events that always go through panoramisk's dispatch (Manager callbacks rely on them).
_PANORAMISK_EVENTS = frozenset({b"FullyBooted", b"Shutdown"})
# Headers panoramisk reads as one string; repeated, its Message makes them a list and its dispatch raises.
_SINGLE_HEADERS = ("Event", "Response", "ActionID", "CommandID")


class FastAMIProtocol(AMIProtocol):
    """``AMIProtocol`` with a filtering fast path for unsolicited events."""

    sink: Callable[[dict[str, str]], None] | None = None
    wanted: frozenset[str] = frozenset()
    max_frame_bytes: int = parser.DEFAULT_MAX_FRAME_BYTES
    frames_per_turn: int = 200      # ~2-4 ms of parse + translate + apply, then the loop gets a turn

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        super().connection_made(transport)
        self._reader = parser.FrameReader(self.max_frame_bytes)
        self._wanted = frozenset(name.encode() for name in self.wanted)
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self._pending: list[bytes] = []      # frames of earlier reads not handled yet, in order
        self._paused = False
        self.dropped = 0
        self.malformed = 0

    @property
    def _encoding(self) -> str:
        return getattr(self, "encoding", None) or "utf-8"

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        frames = reader.feed(data)
        if self.version is None and reader.banner is not None:
            self.version = reader.banner
            log.info("AMI protocol version %s", self.version)
        if reader.oversized:
            self._log_oversized()
        if self._pending:                     # still working through an earlier burst: keep the order
            self._pending.extend(frames)
            return
        self._handle(frames)

    def _handle(self, frames: list[bytes]) -> None:
        """Hand on *frames*; past ``frames_per_turn`` kept frames, defer the rest to a later turn."""
        wanted = self._wanted
        sink = self.sink
        budget = self.frames_per_turn if self._loop is not None else -1
        encoding = self._encoding
        awaiting = self.responses          # our actions waiting for a reply (list events carry their ActionID)
        rest = iter(frames)
        for frame in rest:               # the hot loop: most frames are dropped on their first line
            if frame.startswith(b"Event: "):      # parser.event_name, inlined: this runs for every frame
                end = frame.find(b"\r\n", 7)
                name: bytes | None = frame[7:end] if end >= 0 else frame[7:]
            else:
                name = parser.event_name(frame)
            if name is not None and name not in _PANORAMISK_EVENTS:
                if name not in wanted:
                    if not (awaiting and b"\r\nActionID: " in frame):
                        self.dropped += 1
                        continue
                    # else: a list event answering one of our actions: panoramisk's path
                elif b"\r\nActionID: " not in frame and sink is not None:
                    try:
                        sink(parser.parse_headers(frame.decode(encoding, "replace")))
                    except Exception:  # one bad frame must never stop the ingest
                        log.exception("AMI event %r could not be handled", name[:80])
                    budget -= 1
                    if budget == 0:
                        self._defer(list(rest))
                        return
                    continue
            self._slow_path(frame.decode(encoding, "replace"))
            budget -= 1
            if budget == 0:
                self._defer(list(rest))
                return

    def _defer(self, rest: list[bytes]) -> None:
        if not rest:
            return
        self._pending = rest
        if not self._paused and self.transport is not None:
            self.transport.pause_reading()
            self._paused = True
        assert self._loop is not None
        self._loop.call_soon(self._resume)

    def _resume(self) -> None:
        frames, self._pending = self._pending, []
        self._handle(frames)           # even after a Shutdown: panoramisk too handles a whole read
        if not self._pending and self._paused:
            self._paused = False
            self.transport.resume_reading()

    def connection_lost(self, exc) -> None:  # type: ignore[no-untyped-def]
        # Frames already read come before the news that the link is gone (and the resync after it).
        frames, self._pending = getattr(self, "_pending", []), []
        if frames:
            self._loop = None                 # no more turns: the rest goes now
            self._handle(frames)
        super().connection_lost(exc)

    def _log_oversized(self) -> None:
        reader = self._reader
        for o in reader.oversized:
            log.warning("AMI frame over %d bytes dropped: %d bytes skipped up to the next frame end "
                        "(first line %r; %d such frames, %d bytes on this link)", reader.max_frame_bytes,
                        o.dropped_bytes, o.first_line, reader.oversized_total, reader.dropped_bytes_total)
        reader.oversized.clear()

    def _slow_path(self, frame: str) -> None:
        frame = frame.strip()
        if not frame:
            return
        try:
            message = Message.from_line(frame)
        except Exception:
            message = None
        if message is None or any(isinstance(message.get(key), list) for key in _SINGLE_HEADERS):
            self.malformed += 1
            log.warning("AMI frame ignored (neither Response nor Event, or one of them twice): %r", frame[:200])
            return
        try:
            self.handle_message(message)
        except Exception:
            log.exception("AMI frame could not be handled: %r", frame[:200])
