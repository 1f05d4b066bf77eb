"""``callcenter prompts``: which sound files the IVR needs, their texts, the missing ones, the audio format."""
from __future__ import annotations

import io
import math
import wave
from pathlib import Path

import pytest

from callcenter import audio, cli, prompts
from callcenter.settings import load_settings, settings_from_mapping

SHIPPED = {
    "menu", "self-service", "closed", "enter-account", "enter-pin", "account-invalid",
    "balance-unavailable", "caller-unknown", "credit-normal", "credit-suspended", "credit-unknown",
    "complaint-open", "complaint-in_progress", "complaint-unknown", "blacklisted",
    "survey", "survey-thanks", "callback-offer", "callback-confirmed",
}


def names(needed: prompts.Needed, language: str) -> set[str]:
    return {name for (lang, name) in needed if lang == language}


def test_config_yaml_needs_every_prompt_the_ivr_plays_in_both_languages() -> None:
    needed = prompts.collect(load_settings("config.yaml", env={}))
    assert names(needed, "zh-CN") == names(needed, "en") == SHIPPED
    assert needed[("en", "menu")] == ("ivr.menus.menus.main.prompt",)
    assert needed[("zh-CN", "closed")] == ("ivr.closed_prompt",)
    assert "self-service read-out (credit_status)" in needed[("en", "caller-unknown")]


def test_shipped_texts_cover_config_yaml_in_both_languages(tmp_path: Path) -> None:
    settings = load_settings("config.yaml", env={})
    plan = prompts.plan(prompts.collect(settings), prompts.default_texts(), tmp_path, ("zh-CN", "en"))
    assert plan.missing == ()
    menu_zh = next(job for job in plan.jobs if (job.language, job.name) == ("zh-CN", "menu"))
    assert (menu_zh.path, menu_zh.voice) == (tmp_path / "zh" / "menu.wav", "cmn-latn-pinyin")
    assert "请按1" in menu_zh.text


def test_a_language_without_its_own_file_needs_the_default_languages_file() -> None:
    settings = settings_from_mapping({"ivr": {
        "closed_prompt": "after-hours",
        "account_pin": {"enabled": False},
        "menus": {
            "invalid_prompt": {"zh-CN": "wrong-key", "en": "wrong-key-en"},
            "menus": {"main": {"prompt": {"zh-CN": "welcome"}, "digits": {"1": {"operator": True}}}},
        },
    }}, env={})
    needed = prompts.collect(settings)
    assert names(needed, "en") == {"welcome", "wrong-key-en", "after-hours", "blacklisted", *prompts.FIXED_SOUNDS}
    assert names(needed, "zh-CN") == {"welcome", "wrong-key", "after-hours", "blacklisted", *prompts.FIXED_SOUNDS}
    assert needed[("en", "welcome")] == ("ivr.menus.menus.main.prompt",)


def test_names_without_a_text_are_reported_with_where_they_are_used(tmp_path: Path) -> None:
    texts = {"menu": {"zh-CN": "您好", "en": "Hello"}}
    needed = {("zh-CN", "menu"): ("ivr.menus.menus.main.prompt",), ("en", "menu"): ("ivr.menus.menus.main.prompt",),
              ("en", "closed"): ("ivr.closed_prompt",)}
    plan = prompts.plan(needed, texts, tmp_path, ("zh-CN", "en"))
    assert [(job.language, job.name) for job in plan.jobs] == [("zh-CN", "menu"), ("en", "menu")]
    assert plan.missing == (("en", "closed", ("ivr.closed_prompt",)),)
    assert prompts.plan(needed, texts, tmp_path, ("zh-CN",)).missing == ()


def test_the_command_fails_listing_missing_names_and_renders_nothing(tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("ivr: {closed_prompt: after-hours}\n", encoding="utf-8")
    out = tmp_path / "sounds"
    assert cli.main(["--config", str(config), "prompts", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "missing text: after-hours (zh-CN), used by ivr.closed_prompt" in err
    assert "missing text: after-hours (en)" in err and "--allow-missing" in err
    assert not out.exists()


def test_a_language_not_in_the_menus_is_refused(capsys) -> None:
    assert cli.main(["--config", "config.yaml", "prompts", "--lang", "fr"]) == 2
    assert "fr is not in ivr.menus.languages" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "words"), [
    ("- menu\n", "expected a mapping of sound name"),
    ("menu: Hello\n", "menu: expected {language: text}"),
    ("menu: {en: '  '}\n", "menu.en: expected the text to speak"),
    ("menu: {English: Hello}\n", "menu.English: expected a language tag"),
    ("../etc/passwd: {en: Hello}\n", "'../etc/passwd' is not a sound name"),
    ("menu: {en: Hello\nclosed: x\n", "texts.yaml line"),
])
def test_a_bad_texts_file_names_the_file_and_the_key(text: str, words: str) -> None:
    with pytest.raises(prompts.PromptsError) as raised:
        prompts.parse_texts(text, "texts.yaml")
    assert str(raised.value).startswith("texts.yaml")
    assert words in str(raised.value)


def test_a_deployments_texts_replace_the_shipped_ones_per_name_and_language() -> None:
    override = prompts.parse_texts("menu: {en: Welcome to Example Telecom.}\nhold: {zh: 请稍候}\n", "site.yaml")
    texts = prompts.merge_texts(prompts.default_texts(), override)
    assert prompts.text_for(texts, "menu", "en") == "Welcome to Example Telecom."
    assert prompts.text_for(texts, "menu", "zh-CN") == prompts.default_texts()["menu"]["zh-CN"]
    assert prompts.text_for(texts, "hold", "zh-CN") == "请稍候"          # base language
    assert prompts.text_for(texts, "hold", "en") is None                # never another language's text


async def test_up_to_date_files_are_skipped_without_espeak(tmp_path: Path, monkeypatch) -> None:
    job = prompts.Job("en", "menu", "Hello", "en", tmp_path / "en" / "menu.wav")
    job.path.parent.mkdir()
    job.path.write_bytes(b"RIFF")
    (job.path.parent / prompts.MANIFEST).write_text(f'{{"menu": "{job.digest}"}}', encoding="utf-8")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    summary = await prompts.render([job])
    assert (summary.skipped, summary.rendered) == ([job], [])
    changed = prompts.Job("en", "menu", "Hello again", "en", job.path)
    with pytest.raises(prompts.PromptsError, match="apt-get install espeak-ng"):
        await prompts.render([changed])
    with pytest.raises(prompts.PromptsError, match="apt-get install espeak-ng"):
        await prompts.render([job], force=True)


def tone(frequency: float, rate: int, seconds: float = 0.5) -> list[int]:
    return [round(10000 * math.sin(2 * math.pi * frequency * n / rate)) for n in range(int(rate * seconds))]


def amplitude(values: list[float], frequency: float, rate: int) -> float:
    """The amplitude of one frequency (a single DFT bin), away from the edges."""
    middle = values[len(values) // 4: 3 * len(values) // 4]
    re = sum(v * math.cos(2 * math.pi * frequency * n / rate) for n, v in enumerate(middle))
    im = sum(v * math.sin(2 * math.pi * frequency * n / rate) for n, v in enumerate(middle))
    return 2 * math.hypot(re, im) / len(middle)


def test_resampling_to_8khz_keeps_speech_and_drops_what_would_alias() -> None:
    kept = audio.resample(tone(1000, 22050), 22050, 8000)
    assert len(kept) == 4000
    assert amplitude(kept, 1000, 8000) == pytest.approx(10000, rel=0.02)
    # 5 kHz cannot exist at 8 kHz: unfiltered, it would come back as a 3 kHz whistle.
    dropped = audio.resample(tone(5000, 22050), 22050, 8000)
    assert amplitude(dropped, 3000, 8000) < 100


def test_telephone_wav_is_8khz_mono_16bit_at_a_fixed_peak() -> None:
    source = io.BytesIO()
    with wave.open(source, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"".join(x.to_bytes(2, "little", signed=True) * 2 for x in tone(440, 22050)))
    with wave.open(io.BytesIO(audio.telephone_wav(source.getvalue())), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() == 4000
        frames = w.readframes(w.getnframes())
    peak = max(abs(int.from_bytes(frames[i:i + 2], "little", signed=True)) for i in range(0, len(frames), 2))
    assert peak == round(audio.PEAK)
