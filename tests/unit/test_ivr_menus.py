"""The menu tree from config and its pure flow: navigation, retries, fallback, language, validation."""
from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from callcenter.settings import _PathError
from ivr.menus import (
    MenuFlow, MenuTree, OperatorAction, Outcome, Prompt, QueueAction, SelfServiceAction,
)

# The sample given to the lead for config.yaml (`ivr: menus:`), validated here so it stays valid.
SAMPLE_YAML = """
root: main
languages: [zh-CN, en]
default_language: zh-CN          # prompts missing in a caller's language fall back to this one
timeout_ms: 5000                 # GET DATA wait after the prompt
max_tries: 3                     # prompts per menu visit before the fallback
max_prompts: 20                  # prompts per call in all (menus may loop back)
invalid_prompt: {zh-CN: zh/invalid, en: en/invalid}       # played before the re-prompt
timeout_prompt: {zh-CN: zh/no-input, en: en/no-input}     # nothing pressed; default: invalid_prompt
fallback: {queue: standard, label: 人工服务 Agent}           # no valid choice after max_tries
menus:
  main:
    label: 主菜单 Main menu
    prompt: {zh-CN: zh/main, en: en/main}
    digits:                      # one key of 0-9 and *; quote "*" ('*' starts a YAML alias); '#' is refused
      1: {menu: billing, label: 账单与余额 Billing}
      2: {menu: service, label: 业务咨询 Service}
      3: {self_service: complaint_status, label: 投诉进度 Complaint status}
      9: {language: en, label: English}
      0: {operator: true, label: 人工服务 Agent}
      "*": {repeat: true, label: 重听 Repeat}
  billing:
    label: 账单 Billing
    prompt: {zh-CN: zh/billing, en: en/billing}
    timeout_ms: 8000
    max_tries: 2
    fallback: {queue: billing, label: 账单人工 Billing agent}
    digits:
      1: {self_service: balance, label: 余额查询 Balance}
      2: {self_service: credit_status, label: 信用状态 Credit status}
      3: {queue: billing, label: 账单人工 Billing agent}
      8: {callback: true, label: 预约回电 Call me back}
      "*": {back: true, label: 返回 Back}
  service:
    label: 业务咨询 Service
    prompt: {zh-CN: zh/service}  # no English recording yet: English callers hear the Chinese one
    digits:
      1: {queue: standard, label: 普通业务 General enquiries}
      2: {menu: main, label: 主菜单 Main menu}
      5: {survey: true, label: 满意度调查 Survey}
      "*": {back: true, label: 返回 Back}
"""
SAMPLE = yaml.safe_load(SAMPLE_YAML)
TREE = MenuTree.model_validate(SAMPLE)


def walk(presses: list[str | None], language: str | None = "zh-CN",
         tree: MenuTree = TREE) -> tuple[list[Prompt], Outcome]:
    """Drive the flow as the IVR script does; every prompt issued, and the outcome."""
    flow = MenuFlow(tree, language)
    step: Prompt | Outcome = flow.start()
    prompts: list[Prompt] = []
    for pressed in presses:
        assert isinstance(step, Prompt), f"flow ended before {pressed!r}: {step}"
        prompts.append(step)
        step = flow.press(pressed)
    assert isinstance(step, Outcome), f"flow still prompting after {presses}: {step}"
    return prompts, step


# --------------------------------------------------------------------------- navigation
@pytest.mark.parametrize(("presses", "action", "digits", "menus"), [
    (["1", "3"], QueueAction(queue="billing", label="账单人工 Billing agent"), "13", ["main", "billing"]),
    (["1", "1"], SelfServiceAction(self_service="balance", label="余额查询 Balance"), "11", ["main", "billing"]),
    (["1", "2"], SelfServiceAction(self_service="credit_status", label="信用状态 Credit status"), "12",
     ["main", "billing"]),
    (["2", "1"], QueueAction(queue="standard", label="普通业务 General enquiries"), "21", ["main", "service"]),
    (["3"], SelfServiceAction(self_service="complaint_status", label="投诉进度 Complaint status"), "3", ["main"]),
    (["0"], OperatorAction(operator=True, label="人工服务 Agent"), "0", ["main"]),
    (["1", "8"], "callback", "18", ["main", "billing"]),
    (["2", "5"], "survey", "25", ["main", "service"]),
    # back to the menu we came from, repeat the same menu, a cycle back to the root
    (["1", "*", "2", "1"], "queue", "1*21", ["main", "billing", "main", "service"]),
    (["*", "0"], "operator", "*0", ["main", "main"]),
    (["2", "2", "1", "3"], "queue", "2213", ["main", "service", "main", "billing"]),
])
def test_digits_lead_through_sub_menus_to_an_action(presses, action, digits, menus):
    prompts, outcome = walk(presses)
    if isinstance(action, str):
        assert outcome.kind == action
    else:
        assert outcome.action == action
    assert outcome.digits == digits and not outcome.fell_back
    assert [p.menu for p in prompts] == menus
    assert [c.menu for c in outcome.path] == menus
    assert outcome.presses == tuple(presses) and outcome.tries == len(presses)
    assert all(p.max_digits == 1 and p.notice == "" for p in prompts)


def test_each_prompt_is_one_get_data_with_the_menus_own_timeout():
    prompts, _ = walk(["1", "3"])
    assert [(p.file, p.timeout_ms, p.max_digits, p.attempt) for p in prompts] == [
        ("zh/main", 5000, 1, 1), ("zh/billing", 8000, 1, 1)]


def test_invalid_digit_then_a_valid_one():
    prompts, outcome = walk(["7", "1", "3"])
    assert [(p.menu, p.attempt, p.notice) for p in prompts] == [
        ("main", 1, ""), ("main", 2, "zh/invalid"), ("billing", 1, "")]
    assert outcome.action.queue == "billing" and not outcome.fell_back
    assert outcome.presses == ("7", "1", "3") and outcome.digits == "13" and outcome.tries == 3


@pytest.mark.parametrize("nothing", [None, ""])    # "": the caller pressed only '#'
def test_timeouts_then_the_fallback(nothing):
    prompts, outcome = walk([nothing] * 3)
    assert [(p.attempt, p.notice) for p in prompts] == [(1, ""), (2, "zh/no-input"), (3, "zh/no-input")]
    assert outcome.fell_back and outcome.action == QueueAction(queue="standard", label="人工服务 Agent")
    assert outcome.presses == (None, None, None) and outcome.tries == 3 and outcome.path == ()
    assert "after 3 tries" in outcome.reason


def test_a_menu_with_its_own_max_tries_and_fallback():
    prompts, outcome = walk(["1", "7", None])
    assert [p.menu for p in prompts] == ["main", "billing", "billing"]
    assert [p.notice for p in prompts] == ["", "", "zh/invalid"]
    assert outcome.fell_back and outcome.menu == "billing"
    assert outcome.action == QueueAction(queue="billing", label="账单人工 Billing agent")
    assert outcome.trace() == ("main 1 (账单与余额 Billing) → no valid choice in billing after 2 tries → "
                               "queue billing")


def test_tries_start_again_in_each_menu():
    prompts, outcome = walk(["7", "7", "1", "7", "3"])     # two misses in main, one in billing
    assert [(p.menu, p.attempt) for p in prompts] == [
        ("main", 1), ("main", 2), ("main", 3), ("billing", 1), ("billing", 2)]
    assert outcome.action.queue == "billing" and not outcome.fell_back


@pytest.mark.parametrize("tries", [1, 2, 5])
def test_never_more_prompts_than_max_tries(tries):
    tree = MenuTree.model_validate({**SAMPLE, "max_tries": tries})
    prompts, outcome = walk(["4"] * tries, tree=tree)
    assert len(prompts) == tries and outcome.fell_back


def test_a_caller_going_round_in_circles_is_sent_to_the_fallback():
    tree = MenuTree.model_validate({**SAMPLE, "max_prompts": 5})
    prompts, outcome = walk(["*", "*", "*", "1", "*"], tree=tree)
    assert len(prompts) == 5 and outcome.fell_back
    assert "menu limit of 5 prompts" in outcome.reason and outcome.action.queue == "standard"


def test_keys_that_are_not_options_are_invalid():
    prompts, outcome = walk(["12", "#", "1", "3"])
    assert [p.notice for p in prompts[:3]] == ["", "zh/invalid", "zh/invalid"]
    assert outcome.digits == "13"


def test_a_finished_flow_keeps_its_outcome_and_must_be_started():
    flow = MenuFlow(TREE)
    with pytest.raises(RuntimeError):
        flow.press("1")
    flow.start()
    outcome = flow.press("0")
    assert flow.press("1") is outcome and flow.outcome is outcome
    with pytest.raises(RuntimeError):
        flow.start()


def test_the_trace_reads_as_the_callers_path():
    _, outcome = walk(["1", "3"])
    assert outcome.trace() == ("main 1 (账单与余额 Billing) → billing 3 (账单人工 Billing agent) → "
                               "queue billing (账单人工 Billing agent)")


# --------------------------------------------------------------------------- language
@pytest.mark.parametrize(("channel_language", "language", "main", "service"), [
    ("zh-CN", "zh-CN", "zh/main", "zh/service"),
    ("en", "en", "en/main", "zh/service"),      # no English service prompt: the default language's
    ("en-US", "en", "en/main", "zh/service"),
    ("zh_CN", "zh-CN", "zh/main", "zh/service"),
    ("zh", "zh-CN", "zh/main", "zh/service"),
    ("fr", "zh-CN", "zh/main", "zh/service"),
    (None, "zh-CN", "zh/main", "zh/service"),
    ("", "zh-CN", "zh/main", "zh/service"),
])
def test_prompts_in_the_callers_language_or_the_default(channel_language, language, main, service):
    prompts, outcome = walk(["2", "1"], language=channel_language)
    assert [p.file for p in prompts] == [main, service]
    assert {p.language for p in prompts} == {language} and outcome.language == language


def test_the_language_option_switches_the_prompts_and_is_reported():
    prompts, outcome = walk(["9", "7", "0"])
    assert [(p.file, p.notice, p.attempt) for p in prompts] == [
        ("zh/main", "", 1), ("en/main", "", 1), ("en/main", "en/invalid", 2)]
    assert outcome.language == "en" and outcome.kind == "operator" and outcome.digits == "90"


def test_defaults_give_a_working_menu():
    tree = MenuTree()
    _, outcome = walk(["2"], tree=tree)
    assert outcome.kind == "operator" and not outcome.fell_back      # the tier's route, whatever the queues
    assert list(tree.queue_refs()) == []                             # defaults name no queue of yours
    _, outcome = walk([None] * 3, tree=tree)
    assert outcome.fell_back and outcome.kind == "operator"


def test_queue_refs_name_every_queue_with_its_path():
    assert sorted(TREE.queue_refs()) == [
        (("fallback", "queue"), "standard"),
        (("menus", "billing", "digits", "3", "queue"), "billing"),
        (("menus", "billing", "fallback", "queue"), "billing"),
        (("menus", "service", "digits", "1", "queue"), "standard"),
    ]


# --------------------------------------------------------------------------- validation
def key_path(exc: ValidationError) -> str:
    """What the settings loader reports: pydantic's location, plus the _PathError's path under it."""
    err = exc.errors()[0]
    loc = tuple(str(p) for p in err["loc"])
    ctx = (err.get("ctx") or {}).get("error")
    return ".".join(loc + ctx.path if isinstance(ctx, _PathError) else loc)


def changed(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(SAMPLE)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return data


DELETE = object()


@pytest.mark.parametrize(("path", "value", "key", "words"), [
    ("menus.main.digits.4", {"menu": "nowhere"}, "menus.main.digits.4.menu", "no menu 'nowhere'"),
    ("root", "start", "root", "no menu 'start'"),
    ("menus.orphan", {"prompt": {"zh-CN": "x"}, "digits": {"1": {"operator": True}}}, "menus.orphan",
     "not reachable from the root menu 'main'"),
    ("menus.main.digits.4", {"queue": "general"}, "menus.main.digits.4.queue", "cannot be named 'general'"),
    ("menus.main.digits.4", {"queue": "a b"}, "menus.main.digits.4.queue", "may only hold"),
    ("menus.main.digits.#", {"operator": True}, "menus.main.digits.#", "ends GET DATA input"),
    ("menus.main.digits.12", {"operator": True}, "menus.main.digits.12", "one key of 0123456789*"),
    ("menus.main.digits.a", {"operator": True}, "menus.main.digits.a", "one key of"),
    ("menus.main.digits.4", {"back": True}, "menus.main.digits.4.back", "no menu to go back to"),
    ("menus.main.digits.4", {"language": "fr"}, "menus.main.digits.4.language", "not in languages"),
    ("menus.main.digits.4", {"queue": "x", "menu": "billing"}, "menus.main.digits.4", "exactly one of"),
    ("menus.main.digits.4", {"label": "nothing to do"}, "menus.main.digits.4", "exactly one of"),
    ("menus.main.digits.4", {"callback": False}, "menus.main.digits.4.callback.callback", "True"),
    ("menus.main.digits.4", {"self_service": "weather"}, "menus.main.digits.4.self_service.self_service",
     "balance"),
    ("menus.main.digits.4", {"queue": "x", "priority": 3}, "menus.main.digits.4.queue.priority",
     "Extra inputs"),
    ("menus.main.digits", {}, "menus.main.digits", "at least one option"),
    ("menus.main.prompt", {"en": "en/main"}, "menus.main.prompt", "needs a zh-CN prompt"),
    ("menus.main.prompt", {}, "menus.main.prompt", "a prompt is needed"),
    ("menus.main.prompt.fr", "fr/main", "menus.main.prompt.fr", "unknown language 'fr'"),
    ("menus.main.prompt.en", "en/main menu", "menus.main.prompt.en", "not a sound file name"),
    ("menus.billing.invalid_prompt", {"en": "en/oops"}, "menus.billing.invalid_prompt", "needs a zh-CN prompt"),
    ("menus.billing.timeout_ms", 100, "menus.billing.timeout_ms", "greater than or equal to 500"),
    ("menus.billing.max_tries", 0, "menus.billing.max_tries", "greater than or equal to 1"),
    ("menus.billing.promt", {"zh-CN": "x"}, "menus.billing.promt", "Extra inputs"),
    ("menus.billing.fallback", {"repeat": True}, "menus.billing.fallback.repeat", "fallback must end the menu"),
    ("fallback", {"menu": "main"}, "fallback.menu", "fallback must end the menu"),
    ("fallback", {"queue": "general"}, "fallback.queue", "cannot be named 'general'"),
    ("default_language", "ja", "default_language", "not in languages"),
    ("languages", ["zh-CN", "en", "en"], "languages.2", "unique"),
    ("languages", ["zh_CN", "en"], "languages.0", "tag like zh-CN"),
    ("timeout_prompt", {"zh-CN": "a&b"}, "timeout_prompt.zh-CN", "not a sound file name"),
    ("menus", {}, "root", "no menu 'main'; menus: []"),
    ("menus.service.prompt", DELETE, "menus.service.prompt", "Field required"),
])
def test_a_broken_tree_is_refused_with_its_key_path(path, value, key, words):
    with pytest.raises(ValidationError) as info:
        MenuTree.model_validate(changed(path, value))
    assert key_path(info.value) == key
    assert words in str(info.value)


def test_cycles_are_allowed():
    assert TREE.menus["service"].digits["2"].menu == "main"
    assert TREE.reachable() == {"main", "billing", "service"}


def test_the_path_is_complete_when_embedded_in_settings():
    from pydantic import BaseModel

    class Ivr(BaseModel):
        menus: MenuTree

    with pytest.raises(ValidationError) as info:
        Ivr.model_validate({"menus": changed("menus.main.digits.4", {"menu": "nowhere"})})
    assert key_path(info.value) == "menus.menus.main.digits.4.menu"
