"""``callcenter asterisk-config``: choose the phones and the secret, render, print or write the files."""
from __future__ import annotations

import sys
from pathlib import Path

from callcenter.pbx import asterisk_config, phones
from callcenter.settings import Settings


def _fail(message: str) -> int:
    print(f"callcenter asterisk-config: {message}", file=sys.stderr)
    return 2


def run(settings: Settings, *, out: Path | None = None, force: bool = False, agi_host: str | None = None,
        phones_spec: str | None = None, show_secret: bool = False) -> int:
    """0 printed or written; 2 a bad option, files in the way, or a folder that cannot be written."""
    if phones_spec:
        try:
            chosen = phones.Phones(phones.parse_spec(phones_spec), "--phones")
        except ValueError as exc:
            return _fail(f"--phones {exc}")
    else:
        chosen = phones.from_database(settings.database.url)
    secret = None
    if show_secret:
        if not settings.ami.secret:
            return _fail("--show-secret: no AMI secret is configured (set CC_AMI_SECRET)")
        secret = settings.ami.secret
    files = asterisk_config.render(settings, secret=secret, agi_host=agi_host, phones=chosen.extensions)
    files["pjsip.conf"] = f"; Phones: {chosen.source}.\n{files['pjsip.conf']}"
    if out is None:
        for name, text in files.items():
            print(f";; ===== {name} =====")
            print(text)
        return 0
    existing = [name for name in files if (out / name).exists()]
    if existing and not force:
        return _fail(f"{out} already has {', '.join(existing)}; pass --force to replace them (the phones' "
                     "passwords in pjsip.conf are generated anew on every run)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        return _fail(f"cannot write to {out}: {exc.strerror}")
    print(f"wrote {', '.join(files)} to {out} (FastAGI at {asterisk_config.agi_address(settings, agi_host)}; "
          f"phones: {chosen.source})")
    return 0
