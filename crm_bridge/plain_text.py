"""Which characters a customer's text fields may hold (names, addresses, account numbers, notes).

Names and contact details come from callers, agents and imported files, and are shown on screen
pops, wallboards and exports. Characters that are invisible or that change how the text around them
is drawn let one customer look like another or hide text (a right-to-left override turns
``Zhang Ltd.‮moc.evil`` into something else on screen), and NUL or other control characters break
terminals, logs and some databases (PostgreSQL refuses NUL). So such a field may hold only printable
characters and spaces (``str.isprintable`` plus Unicode space separators such as U+3000 and private-use
code points, which GB18030 maps some rare Han characters to); a field that allows it may also hold
tab and line breaks. Refused: the C0 and C1 control characters (Cc), the invisible formatting
characters (Cf: bidi embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069, the LRM/RLM
marks, zero-width spaces and joiners, the BOM), lone surrogates (Cs) and the line and paragraph
separators U+2028/U+2029 (Zl, Zp).
"""
from __future__ import annotations

import unicodedata

LINE_BREAKS = "\t\n\r"
_REFUSED = {"Cc": "control character", "Cf": "invisible formatting character", "Cs": "surrogate",
            "Zl": "line separator", "Zp": "paragraph separator"}


def refusal(text: str, *, multiline: bool = False) -> str | None:
    """Why *text* may not be stored (the first refused character, named), or None when it may.
    *multiline*: tab, CR and LF are allowed (an address), else refused like other controls (a name)."""
    if text.isprintable():           # the common case, in C: letters, digits, punctuation, ASCII space
        return None
    for index, char in enumerate(text):
        if multiline and char in LINE_BREAKS:
            continue
        kind = _REFUSED.get(unicodedata.category(char))
        if kind is not None:
            name = unicodedata.name(char, "")
            return (f"must not contain U+{ord(char):04X}{' ' + name if name else ''} "
                    f"({kind}, at character {index + 1})")
    return None
