"""A caller who switches language in the voice menu is greeted in it next time (real FastAGI socket)."""
from __future__ import annotations

from tests.integration.ivr_support import cards, make_settings

CARD = {"customer_id": 42, "name": "Li Na", "customer_type": "vip", "value_class": "major", "language": "zh"}
MENUS = {"menus": {"main": {"prompt": {"zh-CN": "zh/main", "en": "en/main"}, "digits": {
    "1": {"operator": True, "label": "Service", "choice": "service"},
    "9": {"language": "en", "label": "English"},
}}}}


def recorder():
    saved: list[tuple[int, str]] = []

    async def remember(customer_id: int, language: str) -> None:
        saved.append((customer_id, language))

    remember.saved = saved  # type: ignore[attr-defined]
    return remember


async def test_switching_to_english_is_remembered_and_the_menu_replays_in_english(start_ivr):
    remember = recorder()
    ivr = await start_ivr(cards(CARD), make_settings(MENUS), remember_language=remember)
    record = await ivr.call(presses=["9", "1"])
    event = await ivr.completed()
    assert remember.saved == [(42, "en")]
    assert [c.split()[2] for c in record.commands if c.startswith("GET DATA")] == ["zh/main", "en/main"]
    assert event.language == "en" and "language en remembered" in event.note


async def test_no_switch_saves_nothing(start_ivr):
    remember = recorder()
    ivr = await start_ivr(cards(CARD), make_settings(MENUS), remember_language=remember)
    await ivr.call(presses=["1"])
    await ivr.completed()
    assert remember.saved == []


async def test_a_failing_save_never_fails_the_call(start_ivr):
    async def broken(customer_id: int, language: str) -> None:
        raise RuntimeError("database down")

    ivr = await start_ivr(cards(CARD), make_settings(MENUS), remember_language=broken)
    record = await ivr.call(presses=["9", "1"])
    event = await ivr.completed()
    assert not event.failed and record.variables["CC_QUEUE"] == "vip"
