"""Access to the recorded Asterisk 22 traffic in ../shared/asterisk/ (read-only, beside the repo)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

RECORDINGS = Path(os.environ.get("CC_RECORDINGS", Path(__file__).resolve().parents[2] / "shared" / "asterisk"))


def recording(name: str) -> bytes:
    path = RECORDINGS / name
    if not path.exists():
        pytest.fail(f"recording {path} is missing: the tests need ../shared/asterisk beside the repo "
                    "(or CC_RECORDINGS pointing at it)")
    return path.read_bytes()
