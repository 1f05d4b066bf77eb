"""Console labels in Chinese and English.

The pages render from these labels and embed the chosen language's set as JSON for the ES modules
(``labels_for``). Keys are ``area.name``; the JS falls back to the raw value for names it has no label
for (an outcome or pause reason added in ``config.yaml``), so adding one never breaks the desk.
Placeholders are ``{name}`` and are filled by ``fill`` (Python) and ``t(key, values)`` (JS).

Conventions for every page (``tests/browser/test_i18n_walk.py`` walks them all in both languages):

* every value the server sends that a person reads has a label: ``labelOf(labels, "<group>", value)``;
  a missing one is recorded in ``window.__ccMissing`` and fails the walk;
* a failed command shows ``t.error(error)`` / ``errorText(labels, error)``: the label of the error's
  stable id (``console/labels/errors.py``), never the server's English ``message`` (a tooltip at most);
* dates and numbers go through ``static/js/format.js`` (``formatDateTime``, ``formatWallClock``,
  ``formatNumber``, ``formatPercent``, ``formatSeconds``) with the page's ``config.lang``;
* the labels themselves live in ``console/labels/``, one module per part of the console (desk, desk
  tools, wrap-up, presence, customer pages and reports, wallboard, errors); this module merges them.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from console.labels.desk import DESK_LABELS
from console.labels.desk_tools import DESK_CLARITY_LABELS
from console.labels.errors import ERROR_LABELS
from console.labels.pages import PAGE_LABELS
from console.labels.presence import PRESENCE_LABELS
from console.labels.wallboard import WALLBOARD_LABELS
from console.labels.wrapup import WRAPUP_LABELS

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

# One table per part of the console (console/labels/); a key defined twice keeps the later table's text.
LABELS: dict[str, dict[str, str]] = {**DESK_LABELS, **PAGE_LABELS, **DESK_CLARITY_LABELS, **WALLBOARD_LABELS,
                                     **PRESENCE_LABELS, **WRAPUP_LABELS, **ERROR_LABELS}


def normalise_language(value: str | None) -> str | None:
    """``"zh"``/``"en"`` for a value naming one of them (``zh-CN``, ``EN``...), else ``None``."""
    if not value:
        return None
    base = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base in LANGUAGES else None


def language_from_accept(header: str | None) -> str | None:
    """The first supported language of an ``Accept-Language`` header (order of appearance)."""
    for part in (header or "").split(","):
        language = normalise_language(part.split(";", 1)[0])
        if language:
            return language
    return None


def labels_for(language: str) -> dict[str, str]:
    language = normalise_language(language) or DEFAULT_LANGUAGE
    return {key: texts[language] for key, texts in LABELS.items()}


def queue_labels(queues: Mapping[str, Any], language: str) -> dict[str, str]:
    """``queue.<name>`` labels from the configured queues (``queues.<name>.label``), for ``labelOf``."""
    language = normalise_language(language) or DEFAULT_LANGUAGE
    return {f"queue.{name}": q.label_in(language) or name for name, q in queues.items()}


def fill(text: str, **values: object) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text
