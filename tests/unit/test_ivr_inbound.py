"""The inbound script on an in-memory FastAGI stream: what it sends, what it posts, what it survives."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

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
    ch, out = channel("200 result=1", "200 result=1", *["200 result=1"] * 7)
    posted: list[IvrCompleted] = []
    event = await run_inbound(ch, settings_from_mapping({}), found(VIP), posted.append)
    assert out.lines == [
        'SET VARIABLE CHANNEL(language) "en"',        # before the first prompt: sounds/en/menu
        "GET DATA menu 5000 1",
        'SET VARIABLE CC_QUEUE "vip"',
        'SET VARIABLE CC_PRIORITY "10"',
        'SET VARIABLE CC_LANGUAGE "en"',
        'SET VARIABLE CC_CUSTOMER_ID "1"',
        'SET VARIABLE CC_MENU "service"',
        'SET VARIABLE CC_IVR_STATUS "ok"',
        'SET VARIABLE CC_SURVEY "yes"',
    ]
    assert posted == [event] and event.queue == "vip" and event.digits == ("1",)
    assert 0 <= event.ivr_seconds < 5          # from the request to the result: the engine dates the call back


async def test_a_failing_post_is_logged_not_raised(caplog):
    ch, _ = channel("200 result=1", *["200 result=1"] * 6)

    def post(event):
        raise asyncio.QueueFull

    event = await run_inbound(ch, settings_from_mapping({}), found(VIP), post)
    assert event.queue == "vip" and not event.failed
    assert "could not post" in caplog.text


async def test_caller_gone_while_setting_variables():
    # The stream ends after the menu: Asterisk closed the session.
    ch, _ = channel("200 result=1", "200 result=2", "200 result=1")
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


NESTED = {"ivr": {"menus": {
    "invalid_prompt": {"zh-CN": "invalid"},
    "menus": {
        "main": {"prompt": {"zh-CN": "main"}, "digits": {"1": {"menu": "billing"}, "2": {"menu": "self"}}},
        "billing": {"prompt": {"zh-CN": "billing"}, "digits": {"3": {"queue": "enterprise", "choice": "billing"}}},
        "self": {"prompt": {"zh-CN": "self"}, "digits": {"1": {"self_service": "complaint_status"}}},
    },
}}}


async def test_nested_menu_to_a_queue_on_the_wire():
    ch, out = channel("200 result=1", "200 result=1", "200 result=3", *["200 result=1"] * 6)
    event = await run_inbound(ch, settings_from_mapping(NESTED), found(VIP), [].append)
    assert out.lines[:3] == ['SET VARIABLE CHANNEL(language) "en"', "GET DATA main 5000 1", "GET DATA billing 5000 1"]
    assert (event.queue, event.priority, event.menu_choice) == ("enterprise", 10, "billing")
    assert event.digits == ("1", "3") and event.language == "en"      # the card's, with zh-CN sounds
    assert "menu: main 1 → billing 3 → queue enterprise" in event.note


async def test_a_key_pressed_during_the_invalid_notice_is_the_choice():
    # 7 is no option: the notice plays with escape digits and the caller presses 1 during it (ASCII 49);
    # then a timeout in billing: the notice again, heard to the end, and 3 at the prompt.
    ch, out = channel("200 result=1", "200 result=7", "200 result=49 endpos=1200", "200 result= (timeout)",
                      "200 result=0 endpos=8000", "200 result=3", *["200 result=1"] * 6)
    event = await run_inbound(ch, settings_from_mapping(NESTED), found(VIP), [].append)
    assert out.lines[1:6] == ["GET DATA main 5000 1", 'STREAM FILE invalid "0123456789*"', "GET DATA billing 5000 1",
                             'STREAM FILE invalid "0123456789*"', "GET DATA billing 5000 1"]
    assert event.digits == ("7", "1", "", "3") and event.queue == "enterprise"


async def test_complaint_status_is_read_out_then_routed_as_the_operator():
    complaints = [{"id": 1, "status": "open", "created_at": "2026-01-01T00:00:00+00:00"},
                  {"id": 2, "status": "resolving", "created_at": "2026-02-01T00:00:00+00:00"}]
    ch, out = channel("200 result=1", "200 result=2", "200 result=1", "200 result=0", "200 result=0 endpos=100",
                      *["200 result=1"] * 6)
    event = await run_inbound(ch, settings_from_mapping(NESTED), found({**VIP, "open_complaints": complaints}),
                              [].append)
    assert out.lines[3:6] == ['SAY NUMBER 2 ""', 'STREAM FILE complaint-resolving ""', 'SET VARIABLE CC_QUEUE "vip"']
    assert event.queue == "vip" and event.menu_choice == "self_service" and not event.failed


async def test_closed_on_a_holiday_sets_the_action_and_plays_the_prompt():
    settings = settings_from_mapping({"hours": {"default": {"weekly": {"daily": ["00:00-24:00"]},
                                                            "holidays": True}}})
    national_day = datetime(2026, 10, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    ch, out = channel("200 result=1", *["200 result=1"] * 8, "200 result=0 endpos=100")
    event = await run_inbound(ch, settings, found(VIP), [].append, clock=lambda: national_day)
    assert out.lines[-3] == 'SET VARIABLE CC_ACTION "closed"'
    assert out.lines[-2].startswith('SET VARIABLE CC_CLOSED_REASON "holiday')
    assert out.lines[-1] == 'STREAM FILE closed ""'
    assert event.note.startswith("closed: holiday") and event.queue == "vip" and not event.failed


async def test_the_default_hours_are_always_open():
    national_day = datetime(2026, 10, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    ch, out = channel("200 result=1", *["200 result=1"] * 6)
    event = await run_inbound(ch, settings_from_mapping({}), found(VIP), [].append, clock=lambda: national_day)
    assert not any("CC_ACTION" in line or line.startswith("STREAM FILE") for line in out.lines)
    assert event.queue == "vip" and "closed" not in event.note


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


# --------------------------------------------------------------------------- CHANNEL(language)
# Asterisk opens sounds/<CHANNEL(language)>/<name> when a prompt starts (res_agi handle_streamfile and
# GET DATA pass ast_channel_language(chan)): it must be right before every prompt, not after the menu.
SWITCH = {"ivr": {"menus": {"menus": {"main": {"prompt": {"zh-CN": "menu", "en": "menu"}, "digits": {
    "1": {"operator": True, "choice": "service"}, "9": {"language": "en", "label": "English"}}}}}}}


async def test_the_channel_language_is_set_before_the_menu_and_follows_a_switch():
    ch, out = channel("200 result=1", "200 result=9", "200 result=1", "200 result=1", *["200 result=1"] * 8)
    event = await run_inbound(ch, settings_from_mapping(SWITCH), found({**VIP, "language": "zh"}), [].append)
    assert out.lines[:4] == ['SET VARIABLE CHANNEL(language) "zh"', "GET DATA menu 5000 1",
                             'SET VARIABLE CHANNEL(language) "en"', "GET DATA menu 5000 1"]
    assert event.language == "en" and sum("CHANNEL(language)" in line for line in out.lines) == 2


async def test_an_unknown_caller_hears_the_default_language_from_the_first_prompt():
    # agi_language is "en" (Asterisk's default) but the menus' default is zh-CN; the account + PIN
    # then finds an English-speaking customer: the menu plays from sounds/en/.
    async def verify(account: str, pin: str):
        return {**VIP, "language": "en"}

    settings = settings_from_mapping({"ivr": {"account_pin": {"enabled": True}}})
    ch, out = channel("200 result=1", "200 result=88000001", "200 result=123456", "200 result=1", "200 result=1",
                      *["200 result=1"] * 8)
    event = await run_inbound(ch, settings, found(), [].append, verify_account=verify)
    assert out.lines[0] == 'SET VARIABLE CHANNEL(language) "zh"'
    assert [line.split()[2] for line in out.lines[1:3]] == ["enter-account", "enter-pin"]
    assert out.lines[3:5] == ['SET VARIABLE CHANNEL(language) "en"', "GET DATA menu 5000 1"]
    assert event.language == "en" and event.card is not None
