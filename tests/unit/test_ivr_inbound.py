"""The inbound script on an in-memory FastAGI stream: what it sends, what it posts, what it survives."""
from __future__ import annotations

import asyncio
import logging

from callcenter.domain import IvrCompleted
from callcenter.settings import settings_from_mapping
from ivr.channel import AgiChannel
from ivr.inbound import run_inbound
from tests.unit.test_ivr_channel import Writer

ENV = {"agi_uniqueid": "1795458074.1", "agi_callerid": "13800000001", "agi_language": "en",
       "agi_network_script": "inbound"}
VIP = {"customer_id": 1, "customer_type": "vip", "language": "en"}


def channel(*responses: str, **env: str) -> tuple[AgiChannel, Writer]:
    reader = asyncio.StreamReader()
    reader.feed_data("".join(r + "\n" for r in responses).encode())
    reader.feed_eof()
    writer = Writer()
    return AgiChannel(reader, writer, {**ENV, **env}), writer


def found(*cards):
    async def identify(number: str):
        return list(cards)
    return identify


async def test_sequence_on_the_wire():
    ch, out = channel("200 result=1", *["200 result=1"] * 6)
    posted: list[IvrCompleted] = []
    event = await run_inbound(ch, settings_from_mapping({}), found(VIP), posted.append)
    assert out.lines == [
        "GET DATA menu 5000 1",
        'SET VARIABLE CC_QUEUE "vip"',
        'SET VARIABLE CC_PRIORITY "10"',
        'SET VARIABLE CC_LANGUAGE "en"',
        'SET VARIABLE CC_CUSTOMER_ID "1"',
        'SET VARIABLE CC_MENU "service"',
        'SET VARIABLE CC_IVR_STATUS "ok"',
    ]
    assert posted == [event] and event.queue == "vip" and event.digits == ("1",)


async def test_a_failing_post_is_logged_not_raised(caplog):
    ch, _ = channel("200 result=1", *["200 result=1"] * 6)

    def post(event):
        raise asyncio.QueueFull

    event = await run_inbound(ch, settings_from_mapping({}), found(VIP), post)
    assert event.queue == "vip" and not event.failed
    assert "could not post" in caplog.text


async def test_caller_gone_while_setting_variables():
    # The stream ends after the menu: Asterisk closed the session.
    ch, _ = channel("200 result=2", "200 result=1")
    posted: list[IvrCompleted] = []
    await run_inbound(ch, settings_from_mapping({}), found(VIP), posted.append)
    [event] = posted
    assert event.queue == "vip" and event.menu_choice == "complaint" and not event.failed
    assert "hung up" in event.note


async def test_no_caller_number_skips_the_lookup():
    asked: list[str] = []

    async def identify(number: str):
        asked.append(number)
        return [VIP]

    ch, _ = channel("200 result=1", *["200 result=1"] * 6, agi_callerid="unknown")
    posted: list[IvrCompleted] = []
    await run_inbound(ch, settings_from_mapping({}), identify, posted.append)
    assert asked == []
    assert posted[0].card is None and posted[0].queue == "standard" and posted[0].caller_number == ""
    assert "no caller number" in posted[0].note


async def test_an_empty_menu_asks_nothing():
    ch, out = channel(*["200 result=1"] * 6)
    posted: list[IvrCompleted] = []
    await run_inbound(ch, settings_from_mapping({"ivr": {"menu": []}}), found(VIP), posted.append)
    assert not any(line.startswith("GET DATA") for line in out.lines)
    assert posted[0].menu_choice == "" and posted[0].queue == "vip"


async def test_fallback_that_cannot_be_set_still_posts(caplog):
    # identify fails, and the channel is already gone: no variables, but the engine still hears.
    async def identify(number: str):
        raise ConnectionError("db")

    ch, _ = channel()
    posted: list[IvrCompleted] = []
    with caplog.at_level(logging.WARNING):
        await run_inbound(ch, settings_from_mapping({}), identify, posted.append)
    assert posted[0].failed and posted[0].note.startswith("ivr error: ConnectionError: db")
    assert "could not set the fallback variables" in caplog.text
