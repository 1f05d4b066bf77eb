"""AMI framing, pure: bytes in, frames out, the unparsed rest kept for the next read.

Theory of operation. Asterisk sends frames of ``Key: Value`` lines ended by CRLF, a frame ended by an
empty line. With the classes we subscribe to, and even more with ``Events: on``, most frames are events
we never use (a queue call with ``Events: on`` is ~190 events, three quarters ``VarSet``/``Newexten``).
So the splitter looks at a frame's first line only and drops unwanted events *before* decoding or
parsing them; the few frames we keep are decoded and parsed into plain dicts; the translation matches
header names case-insensitively (casing varies between events: ``HoldTime`` vs ``Holdtime``).

Frames are split on *bytes* and decoded one whole frame at a time: TCP may cut a read inside a
multi-byte UTF-8 character (a caller named 张伟), never inside the ASCII ``\\r\\n\\r\\n`` that ends a
frame. Invalid UTF-8 is replaced, never raised. A frame may not grow past ``max_frame_bytes``: past
it, :class:`FrameReader` drops bytes up to the next frame end (resync) and reports what it dropped.

Frames that are not events we translate (responses, list events carrying an ``ActionID``,
``FullyBooted``/``Shutdown``) are handed back whole so the panoramisk side can match them to pending
actions and callbacks.
"""
from __future__ import annotations

from dataclasses import dataclass

EOL = "\r\n"
FRAME_END = b"\r\n\r\n"
BANNER_PREFIX = b"Asterisk Call Manager/"
DEFAULT_MAX_FRAME_BYTES = 1 << 20   # a CoreShowChannels list is one frame per channel; 1 MiB is generous
_TAIL = len(FRAME_END) - 1          # bytes kept while skipping: a frame end may straddle two reads


@dataclass(frozen=True, slots=True)
class Oversized:
    """A frame longer than the limit, dropped up to its end: what to log (never its content)."""

    dropped_bytes: int
    first_line: bytes        # at most 80 bytes of it, to say which event it was


class FrameReader:
    """Incremental splitter for one AMI connection: :meth:`feed` bytes, get complete frames (bytes,
    without their terminator). Keeps the banner (``Asterisk Call Manager/x.y.z``, one line, not a
    frame) apart, and bounds every frame to ``max_frame_bytes``."""

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self.banner: str | None = None
        self._rest = bytearray()             # a frame begun, not ended yet (or the last bytes of one skipped)
        self._expect_banner = True
        self._skipping: bytes | None = None   # first line of the oversized frame being dropped
        self._skipped = 0
        self.oversized: list[Oversized] = []  # drained by the caller after each feed
        self.oversized_total = 0
        self.dropped_bytes_total = 0

    def feed(self, data: bytes) -> list[bytes]:
        rest = self._rest
        if not rest:
            buffer = data
        else:
            searched = max(0, len(rest) - _TAIL)  # rest holds no frame end before this point
            rest += data                          # in place: a frame trickling in costs O(its size)
            if self._skipping is None and not self._expect_banner and rest.find(FRAME_END, searched) < 0:
                if len(rest) > self.max_frame_bytes:
                    self._skip(bytes(rest))
                return []
            buffer = bytes(rest)
            rest.clear()
        if self._expect_banner:
            buffer = self._take_banner(buffer)
            if self._expect_banner:
                self._rest = bytearray(buffer)
                return []
        if self._skipping is not None:
            end = buffer.find(FRAME_END)
            if end < 0:
                self._skipped += len(buffer) - _TAIL
                self._rest = bytearray(buffer[-_TAIL:])
                return []
            self._resynced(end + len(FRAME_END))
            buffer = buffer[end + len(FRAME_END):]
        frames = buffer.split(FRAME_END)
        rest = frames.pop()
        limit = self.max_frame_bytes
        if len(buffer) > limit:          # only then can a complete frame be too long
            kept = []
            for frame in frames:
                if len(frame) > limit:
                    self._skipping, self._skipped = frame[:80].partition(b"\r\n")[0], 0
                    self._resynced(len(frame) + len(FRAME_END))
                else:
                    kept.append(frame)
            frames = kept
        if len(rest) > limit:
            self._skip(rest)
        else:
            self._rest = bytearray(rest)
        return frames

    def _skip(self, rest: bytes) -> None:
        """*rest*, a frame begun but not ended, is over the limit: drop it up to its end."""
        self._skipping = rest[:80].partition(b"\r\n")[0]
        self._skipped = len(rest) - _TAIL
        self._rest = bytearray(rest[-_TAIL:])

    def _take_banner(self, buffer: bytes) -> bytes:
        head = buffer[:len(BANNER_PREFIX)]
        if not BANNER_PREFIX.startswith(head):
            self._expect_banner = False          # no greeting (a test, a replay): frames from byte 0
            return buffer
        end = buffer.find(b"\r\n")
        if end < 0:
            if len(buffer) > self.max_frame_bytes:
                self._expect_banner = False
            return buffer                        # wait for the rest of the line
        self.banner = buffer[len(BANNER_PREFIX):end].decode("utf-8", "replace").strip()
        self._expect_banner = False
        return buffer[end + 2:]

    def _resynced(self, skipped_here: int) -> None:
        dropped = self._skipped + skipped_here
        self.oversized.append(Oversized(dropped, self._skipping or b""))
        self.oversized_total += 1
        self.dropped_bytes_total += dropped
        self._skipping, self._skipped = None, 0


def event_name(frame: bytes) -> bytes | None:
    """The event name of a frame whose first line is ``Event: X``; ``None`` for anything else."""
    if not frame.startswith(b"Event: "):
        if not frame.startswith(b"\r\n"):
            return None
        frame = frame.lstrip(b"\r\n")           # an extra CRLF before a frame (panoramisk strips it too)
        if not frame.startswith(b"Event: "):
            return None
    end = frame.find(b"\r\n")
    return frame[7:] if end < 0 else frame[7:end]


def parse_headers(frame: str) -> dict[str, str]:
    """Headers of one decoded frame, keys as Asterisk spells them (``translate`` matches them
    case-insensitively); lines without ``': '`` are skipped as malformed; a repeated key keeps its
    last value."""
    headers: dict[str, str] = {}
    for line in frame.split(EOL):
        key, sep, value = line.partition(": ")
        if sep:
            headers[key] = value
        elif line.endswith(":"):            # "AccountCode: " arrives as "AccountCode:" once stripped
            headers[line[:-1]] = ""
    return headers
