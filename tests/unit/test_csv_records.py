"""Cutting an imported CSV file into records that know their physical line, and the characters a
customer's text may hold."""
from __future__ import annotations

import pytest

from crm_bridge.csv_records import MAX_RECORD_CHARS, ImportFailed, decode, records
from crm_bridge.plain_text import refusal


def lines_and_cells(text: str) -> list[tuple[int, list[str], str | None]]:
    return [(r.line, r.cells, r.problem) for r in records(text)]


@pytest.mark.parametrize("text, expected", [
    ("a,b\nc,d\n", [(1, ["a", "b"]), (2, ["c", "d"])]),
    ("a,b\r\nc,d", [(1, ["a", "b"]), (2, ["c", "d"])]),
    ("a\rb\r\rc", [(1, ["a"]), (2, ["b"]), (4, ["c"])]),                        # old Mac line ends
    ('"x\ny\r\nz",1\nnext,2\n', [(1, ["x\ny\r\nz", "1"]), (4, ["next", "2"])]),  # a cell over 3 lines
    ('"a ""quoted"" word",b\n', [(1, ['a "quoted" word', "b"])]),
    ('5" screen,b\n', [(1, ['5" screen', "b"])]),                                # a quote inside a cell
    ('"ab"cd,e\n', [(1, ["abcd", "e"])]),                                         # as csv.reader reads it
    ("\n\n,x\n", [(3, ["", "x"])]),
])
def test_records_carry_their_physical_line(text: str, expected: list[tuple[int, list[str]]]) -> None:
    assert [(line, cells) for line, cells, _ in lines_and_cells(text)] == expected


def test_a_quote_that_never_closes_costs_one_line() -> None:
    got = lines_and_cells('a,1\nb,"2\nc,3\nd,4\n')
    assert [(line, cells[0]) for line, cells, _ in got] == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
    assert got[1][2] == "a quote opened on line 2 is never closed; read again from line 3"


def test_a_huge_cell_is_one_problem_and_the_next_row_keeps_its_line() -> None:
    huge = "x" * 200_000
    got = lines_and_cells(f'a,1\n"{huge}\n{huge}",2\n{huge},3\nb,4\n')
    assert [line for line, _, _ in got] == [1, 2, 4, 5]
    assert got[1][2] is not None and got[1][2].startswith(f"the row is 400,005 characters long (at most {MAX_RECORD_CHARS:,})")
    assert got[2][2] is not None and max(len(c) for c in got[2][1]) == 200      # cut for the report
    assert got[3] == (5, ["b", "4"], None)


def test_bad_bytes_are_refused_at_their_line_before_anything_is_read() -> None:
    good = "".join(f"客户{i},1391111{i:04d}\r\n" for i in range(4500))
    with pytest.raises(ImportFailed, match=r"^line 4502: the text is not UTF-8 .*nothing was imported"):
        decode(f"name,phones\r\n{good}".encode() + b"\xff\xfe,13900000000\r\n", "auto")
    with pytest.raises(ImportFailed, match="^line 3: the text is not gbk"):
        decode('name\n"a\nb"'.encode("gbk") + b"\x80\xff\n", "gbk")


@pytest.mark.parametrize("data, encoding", [
    ("name\n李娜\n".encode(), "utf-8-sig"),
    ("name\nemily\n李娜\n".encode("gbk"), "gb18030"),                  # ASCII, then GBK: Excel in China
    ("name\n李娜".encode("gbk"), "gb18030"),
    (b"\xef\xbb\xbfname\n", "utf-8-sig"),
])
def test_auto_encoding(data: bytes, encoding: str) -> None:
    text, used = decode(data, "auto")
    assert used == encoding and text.startswith("name\n")


def test_a_utf8_file_with_a_damaged_byte_is_not_read_as_gbk() -> None:
    with pytest.raises(ImportFailed, match="^line 3: the text is not UTF-8"):
        decode("name\n李娜\n".encode() + b"\xe6\x9d\n", "auto")


@pytest.mark.parametrize("text, multiline, refused", [
    ("张三", False, None),
    ("Zhang San\u3000(VIP)", False, None),                 # an ideographic space is a space
    ("a\x00b", False, "U+0000"),
    ("evil\u202etxt.exe", False, "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("\u2066x\u2069", False, "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("zero\u200bwidth", False, "U+200B ZERO WIDTH SPACE"),
    ("c1\x85", False, "U+0085"),
    ("two\nlines", False, "U+000A"),
    ("two\nlines\tand a tab", True, None),
    ("line\u2028separator", True, "U+2028 LINE SEPARATOR"),
])
def test_refused_characters(text: str, multiline: bool, refused: str | None) -> None:
    why = refusal(text, multiline=multiline)
    assert (why is None) == (refused is None)
    if refused:
        assert why is not None and refused in why


def test_every_way_in_refuses_them() -> None:
    """The same rule for a new customer (import, API) and for an agent's contact edit."""
    from callcenter.errors import ValidationFailed
    from crm_bridge.customer_page import check_contact_changes
    from crm_bridge.customers import check_customer

    with pytest.raises(ValidationFailed) as refused:
        check_customer({"name": "张\u202e三", "customer_type": "individual", "value_class": "mass", "language": "zh",
                        "credit_status": "normal", "account_number": "A\x00"}, [], "CN")
    assert set(refused.value.details["fields"]) == {"name", "account_number"}
    with pytest.raises(ValidationFailed) as refused:
        check_contact_changes({"email": "a\u200b@example.com", "address": "x\u2066y"})
    assert set(refused.value.details["fields"]) == {"email", "address"}
    assert check_contact_changes({"address": "Room 1\n\tBuilding 2"}).address == "Room 1\n\tBuilding 2"
