"""``callcenter prompts``: render the sound files the IVR plays, for a real Asterisk, with espeak-ng.

Theory of operation. :func:`collect` walks the settings for every sound name the IVR can play, per menu
language: the menu prompts and notices (``ivr.menus``, with the tree's fall-back to the default
language's file), ``ivr.closed_prompt``, the ``ivr.account_pin`` prompts when enabled, the read-outs of
the self-services the tree offers (asked of :func:`ivr.menu.readout` itself, for every CRM status), the
blacklist message and the fixed files of the survey and callback features. :func:`plan` pairs each name
with its text (``callcenter/data/prompts.yaml``, overridden per name and language by ``--texts``) and
lists the names without one. All of that is pure; :func:`render` is the I/O: at most two espeak-ng
processes at a time, each WAV resampled to what Asterisk plays natively as ``.wav`` (8 kHz, mono,
16-bit) by :func:`telephone_wav` with the standard library only, written atomically. A file whose text,
voice and format are unchanged (digest in ``prompts-manifest.json`` beside it) is skipped.

Files go to ``<out>/<lang>/<name>.wav`` where ``<lang>`` is the base language (``zh``, ``en``): the
code ``CC_LANGUAGE`` carries, and the folder Asterisk searches for a channel language of ``zh`` or
``zh_CN``. ``SAY NUMBER`` uses Asterisk's own digit sounds, not these.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from callcenter.audio import telephone_wav
from callcenter.errors import CallCenterError
from callcenter.settings import Settings
from ivr import menu
from ivr.menu_tree import MenuTree, SelfServiceAction
from ivr.menus import Outcome

CONCURRENCY = 2
RENDER_TIMEOUT = 60.0                  # seconds per prompt: a stuck espeak-ng never stalls the run
FORMAT = "wav-8000-mono-s16-peak3db-v1"        # part of each digest: a new format re-renders everything
MANIFEST = "prompts-manifest.json"
# Debian's espeak-ng 1.51 reads hanzi through the plain "cmn" voice as pinyin spelt in English
# ("好" → "hao two", espeak-ng issue #1236); the pinyin voice speaks them as Mandarin.
VOICES = {"zh": "cmn-latn-pinyin", "en": "en"}
# Fixed names (not in the config) the after-call survey and the callback offer stream.
FIXED_SOUNDS = ("survey", "survey-thanks", "callback-offer", "callback-confirmed")
_RENDERABLE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class PromptsError(CallCenterError):
    """The command cannot go on: a bad texts file, an unknown language, espeak-ng missing."""


# --------------------------------------------------------------------------- what the IVR plays
Needed = dict[tuple[str, str], tuple[str, ...]]      # (language, sound name) -> where the config names it


def collect(settings: Settings) -> Needed:
    """Every ``(language, sound)`` the IVR can play with these settings, with the key paths naming it."""
    tree = settings.ivr.menus
    uses: dict[tuple[str, str], list[str]] = {}

    def per_language(where: str, prompts: Mapping[str, str] | None) -> None:
        for language in tree.languages:
            sound = tree.sound(prompts, language)
            if sound:
                uses.setdefault((language, sound), []).append(where)

    def everywhere(where: str, sound: str) -> None:
        for language in tree.languages:
            uses.setdefault((language, sound), []).append(where)

    per_language("ivr.menus.invalid_prompt", tree.invalid_prompt)
    per_language("ivr.menus.timeout_prompt", tree.timeout_prompt)
    for name, one in tree.menus.items():
        per_language(f"ivr.menus.menus.{name}.prompt", one.prompt)
        per_language(f"ivr.menus.menus.{name}.invalid_prompt", one.invalid_prompt)
        per_language(f"ivr.menus.menus.{name}.timeout_prompt", one.timeout_prompt)
    everywhere("ivr.closed_prompt", settings.ivr.closed_prompt)
    pin = settings.ivr.account_pin
    if pin.enabled:
        for key in ("account_prompt", "pin_prompt", "invalid_prompt"):
            everywhere(f"ivr.account_pin.{key}", getattr(pin, key))
    for service in sorted(self_services(tree)):
        for sound in sorted(readout_sounds(service)):
            everywhere(f"self-service read-out ({service})", sound)
    everywhere("routing.blacklist.message", settings.routing.blacklist.message)
    for sound in FIXED_SOUNDS:
        everywhere("IVR (fixed file)", sound)
    order = {language: i for i, language in enumerate(tree.languages)}
    return {key: tuple(uses[key]) for key in sorted(uses, key=lambda k: (order[k[0]], k[1]))}


def self_services(tree: MenuTree) -> set[str]:
    actions = [tree.fallback] + [m.fallback for m in tree.menus.values() if m.fallback is not None]
    actions += [action for m in tree.menus.values() for action in m.digits.values()]
    return {a.self_service for a in actions if isinstance(a, SelfServiceAction)}


def readout_sounds(service: str) -> set[str]:
    """The files :func:`ivr.menu.readout` streams for ``service``, over every status the CRM can hold."""
    from crm_bridge.models import CREDIT_STATUSES, OPEN_COMPLAINT_STATUSES

    outcome = Outcome(SelfServiceAction(self_service=service), menu="", path=(), presses=(), tries=0,
                      language="", fell_back=False, reason="")
    cards: list[dict[str, Any] | None] = [None, {}]                # unknown caller; a card without status
    cards += [{"credit_status": status} for status in CREDIT_STATUSES]
    cards += [{"open_complaints": [{"status": status}]} for status in (*OPEN_COMPLAINT_STATUSES, "")]
    return {s.value for card in cards for s in menu.readout(outcome, card) if s.verb == "file"}


# --------------------------------------------------------------------------- texts
Texts = dict[str, dict[str, str]]                    # sound name -> language -> text


def default_texts() -> Texts:
    source = resources.files("callcenter") / "data" / "prompts.yaml"
    return parse_texts(source.read_text(encoding="utf-8"), "callcenter/data/prompts.yaml")


def parse_texts(text: str, source: str) -> Texts:
    """A texts file (``name: {language: text}``); errors name the file and the key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise PromptsError("invalid-prompt-texts", f"{source}{where}: not valid YAML") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise PromptsError("invalid-prompt-texts", f"{source}: expected a mapping of sound name -> "
                                                   "{language: text}")
    texts: Texts = {}
    for name, per_language in data.items():
        if not isinstance(name, str) or not _RENDERABLE.match(name):
            raise PromptsError("invalid-prompt-texts", f"{source}: {name!r} is not a sound name (letters, "
                                                       "digits, '_', '-', '.', '/' between folders)")
        if not isinstance(per_language, Mapping) or not per_language:
            raise PromptsError("invalid-prompt-texts", f"{source}: {name}: expected {{language: text}}, "
                                                       "e.g. {zh-CN: 您好, en: Hello}")
        texts[name] = {}
        for language, words in per_language.items():
            if not isinstance(language, str) or not _LANGUAGE.match(language):
                raise PromptsError("invalid-prompt-texts", f"{source}: {name}.{language}: expected a "
                                                           "language tag like zh-CN or en")
            if not isinstance(words, str) or not words.strip():
                raise PromptsError("invalid-prompt-texts", f"{source}: {name}.{language}: expected the "
                                                           "text to speak, not an empty value")
            texts[name][language] = " ".join(words.split())
    return texts


def merge_texts(base: Texts, override: Texts) -> Texts:
    """``override``'s texts replace ``base``'s per name and language."""
    merged = {name: dict(per_language) for name, per_language in base.items()}
    for name, per_language in override.items():
        merged.setdefault(name, {}).update(per_language)
    return merged


def text_for(texts: Texts, name: str, language: str) -> str | None:
    """The text in ``language`` ("zh-CN"), else in its base language or a sibling ("zh", "zh-Hans")."""
    per_language = texts.get(name) or {}
    if language in per_language:
        return per_language[language]
    base = menu.base_language(language)
    for key in sorted(per_language):
        if menu.base_language(key) == base:
            return per_language[key]
    return None


# --------------------------------------------------------------------------- the plan
@dataclass(frozen=True, slots=True)
class Job:
    language: str
    name: str
    text: str
    voice: str
    path: Path

    @property
    def digest(self) -> str:
        blob = json.dumps([FORMAT, self.voice, self.text], ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Plan:
    jobs: tuple[Job, ...]
    missing: tuple[tuple[str, str, tuple[str, ...]], ...]    # (language, name, where it is used)


def sound_dir(language: str) -> str:
    return menu.base_language(language)


def plan(needed: Needed, texts: Texts, out: Path, languages: Sequence[str]) -> Plan:
    dirs: dict[str, str] = {}
    for language in languages:
        if dirs.setdefault(sound_dir(language), language) != language:
            raise PromptsError("prompt-language-clash", f"{dirs[sound_dir(language)]} and {language} would "
                                                        f"share the folder {sound_dir(language)}/: render one")
    outside = sorted({name for (_, name) in needed if not _RENDERABLE.match(name)})
    if outside:
        raise PromptsError("unrenderable-sound", "cannot render sound names outside the sounds folder "
                                                 f"(absolute paths, '..'): {', '.join(outside)}")
    jobs, missing = [], []
    for (language, name), where in needed.items():
        if language not in languages:
            continue
        text = text_for(texts, name, language)
        if text is None:
            missing.append((language, name, where))
            continue
        base = sound_dir(language)
        jobs.append(Job(language, name, text, VOICES.get(base, base), out / base / f"{name}.wav"))
    return Plan(tuple(jobs), tuple(missing))


def pick_languages(tree: MenuTree, wanted: Sequence[str] | None) -> tuple[str, ...]:
    if not wanted:
        return tree.languages
    unknown = [language for language in wanted if language not in tree.languages]
    if unknown:
        raise PromptsError("unknown-prompt-language", f"language {', '.join(unknown)} is not in "
                                                      f"ivr.menus.languages {list(tree.languages)}")
    return tuple(dict.fromkeys(wanted))


# --------------------------------------------------------------------------- rendering, the I/O
@dataclass(slots=True)
class Summary:
    rendered: list[Job] = field(default_factory=list)
    skipped: list[Job] = field(default_factory=list)
    failed: list[tuple[Job, str]] = field(default_factory=list)
    missing: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    def lines(self) -> list[str]:
        head = (f"prompts: {len(self.rendered)} rendered, {len(self.skipped)} up to date (skipped), "
                f"{len(self.missing)} missing, {len(self.failed)} failed")
        lines = [head]
        lines += [f"  missing text: {name} ({language}), used by {', '.join(where)}"
                  for language, name, where in self.missing]
        lines += [f"  failed: {job.path}: {why}" for job, why in self.failed]
        return lines


def espeak_path() -> str:
    found = shutil.which("espeak-ng")
    if found is None:
        raise PromptsError("espeak-ng-missing", "espeak-ng is not installed; on Debian: "
                                                "apt-get install espeak-ng")
    return found


def _read_manifest(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_atomically(path: Path, data: bytes) -> None:
    part = path.with_name(f".{path.name}.part")
    part.write_bytes(data)
    os.replace(part, path)


async def _render_one(espeak: str, job: Job, limit: asyncio.Semaphore) -> None:
    async with limit:
        job.path.parent.mkdir(parents=True, exist_ok=True)
        raw = job.path.with_name(f".{job.path.name}.espeak")
        proc = await asyncio.create_subprocess_exec(
            espeak, "-v", job.voice, "-w", str(raw), "--stdin",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            _, err = await asyncio.wait_for(proc.communicate(job.text.encode("utf-8")), RENDER_TIMEOUT)
            if proc.returncode != 0 or not raw.exists():
                raise RuntimeError(f"espeak-ng -v {job.voice} exited with {proc.returncode}: "
                                   f"{err.decode(errors='replace').strip()}")
            data = await asyncio.to_thread(telephone_wav, raw.read_bytes())
            _write_atomically(job.path, data)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raw.unlink(missing_ok=True)


async def render(jobs: Iterable[Job], *, force: bool = False, concurrency: int = CONCURRENCY) -> Summary:
    """Render the jobs that are not up to date; the manifests are written once, by this task."""
    summary = Summary()
    manifests: dict[Path, dict[str, str]] = {}
    todo = []
    for job in jobs:
        manifest = manifests.setdefault(job.path.parent, _read_manifest(job.path.parent))
        if not force and manifest.get(job.name) == job.digest and job.path.exists():
            summary.skipped.append(job)
        else:
            todo.append(job)
    if todo:
        espeak = espeak_path()
        limit = asyncio.Semaphore(concurrency)
        results = await asyncio.gather(*(_render_one(espeak, job, limit) for job in todo),
                                       return_exceptions=True)
        for job, result in zip(todo, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                why = "timed out" if isinstance(result, TimeoutError) else str(result) or type(result).__name__
                summary.failed.append((job, why))
                manifests[job.path.parent].pop(job.name, None)
            else:
                summary.rendered.append(job)
                manifests[job.path.parent][job.name] = job.digest
        for folder, manifest in manifests.items():
            if folder.exists():
                text = json.dumps(dict(sorted(manifest.items())), indent=1, ensure_ascii=False) + "\n"
                _write_atomically(folder / MANIFEST, text.encode("utf-8"))
    return summary


def run(settings: Settings, out: Path, *, texts_file: Path | None = None, languages: Sequence[str] | None = None,
        force: bool = False, allow_missing: bool = False) -> int:
    """The command: 0 all rendered or up to date, 1 missing texts (unless allowed) or failed renders."""
    texts = default_texts()
    if texts_file is not None:
        try:
            override = texts_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise PromptsError("invalid-prompt-texts", f"cannot read {texts_file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise PromptsError("invalid-prompt-texts", f"{texts_file}: not UTF-8 text") from None
        texts = merge_texts(texts, parse_texts(override, str(texts_file)))
    chosen = pick_languages(settings.ivr.menus, languages)
    the_plan = plan(collect(settings), texts, out, chosen)
    if the_plan.missing and not allow_missing:
        summary = Summary(missing=list(the_plan.missing))
        print("\n".join(summary.lines()[1:]), file=sys.stderr)
        print(f"prompts: nothing rendered: {len(the_plan.missing)} sound(s) have no text; add them to a "
              "--texts file, or pass --allow-missing", file=sys.stderr)
        return 1
    summary = asyncio.run(render(the_plan.jobs, force=force))
    summary.missing = list(the_plan.missing)
    print("\n".join(summary.lines()))
    return 1 if summary.failed else 0
