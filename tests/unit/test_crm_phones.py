"""Caller numbers in the shapes Chinese trunks deliver them, to E.164 and lookup variants."""
from __future__ import annotations

import pytest

from crm_bridge.phones import normalize, variants

MOBILE = "+8613800138000"
LANDLINE = "+861012345678"


@pytest.mark.parametrize("raw", [
    "13800138000",
    "+86 138 0013 8000",
    "008613800138000",
    "8613800138000",          # the '+' lost on the way
    "013800138000",           # a trunk 0 in front of a mobile
    "138-0013-8000",
    " 13800138000 ",
    "sip:13800138000@pbx.example",
    "tel:+8613800138000",
])
def test_chinese_mobile_in_every_shape_normalises_to_one_e164(raw: str) -> None:
    assert normalize(raw) == MOBILE
    assert variants(raw, "CN")[0] == MOBILE


@pytest.mark.parametrize("raw", ["010-12345678", "01012345678", "(010) 1234 5678", "+86 (0)10 12345678",
                                 "+861012345678"])
def test_beijing_landline_keeps_area_code_without_trunk_zero(raw: str) -> None:
    assert normalize(raw) == LANDLINE
    assert variants(raw)[0] == LANDLINE


@pytest.mark.parametrize("raw", ["abc", "", "   ", "unknown", "anonymous", "Anonymous", "restricted", None, "0", "1",
                                 "x" * 500, "1" * 80])
def test_junk_is_not_a_number(raw: str | None) -> None:
    assert normalize(raw) is None
    assert variants(raw) == []


def test_variants_of_a_national_mobile_hold_only_valid_guesses() -> None:
    # "+13800138000" has a possible length for +1 but is not a valid number: not tried.
    assert variants("13800138000", "CN") == [MOBILE]


def test_foreign_caller_that_lost_its_plus_is_tried_both_ways() -> None:
    found = variants("16502530000", "CN")
    assert found[0] == "+8616502530000"         # a valid Chinese mobile comes first under region CN
    assert "+16502530000" in found              # and the US reading as a second guess


def test_e164_input_is_kept_as_given_even_when_the_plan_does_not_know_it() -> None:
    assert normalize("+999123456789") is None
    assert variants("+999123456789") == ["+999123456789"]


def test_region_is_configurable() -> None:
    assert normalize("6502530000", "US") == "+16502530000"
    assert normalize("+44 7911 123456", "US") == "+447911123456"
    assert variants("(650) 253-0000", "us")[0] == "+16502530000"


def test_variants_have_no_duplicates() -> None:
    for raw in ("8613800138000", "013800138000", "+8613800138000", "10086"):
        found = variants(raw)
        assert len(found) == len(set(found))
