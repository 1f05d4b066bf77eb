"""The FastAGI server and the inbound script over a real socket, against a scripted Asterisk peer."""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.integration.agi_peer import HANG_UP, STALL, AsteriskPeer, CallRecord, asterisk_env
from tests.integration.ivr_support import EVENT_TIMEOUT, cards, make_settings

VIP_CARD = {
    "customer_id": 42, "name": "Li Na", "customer_type": "vip", "value_class": "major",
    "account_manager": "Zhang Wei", "credit_status": "good", "language": "zh",
}
GROUP_CARD = {**VIP_CARD, "customer_id": 7, "name": "Acme Ltd", "customer_type": "group", "language": ""}

async def test_vip_caller_pressing_1_goes_to_the_vip_queue_first(start_ivr):
    identify = cards(VIP_CARD, GROUP_CARD)
    ivr = await start_ivr(identify)

    record = await ivr.call(presses=["1"])
    event = await ivr.completed()

    assert identify.asked == ["13800000001"]
    # Prompt and collect in one command: digits pressed between commands would be lost.
    assert record.commands[:2] == ['SET VARIABLE CHANNEL(language) "zh"', "GET DATA menu 1000 1"]
    assert record.variables == {
        "CC_QUEUE": "vip", "CC_PRIORITY": "10", "CC_LANGUAGE": "zh", "CC_CUSTOMER_ID": "42",
        "CC_MENU": "service", "CC_IVR_STATUS": "ok", "CC_SURVEY": "yes", "CHANNEL(language)": "zh",
    }
    assert record.closed_by_server
    assert event.call_id == "1795458074.1"
    assert event.caller_number == "13800000001"
    assert (event.queue, event.priority) == ("vip", 10)
    # The number is shared: the best card is routed, and the desk can offer both customers.
    assert {k: v for k, v in event.card.items() if k != "candidates"} == VIP_CARD
    assert [c["customer_id"] for c in event.card["candidates"]] == [42, 7]
    assert event.digits == ("1",)
    assert event.menu_choice == "service"
    assert event.language == "zh"
    assert not event.failed


async def test_group_caller_goes_to_enterprise(start_ivr):
    ivr = await start_ivr(cards(GROUP_CARD))
    record = await ivr.call(presses=["2"])
    event = await ivr.completed()
    assert (record.variables["CC_QUEUE"], record.variables["CC_PRIORITY"]) == ("enterprise", "5")
    assert record.variables["CC_MENU"] == "complaint"
    # The card has no language: the menus' default, not agi_language (Asterisk says "en" for every channel).
    assert record.variables["CC_LANGUAGE"] == "zh" and record.variables["CHANNEL(language)"] == "zh"
    assert event.menu_choice == "complaint"


async def test_unknown_caller_goes_to_the_standard_queue(start_ivr):
    ivr = await start_ivr(cards())
    record = await ivr.call(presses=["2"], agi_callerid="13900000000", agi_uniqueid="1795458083.5")
    event = await ivr.completed()
    assert record.variables["CC_QUEUE"] == "standard"
    assert record.variables["CC_PRIORITY"] == "0"
    assert record.variables["CC_CUSTOMER_ID"] == ""
    assert record.variables["CC_IVR_STATUS"] == "ok"
    assert event.call_id == "1795458083.5"
    assert event.card is None and event.queue == "standard" and event.digits == ("2",)


async def test_invalid_digit_then_valid_one(start_ivr):
    ivr = await start_ivr(cards(VIP_CARD))
    record = await ivr.call(presses=["7", "2"])
    event = await ivr.completed()
    assert [c for c in record.commands if c.startswith("GET DATA")] == ["GET DATA menu 1000 1"] * 2
    assert event.digits == ("7", "2")
    assert event.menu_choice == "complaint"


async def test_no_valid_digit_in_any_try_takes_the_menu_fallback(start_ivr):
    ivr = await start_ivr(cards(VIP_CARD), make_settings({"max_tries": 3}))
    record = await ivr.call(presses=[None, "9", None])
    event = await ivr.completed()
    assert len([c for c in record.commands if c.startswith("GET DATA")]) == 3
    assert record.variables["CC_MENU"] == "operator"       # the fallback: the tier's route
    assert record.variables["CC_QUEUE"] == "vip"
    assert event.digits == ("", "9", "")
    assert event.menu_choice == "operator"
    assert "no valid choice in main after 3 tries" in event.note
    assert not event.failed


NESTED = {
    "invalid_prompt": {"zh-CN": "zh/invalid", "en": "en/invalid"},
    "max_tries": 2,
    "menus": {
        "main": {"prompt": {"zh-CN": "zh/main", "en": "en/main"}, "digits": {
            "1": {"menu": "billing", "label": "账单 Billing"},
            "2": {"menu": "self", "label": "自助 Self-service"},
            "0": {"operator": True, "label": "人工 Agent", "choice": "operator"},
        }},
        "billing": {"prompt": {"zh-CN": "zh/billing", "en": "en/billing"}, "digits": {
            "3": {"queue": "enterprise", "label": "账单人工 Billing agent", "choice": "billing"},
            "*": {"back": True},
        }},
        "self": {"prompt": {"zh-CN": "zh/self"}, "digits": {
            "1": {"self_service": "complaint_status", "choice": "complaint_status"},
            "2": {"callback": True},
        }},
    },
}
# Open 08:00-20:00 every day, closed on CN public holidays.
HOLIDAY_HOURS = {"timezone": "Asia/Shanghai", "country": "CN",
                 "default": {"weekly": {"daily": ["08:00-20:00"]}, "holidays": True}}
NATIONAL_DAY_NOON = datetime(2026, 10, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ORDINARY_NOON = datetime(2026, 10, 13, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def get_data(record: CallRecord) -> list[str]:
    return [c for c in record.commands if c.startswith("GET DATA")]


async def test_nested_menu_to_a_queue_keeps_the_tiers_priority(start_ivr):
    ivr = await start_ivr(cards(VIP_CARD), make_settings(NESTED))
    record = await ivr.call(presses=["1", "3"])
    event = await ivr.completed()
    # The card says zh: the Chinese prompts.
    assert get_data(record) == ["GET DATA zh/main 1000 1", "GET DATA zh/billing 1000 1"]
    assert (record.variables["CC_QUEUE"], record.variables["CC_PRIORITY"]) == ("enterprise", "10")
    assert record.variables["CC_MENU"] == "billing" and "CC_ACTION" not in record.variables
    assert event.digits == ("1", "3") and event.menu_choice == "billing" and event.language == "zh"
    assert "main 1 (账单 Billing) → billing 3 (账单人工 Billing agent) → queue enterprise" in event.note


async def test_invalid_digit_plays_the_notice_then_a_valid_one_counts(start_ivr):
    ivr = await start_ivr(cards({**GROUP_CARD, "language": "en"}), make_settings(NESTED))
    record = await ivr.call(presses=["1", "7", "3"])
    event = await ivr.completed()
    assert record.commands[:5] == ['SET VARIABLE CHANNEL(language) "en"', "GET DATA en/main 1000 1", "GET DATA en/billing 1000 1",
                                   'STREAM FILE en/invalid "0123456789*"', "GET DATA en/billing 1000 1"]
    assert (event.queue, event.priority) == ("enterprise", 5)
    assert event.digits == ("1", "7", "3")


async def test_timeouts_up_to_max_tries_then_the_menu_fallback(start_ivr):
    ivr = await start_ivr(cards({**GROUP_CARD, "language": "en"}), make_settings(NESTED))
    record = await ivr.call(presses=["1", None, None])
    event = await ivr.completed()
    assert get_data(record) == ["GET DATA en/main 1000 1"] + ["GET DATA en/billing 1000 1"] * 2
    assert record.variables["CC_QUEUE"] == "enterprise"       # the tree's fallback: the tier's route
    assert record.variables["CC_MENU"] == "operator" and record.variables["CC_IVR_STATUS"] == "ok"
    assert event.digits == ("1", "", "") and "no valid choice in billing after 2 tries" in event.note


async def test_complaint_status_is_read_out_then_routed_as_the_operator(start_ivr):
    card = {**VIP_CARD, "open_complaints": [
        {"id": 1, "category": "billing", "severity": "high", "status": "open",
         "created_at": "2026-01-05T08:00:00+00:00"},
        {"id": 2, "category": "network", "severity": "low", "status": "investigating",
         "created_at": "2026-02-01T08:00:00+00:00"},
    ]}
    ivr = await start_ivr(cards(card), make_settings(NESTED))
    record = await ivr.call(presses=["2", "1"])
    event = await ivr.completed()
    said = record.commands.index('SAY NUMBER 2 ""')
    assert record.commands[said + 1] == 'STREAM FILE complaint-investigating ""'     # the most recent one
    assert record.commands.index('SET VARIABLE CC_QUEUE "vip"') > said
    assert (event.queue, event.priority, event.menu_choice) == ("vip", 10, "complaint_status")
    assert not event.failed


def saved_callbacks(fail: bool = False):
    saved: list[tuple[dict, dict | None]] = []

    async def request(fields, card):
        if fail:
            raise ConnectionError("database down")
        saved.append((fields, card))
        return {"id": len(saved), **fields}

    request.saved = saved  # type: ignore[attr-defined]
    return request


async def test_a_callback_choice_is_saved_confirmed_and_the_caller_let_go(start_ivr):
    request = saved_callbacks()
    ivr = await start_ivr(cards(VIP_CARD), make_settings(NESTED), request_callback=request)
    record = await ivr.call(presses=["2", "2"])
    event = await ivr.completed()
    assert record.variables["CC_ACTION"] == "callback" and "CC_STEPS" not in record.variables
    assert record.commands[-1] == 'STREAM FILE callback-confirmed ""'
    [(fields, card)] = request.saved
    assert (fields["number"], fields["queue"], fields["source"], fields["priority"]) == ("13800000001", "vip", "ivr", 10)
    assert card["name"] == VIP_CARD["name"] and "callback requested (ivr)" in event.note


async def test_a_callback_that_cannot_be_saved_queues_the_caller_instead(start_ivr):
    ivr = await start_ivr(cards(VIP_CARD), make_settings(NESTED), request_callback=saved_callbacks(fail=True))
    record = await ivr.call(presses=["2", "2"])
    event = await ivr.completed()
    assert "CC_ACTION" not in record.variables and record.variables["CC_QUEUE"] == "vip"
    assert "callback could not be saved: queued instead" in event.note


async def test_out_of_hours_the_caller_is_offered_a_callback_for_the_opening_time(start_ivr):
    request = saved_callbacks()
    settings = make_settings(NESTED, hours=HOLIDAY_HOURS)
    ivr = await start_ivr(cards(VIP_CARD), settings, clock=lambda: NATIONAL_DAY_NOON, request_callback=request)
    record = await ivr.call(presses=["1", "3", "1"])
    await ivr.completed()
    assert record.variables["CC_ACTION"] == "closed"
    assert any(c.startswith("GET DATA callback-offer") for c in record.commands)
    [(fields, _)] = request.saved
    assert fields["source"] == "out_of_hours" and fields["not_before"] > NATIONAL_DAY_NOON
    assert record.commands[-1] == 'STREAM FILE callback-confirmed ""'


async def test_closed_on_a_cn_public_holiday_is_not_queued(start_ivr):
    settings = make_settings(NESTED, hours=HOLIDAY_HOURS)
    ivr = await start_ivr(cards(VIP_CARD), settings, clock=lambda: NATIONAL_DAY_NOON)
    record = await ivr.call(presses=["1", "3"])
    event = await ivr.completed()
    assert record.variables["CC_ACTION"] == "closed"
    assert record.variables["CC_CLOSED_REASON"].startswith("holiday")
    assert record.commands[-1] == 'STREAM FILE closed ""'
    assert event.note.startswith("closed: holiday") and not event.failed


async def test_the_same_hours_on_an_ordinary_day_queue_the_caller(start_ivr):
    settings = make_settings(NESTED, hours=HOLIDAY_HOURS)
    ivr = await start_ivr(cards(VIP_CARD), settings, clock=lambda: ORDINARY_NOON)
    record = await ivr.call(presses=["1", "3"])
    await ivr.completed()
    assert "CC_ACTION" not in record.variables and record.variables["CC_QUEUE"] == "enterprise"


async def test_a_crash_after_the_menu_still_falls_back(start_ivr):
    # hours that cannot be checked (a naive clock) are a bug: default queue, never silence.
    settings = make_settings(NESTED)
    ivr = await start_ivr(cards(VIP_CARD), settings, clock=lambda: datetime(2026, 10, 1, 12, 0))
    record = await ivr.call(presses=["1", "3"])
    event = await ivr.completed()
    assert record.variables["CC_IVR_STATUS"] == "fallback"
    assert record.variables["CC_QUEUE"] == settings.routing.default_queue
    assert event.failed and event.note.startswith("ivr error: ValueError")


async def test_lookup_error_routes_to_the_default_queue_as_fallback(start_ivr, caplog):
    async def identify(number: str) -> list[dict[str, Any]]:
        raise RuntimeError("database is down")

    settings = make_settings()
    ivr = await start_ivr(identify, settings)
    record = await ivr.call(presses=["1"])
    event = await ivr.completed()

    assert record.variables["CC_QUEUE"] == settings.routing.default_queue
    assert record.variables["CC_PRIORITY"] == "0"
    assert record.variables["CC_IVR_STATUS"] == "fallback"
    assert record.closed_by_server
    assert event.failed
    assert event.queue == settings.routing.default_queue and event.priority == 0
    assert event.note.startswith("ivr error: RuntimeError: database is down")
    assert "database is down" in caplog.text      # the traceback is logged


async def test_bad_card_routes_to_the_default_queue_as_fallback(start_ivr):
    ivr = await start_ivr(cards("not a card"))  # type: ignore[arg-type]
    record = await ivr.call(presses=["1"])
    event = await ivr.completed()
    assert record.variables["CC_IVR_STATUS"] == "fallback"
    assert event.failed and event.note.startswith("ivr error: TypeError")


async def test_slow_lookup_means_unknown_caller_routed_without_waiting(start_ivr):
    cancelled = asyncio.Event()

    async def identify(number: str) -> list[dict[str, Any]]:
        try:
            await asyncio.Event().wait()      # a database that never answers
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return []

    settings = make_settings(ivr={"lookup_timeout": 0.1})
    ivr = await start_ivr(identify, settings)
    started = time.monotonic()
    record = await ivr.call(presses=["1"])
    elapsed = time.monotonic() - started
    event = await ivr.completed()

    assert record.variables["CC_QUEUE"] == "standard"
    assert record.variables["CC_IVR_STATUS"] == "ok"
    assert event.card is None and not event.failed
    assert "timed out" in event.note
    assert elapsed < 2.0
    await asyncio.wait_for(cancelled.wait(), EVENT_TIMEOUT)   # the abandoned lookup is cancelled


async def test_caller_hanging_up_mid_menu_ends_the_session_cleanly(start_ivr, caplog):
    ivr = await start_ivr(cards(VIP_CARD))
    # agi_hangup's pattern: the prompt returns result=-1 before HANGUP; the notification arrives
    # ahead of the next command's response, which is 511.
    record = await ivr.call(presses=[HANG_UP])
    event = await ivr.completed()

    assert record.commands == ['SET VARIABLE CHANNEL(language) "zh"', "GET DATA menu 1000 1", "GET DATA menu 1000 1"]
    assert record.closed_by_server
    assert event.card == VIP_CARD and event.queue == "vip"
    assert not event.failed
    assert "hung up" in event.note
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    # The server is still fine for the next call.
    record = await ivr.call(presses=["1"])
    assert record.variables["CC_IVR_STATUS"] == "ok"


async def test_stuck_asterisk_does_not_hold_the_script(start_ivr):
    ivr = await start_ivr(cards(VIP_CARD), media_timeout=0.1)
    record = await ivr.call(presses=[STALL])
    event = await ivr.completed()
    assert record.closed_by_server
    assert event.failed and "AgiTimeout" in event.note
    assert event.queue == "standard"


async def closed_by_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    try:
        data = await asyncio.wait_for(reader.read(), EVENT_TIMEOUT)
    except ConnectionResetError:
        data = b""
    writer.close()
    try:
        await writer.wait_closed()
    except ConnectionError:
        pass
    return data == b""


@pytest.mark.parametrize("opening", [
    pytest.param(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n", id="http-request"),
    pytest.param(b"agi_network: yes\nagi_network_script: inbound\n", id="eof-before-blank-line"),
    pytest.param(b"agi_network: yes\nagi_network_scr", id="eof-mid-line"),
    pytest.param(b"", id="eof-at-once"),
    pytest.param(b"\n", id="empty-environment"),
    pytest.param(b"\x00\xff\xfe garbage\n\n", id="binary"),
])
async def test_garbage_or_early_close_drops_only_that_connection(start_ivr, caplog, opening):
    ivr = await start_ivr(cards(VIP_CARD))
    reader, writer = await asyncio.open_connection("127.0.0.1", ivr.server.port)
    writer.write(opening)
    await writer.drain()
    writer.write_eof()
    # The server closes the connection (a spinning server would never answer again).
    assert await closed_by_server(reader, writer)
    assert any(r.name == "ivr.server" and r.levelno == logging.WARNING for r in caplog.records)

    record = await ivr.call(presses=["1"])
    assert record.variables["CC_QUEUE"] == "vip"
    assert ivr.inbox.qsize() == 1


async def test_silent_connection_is_closed_after_the_header_timeout(start_ivr, caplog):
    ivr = await start_ivr(cards())
    reader, writer = await asyncio.open_connection("127.0.0.1", ivr.server.port)
    writer.write(b"agi_network: yes\n")       # and then nothing
    await writer.drain()
    assert await closed_by_server(reader, writer)
    assert "no complete AGI environment within 0.3s" in caplog.text


async def test_unknown_script_is_closed_so_the_dialplan_continues(start_ivr, caplog):
    ivr = await start_ivr(cards(VIP_CARD))
    record = await ivr.call(script="survey-nope")
    assert record.closed_by_server and record.commands == []
    assert "unknown script 'survey-nope'" in caplog.text
    assert ivr.inbox.empty()


async def test_stop_cancels_and_awaits_calls_in_progress(start_ivr):
    lookup_started = asyncio.Event()

    async def identify(number: str) -> list[dict[str, Any]]:
        lookup_started.set()
        return [VIP_CARD]

    ivr = await start_ivr(identify)
    port = ivr.server.port
    peer = AsteriskPeer([STALL])
    call = asyncio.create_task(peer.call(port, asterisk_env(port)))
    await asyncio.wait_for(peer.stalled.wait(), EVENT_TIMEOUT)

    await asyncio.wait_for(ivr.server.stop(), EVENT_TIMEOUT)

    record = await asyncio.wait_for(call, EVENT_TIMEOUT)
    assert record.closed_by_server
    assert lookup_started.is_set()
    assert ivr.inbox.empty()        # cancelled, not failed: the dialplan defaults apply
    with pytest.raises(RuntimeError):
        _ = ivr.server.port
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)
