"""The search planner and the pure helpers of CSV import/export and contact edits (no database)."""
from __future__ import annotations

import pytest

from callcenter.errors import ValidationFailed
from crm_bridge import csv_io, search
from crm_bridge.customer_page import check_contact_changes


def kinds(query: str) -> list[tuple[str, int]]:
    return [(s.kind, s.rank) for s in search.plan(query)]


def test_pinyin_initials_plan() -> None:
    assert kinds("ln") == [("account", 0), ("name", 0), ("name_prefix", 1), ("initials", 1),
                           ("initials_prefix", 2), ("name_contains", 3)]
    assert ("initials_prefix", 2) not in kinds("l")       # one letter: exact initials only
    assert ("initials", 1) not in kinds("李娜")            # Han text is a name, not initials


@pytest.mark.parametrize("typed", ["13800000001", "+86 138-0000-0001", "(010) 1234 5678"])
def test_numbers_never_search_names(typed: str) -> None:
    planned = {s.kind for s in search.plan(typed)}
    assert "phone" in planned and "digits" in planned
    assert not planned & {"name", "name_contains", "initials"}


def test_phone_variants_and_short_digits() -> None:
    phone = next(s for s in search.plan("13800000001") if s.kind == "phone")
    assert "+8613800000001" in phone.value
    assert {s.kind for s in search.plan("123")} == {"account"}


def test_merge_keeps_the_best_rank_and_pages_by_rank_then_id() -> None:
    contains = search.Strategy("name_contains", 3, "x")
    exact = search.Strategy("phone", 0, ["+1"])
    best = search.merge([(contains, [1, 2, 3]), (exact, [3])])
    assert best == {1: (3, "name_contains"), 2: (3, "name_contains"), 3: (0, "phone")}
    assert search.page_of(best, 2, 0) == [(3, 0, "phone"), (1, 3, "name_contains")]
    assert search.page_of(best, 2, 2) == [(2, 3, "name_contains")]


@pytest.mark.parametrize("limit,offset,field", [("0", None, "limit"), ("abc", None, "limit"),
                                                (None, "-1", "offset"), (None, "10001", "offset")])
def test_paging_names_the_field(limit: object, offset: object, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        search.check_paging(limit, offset)
    assert field in caught.value.details["fields"]


def test_query_cleaning() -> None:
    assert search.clean_query("  li   na ") == "li na"
    with pytest.raises(ValidationFailed):
        search.clean_query("x" * 101)


@pytest.mark.parametrize("cell,escaped", [("=1+1", "'=1+1"), ("+8613800000001", "'+8613800000001"),
                                          ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("李娜", "李娜"), (None, "")])
def test_export_cells_cannot_be_formulas_and_import_undoes_it(cell: str | None, escaped: str) -> None:
    assert csv_io.escape_cell(cell) == escaped
    assert csv_io.unescape_cell(escaped) == (cell or "")


def test_header_errors_name_the_columns() -> None:
    assert csv_io.header_columns(["Name", "phone", "ID"]) == ["name", "phones", "id"]
    with pytest.raises(csv_io.ImportFailed, match="'colour'"):
        csv_io.header_columns(["name", "colour"])
    with pytest.raises(csv_io.ImportFailed, match="no 'name'"):
        csv_io.header_columns(["phones"])


def test_contact_changes_are_normalised() -> None:
    checked = check_contact_changes({"email": " a@example.com ", "add_phones": ["13912345678", "+8613912345678"]})
    assert checked.email == "a@example.com" and checked.add_phones == (("+8613912345678", "mobile"),)
    assert check_contact_changes({"email": None}).email == ""          # null clears
