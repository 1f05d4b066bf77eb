"""The rendered Asterisk configuration: what a new user pastes into /etc/asterisk."""
from __future__ import annotations

import re

import pytest

from callcenter import prompts
from callcenter.ami import actions
from callcenter.errors import ConfigError
from callcenter.pbx.asterisk_config import FILES, render
from callcenter.settings import settings_from_mapping
from callcenter.simulator import atxfer, transfer_context
from ivr import variables as dv

CONFIG = {
    "ami": {"host": "127.0.0.1", "port": 25038, "username": "ccbot", "secret": "not-for-print"},
    "fastagi": {"host": "0.0.0.0", "port": 24573},
    "queues": {"sales": {"strategy": "leastrecent", "member_timeout": 22, "weight": 4, "wrapup_seconds": 40,
                         "label": "Sales / 销售"},
               "support": {"strategy": "ringall"}},
    "routing": {"default_queue": "support",
                "ladders": {t: [{"queue": "support"}] for t in ("vip", "group", "family", "individual", "unknown")},
                "deputies": {}, "complaint": {"menu_choices": [], "ladder": [{"queue": "support"}]}},
    "callbacks": {"context": "dial-customer"},
}


def settings(**changes):
    return settings_from_mapping({**CONFIG, **changes}, env={})


def sections(text: str) -> dict[str, list[str]]:
    """``{section: its non-comment lines}``; a repeated name (pjsip's endpoint + aor) gets ``name#2``."""
    found: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip() if not raw.lstrip().startswith(";") else ""
        head = re.match(r"^\[([^\]]+)\](\(.*\))?$", line)
        if head:
            current = head[1]
            while current in found:
                current += "#2"
            found[current] = []
        elif line and current is not None:
            found[current].append(line)
    return found


def options(lines: list[str]) -> dict[str, str]:
    return {k.strip(): v.strip() for k, _, v in (re.split(r"(=>?)", line, maxsplit=1) for line in lines)}


def extensions(lines: list[str]) -> list[tuple[str, str]]:
    """``(extension, application(data))`` of every priority, ``same =>`` lines under their extension."""
    out, exten = [], ""
    for line in lines:
        if line.startswith("exten =>"):
            exten, _, app = line.removeprefix("exten =>").strip().split(",", 2)
        else:
            _, app = line.removeprefix("same =>").strip().split(",", 1)
        out.append((exten, app))
    return out


def test_render_gives_every_file_a_new_user_pastes():
    files = render(settings())
    assert tuple(files) == FILES
    assert {"extensions.conf", "queues.conf", "manager.conf", "features.conf", "musiconhold.conf",
            "pjsip.conf"} <= set(files)
    assert all(not re.search(r"^\s*#include", text, re.M) for text in files.values())


def test_the_dialplan_reaches_the_configured_fastagi_server_and_default_queue():
    ext = sections(render(settings())["extensions.conf"])
    globals_ = options(ext["globals"])
    # The server listens on every address: Asterisk beside it dials loopback.
    assert globals_["CC_AGI_URL"] == "agi://127.0.0.1:24573/inbound"
    assert globals_["CC_AGI_SURVEY_URL"] == "agi://127.0.0.1:24573/survey"
    assert globals_["CC_DEFAULT_QUEUE"] == "support"
    assert "dial-customer" in ext and "customer-out" not in ext    # callbacks.context


def test_agi_host_is_the_address_asterisk_reaches_the_server_at():
    files = render(settings(), agi_host="10.1.2.3")
    assert options(sections(files["extensions.conf"])["globals"])["CC_AGI_URL"] == "agi://10.1.2.3:24573/inbound"
    manager = sections(files["manager.conf"])["ccbot"]
    assert "permit = 10.1.2.3/255.255.255.255" in manager     # the server connects from there


def test_manager_conf_honours_the_ami_port_bind_address_and_user():
    general = options(sections(render(settings())["manager.conf"])["general"])
    assert (general["port"], general["bindaddr"], general["enabled"]) == ("25038", "127.0.0.1", "yes")
    remote = settings(ami={**CONFIG["ami"], "host": "10.0.0.5"})
    assert options(sections(render(remote)["manager.conf"])["general"])["bindaddr"] == "10.0.0.5"


def test_the_ami_secret_is_never_printed_unless_asked():
    files = render(settings())
    assert not any("not-for-print" in text for text in files.values())
    user = options(sections(files["manager.conf"])["ccbot"])
    assert "secret" not in user                       # commented out: nobody logs in until it is filled in
    assert ";secret = " in files["manager.conf"]
    shown = options(sections(render(settings(), secret="a;b")["manager.conf"])["ccbot"])
    # ';' starts a comment in Asterisk's config files: the secret is written escaped.
    assert shown["secret"] == "a\\"                   # (our parser stops at the escaped ';' as well)
    assert "secret = a\\;b" in render(settings(), secret="a;b")["manager.conf"]


def test_each_configured_queue_gets_its_options_and_wrapup_stays_with_the_server():
    queues = sections(render(settings())["queues.conf"])
    assert set(queues) == {"general", "cc-queue", "sales", "support"}
    sales = options(queues["sales"])
    assert (sales["strategy"], sales["timeout"], sales["weight"]) == ("leastrecent", "22", "4")
    assert options(queues["support"])["strategy"] == "ringall"
    template = options(queues["cc-queue"])
    assert template["wrapuptime"] == "0" and template["servicelevel"] == "20"


def test_a_queue_named_general_cannot_be_configured():
    with pytest.raises(ConfigError) as err:
        settings(queues={"general": {}})
    assert err.value.key_path == "queues.general"


def _pattern_classes(pattern: str) -> tuple[list[set[str]], bool]:
    """An Asterisk extension as a list of character sets, and whether it ends in '.' (one or more)."""
    alphabet = set("0123456789*#") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if not pattern.startswith("_"):
        return [{ch} for ch in pattern], False
    classes, body, more = [], pattern[1:], False
    while body:
        ch, body = body[0], body[1:]
        if ch == "X":
            classes.append(set("0123456789"))
        elif ch == "N":
            classes.append(set("23456789"))
        elif ch == "Z":
            classes.append(set("123456789"))
        elif ch == "[":
            inside, body = body.split("]", 1)
            chars = set()
            for a, b in re.findall(r"(.)-(.)", inside):
                chars |= {chr(c) for c in range(ord(a), ord(b) + 1)}
            chars |= set(re.sub(r".-.", "", inside))
            classes.append(chars)
        elif ch == ".":
            more = True
        else:
            classes.append({ch})
    return classes, more


def _can_be_longer(a: str, b: str) -> bool:
    """Some extension matching *a* is the beginning of a longer one matching *b*."""
    ca, a_more = _pattern_classes(a)
    cb, b_more = _pattern_classes(b)
    if not b_more and len(cb) <= len(ca) and not a_more:
        return False
    common = min(len(ca), len(cb))
    return all(ca[i] & cb[i] for i in range(common)) and (b_more or a_more or len(cb) > len(ca))


def test_no_transfer_extension_is_the_start_of_another():
    """AMI Atxfer feeds the extension as DTMF; the atxfer feature waits features.conf's digit timeout
    while a longer extension could still match: an agent transfer must not wait for it."""
    transfer = [e for e, _ in extensions(sections(render(settings())["extensions.conf"])["transfer"])]
    patterns = list(dict.fromkeys(transfer))
    assert len(patterns) == 3
    for a in patterns:
        for b in patterns:
            if a != b:
                assert not _can_be_longer(a, b), (a, b)
    assert _can_be_longer("_XXXX", "_XXXXX.")                 # the pair this replaced


def _matches(pattern: str, exten: str) -> bool:
    classes, more = _pattern_classes(pattern)
    if len(exten) < len(classes) + (1 if more else 0) or (not more and len(exten) != len(classes)):
        return False
    return all(ch in cls for ch, cls in zip(exten, classes))


@pytest.mark.parametrize("target, to, context", [
    ("1002", "agent", "agent-phones"), ("+8613900000009", "number", "customer-phones"),
    ("+442071234567", "number", "customer-phones")])
def test_the_server_the_rendered_transfer_context_and_the_simulator_agree(target, to, context):
    from callcenter.model.control import dial_digits
    exten = target if to == "agent" else actions.TRANSFER_NUMBER_PREFIX + dial_digits(target)
    transfer = extensions(sections(render(settings())["extensions.conf"])["transfer"])
    dials = [app for pattern, app in transfer if _matches(pattern, exten) and app.startswith("Dial(")]
    assert len(dials) == 1 and f"@{context}/n" in dials[0]
    assert transfer_context.phone_destination(exten) == (context, exten.removeprefix(actions.TRANSFER_NUMBER_PREFIX))
    assert transfer_context.phone_destination("13900000009") is None      # numbers need the prefix


def test_features_conf_sets_the_atxfer_code_the_simulator_plays_and_no_sounds():
    features = sections(render(settings())["features.conf"])
    assert options(features["featuremap"])["atxfer"] == atxfer.FEATURE_CODE
    general = options(features["general"])
    for sound in ("transferannouncesound", "transferretrysound", "transferinvalidsound", "xfersound",
                  "xferfailsound"):
        assert general[sound] == "", sound        # Asterisk's defaults are core sounds nobody ships


SOUND_APPS = ("Playback", "Background", "BackGround", "Read", "ControlPlayback", "SayDigits", "WaitExten")


def test_every_sound_the_dialplan_plays_is_one_callcenter_prompts_renders():
    s = settings()
    renderable = {name for _, name in prompts.collect(s)}
    contexts = sections(render(s)["extensions.conf"])
    for exten, app in extensions([line for name, lines in contexts.items() if name not in ("general", "globals")
                                  for line in lines]):
        name, _, data = app.partition("(")
        if name in SOUND_APPS:
            sound = data.split(",")[0].rstrip(")")
            assert sound in renderable, f"{exten}: {app} plays {sound!r}, which `callcenter prompts` does not render"
    queues = sections(render(s)["queues.conf"])
    assert options(queues["cc-queue"])["announce-frequency"] == "0"
    assert options(queues["cc-queue"])["periodic-announce-frequency"] == "0"


def test_the_dialplan_spells_the_variables_the_ivr_sets():
    text = render(settings())["extensions.conf"]
    names = set(re.findall(r"\b(CC_[A-Z_]+)\b", text))
    known = {v for v in vars(dv).values() if isinstance(v, str) and v.startswith("CC_")}
    globals_ = {"CC_DEFAULT_QUEUE", "CC_AGI_URL", "CC_AGI_SURVEY_URL"}
    step_fields = {"CC_STEP_"}                  # CC_STEP_${CC_STEP}_KIND: dv.step()
    assert names - known - globals_ - step_fields == set()


def test_pjsip_has_an_endpoint_per_phone_with_generated_passwords_and_a_carrier():
    first, again = render(settings(), phones=["1001", "1002", "9001"]), render(settings(), phones=["1001"])
    pjsip = sections(first["pjsip.conf"])
    endpoints = {name: options(lines) for name, lines in pjsip.items() if options(lines).get("type") == "endpoint"}
    assert set(endpoints) == {"1001", "1002", "9001", "carrier"}
    assert endpoints["1001"]["context"] == "agent-phones"        # a phone never reaches the carrier
    assert endpoints["carrier"]["context"] == "inbound" and endpoints["carrier"]["language"] == "zh"
    passwords = [options(pjsip[f"{p}-auth"])["password"] for p in ("1001", "1002", "9001")]
    assert len(set(passwords)) == 3 and all(len(p) >= 20 for p in passwords)
    assert options(sections(again["pjsip.conf"])["1001-auth"])["password"] != passwords[0]
    assert "transport-udp" in pjsip


def test_pjsip_without_phones_shows_a_commented_example_and_refuses_odd_extensions():
    pjsip = sections(render(settings())["pjsip.conf"])
    assert [n for n, lines in pjsip.items() if options(lines).get("type") == "endpoint"] == ["carrier"]
    assert ";[1001]" in render(settings())["pjsip.conf"]
    with pytest.raises(ValueError):
        render(settings(), phones=["1001", "alice"])


def test_the_phone_contexts_are_separate_and_last_so_a_test_bench_can_replace_them():
    ext = sections(render(settings())["extensions.conf"])
    assert list(ext)[-2:] == ["agent-phones", "customer-phones"]
    assert extensions(ext["customer-phones"])[1][1].startswith("Dial(PJSIP/${EXTEN}@carrier")
    assert extensions(ext["agent-phones"])[1][1].startswith("Dial(PJSIP/${EXTEN}")
