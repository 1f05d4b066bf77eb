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
