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


def test_menu_choices_the_reasons_the_server_sets_and_the_no_tier_group_have_labels() -> None:
    from callcenter.metrics import NO_TIER
    from callcenter.model.control import OUTBOUND_REASON

    from callcenter.settings import load_settings

    choices = {getattr(action, "choice", "") for settings in (Settings(), load_settings(ROOT / "config.yaml", env={}))
               for menu in settings.ivr.menus.menus.values() for action in menu.digits.values()} - {""}
    assert {"service", "operator", "callback"} <= choices
    wanted = ({f"menu.{c}" for c in choices} | {"menu.click-to-dial", f"reason.{OUTBOUND_REASON}",
                                                "reason.wrap-up", f"customer_type.{NO_TIER}"})
    assert wanted - set(LABELS) == set()


ERROR_ID = re.compile(r"""(?:CallCenterError|refusal|PromptsError|_error\(\d{3},|super\(\)\.__init__)\(?\s*"([a-z][a-z-]+)\"""")


def test_every_error_id_the_server_sends_has_a_label() -> None:
    """The desks show ``error.<id>`` (static/js/i18n.js errorText), never the server's English message."""
    ids: set[str] = set()
    for folder in ("callcenter", "console", "crm_bridge"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            ids |= set(ERROR_ID.findall(text))
            ids |= {f"no-such-{what}" for what in re.findall(r"NotFound\(\s*\"([a-z_-]+)\"", text)}
    assert {"no-connected-call", "cannot-hold", "invalid-input", "no-such-customer"} <= ids, "the patterns are stale"
    # configuration and voice-prompt build errors are for the operator's terminal: they never reach a page
    operator_only = {"invalid-config", "unrenderable-sound", "invalid-prompt-texts", "espeak-ng-missing",
                     "prompt-language-clash", "unknown-prompt-language"}
    assert {i for i in ids - operator_only if f"error.{i}" not in LABELS} == set()


def test_queue_labels_come_from_the_configuration_in_the_page_language() -> None:
    from callcenter.settings import QueueSettings
    from console.i18n import queue_labels

    queues = {"standard": QueueSettings(label={"zh": "普通客户", "en": "Standard"}),
              "vip": QueueSettings(label="VIP"), "night": QueueSettings(label={"en": "Night line"}),
              "spare": QueueSettings()}
    assert queue_labels(queues, "zh") == {"queue.standard": "普通客户", "queue.vip": "VIP",
                                          "queue.night": "Night line", "queue.spare": "spare"}
    assert queue_labels(queues, "en-GB")["queue.standard"] == "Standard"


def test_a_queue_label_in_an_unknown_language_names_its_key_path() -> None:
    import pytest

    from callcenter.errors import ConfigError
    from callcenter.settings import settings_from_mapping

    with pytest.raises(ConfigError) as raised:
        settings_from_mapping({"queues": {"standard": {"label": {"fr": "Standard"}}}})
    assert raised.value.key_path == "queues.standard.label.fr"
