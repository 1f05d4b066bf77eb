"""The live tier's Asterisk configuration: what ``callcenter asterisk-config`` renders from the test's
settings, with the phones replaced by test phones, plus sounds and music on hold.

The overlay replaces whole dialplan contexts by name (``[agent-phones]``, ``[customer-phones]``) and adds
``[cc-test-handset]``; everything else (``[inbound]``, the hold, transfer and survey contexts, queues,
features) is exactly what a user would paste into ``/etc/asterisk``.
"""
from __future__ import annotations

import math
import re
import struct
import subprocess
import sys
import wave
from pathlib import Path

from callcenter.pbx.asterisk_config import render as render_config
from callcenter.settings import Settings

# Test phones. AstDB family ``cctest`` says how a phone behaves (answer | noanswer), ``cctest-ring`` how
# long it rings before answering; the test sets them with AMI DBPut. An answered phone stays off-hook
# until someone hangs up (the desk, the caller, or the test).
TEST_CONTEXTS = r"""
[agent-phones]
exten => _X!,1,NoOp(test agent phone ${EXTEN})
 same => n,Set(MODE=${DB(cctest/${EXTEN})})
 same => n,GotoIf($["${MODE}" = "noanswer"]?never)
 same => n,Set(RING=${DB(cctest-ring/${EXTEN})})
 same => n,Wait(${IF($["${RING}" = ""]?0.5:${RING})})
 same => n,Answer()
 same => n,Wait(3600)
 same => n,Hangup()
 same => n(never),Wait(3600)
 same => n,Hangup()

[customer-phones]
exten => _X.,1,NoOp(test customer phone ${EXTEN})
 same => n,Set(MODE=${DB(cctest/${EXTEN})})
 same => n,GotoIf($["${MODE}" = "noanswer"]?never)
 same => n,Wait(1)
 same => n,Answer()
 same => n,Wait(3600)
 same => n,Hangup()
 same => n(never),Wait(3600)
 same => n,Hangup()

[cc-test-handset]
; The caller's own side of Local/<dnid>@inbound/n. The test presses keys with AMI PlayDTMF.
exten => s,1,Wait(3600)
 same => n,Hangup()
"""

_SECTION = re.compile(r"^\[([^\]]+)\]", re.M)


def sections(text: str) -> dict[str, str]:
    """An ini-style file cut at its ``[section]`` headers (text before the first one under '')."""
    cuts = [(m.start(), m.group(1)) for m in _SECTION.finditer(text)]
    out = {"": text[:cuts[0][0]] if cuts else text}
    for i, (start, name) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
        out[name] = text[start:end]
    return out


def replace_contexts(conf: str, overlay: str) -> str:
    """*conf* with every context that *overlay* defines replaced by the overlay's, new ones appended."""
    mine = sections(overlay)
    mine.pop("", None)
    parts = sections(conf)
    for name, body in mine.items():
        parts[name] = body.rstrip("\n") + "\n\n"
    return "".join(parts.values())


def render(settings: Settings, secret: str) -> dict[str, str]:
    """The files ``callcenter asterisk-config`` gives a user for these settings, secret included."""
    return render_config(settings, secret=secret, agi_host="127.0.0.1")


def config_files(settings: Settings, secret: str, sip_port: int) -> dict[str, str]:
    files = dict(render(settings, secret))
    files["extensions.conf"] = replace_contexts(files["extensions.conf"], TEST_CONTEXTS)
    if "pjsip.conf" in files:      # never the default 5060: another Asterisk may hold it
        files["pjsip.conf"] = re.sub(r"(?m)^(bind\s*=\s*)[^\s;]+", rf"\g<1>127.0.0.1:{sip_port}", files["pjsip.conf"])
    return files


def write_media(folder: Path, config: Path | None) -> None:
    """Sounds from ``callcenter prompts`` (espeak-ng) and a music-on-hold file (a soft tone)."""
    sounds = folder / "data" / "sounds"
    cmd = [sys.executable, "-m", "callcenter", *(["--config", str(config)] if config else []), "prompts",
           "--out", str(sounds)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    moh = folder / "data" / "moh"
    moh.mkdir(parents=True, exist_ok=True)
    with wave.open(str(moh / "hold.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / 8000)))
                               for i in range(8000 * 5)))
