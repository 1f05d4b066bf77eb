"""Pinyin initials kept for searching customers by name."""
from __future__ import annotations

import pytest

from crm_bridge.models import Customer
from crm_bridge.names import name_initials


@pytest.mark.parametrize(("name", "initials"), [
    ("李娜", "ln"),
    ("王 芳", "wf"),
    ("北京华信科技有限公司", "bjhxkjyxgs"),
    ("Emily Chen", "ec"),
    ("Li Na", "ln"),
    ("陈静 (Jenny)", "cjj"),
    ("单田芳", "stf"),          # 单 as a surname reads Shan
    ("曾小贤", "zxx"),          # 曾 as a surname reads Zeng
    ("O'Brien", "ob"),
    ("", ""),
    ("   ", ""),
])
def test_initials(name: str, initials: str) -> None:
    assert name_initials(name) == initials


def test_customer_keeps_initials_in_step_with_its_name() -> None:
    customer = Customer(name="李娜")
    assert customer.name_initials == "ln"
    customer.name = "Emily Chen"
    assert customer.name_initials == "ec"
