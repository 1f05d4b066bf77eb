"""`AgiChannel`: one FastAGI session as typed verbs that raise our own exceptions.

Theory of operation. panoramisk 1.4's ``Request.send_command`` reads exactly one line per command and
returns errors as dicts: an early ``HANGUP`` notification is taken for the command's response (every
later response is then off by one), and after any ``520`` it reads one more line, which with Asterisk
22's one-line ``520 ... Proper usage not available.`` waits for a line that never comes. This facade
writes the command itself and reads lines through :class:`ivr.agi_protocol.ResponseAssembler` until the
command's own response arrives: a ``HANGUP`` line on the way only marks the channel dead. Then the
response is mapped once:

* ``511`` (dead channel), end of stream, or ``result=-1`` from a media verb after ``HANGUP`` →
  :class:`AgiHangup` (the caller is gone; ``SET VARIABLE``, ``VERBOSE`` and ``EXEC`` still work);
* ``510`` / ``520`` → :class:`AgiCommandError` (our bug; the stream stays in step);
* no complete response within the command's deadline → :class:`AgiTimeout`; an unreadable line →
  :class:`AgiProtocolError`. Both leave the stream out of step, so every later command fails at once
  with the same error instead of reading another command's answer.

``result=-1`` from ``STREAM FILE`` without a ``HANGUP`` first is ambiguous (a missing sound file on a
live channel answers the same as a caller who just hung up, whose ``HANGUP`` arrives a few ms later):
the verbs report "no digit" and the next command tells which it was.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Protocol

from callcenter.errors import CallCenterError
from ivr.agi_protocol import (
    HANGUP, AgiParseError, AgiResponse, CallInfo, ResponseAssembler, arg, call_info, command, quote,
)

log = logging.getLogger(__name__)

# A command that plays nothing should answer within milliseconds; one that plays a prompt may take as
# long as the prompt. These bound how long a stuck peer can hold a script.
COMMAND_TIMEOUT = 10.0
MEDIA_TIMEOUT = 120.0
_DTMF = frozenset("0123456789*#ABCDabcd")


class AgiError(CallCenterError):
    error_id = "agi-error"

    def __init__(self, message: str, *, command: str = "", code: int | None = None) -> None:
        super().__init__(self.error_id, message, {"command": command, "code": code})
        self.command = command
        self.code = code


class AgiHangup(AgiError):
    """The caller is gone (511, end of stream, or a failed media verb after ``HANGUP``)."""
    error_id = "agi-hangup"


class AgiCommandError(AgiError):
    """Asterisk refused the command (510 unknown command, 520 usage, or a failing application)."""
    error_id = "agi-command-failed"


class AgiTimeout(AgiError):
    """No response within the command's deadline; the session cannot be used any more."""
    error_id = "agi-timeout"


class AgiProtocolError(AgiError):
    """A line that is not FastAGI; the session cannot be used any more."""
    error_id = "agi-protocol-error"


class _Writer(Protocol):
    def write(self, data: bytes) -> None: ...
    async def drain(self) -> None: ...


class AgiChannel:
    def __init__(self, reader: asyncio.StreamReader, writer: _Writer, env: Mapping[str, str], *,
                 encoding: str = "utf-8", timeout: float = COMMAND_TIMEOUT,
                 media_timeout: float = MEDIA_TIMEOUT) -> None:
        self._reader = reader
        self._writer = writer
        self._env = MappingProxyType(dict(env))
        self._info = call_info(self._env)
        self._encoding = encoding
        self._timeout = timeout
        self._media_timeout = media_timeout
        self._assembler = ResponseAssembler()
        self._dead = False
        self._failure: AgiError | None = None

    # ------------------------------------------------------------------ state
    @property
    def env(self) -> Mapping[str, str]:
        """The ``agi_*`` environment Asterisk sent (read-only)."""
        return self._env

    @property
    def info(self) -> CallInfo:
        return self._info

    @property
    def dead(self) -> bool:
        """True once Asterisk said ``HANGUP`` (or 511, or closed the stream)."""
        return self._dead

    # ------------------------------------------------------------------ verbs
    async def answer(self) -> None:
        response = await self._media("ANSWER")
        if response.value == -1:
            raise AgiHangup("ANSWER failed: the channel is gone", command="ANSWER")

    async def stream_file(self, name: str, escape_digits: str = "") -> str | None:
        """Play ``name``; the digit that interrupted it, or ``None``."""
        line = command("STREAM FILE", arg(name), quote(escape_digits))
        return self._digit(line, await self._media(line))

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> tuple[str, bool]:
        """Play ``prompt`` and collect up to ``max_digits`` digits: ``(digits, timed_out)``."""
        if timeout_ms <= 0 or max_digits <= 0:
            raise ValueError("GET DATA needs a positive timeout and digit count (no endless wait)")
        line = command("GET DATA", arg(prompt), str(int(timeout_ms)), str(int(max_digits)))
        response = await self._media(line, wait=timeout_ms / 1000 * max_digits)
        if response.result == "-1":
            self._note_failed_media(line)
            return "", True
        return response.result, response.data == "timeout"

    async def wait_for_digit(self, ms: int) -> str | None:
        if ms < 0:
            raise ValueError("WAIT FOR DIGIT needs a timeout (a negative one waits forever)")
        line = command("WAIT FOR DIGIT", str(int(ms)))
        return self._digit(line, await self._media(line, wait=ms / 1000))

    async def say_number(self, n: int, escape: str = "") -> str | None:
        line = command("SAY NUMBER", str(int(n)), quote(escape))
        return self._digit(line, await self._media(line))

    async def say_digits(self, digits: str, escape: str = "") -> str | None:
        line = command("SAY DIGITS", arg(digits), quote(escape))
        return self._digit(line, await self._media(line))

    async def set_variable(self, name: str, value: object) -> None:
        await self.send_command(command("SET VARIABLE", arg(name), quote(value)))

    async def get_variable(self, name: str) -> str | None:
        """The variable's value, ``None`` when it is not set."""
        return self._variable(await self.send_command(command("GET VARIABLE", arg(name))))

    async def get_full_variable(self, expression: str) -> str | None:
        """Evaluate ``${...}`` expressions on the channel."""
        return self._variable(await self.send_command(command("GET FULL VARIABLE", quote(expression))))

    async def verbose(self, message: str, level: int = 1) -> None:
        await self.send_command(command("VERBOSE", quote(message), str(int(level))))

    async def exec(self, app: str, args: str | Sequence[str] = "") -> int:
        """Run a dialplan application; its return value (``-2``: no such application → error)."""
        data = args if isinstance(args, str) else ",".join(args)
        line = command("EXEC", arg(app), *([arg(data)] if data else []))
        response = await self.send_command(line, timeout=self._media_timeout)
        if response.value == -2:
            raise AgiCommandError(f"no dialplan application {app!r}", command=line, code=200)
        return response.value if response.value is not None else 0

    async def channel_status(self) -> int:
        """Asterisk's channel state number (6 = up)."""
        response = await self.send_command("CHANNEL STATUS")
        return response.value if response.value is not None else -1

    async def hangup(self) -> None:
        """Hang the caller up; already gone is fine."""
        try:
            await self.send_command("HANGUP")
        except AgiHangup:
            if self._failure is not None:
                raise
        self._dead = True

    # ------------------------------------------------------------------ the wire
    async def send_command(self, line: str, *, timeout: float | None = None) -> AgiResponse:
        """Send one complete command line; its 200 response, or one of our exceptions."""
        line = command(line)
        if self._failure is not None:
            raise type(self._failure)(f"session unusable: {self._failure.message}", command=line)
        try:
            async with asyncio.timeout(self._timeout if timeout is None else timeout):
                self._writer.write((line + "\n").encode(self._encoding))
                await self._writer.drain()
                response = await self._read_response(line)
        except TimeoutError:
            raise self._fail(AgiTimeout(f"no answer to {line!r} in time", command=line)) from None
        except ConnectionError as exc:
            self._dead = True
            raise self._fail(AgiHangup(f"connection lost: {exc}", command=line)) from None
        if response.code == 200:
            return response
        if response.code == 511:
            self._dead = True
            raise AgiHangup(f"{line!r} refused: the channel is dead", command=line, code=511)
        raise AgiCommandError(f"{line!r} failed: {response.code} {response.message}",
                              command=line, code=response.code)

    async def _read_response(self, line: str) -> AgiResponse:
        while True:
            try:
                raw = await self._reader.readline()
            except ValueError:      # longer than the stream's limit
                raise self._fail(AgiProtocolError("response line too long", command=line)) from None
            if not raw.endswith(b"\n"):
                self._dead = True
                raise self._fail(AgiHangup("Asterisk closed the FastAGI connection", command=line))
            try:
                parsed = self._assembler.feed(raw.decode(self._encoding, "replace"))
            except AgiParseError as exc:
                raise self._fail(AgiProtocolError(str(exc), command=line)) from None
            if parsed is None:
                continue
            if parsed is HANGUP:
                log.debug("call %s: HANGUP while waiting for %r", self._info.call_id, line)
                self._dead = True
                continue
            assert isinstance(parsed, AgiResponse)
            if parsed.code == 100:      # "100 result=0 Trying...": the real answer follows
                continue
            return parsed

    def _fail(self, error: AgiError) -> AgiError:
        self._failure = error
        return error

    async def _media(self, line: str, wait: float = 0.0) -> AgiResponse:
        response = await self.send_command(line, timeout=self._media_timeout + wait)
        if response.result == "-1" and self._dead:
            raise AgiHangup(f"{line!r} failed: the caller hung up", command=line)
        return response

    def _digit(self, line: str, response: AgiResponse) -> str | None:
        code = response.value
        if code is None:
            raise AgiProtocolError(f"{line!r}: result {response.result[:40]!r} is not a number", command=line)
        if code == -1:
            self._note_failed_media(line)
        if code <= 0:
            return None
        # Asterisk answers with the ASCII code of a DTMF key; anything else is not Asterisk talking.
        if code > 0x7F or chr(code) not in _DTMF:
            raise AgiProtocolError(f"{line!r}: result {code} is not a DTMF key's code", command=line)
        return chr(code)

    def _note_failed_media(self, line: str) -> None:
        log.info("call %s: %r returned -1 (missing sound file, or the caller is hanging up)",
                 self._info.call_id, line)

    @staticmethod
    def _variable(response: AgiResponse) -> str | None:
        return (response.data or "") if response.value == 1 else None

    def __repr__(self) -> str:
        return f"<AgiChannel call={self._info.call_id} dead={self._dead}>"
