"""The consoles' colours reach WCAG AA, and every icon the stylesheets name is vendored with its licence.

Contrast is computed from ``static/css/tokens.css`` (WCAG 2.x relative luminance); the pairs are the
text/background combinations the pages use (console.css names them through the tokens).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKENS = ROOT / "static" / "css" / "tokens.css"
WHITE = "#ffffff"

# (text, background, minimum ratio): 4.5 for text, 3 for large text and for the outlines of controls.
PAIRS = [
    ("--text", "--bg", 4.5), ("--text", "--card", 4.5), ("--muted", "--card", 4.5), ("--muted", "--bg", 4.5),
    ("--muted", "--sunken", 4.5), ("--accent", "--card", 4.5), ("--topbar-text", "--topbar", 4.5),
    ("--topbar-muted", "--topbar", 4.5), ("--on-accent", "--accent", 4.5), ("--on-accent", "--accent-dark", 4.5),
    ("--on-danger", "--danger", 4.5), ("--on-danger", "--danger-dark", 4.5),
    ("--ok", "--ok-bg", 4.5), ("--warn", "--warn-bg", 4.5), ("--error", "--error-bg", 4.5),
    ("--info", "--info-bg", 4.5), ("--error", "--card", 4.5), ("--ok", "--card", 4.5),
    ("--state-available", "--state-available-bg", 4.5), ("--state-paused", "--state-paused-bg", 4.5),
    ("--state-ringing", "--state-ringing-bg", 4.5), ("--state-on_call", "--state-on_call-bg", 4.5),
    ("--state-wrap_up", "--state-wrap_up-bg", 4.5), ("--state-logged_out", "--state-logged_out-bg", 4.5),
    ("--sl-ok", "--card", 4.5), ("--sl-warn", "--card", 4.5), ("--sl-bad", "--card", 4.5),
    (WHITE, "--sev-high", 4.5), (WHITE, "--sev-critical", 4.5),
    ("--line-strong", "--card", 3.0),                     # the outline of an input (WCAG 1.4.11)
]


def tokens() -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", TOKENS.read_text(encoding="utf-8")))


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_on_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)     # the classic "just fails AA"


@pytest.mark.parametrize("text,background,minimum", PAIRS, ids=[f"{a} on {b}" for a, b, _ in PAIRS])
def test_text_and_background_pairs_reach_wcag_aa(text: str, background: str, minimum: float) -> None:
    named = tokens()
    colour = {name: (name if name.startswith("#") else named[name]) for name in (text, background)}
    ratio = contrast(colour[text], colour[background])
    assert ratio >= minimum, f"{text} {colour[text]} on {background} {colour[background]}: {ratio:.2f} < {minimum}"


def test_disabled_controls_are_styled_as_disabled_not_only_faded() -> None:
    css = (ROOT / "static" / "css" / "console.css").read_text(encoding="utf-8")
    rule = re.search(r"\.btn:disabled[^{]*\{([^}]*)\}", css)
    assert rule and "--disabled-bg" in rule.group(1) and "not-allowed" in rule.group(1)
    assert "opacity" not in rule.group(1)


def test_every_icon_the_stylesheet_names_is_vendored_with_its_licence() -> None:
    icons = ROOT / "static" / "icons"
    named = set(re.findall(r"\.\./icons/([\w-]+)\.svg", (ROOT / "static" / "css" / "icons.css").read_text()))
    assert named and all((icons / f"{name}.svg").is_file() for name in named)
    assert "ISC License" in (icons / "LICENSE").read_text()
    assert all("lucide" in (icons / f"{name}.svg").read_text() for name in named)


def _resolve(value: str, named: dict[str, str]) -> str | None:
    value = value.strip().lower()
    var = re.fullmatch(r"var\((--[\w-]+)(?:,\s*(#[0-9a-f]{6}))?\)", value)
    if var:
        return named.get(var.group(1)) or var.group(2)
    if re.fullmatch(r"#[0-9a-f]{6}", value):
        return value
    if re.fullmatch(r"#[0-9a-f]{3}", value):
        return "#" + "".join(c * 2 for c in value[1:])
    return "#ffffff" if value == "white" else None


def test_every_rule_that_sets_both_text_and_background_reaches_aa() -> None:
    """Every stylesheet: any rule with its own colour and background (badges, alerts, buttons, highlighted
    rows) reaches 4.5:1; disabled controls, which WCAG exempts, still keep 3:1 to stay legible."""
    sheets = [path for path in sorted((ROOT / "static" / "css").glob("*.css")) if path.name != "tokens.css"]
    named = tokens()              # and the variables a page's own sheet defines (wallboard.css's levels)
    for path in sheets:
        named.update(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", path.read_text(encoding="utf-8")))
    css = "\n".join(re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S) for path in sheets)
    checked, weak = 0, []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        text = re.search(r"(?<![-\w])color:\s*([^;]+)", body)
        fill = re.search(r"background(?:-color)?:\s*([^;]+)", body)
        if not (text and fill):
            continue
        a, b = _resolve(text.group(1), named), _resolve(fill.group(1), named)
        if a is None or b is None:
            continue
        checked += 1
        minimum = 3.0 if ":disabled" in selector else 4.5
        if contrast(a, b) < minimum:
            weak.append(f"{selector.strip()}: {a} on {b} = {contrast(a, b):.2f}")
    assert checked > 15, "the stylesheet parser found almost nothing: the pattern is stale"
    assert not weak
