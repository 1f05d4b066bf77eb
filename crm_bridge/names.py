"""Search keys for customer names: pinyin initials (``李娜`` -> ``"ln"``, ``Emily Chen`` -> ``"ec"``).

Agents type initials to find a customer quickly on a Chinese keyboard-less headset desk, so every
customer keeps them in an indexed column. Han characters give the first letter of their pinyin
(pypinyin); other words give their first letter. A surname that reads differently from the common
reading of its character (单 Shan, 曾 Zeng...) is fixed when it starts the name.
"""
from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

# Surnames whose everyday reading differs from the surname reading: first letter as a surname.
_SURNAME_INITIALS = {
    "单": "s", "曾": "z", "解": "x", "仇": "q", "朴": "p", "查": "z", "区": "o", "乐": "y",
    "尉": "y", "盖": "g", "缪": "m", "覃": "q", "翟": "z", "繁": "p", "种": "c", "黑": "h",
}
_WORD = re.compile(r"[^\W_]+")


def name_initials(name: str) -> str:
    """Lowercase initials of *name*; ``""`` for a name with no letters."""
    name = name.strip()
    if not name:
        return ""
    out: list[str] = []
    for i, part in enumerate(lazy_pinyin(name, style=Style.FIRST_LETTER)):
        if i == 0 and name[0] in _SURNAME_INITIALS:
            out.append(_SURNAME_INITIALS[name[0]])
        elif _is_han_syllable(part):
            out.append(part)
        else:
            # A run of non-Han text ("Emily Chen", " (Jenny)"): one letter per word.
            out.extend(word[0] for word in _WORD.findall(part))
    return "".join(out).lower()


def _is_han_syllable(part: str) -> bool:
    # pypinyin returns one ASCII letter per Han character with Style.FIRST_LETTER; anything longer,
    # or not a letter, is text it passed through unchanged.
    return len(part) == 1 and part.isascii() and part.isalpha()
