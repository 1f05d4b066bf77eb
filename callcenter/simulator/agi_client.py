"""FastAGI client: what Asterisk's ``AGI(agi://host:port/script,args)`` does for one caller.

Theory of operation. Connect (refused or too slow: ``AGISTATUS=FAILURE``, the dialplan goes on), send
the channel's ``agi_*`` environment exactly as Asterisk 22 does (same keys, same order, LF line ends,
a blank line), then answer each command line with one response line until the server closes the
connection. Commands that play or read take simulated time; those that read digits consume the
caller's next scripted entry (a string of keys, or ``None`` = silence): key presses made while nothing
reads them are lost on a real PBX, so the script is "what the caller types at the next prompt".

A hang-up is noticed wherever the session is: a playing command answers ``200 result=-1``, then a
``HANGUP`` line follows at once (it can reach the server after its next command). From then on the
channel is dead: media commands answer ``511``, VERBOSE/GET/SET VARIABLE/EXEC still work. When the
server closes, ``HANGUP`` is sent once more, as Asterisk does at the end of every session. A server that
stays silent for ``agi_idle_timeout`` is cut off (``FAILURE``) so the caller is never left in silence.

``SET VARIABLE CHANNEL(language) x`` (or ``EXEC Set``) changes the channel's language at once
(func_channel.c writes the channel's language field); a prompt is looked up in that language when it
*starts* (res_agi ``handle_streamfile``/``handle_getdata`` pass ``ast_channel_language``), so every
``STREAM FILE``/``GET DATA``/``CONTROL STREAM FILE``/``GET OPTION`` is noted in ``SimCall.played``
with the language in force: what a caller with a real Asterisk would have heard.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from . import events as ev
from .agi_commands import (KNOWN_APPS, RESULT_DEAD, RESULT_INVALID, RESULT_USAGE, lookup, samples,
                           split_args, to_int)
from .calls import SimCall, wait_any
from .pbx import Pbx

log = logging.getLogger(__name__)
AGI_VERSION = "22.10.1"
LANGUAGE_FUNCTION = "CHANNEL(language)"
_TIMEOUT = object()


class _Usage(Exception):
    pass


class AgiSession:
    def __init__(self, pbx: Pbx, call: SimCall, script: str, args: list[str], priority: int) -> None:
        self.pbx, self.call = pbx, call
        self.script, self.args, self.priority = script, args, priority
        self.timing = pbx.timing
        self.notified = False              # the HANGUP notification line was sent
        host, port = pbx.agi_target
        self.host, self.port = host, port
        self.url = f"agi://{host}:{port}/{script}"

    @property
    def dead(self) -> bool:
        return self.call.hung_up or self.call.dead_by_agi

    # -- session ---------------------------------------------------------------------------------
    async def run(self) -> str:
        if self.port is None:
            return "FAILURE"
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port),
                                                    self.timing.agi_connect_timeout)
        except (OSError, asyncio.TimeoutError):
            return "FAILURE"
        status = "SUCCESS"
        try:
            writer.write(self.environment().encode())
            while True:
                line = await self._next_command(reader, writer)
                if line is None:
                    break
                if line is _TIMEOUT:
                    status = "FAILURE"
                    break
                assert isinstance(line, str)
                reply = await self.execute(line)
                self.call.agi_log.append((line, reply))
                writer.write(f"{reply}\n".encode())
                if self.dead and not self.notified:
                    self.notified = True
                    writer.write(b"HANGUP\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        except Exception:                       # a simulator bug must not leave the caller in silence
            log.exception("FastAGI session of %s failed", self.call.call_id)
            status = "FAILURE"
        finally:
            with contextlib.suppress(Exception):
                writer.write(b"HANGUP\n")
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        return "HANGUP" if status == "SUCCESS" and self.dead else status

    def environment(self) -> str:
        chan = self.call.chan
        assert chan is not None
        tech = chan.tech
        env = [("agi_network", "yes"), ("agi_network_script", self.script), ("agi_request", self.url),
               ("agi_channel", chan.name), ("agi_language", chan.language), ("agi_type", tech),
               ("agi_uniqueid", chan.uniqueid), ("agi_version", AGI_VERSION),
               ("agi_callerid", _or_unknown(chan.caller_num)), ("agi_calleridname", _or_unknown(chan.caller_name)),
               ("agi_callingpres", "0"), ("agi_callingani2", "0"), ("agi_callington", "0"), ("agi_callingtns", "0"),
               ("agi_dnid", "unknown" if tech == "Local" else self.call.dnid or "unknown"), ("agi_rdnis", "unknown"),
               ("agi_context", chan.context), ("agi_extension", chan.exten), ("agi_priority", str(self.priority)),
               ("agi_enhanced", "0.0"), ("agi_accountcode", chan.account_code),
               ("agi_threadid", str(140_000_000_000_000 + self.pbx.rng.randrange(1_000_000_000)))]
        env += [(f"agi_arg_{i}", arg) for i, arg in enumerate(self.args, start=1)]
        return "".join(f"{key}: {value}\n" for key, value in env) + "\n"

    async def _next_command(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> object:
        read = asyncio.ensure_future(reader.readline())
        deadline = self.pbx.now() + self.timing.agi_idle_timeout
        try:
            while True:
                waits: list[asyncio.Future[Any]] = [read]
                if not self.dead:
                    waits.append(self.call.caller_gone)
                await wait_any(waits, deadline - self.pbx.now())
                if read.done():
                    try:
                        raw = read.result()
                    except (ValueError, ConnectionError, OSError):
                        return None
                    return raw.decode("utf-8", "replace").rstrip("\r\n") if raw else None
                if self.call.hung_up and not self.notified:
                    self._caller_hung_up()
                    self.notified = True
                    writer.write(b"HANGUP\n")
                    continue
                if self.pbx.now() >= deadline:
                    return _TIMEOUT
        finally:
            if not read.done():
                read.cancel()
                await asyncio.wait([read])      # let it finish; never swallows our own cancellation

    def _caller_hung_up(self) -> None:
        self.pbx.caller_hangup_requests(self.call)
        self.pbx.drop_front(self.call)

    # -- commands --------------------------------------------------------------------------------
    async def execute(self, line: str) -> str:
        chan = self.call.chan
        assert chan is not None
        command_id = self.pbx.rng.randrange(1, 2**31)
        self.pbx.emit(ev.agi_exec_start(chan.snapshot(), command_id, line))
        argv = split_args(line)
        command = lookup(argv)
        if command is None:
            reply, code, result = RESULT_INVALID, 510, "Invalid or unknown command"
        elif self.dead and not command.dead_ok:
            reply, code, result = RESULT_DEAD, 511, "Command Not Permitted on a dead channel or intercept routine"
        else:
            try:
                reply = await getattr(self, f"_{command.name}", self._generic)(argv)
                code, result = 200, "Success"
            except _Usage:
                reply, code, result = RESULT_USAGE, 520, "Usage"
        self.pbx.emit(ev.agi_exec_end(chan.snapshot(), command_id, line, code, result))
        return reply

    async def _play(self, seconds: float) -> float | None:
        """Simulated audio; ``None`` when it played to the end, else the seconds played before a hang-up."""
        start = self.pbx.now()
        if await wait_any([self.call.caller_gone], seconds):
            self._caller_hung_up()
            return self.pbx.now() - start
        return None

    def _keys(self) -> str | None:
        keys = self.call.next_digits()
        chan = self.call.chan
        for digit in keys or "":
            assert chan is not None
            self.pbx.emit(ev.dtmf_begin(chan.snapshot(), digit))
            self.pbx.emit(ev.dtmf_end(chan.snapshot(), digit))
        return keys

    async def _interruptible(self, escape: str, length: float) -> tuple[int, float | None]:
        """Play *length* seconds that the caller's first key may interrupt if it is in *escape*.
        Returns (result, seconds played); result -1 on hang-up."""
        keys = self._keys() if escape else None
        if keys and keys[0] in escape:
            played = min(self.timing.digit_seconds, length)
            cut = await self._play(played)
            return (-1, cut) if cut is not None else (ord(keys[0]), played)
        cut = await self._play(length)
        return (-1, cut) if cut is not None else (0, length)

    def _played(self, sound: str) -> None:
        assert self.call.chan is not None
        self.call.played.append((sound, self.call.chan.language))

    def _set(self, name: str, value: str) -> None:
        chan = self.call.chan
        assert chan is not None
        if name.strip() == LANGUAGE_FUNCTION:     # a dialplan function, not a variable
            chan.language = value
        else:
            chan.variables[name.strip()] = value

    async def _stream_file(self, argv: list[str]) -> str:
        if not 4 <= len(argv) <= 5:
            raise _Usage
        self._played(argv[2])
        result, played = await self._interruptible(argv[3], self.timing.prompt_seconds)
        return f"200 result={result} endpos={samples(played or 0.0)}"

    async def _control_stream_file(self, argv: list[str]) -> str:
        if len(argv) < 5:
            raise _Usage
        self._played(argv[3])
        result, _ = await self._interruptible(argv[4], self.timing.prompt_seconds)
        return f"200 result={result}"

    async def _get_option(self, argv: list[str]) -> str:
        if not 4 <= len(argv) <= 5:
            raise _Usage
        self._played(argv[2])
        result, played = await self._interruptible(argv[3], self.timing.prompt_seconds)
        if result == 0 and len(argv) == 5:             # nothing pressed during the prompt: wait a little
            if await self._play(max(to_int(argv[4]) or 0, 0) / 1000 * self.timing.timeout_scale) is not None:
                result = -1
        return f"200 result={result} endpos={samples(played or 0.0)}"

    async def _get_data(self, argv: list[str]) -> str:
        if len(argv) < 3:
            raise _Usage
        self._played(argv[2])
        timeout_ms = (to_int(argv[3]) if len(argv) > 3 else 0) or 2000
        max_digits = (to_int(argv[4]) if len(argv) > 4 else None) or 1024
        wait = timeout_ms / 1000 * self.timing.timeout_scale
        keys = self._keys()
        if not keys:
            if await self._play(self.timing.prompt_seconds + wait) is not None:
                return "200 result=-1"
            return "200 result= (timeout)"
        collected, terminated = "", False
        for key in keys:
            if key == "#":
                terminated = True
                break
            collected += key
            if len(collected) >= max_digits:
                terminated = True
                break
        duration = self.timing.digit_seconds * max(1, len(collected)) + (0 if terminated else wait)
        if await self._play(duration) is not None:
            return "200 result=-1"
        return f"200 result={collected}" if terminated else f"200 result={collected} (timeout)"

    async def _wait_for_digit(self, argv: list[str]) -> str:
        if len(argv) != 4 or to_int(argv[3]) is None:
            raise _Usage
        timeout_ms = to_int(argv[3]) or 0
        keys = self._keys()
        if keys:
            return "200 result=-1" if await self._play(self.timing.digit_seconds) is not None else \
                f"200 result={ord(keys[0])}"
        wait = timeout_ms / 1000 * self.timing.timeout_scale if timeout_ms >= 0 else self.timing.agi_idle_timeout
        return "200 result=-1" if await self._play(wait) is not None else "200 result=0"

    async def _say(self, escape: str) -> str:
        result, _ = await self._interruptible(escape, self.timing.prompt_seconds)
        return f"200 result={result}"

    async def _say_number(self, argv: list[str]) -> str:
        if not 4 <= len(argv) <= 5 or to_int(argv[2]) is None:
            raise _Usage
        return await self._say(argv[3])

    async def _say_digits(self, argv: list[str]) -> str:
        if len(argv) != 4 or to_int(argv[2]) is None:
            raise _Usage
        return await self._say(argv[3])

    async def _say_alpha(self, argv: list[str]) -> str:
        if len(argv) != 4:
            raise _Usage
        return await self._say(argv[3])

    _say_phonetic = _say_alpha

    async def _answer(self, argv: list[str]) -> str:
        return "200 result=0"

    async def _channel_status(self, argv: list[str]) -> str:
        if len(argv) > 3:
            raise _Usage
        chan = self.call.chan if len(argv) == 2 else self.pbx.channels.get(argv[2])
        return f"200 result={chan.state}" if chan is not None else "200 result=-1"

    async def _hangup(self, argv: list[str]) -> str:
        if len(argv) > 2:
            raise _Usage
        chan = self.call.chan
        if len(argv) == 2 and argv[1] != chan.name:   # type: ignore[union-attr]
            return "200 result=-1"                    # other channels: not simulated
        self._hang_up_self()
        return "200 result=1"

    def _hang_up_self(self) -> None:
        assert self.call.chan is not None
        if not self.dead:
            self.call.dead_by_agi = True
            self.pbx.emit(ev.soft_hangup_request(self.call.chan.snapshot(), 16))

    async def _verbose(self, argv: list[str]) -> str:
        if len(argv) < 2:
            raise _Usage
        return "200 result=1"

    async def _get_variable(self, argv: list[str]) -> str:
        if len(argv) != 3:
            raise _Usage
        value = self.pbx.get_var(self.call.chan, argv[2])
        return "200 result=0" if value is None else f"200 result=1 ({value})"

    async def _get_full_variable(self, argv: list[str]) -> str:
        if not 4 <= len(argv) <= 5:
            raise _Usage
        chan = self.call.chan if len(argv) == 4 else self.pbx.channels.get(argv[4])
        if chan is None:
            return "200 result=0"
        return f"200 result=1 ({self.pbx.substitute(chan, argv[3])})"

    async def _set_variable(self, argv: list[str]) -> str:
        if len(argv) != 4:
            raise _Usage
        self._set(argv[2], argv[3])
        return "200 result=1"

    async def _exec(self, argv: list[str]) -> str:
        if len(argv) < 2:
            raise _Usage
        app, data = argv[1].lower(), (argv[2] if len(argv) > 2 else "")
        if app not in KNOWN_APPS:
            return "200 result=-2"
        if app == "set" and "=" in data:
            name, _, value = data.partition("=")
            self._set(name, value)
        elif app == "hangup":
            self._hang_up_self()
            return "200 result=-1"
        elif app in ("playback", "background", "saydigits", "saynumber", "sayalpha") and not self.dead:
            if await self._play(self.timing.prompt_seconds) is not None:
                return "200 result=-1"
        elif app == "wait" and not self.dead:
            seconds = float(to_int(data) or 0) * self.timing.timeout_scale
            if await self._play(seconds) is not None:
                return "200 result=-1"
        return "200 result=0"

    async def _set_callerid(self, argv: list[str]) -> str:
        return "200 result=1"

    async def _database_put(self, argv: list[str]) -> str:
        return "200 result=1"

    _database_del = _database_deltree = _database_put

    async def _generic(self, argv: list[str]) -> str:
        """Known commands the simulator does not model (RECORD FILE, SET MUSIC, ...): plain success."""
        return "200 result=0"


def _or_unknown(value: str) -> str:
    return "unknown" if not value or value == "<unknown>" else value
