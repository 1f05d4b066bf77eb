"""A scripted FastAGI client that plays Asterisk 22 against our server, over a real socket.

It sends the ``agi_*`` environment exactly as ``../shared/asterisk/agi_requests.jsonl`` recorded it and
answers commands the way ``agi_*.agi.txt`` show Asterisk answering them:

* ``GET DATA`` takes the next entry of ``presses``: a digit string → ``200 result=<digits>``, ``None``
  → ``200 result= (timeout)``, :data:`HANG_UP` → the caller hangs up during the prompt:
  ``200 result=-1``, and the ``HANGUP`` notification comes only *before the next response* (as in
  agi_hangup), after which media verbs answer ``511`` while ``SET/GET VARIABLE``, ``VERBOSE`` and
  ``EXEC`` still work; :data:`STALL` → never answer (a stuck Asterisk);
* unknown commands → ``510``.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from ivr.agi_protocol import split_args

HANG_UP = "<hang up>"
STALL = "<stall>"

# First call of agi_requests.jsonl (a Local channel), verbatim; the script name and URL are ours.
RECORDED_ENV: dict[str, str] = {
    "agi_network": "yes", "agi_network_script": "ivr", "agi_request": "agi://127.0.0.1:4573/ivr",
    "agi_channel": "Local/100@inbound-00000000;2", "agi_language": "en", "agi_type": "Local",
    "agi_uniqueid": "1795458074.1", "agi_version": "22.10.1", "agi_callerid": "13800000001",
    "agi_calleridname": "Test", "agi_callingpres": "0", "agi_callingani2": "0", "agi_callington": "0",
    "agi_callingtns": "0", "agi_dnid": "unknown", "agi_rdnis": "unknown", "agi_context": "inbound",
    "agi_extension": "100", "agi_priority": "4", "agi_enhanced": "0.0", "agi_accountcode": "",
    "agi_threadid": "140331092481728", "agi_arg_1": "100",
}

_DEAD = "511 Command Not Permitted on a dead channel or intercept routine"
_MEDIA = {"STREAM FILE": "200 result=0 endpos=8000", "SAY NUMBER": "200 result=0",
          "SAY DIGITS": "200 result=0", "ANSWER": "200 result=0", "WAIT FOR DIGIT": "200 result=0",
          "CHANNEL STATUS": "200 result=6", "HANGUP": "200 result=1"}
_VERBS = ("GET DATA", "SET VARIABLE", "GET VARIABLE", "VERBOSE", "EXEC", *_MEDIA)


def asterisk_env(port: int, script: str = "inbound", **overrides: str) -> dict[str, str]:
    env = dict(RECORDED_ENV, agi_network_script=script, agi_request=f"agi://127.0.0.1:{port}/{script}")
    env.update(overrides)
    return env


@dataclass
class CallRecord:
    commands: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    closed_by_server: bool = False      # (or reset: a server refusing the connection reads nothing)


class AsteriskPeer:
    def __init__(self, presses: Iterable[str | None] = ()) -> None:
        self.presses = list(presses)
        self.record = CallRecord()
        self.dead = False
        self._notice_pending = False
        self.stalled = asyncio.Event()

    async def call(self, port: int, env: dict[str, str], timeout: float = 5.0, *,
                   source: str | None = None) -> CallRecord:
        """Connect (from the local address ``source``, e.g. ``127.0.0.2``), send the environment,
        answer until the server closes; fails after ``timeout``."""
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, local_addr=(source, 0) if source else None)
        try:
            async with asyncio.timeout(timeout):
                writer.write("".join(f"{k}: {v}\n" for k, v in env.items()).encode() + b"\n")
                try:
                    await writer.drain()
                except ConnectionError:     # refused before the environment was even sent
                    self.record.closed_by_server = True
                    return self.record
                while True:
                    try:
                        raw = await reader.readline()
                    except ConnectionResetError:    # closed with our environment unread: a refusal
                        raw = b""
                    if not raw:
                        self.record.closed_by_server = True
                        return self.record
                    line = raw.decode().rstrip("\n")
                    self.record.commands.append(line)
                    notice, self._notice_pending = self._notice_pending, False
                    answer = self._answer(line)
                    if answer is None:
                        self.stalled.set()
                        continue        # a stuck Asterisk: read on, answer nothing
                    if notice:
                        answer = "HANGUP\n" + answer
                    writer.write(answer.encode() + b"\n")
                    await writer.drain()
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass

    def _answer(self, line: str) -> str | None:
        verb = next((v for v in _VERBS if line == v or line.startswith(v + " ")), "")
        args = split_args(line[len(verb):])
        if verb == "GET DATA":
            if self.dead:
                return _DEAD
            press = self.presses.pop(0) if self.presses else None
            if press == STALL:
                return None
            if press == HANG_UP:
                self.dead = self._notice_pending = True
                return "200 result=-1"
            return "200 result= (timeout)" if press is None else f"200 result={press}"
        if verb == "SET VARIABLE":
            self.record.variables[args[0]] = args[1] if len(args) > 1 else ""
            return "200 result=1"
        if verb == "GET VARIABLE":
            value = self.record.variables.get(args[0])
            return "200 result=0" if value is None else f"200 result=1 ({value})"
        if verb == "VERBOSE":
            return "200 result=1"
        if verb == "EXEC":
            return "200 result=0"
        if verb in _MEDIA:
            return _DEAD if self.dead else _MEDIA[verb]
        return "510 Invalid or unknown command"
