"""Phone numbers: normalisation to E.164 and the variants to try when looking a caller up.

Pure (no I/O). Phones are stored in E.164 only; caller IDs arrive in every shape a trunk can produce:
national (``13800138000``), with the trunk prefix (``010-12345678``), international with the IDD
prefix (``008613800138000``), with a ``+`` lost on the way (``8613800138000``), or junk
(``anonymous``, ``unknown``). :func:`normalize` gives the one E.164 reading under the default region;
:func:`variants` gives every plausible E.164 reading, best first, for one ``IN (...)`` lookup.
"""
from __future__ import annotations

import re

import phonenumbers

_MAX_RAW = 64                       # longer than any dial string: junk, not a number
_NON_DIGITS = re.compile(r"\D")
_E164_SHAPE = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize(raw: str | None, region: str = "CN") -> str | None:
    """E.164 (``+8613800138000``) or ``None`` when *raw* cannot be a phone number."""
    text = _clean(raw)
    if text is None:
        return None
    return _parse(text, region)


def variants(raw: str | None, region: str = "CN") -> list[str]:
    """The E.164 forms worth looking up for *raw*, best first, without duplicates.

    1. *raw* read under *region* (national, trunk-prefixed, IDD-prefixed, ``+``-prefixed forms);
    2. as given when it is already E.164-shaped, even if the numbering plan does not know it;
    3. *raw* with a ``+`` put back (a foreign caller ID that lost its ``+``: ``16502530000``);
    4. the region's country code put in front of *raw* without its trunk ``0``s.
    The guesses (3, 4) are kept only when they are valid numbers, not merely of a possible length.
    ``[]`` for junk (``""``, ``"anonymous"``, ``"unknown"``...).
    """
    text = _clean(raw)
    if text is None:
        return []
    digits = _NON_DIGITS.sub("", text)
    found: list[str] = []

    def add(candidate: str | None) -> None:
        if candidate and candidate not in found:
            found.append(candidate)

    add(_parse(text, region))
    if text.startswith("+"):
        if _E164_SHAPE.match("+" + digits):
            add("+" + digits)
        return found
    # Guesses: only numbers the numbering plan knows, so that they do not match at random.
    add(_parse("+" + digits, region, valid=True))
    country_code = phonenumbers.country_code_for_region(region.upper())
    national = digits.lstrip("0")
    if country_code and national and not digits.startswith("00"):
        add(_parse(f"+{country_code}{national}", region, valid=True))
    return found


def _clean(raw: str | None) -> str | None:
    """Strip URI decoration (``sip:1001@host``, ``tel:+86...``); ``None`` when no digits are left."""
    if not raw or len(raw) > _MAX_RAW:
        return None
    text = raw.strip()
    lowered = text.lower()
    for scheme in ("sip:", "sips:", "tel:"):
        if lowered.startswith(scheme):
            text = text[len(scheme):]
            break
    text = text.split("@", 1)[0].split(";", 1)[0].strip()
    if not any(ch.isdigit() for ch in text):
        return None
    return text


def _parse(text: str, region: str, *, valid: bool = False) -> str | None:
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        return None
    check = phonenumbers.is_valid_number if valid else phonenumbers.is_possible_number
    if not check(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
