"""What counts as untranslated on a page: the rules of the browser walk (``test_i18n_walk.py``).

A page is read as a person reads it (``SCAN_JS``: the visible text, the options of its lists, the
placeholders and accessible names, the charts' texts) together with ``window.__ccMissing``, the labels
that ``t()``/``labelOf()`` were asked for and did not have (``static/js/i18n.js``). :func:`problems` is
pure: text in, the list of what is wrong out.

- a recorded miss, in either language;
- a label key on the page (``pop.queue``, ``error.no-phone``): a key printed instead of its label;
- a raw code: in Chinese, any code of the labelled value sets (``outbound``, ``complaint_logged``,
  ``unknown``...) or a run of English words (a server message); in English, the codes that cannot be
  prose (those with ``_`` or ``-``);
- a date the user cannot read in their language: an ISO date or timestamp anywhere, and a numeric
  ``d/m/y`` date on an English page (the English pages spell the month).

Queue names are names the administrator chose (``vip``, ``standard``), shown as they are, like logins:
they are not codes here.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from console.i18n import LABELS

# The label groups whose key suffix is a code the server or config.yaml sends (an outcome, a reason...).
VALUE_PREFIXES = ("state", "reason", "outcome", "menu", "customer_type", "value_class", "credit_status",
                  "call_status", "complaint_status", "severity", "kind", "result", "language", "cust.match",
                  "cust.kind", "cust.fu_kind", "cust.fu_status", "cc.kind", "cc.to", "error", "category")

SCAN_JS = """() => {
  const texts = [document.title, document.body.innerText];
  for (const node of document.querySelectorAll("[placeholder], [aria-label]")) {
    texts.push(node.getAttribute("placeholder") || "", node.getAttribute("aria-label") || "");
  }
  for (const node of document.querySelectorAll("option, svg title, svg text")) texts.push(node.textContent);
  return { missing: [...(window.__ccMissing || [])], text: texts.join("\\n") };
}"""


def codes() -> set[str]:
    """Every code that has a label: the part of the key after its value group (``outcome.resolved``)."""
    found = set()
    for key in LABELS:
        for prefix in VALUE_PREFIXES:
            if key.startswith(prefix + "."):
                found.add(key[len(prefix) + 1:])
    return found


def _key_pattern() -> re.Pattern[str]:
    heads = sorted({key.split(".", 1)[0] for key in LABELS if "." in key}, key=len, reverse=True)
    return re.compile(r"(?<![\w.@/-])(?:" + "|".join(map(re.escape, heads)) + r")\.[a-z0-9_][a-z0-9_.-]*[a-z0-9_]")


KEY = _key_pattern()
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?\b")
NUMERIC_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
ENGLISH_RUN = re.compile(r"\b[a-z]{2,}(?:[ ,:;]+[a-z]{2,}){2,}\b")


def problems(language: str, text: str, missing: Iterable[str], *, names: Iterable[str] = ()) -> list[str]:
    """What a reader of *language* would find untranslated in *text*; *names*: queue names and other
    chosen names that may show as they are."""
    found = [f"no label for {key}" for key in missing]
    found += [f"label key shown: {m}" for m in sorted(set(KEY.findall(text)))]
    allowed = set(names)
    for code in sorted(codes() - allowed):
        if language == "en" and not re.search(r"[_-]", code):
            continue
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", code):
            continue
        if re.search(r"(?<![\w.@/-])" + re.escape(code) + r"(?![\w@/-])", text):
            found.append(f"raw code shown: {code}")
    if language == "zh":
        found += [f"English text on the Chinese page: {m!r}" for m in sorted(set(ENGLISH_RUN.findall(text)))]
    found += [f"ISO date shown: {m}" for m in sorted(set(ISO_DATE.findall(text)))]
    if language == "en":
        found += [f"numeric (day-first?) date shown: {m}" for m in sorted(set(NUMERIC_DATE.findall(text)))]
    return found
