"""Every label the supervisor page, the TV wallboard and the reports ask for exists in both languages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from callcenter.metrics import GROUPINGS
from callcenter.settings import Settings
from console.i18n import LABELS, LANGUAGES
from console.supervision_protocol import FORCE_ACTIONS, SPY_MODES

JS = Path(__file__).resolve().parents[2] / "static" / "js"
MODULES = ("dialogs.js", "tv.js", "sparkline.js", "charts.js", "reports.js", "sup_agents.js", "supervisor.js",
           "sup_metrics.js", "complaints_board.js")


def _literal_keys() -> set[str]:
    keys: set[str] = set()
    for name in MODULES:
        keys |= set(re.findall(r'\bt\("([a-z_]+\.[a-z0-9_.]+)"', (JS / name).read_text(encoding="utf-8")))
    return keys


def _built_keys() -> set[str]:
    """The keys the modules build from values (template literals)."""
    keys = {f"dlg.{action}_{part}" for action in FORCE_ACTIONS for part in ("title", "body", "ok")}
    keys |= {f"dlg.spy_body_{mode}" for mode in SPY_MODES} | {f"sup.spy_{mode}" for mode in SPY_MODES}
    keys |= {f"sup.force_{action}" for action in FORCE_ACTIONS}
    keys |= {f"sup_reason.{code}" for codes in Settings().supervision.action_reasons.values() for code in codes}
    keys |= {f"reason.{code}" for code in Settings().console.pause_codes}
    keys |= {f"chart.axis_{by}" for by in GROUPINGS} | {f"rep.by_{by}" for by in GROUPINGS}
    keys |= {f"tv.{level}" for level in ("ok", "warn", "bad")}
    return keys


def test_the_modules_still_ask_for_labels():
    assert len(_literal_keys()) > 40          # the scan finds the t("...") calls


@pytest.mark.parametrize("key", sorted(_literal_keys() | _built_keys()))
def test_label_exists_in_every_language(key):
    assert key in LABELS, f"{key} has no label"
    for language in LANGUAGES:
        assert LABELS[key].get(language, "").strip(), f"{key} has no {language} text"
