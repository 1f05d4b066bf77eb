"""``callcenter prompts`` with the real espeak-ng: files Asterisk can play, re-rendered only when the text changes."""
from __future__ import annotations

import os
import shutil
import wave
from pathlib import Path

import pytest

from callcenter import prompts

NEEDED = {("zh-CN", "closed"): ("ivr.closed_prompt",), ("en", "closed"): ("ivr.closed_prompt",)}
TEXTS = {"closed": {"zh-CN": "现在是非工作时间，再见。", "en": "We are closed. Goodbye."}}


@pytest.fixture(autouse=True)
def _espeak_ng() -> None:
    if shutil.which("espeak-ng") is None:
        message = "espeak-ng is not installed (Debian: apt-get install espeak-ng)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; .ci/run installs it in CI")
        pytest.skip(message)


def header(path: Path) -> tuple[int, int, int, float]:
    with wave.open(str(path), "rb") as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes() / w.getframerate()


async def test_espeak_renders_8khz_mono_16bit_wavs_per_language(tmp_path: Path) -> None:
    plan = prompts.plan(NEEDED, TEXTS, tmp_path, ("zh-CN", "en"))
    summary = await prompts.render(plan.jobs)
    assert (len(summary.rendered), summary.failed) == (2, [])
    for folder in ("zh", "en"):
        rate, channels, width, seconds = header(tmp_path / folder / "closed.wav")
        assert (rate, channels, width) == (8000, 1, 2)
        assert 0.3 < seconds < 10
    assert sorted(p.name for p in (tmp_path / "zh").iterdir()) == ["closed.wav", prompts.MANIFEST]


async def test_a_second_run_skips_until_the_text_changes_or_force(tmp_path: Path) -> None:
    plan = prompts.plan(NEEDED, TEXTS, tmp_path, ("zh-CN", "en"))
    await prompts.render(plan.jobs)
    again = await prompts.render(plan.jobs)
    assert (len(again.skipped), again.rendered) == (2, [])

    changed = prompts.plan(NEEDED, {"closed": {**TEXTS["closed"], "en": "Sorry, we are closed now. Goodbye."}},
                           tmp_path, ("zh-CN", "en"))
    summary = await prompts.render(changed.jobs)
    assert [(job.language, job.name) for job in summary.rendered] == [("en", "closed")]
    forced = await prompts.render(changed.jobs, force=True)
    assert len(forced.rendered) == 2
