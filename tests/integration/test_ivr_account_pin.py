"""Identification by account number + PIN when the caller's number is unknown or shared (real FastAGI socket)."""
from __future__ import annotations

from typing import Any

from tests.integration.ivr_support import cards

LI_NA = {"customer_id": 9, "name": "李娜", "customer_type": "vip", "value_class": "major", "language": "zh",
         "account_manager": "王伟", "credit_status": "normal", "open_complaints": [], "recent": [], "match": "account"}
WANG_FANG = {**LI_NA, "customer_id": 21, "name": "王芳", "customer_type": "family", "value_class": "named"}
WANG_QIANG = {**LI_NA, "customer_id": 22, "name": "王强", "customer_type": "family", "value_class": "mass"}


def verifier(account: str = "88000001", pin: str = "123456", card: dict[str, Any] = LI_NA):
    tried: list[tuple[str, str]] = []

    async def verify(given_account: str, given_pin: str) -> dict[str, Any] | None:
        tried.append((given_account, given_pin))
        return dict(card) if (given_account, given_pin) == (account, pin) else None

    verify.tried = tried  # type: ignore[attr-defined]
    return verify


def prompts(record) -> list[str]:
    return [c.split()[2] for c in record.commands if c.startswith("GET DATA")]


async def test_an_unknown_number_is_identified_by_account_and_pin(start_ivr):
    verify = verifier()
    ivr = await start_ivr(cards(), verify_account=verify)
    record = await ivr.call(presses=["88000001", "123456", "1"])
    event = await ivr.completed()
    assert (record.variables["CC_QUEUE"], record.variables["CC_PRIORITY"]) == ("vip", "10")
    assert event.card["name"] == "李娜" and "identified by account + PIN" in event.note
    assert prompts(record)[:2] == ["enter-account", "enter-pin"]
    # What the caller typed for identification is a secret: never in the pop's "keys pressed".
    assert "88000001" not in event.digits and "123456" not in event.digits
    assert "123456" not in event.note


async def test_a_wrong_pin_is_retried_a_limited_number_of_times_and_the_caller_still_gets_service(start_ivr):
    verify = verifier()
    ivr = await start_ivr(cards(), verify_account=verify)
    record = await ivr.call(presses=["88000001", "000000"] * 3 + ["1"])
    event = await ivr.completed()
    assert len(verify.tried) == 3
    assert sum(c.startswith("STREAM FILE account-invalid") for c in record.commands) == 2   # between the tries
    assert event.card is None and "not matched in 3 tries" in event.note
    assert record.variables["CC_QUEUE"] == "standard"


async def test_a_caller_without_an_account_number_goes_straight_on(start_ivr):
    verify = verifier()
    ivr = await start_ivr(cards(), verify_account=verify)
    record = await ivr.call(presses=[None, "1"])
    event = await ivr.completed()
    assert verify.tried == [] and "no account number given" in event.note
    assert record.variables["CC_QUEUE"] == "standard"


async def test_a_shared_number_asks_and_the_account_decides_who_is_calling(start_ivr):
    verify = verifier(account="88000022", pin="4321", card=WANG_QIANG)
    ivr = await start_ivr(cards(WANG_FANG, WANG_QIANG), verify_account=verify)
    await ivr.call(presses=["88000022", "4321", "1"])
    event = await ivr.completed()
    assert event.card["customer_id"] == 22 and "number shared by 2 customers" in event.note


async def test_a_known_number_is_never_asked_for_a_pin(start_ivr):
    verify = verifier()
    ivr = await start_ivr(cards(LI_NA), verify_account=verify)
    record = await ivr.call(presses=["1"])
    await ivr.completed()
    assert "enter-account" not in prompts(record) and verify.tried == []


async def test_stopping_with_a_call_in_the_pin_prompt_logs_no_asyncio_error(start_ivr, caplog):
    import asyncio

    from tests.integration.agi_peer import STALL, AsteriskPeer, asterisk_env

    ivr = await start_ivr(cards(), verify_account=verifier())
    peer = AsteriskPeer(presses=["88000001", STALL])
    call = asyncio.ensure_future(peer.call(ivr.server.port, asterisk_env(ivr.server.port)))
    await asyncio.wait_for(peer.stalled.wait(), 5)        # the IVR waits on the PIN prompt
    await ivr.server.stop()
    await asyncio.wait_for(call, 5)
    assert not [r for r in caplog.records if r.name == "asyncio" and r.levelname == "ERROR"]
