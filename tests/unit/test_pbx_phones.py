"""Which agent phones pjsip.conf gets: --phones, the database's agents, or the demo's."""
from __future__ import annotations

import pytest

from callcenter.pbx import phones


def test_a_phones_list_takes_ranges_and_single_extensions():
    assert phones.parse_spec("1001-1003, 9001,1002") == ("1001", "1002", "1003", "9001")
    assert phones.parse_spec("0998-1001") == ("0998", "0999", "1000", "1001")


@pytest.mark.parametrize("spec", ["", "1001-", "abc", "1003-1001", "99-1001", "1-99999"])
def test_a_bad_phones_list_is_refused(spec):
    with pytest.raises(ValueError):
        phones.parse_spec(spec)


@pytest.mark.parametrize("interface, exten", [
    ("Local/1001@agent-phones/n", "1001"), ("PJSIP/9001", "9001"), ("SIP/1001", None),
    ("Local/1001@elsewhere/n", None)])
def test_the_phone_behind_an_agents_queue_interface(interface, exten):
    assert phones.extension_of(interface) == exten


def test_without_a_database_file_the_demo_phones_are_used_and_no_file_is_created(tmp_path):
    db = tmp_path / "none.db"
    chosen = phones.from_database(f"sqlite+aiosqlite:///{db}")
    assert chosen.extensions == phones.DEMO_PHONES and "no database file" in chosen.source
    assert not db.exists()


def test_an_unreadable_database_falls_back_instead_of_failing(tmp_path):
    db = tmp_path / "garbage.db"
    db.write_bytes(b"this is not a database" * 100)
    chosen = phones.from_database(f"sqlite+aiosqlite:///{db}")
    assert chosen.extensions == phones.DEMO_PHONES and "not readable" in chosen.source
