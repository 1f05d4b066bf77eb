"""The AMI gateway against misbehaving peers: a half-open link, a refused login, no Asterisk at all."""
from __future__ import annotations

import asyncio
import logging

import pytest

from callcenter import domain
from callcenter.ami.gateway import AmiGateway
from callcenter.errors import AmiUnavailable
from callcenter.settings import AmiSettings
from callcenter.simulator.config import SimulatorConfig
from callcenter.simulator.simulator import PbxSimulator


class DeafAsterisk:
    """Logs clients in, then never answers again (a half-open link as seen from the client)."""

    def __init__(self) -> None:
        self.connections = 0
        self.second = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.connections >= 2:
            self.second.set()
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        buf = b""
        try:
            while b"\r\n\r\n" not in buf:
                chunk = await reader.read(1024)
                if not chunk:
                    return
                buf += chunk
            action_id = next(line.split(": ", 1)[1] for line in buf.decode().split("\r\n") if line.startswith("ActionID"))
            writer.write(f"Response: Success\r\nActionID: {action_id}\r\nMessage: Authentication accepted\r\n\r\n".encode())
            while await reader.read(1024):
                pass                     # swallow everything, answer nothing
        finally:
            writer.close()


async def test_watchdog_treats_a_silent_link_as_dead_and_reconnects():
    deaf = DeafAsterisk()
    server = await asyncio.start_server(deaf.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    events: list = []
    gateway = AmiGateway(AmiSettings(port=port, secret="x", auth="plain", ping_interval=0.2, ping_timeout=0.2,
                                     reconnect_seconds=1), events.append)
    await gateway.start()
    try:
        await asyncio.wait_for(deaf.second.wait(), 10)
        assert any(isinstance(e, domain.AmiDisconnected) for e in events)
        assert sum(isinstance(e, domain.AmiConnected) for e in events) >= 1
    finally:
        await gateway.stop()
        server.close()
        await server.wait_closed()


async def test_a_refused_login_is_reported_and_actions_fail_fast(caplog):
    sim = PbxSimulator(SimulatorConfig(secret="right", login_failure_delay=0.05, agi_port=None))
    await sim.start()
    gateway = AmiGateway(AmiSettings(port=sim.ami_port, secret="wrong", reconnect_seconds=5), lambda e: None)
    caplog.set_level(logging.ERROR, logger="callcenter.ami.gateway")
    await gateway.start()
    try:
        async def refused_logged():
            while not any("refused" in r.getMessage() for r in caplog.records):
                await asyncio.sleep(0.02)
        await asyncio.wait_for(refused_logged(), 5)
        assert not gateway.connected
        with pytest.raises(AmiUnavailable):
            await gateway.send({"Action": "Ping"})
    finally:
        await gateway.stop()
        await sim.stop()


async def test_no_asterisk_listening_never_blocks_start_or_stop():
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    gateway = AmiGateway(AmiSettings(port=port, reconnect_seconds=1), lambda e: None)
    await asyncio.wait_for(gateway.start(), 2)
    assert not gateway.connected
    await asyncio.wait_for(gateway.stop(), 2)


@pytest.mark.parametrize("auth", ["md5", "plain"])
async def test_login_with_md5_challenge_or_plain_secret(auth):
    sim = PbxSimulator(SimulatorConfig(secret="s3cret", agi_port=None))
    await sim.start()
    events: list = []
    gateway = AmiGateway(AmiSettings(port=sim.ami_port, secret="s3cret", auth=auth), events.append)
    await gateway.start()
    try:
        async def logged_in():
            while not any(isinstance(e, domain.QueueSnapshot) for e in events):
                await asyncio.sleep(0.02)
        await asyncio.wait_for(logged_in(), 5)
        assert gateway.connected
        assert (await gateway.send({"Action": "Ping"}))["Ping"] == "Pong"
    finally:
        await gateway.stop()
        await sim.stop()


class FloodingAsterisk:
    """Logs the client in, sends *joins* QueueCallerJoin in one write (Chinese caller names, one frame with
    no end-of-frame for a long while in the middle), then answers every action as Asterisk 22 does."""

    def __init__(self, joins: int) -> None:
        self.joins = joins
        self.pings = 0

    def burst(self) -> bytes:
        def join(i: int) -> bytes:
            return (f"Event: QueueCallerJoin\r\nPrivilege: agent,all\r\nChannel: Local/100@inbound-{i:08x};2\r\n"
                    f"CallerIDNum: 138{i:08d}\r\nCallerIDName: 张伟{i}\r\nUniqueid: 1.{i}\r\nQueue: vip\r\n"
                    f"Position: {i + 1}\r\nCount: {i + 1}\r\n\r\n").encode()
        half = self.joins // 2
        garbage = b"Event: VarSet\r\nValue: " + b"x" * (2 << 20)        # 2 MiB with no frame end
        return (b"".join(join(i) for i in range(half)) + garbage + b"\r\n\r\n"
                + b"".join(join(i) for i in range(half, self.joins)))

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        try:
            while True:
                frame = await reader.readuntil(b"\r\n\r\n")
                headers = dict(line.split(": ", 1) for line in frame.decode().split("\r\n") if ": " in line)
                action, action_id = headers.get("Action", ""), headers.get("ActionID", "")
                reply = f"Response: Success\r\nActionID: {action_id}\r\n"
                if action == "Login":
                    writer.write(f"{reply}Message: Authentication accepted\r\n\r\n".encode())
                    writer.write(self.burst())
                elif action == "Ping":
                    self.pings += 1
                    writer.write(f"{reply}Ping: Pong\r\n\r\n".encode())
                elif action in ("QueueStatus", "CoreShowChannels"):
                    writer.write(f"{reply}EventList: start\r\nMessage: will follow\r\n\r\n"
                                 f"Event: {action}Complete\r\nActionID: {action_id}\r\nEventList: Complete\r\n"
                                 f"ListItems: 0\r\n\r\n".encode())
                else:
                    writer.write(f"{reply}\r\n".encode())
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_a_flood_keeps_the_link_the_order_the_names_and_resyncs_past_an_endless_frame(caplog):
    flood = FloodingAsterisk(joins=3000)
    server = await asyncio.start_server(flood.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    events: list = []
    gateway = AmiGateway(AmiSettings(port=port, secret="x", auth="plain", ping_interval=0.05, ping_timeout=2,
                                     reconnect_seconds=1), events.append)
    caplog.set_level(logging.WARNING, logger="callcenter.ami")
    await gateway.start()
    try:
        async def all_joined_and_pinged() -> None:
            while sum(isinstance(e, domain.CallerJoined) for e in events) < flood.joins or flood.pings < 3:
                await asyncio.sleep(0.02)
        await asyncio.wait_for(all_joined_and_pinged(), 30)
        joined = [e for e in events if isinstance(e, domain.CallerJoined)]
        assert [(e.call_id, e.caller_name) for e in joined] == [(f"1.{i}", f"张伟{i}") for i in range(flood.joins)]
        assert not any(isinstance(e, domain.AmiDisconnected) for e in events)
        (dropped,) = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
        assert "VarSet" in dropped and "xxxxxxxx" not in dropped
    finally:
        await gateway.stop()
        server.close()
        await server.wait_closed()
