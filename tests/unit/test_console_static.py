"""Guards on the browser modules: customer data is never parsed as HTML, and protocol.js mirrors protocol.py."""
from __future__ import annotations

import re
from pathlib import Path

from console import protocol

JS = Path(__file__).resolve().parents[2] / "static" / "js"


def _code(path: Path) -> str:
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("//"))


def test_no_module_parses_strings_as_html() -> None:
    for module in JS.glob("*.js"):
        code = _code(module)
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in code, f"{module.name} uses {sink}"


def test_protocol_js_mirrors_protocol_py() -> None:
    code = _code(JS / "protocol.js")
    commands = re.search(r"COMMANDS = Object\.freeze\(\[([^\]]*)\]", code)
    assert commands and set(re.findall(r'"(\w+)"', commands.group(1))) == set(protocol.COMMANDS)
    assert "MAX_MESSAGE_BYTES = 64 * 1024" in code and protocol.MAX_MESSAGE_BYTES == 64 * 1024
    for name in ("UNAUTHENTICATED", "FORBIDDEN", "TOO_SLOW", "GOING_AWAY"):
        assert f"{name}: {getattr(protocol, 'CLOSE_' + name)}" in code
    severities = re.search(r"SEVERITIES = Object\.freeze\(\[([^\]]*)\]", code)
    assert severities and tuple(re.findall(r'"(\w+)"', severities.group(1))) == protocol.SEVERITIES
    for name in ("MAX_NOTES", "MAX_CATEGORY", "MAX_DESCRIPTION"):
        assert f"{name} = {getattr(protocol, name)};" in code, name
