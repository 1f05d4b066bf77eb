"""Every label exists in Chinese and English, and everything the pages and modules use has a label."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from callcenter.pause_codes import SYSTEM_CODES
from callcenter.settings import CUSTOMER_TYPES, VALUE_CLASSES, Settings
from console import protocol
from console.i18n import LABELS, LANGUAGES, fill, labels_for, language_from_accept, normalise_language

ROOT = Path(__file__).resolve().parents[2]


def test_every_label_has_a_non_empty_text_in_every_language() -> None:
    for key, texts in LABELS.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(text.strip() for text in texts.values()), key


def test_placeholders_match_between_languages() -> None:
    for key, texts in LABELS.items():
        names = {lang: set(re.findall(r"\{(\w+)\}", text)) for lang, text in texts.items()}
        assert names["zh"] == names["en"], key


def test_every_label_used_by_templates_and_modules_exists() -> None:
    used: set[str] = set()
    for template in (ROOT / "console" / "templates").glob("*.html"):
        used |= set(re.findall(r"t\['([\w.\-]+)'\]", template.read_text(encoding="utf-8")))
    for module in (ROOT / "static" / "js").glob("*.js"):
        used |= set(re.findall(r"\bt\(\s*\"([\w.\-]+)\"", module.read_text(encoding="utf-8")))
    assert used, "found no label use at all: the patterns above are stale"
    assert used - set(LABELS) == set()


def test_domain_values_shown_in_the_console_have_labels() -> None:
    console = Settings().console
    wanted = ({f"outcome.{o}" for o in console.outcomes} | {f"reason.{r}" for r in (*console.pause_codes, *SYSTEM_CODES)}
              | {f"customer_type.{c}" for c in CUSTOMER_TYPES} | {f"value_class.{v}" for v in VALUE_CLASSES}
              | {f"severity.{s}" for s in protocol.SEVERITIES}
              | {f"state.{s}" for s in ("logged_out", "available", "paused", "ringing", "on_call", "wrap_up")})
    assert wanted - set(LABELS) == set()


@pytest.mark.parametrize("value,expected", [("zh", "zh"), ("zh-CN", "zh"), ("EN", "en"), ("en_GB", "en"),
                                            ("fr", None), ("", None), (None, None)])
def test_normalise_language(value: str | None, expected: str | None) -> None:
    assert normalise_language(value) == expected


def test_accept_language_and_fill() -> None:
    assert language_from_accept("fr-FR,fr;q=0.9,zh-CN;q=0.8,en;q=0.5") == "zh"
    assert language_from_accept("de") is None
    assert labels_for("xx")["app.title"] == LABELS["app.title"]["zh"]
    assert fill(labels_for("en")["login.throttled"], seconds=30) == "Too many attempts. Try again in 30 seconds."


def test_call_and_complaint_statuses_shown_in_the_pop_have_labels() -> None:
    from datetime import UTC, datetime

    from callcenter.model.entities import Call
    from callcenter.model.tables import CallState
    from crm_bridge.models import COMPLAINT_STATUSES, CREDIT_STATUSES, LANGUAGES as CUSTOMER_LANGUAGES

    statuses = {Call("c", "i", s, datetime.now(UTC)).record_fields()["status"] for s in CallState}
    missing = [f"call_status.{s}" for s in statuses if f"call_status.{s}" not in LABELS]
    missing += [f"complaint_status.{s}" for s in COMPLAINT_STATUSES if f"complaint_status.{s}" not in LABELS]
    missing += [f"credit_status.{s}" for s in CREDIT_STATUSES if f"credit_status.{s}" not in LABELS]
    missing += [f"language.{s}" for s in CUSTOMER_LANGUAGES if f"language.{s}" not in LABELS]
    assert not missing
