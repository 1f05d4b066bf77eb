"""The voice-menu tree from config (``ivr.menus``): actions, menus, validation with key paths.

:class:`MenuTree` holds named menus, each with a prompt per language and ``digits`` → action.
Validation refuses a tree the caller could get stuck in or that Asterisk cannot play: a ``menu:``
naming no menu, a root that does not exist, a menu no path reaches, ``#`` as an option (it *ends*
GET DATA input, it never arrives as a choice), a queue named ``general``, a fallback that is not a
final action. Errors name the key path relative to the tree (``menus.main.digits.3.menu``), as
:class:`callcenter.errors.PathError`. The flow over a tree is in :mod:`ivr.menus`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from callcenter.errors import PathError
from callcenter.queue_names import RESERVED_QUEUE_NAMES

OPTION_KEYS = "0123456789*"      # '#' terminates GET DATA input: it can never be an option
SELF_SERVICES = ("complaint_status", "credit_status", "balance")
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_SOUND = re.compile(r"^[^\s&,|\"']+$")      # one Asterisk sound name: no separators, no quotes


def _path_error(path: tuple[str, ...], message: str) -> ValueError:
    return PathError(path, message)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- actions
class BaseAction(_Frozen):
    kind: ClassVar[str]
    final: ClassVar[bool] = True        # ends the menu flow (can be a fallback)
    label: str = ""                     # for the caller's trace and the screen pop ("账单 Billing")
    # Short id reported as the menu choice (CC_MENU, the pop, routing's ``complaint.menu_choices``);
    # "" = the label, else the action's kind.
    choice: str = Field("", max_length=32, pattern=r"^[A-Za-z0-9_-]*$")

    def describe(self) -> str:
        return self.kind


class MenuAction(BaseAction):
    kind: ClassVar[str] = "menu"
    final: ClassVar[bool] = False
    menu: str

    def describe(self) -> str:
        return f"menu {self.menu}"


class QueueAction(BaseAction):
    kind: ClassVar[str] = "queue"
    queue: str

    def describe(self) -> str:
        return f"queue {self.queue}"


class SelfServiceAction(BaseAction):
    kind: ClassVar[str] = "self_service"
    self_service: Literal["complaint_status", "credit_status", "balance"]

    def describe(self) -> str:
        return f"self-service {self.self_service}"


class CallbackAction(BaseAction):
    kind: ClassVar[str] = "callback"
    callback: Literal[True]


class SurveyAction(BaseAction):
    kind: ClassVar[str] = "survey"
    survey: Literal[True]


class OperatorAction(BaseAction):
    kind: ClassVar[str] = "operator"
    operator: Literal[True]


class BackAction(BaseAction):
    kind: ClassVar[str] = "back"
    final: ClassVar[bool] = False
    back: Literal[True]


class RepeatAction(BaseAction):
    kind: ClassVar[str] = "repeat"
    final: ClassVar[bool] = False
    repeat: Literal[True]


class LanguageAction(BaseAction):
    """Switch the prompts' language and replay the menu ("English, press 9")."""
    kind: ClassVar[str] = "language"
    final: ClassVar[bool] = False
    language: str

    def describe(self) -> str:
        return f"language {self.language}"


_ACTIONS: dict[str, type[BaseAction]] = {cls.kind: cls for cls in (
    MenuAction, QueueAction, SelfServiceAction, CallbackAction, SurveyAction, OperatorAction,
    BackAction, RepeatAction, LanguageAction)}


def _action_kind(value: Any) -> str | None:
    """The action's tag: the one action key the mapping holds (``None``: none or several)."""
    if isinstance(value, BaseAction):
        return value.kind
    if isinstance(value, Mapping):
        found = [key for key in value if key in _ACTIONS]
        return found[0] if len(found) == 1 else None
    return None


Action = Annotated[
    Annotated[MenuAction, Tag("menu")] | Annotated[QueueAction, Tag("queue")]
    | Annotated[SelfServiceAction, Tag("self_service")] | Annotated[CallbackAction, Tag("callback")]
    | Annotated[SurveyAction, Tag("survey")] | Annotated[OperatorAction, Tag("operator")]
    | Annotated[BackAction, Tag("back")] | Annotated[RepeatAction, Tag("repeat")]
    | Annotated[LanguageAction, Tag("language")],
    Discriminator(_action_kind, custom_error_type="menu_action",
                  custom_error_message="expected exactly one of menu, queue, self_service, callback, survey, "
                                       "operator, back, repeat, language (e.g. {queue: billing, label: 账单})"),
]


# --------------------------------------------------------------------------- the tree
class Menu(_Frozen):
    prompt: dict[str, str]                       # language -> sound file played by GET DATA
    digits: dict[str, Action]
    label: str = ""
    timeout_ms: int | None = Field(None, ge=500, le=60000)     # None: the tree's
    max_tries: int | None = Field(None, ge=1, le=10)
    invalid_prompt: dict[str, str] | None = None
    timeout_prompt: dict[str, str] | None = None
    fallback: Action | None = None

    @field_validator("digits", mode="before")
    @classmethod
    def _yaml_int_keys(cls, value: Any) -> Any:
        # YAML reads an unquoted `1:` as the int 1.
        if isinstance(value, Mapping):
            return {str(k) if type(k) is int else k: v for k, v in value.items()}
        return value


def _default_menus() -> dict[str, Menu]:
    # "operator" = the tier's route / default queue: a default never names a queue you may not have.
    return {"main": Menu(prompt={"zh-CN": "menu", "en": "menu"}, digits={
        "1": OperatorAction(operator=True, label="业务咨询 Service", choice="service"),
        "2": OperatorAction(operator=True, label="投诉 Complaint", choice="complaint"),
        "4": CallbackAction(callback=True, label="回电 Call me back", choice="callback"),
    })}


class MenuTree(_Frozen):
    root: str = "main"
    languages: tuple[str, ...] = ("zh-CN", "en")
    default_language: str = "zh-CN"
    timeout_ms: int = Field(5000, ge=500, le=60000)
    max_tries: int = Field(3, ge=1, le=10)
    max_prompts: int = Field(20, ge=1, le=200)
    invalid_prompt: dict[str, str] = Field(default_factory=dict)   # empty: just prompt again
    timeout_prompt: dict[str, str] = Field(default_factory=dict)   # empty: the invalid prompt
    fallback: Action = OperatorAction(operator=True, label="operator")
    menus: dict[str, Menu] = Field(default_factory=_default_menus)

    @model_validator(mode="after")
    def _consistent(self) -> MenuTree:
        self._check_languages()
        if self.root not in self.menus:
            raise _path_error(("root",), f"no menu {self.root!r}; menus: {sorted(self.menus)}")
        self._check_prompts(("invalid_prompt",), self.invalid_prompt, required=False)
        self._check_prompts(("timeout_prompt",), self.timeout_prompt, required=False)
        self._check_fallback(("fallback",), self.fallback)
        for name, menu in self.menus.items():
            self._check_menu(name, menu)
        reachable = self.reachable()
        for name in self.menus:
            if name not in reachable:
                raise _path_error(("menus", name), f"menu {name!r} is not reachable from the root menu "
                                                   f"{self.root!r} (no `menu: {name}` leads to it)")
        return self

    def _check_languages(self) -> None:
        if not self.languages:
            raise _path_error(("languages",), "at least one language is needed")
        for i, language in enumerate(self.languages):
            if not _LANGUAGE.match(language) or self.languages.index(language) != i:
                raise _path_error(("languages", str(i)), f"{language!r}: expected a unique tag like zh-CN or en")
        if self.default_language not in self.languages:
            raise _path_error(("default_language",), f"{self.default_language!r} is not in languages "
                                                     f"{list(self.languages)}")

    def _check_prompts(self, path: tuple[str, ...], prompts: Mapping[str, str] | None, required: bool) -> None:
        if not prompts:
            if required:
                raise _path_error(path, f"a prompt is needed, at least for {self.default_language}")
            return
        for language, sound in prompts.items():
            if language not in self.languages:
                raise _path_error(path + (language,), f"unknown language {language!r}; languages: "
                                                      f"{list(self.languages)}")
            if not _SOUND.match(sound):
                raise _path_error(path + (language,), f"{sound!r} is not a sound file name (no spaces, "
                                                      "'&', ',', '|' or quotes)")
        if self.default_language not in prompts:
            raise _path_error(path, f"needs a {self.default_language} prompt: the default language is what "
                                    "callers of every other language fall back to")

    def _check_menu(self, name: str, menu: Menu) -> None:
        at = ("menus", name)
        if not _NAME.match(name):
            raise _path_error(at, f"menu name {name!r} may only hold letters, digits, '-' and '_'")
        self._check_prompts(at + ("prompt",), menu.prompt, required=True)
        self._check_prompts(at + ("invalid_prompt",), menu.invalid_prompt, required=False)
        self._check_prompts(at + ("timeout_prompt",), menu.timeout_prompt, required=False)
        if not menu.digits:
            raise _path_error(at + ("digits",), "a menu needs at least one option")
        for key, action in menu.digits.items():
            where = at + ("digits", key)
            if key == "#":
                raise _path_error(where, "'#' cannot be an option: it ends GET DATA input and is never "
                                         f"returned as a digit; use one of {OPTION_KEYS}")
            if len(key) != 1 or key not in OPTION_KEYS:
                raise _path_error(where, f"{key!r}: an option is one key of {OPTION_KEYS}")
            self._check_action(where + (action.kind,), action, name)
        if menu.fallback is not None:
            self._check_fallback(at + ("fallback",), menu.fallback)

    def _check_action(self, path: tuple[str, ...], action: BaseAction, menu: str) -> None:
        if isinstance(action, MenuAction) and action.menu not in self.menus:
            raise _path_error(path, f"no menu {action.menu!r}; menus: {sorted(self.menus)}")
        if isinstance(action, QueueAction):
            if action.queue.lower() in RESERVED_QUEUE_NAMES:
                raise _path_error(path, f"a queue cannot be named {action.queue!r}: [general] is app_queue's "
                                        "settings section in queues.conf")
            if not _NAME.match(action.queue):
                raise _path_error(path, f"queue name {action.queue!r} may only hold letters, digits, '-' and '_'")
        if isinstance(action, BackAction) and menu == self.root:
            raise _path_error(path, f"the root menu {menu!r} has no menu to go back to")
        if isinstance(action, LanguageAction) and action.language not in self.languages:
            raise _path_error(path, f"{action.language!r} is not in languages {list(self.languages)}")

    def _check_fallback(self, path: tuple[str, ...], action: BaseAction) -> None:
        if not action.final:
            raise _path_error(path + (action.kind,), f"a fallback must end the menu (queue, operator, "
                                                     f"callback, self_service, survey), not {action.kind}")
        self._check_action(path + (action.kind,), action, "")

    # ------------------------------------------------------------------ queries
    def reachable(self) -> frozenset[str]:
        seen = {self.root}
        todo = [self.root]
        while todo:
            for action in self.menus[todo.pop()].digits.values():
                if isinstance(action, MenuAction) and action.menu not in seen:
                    seen.add(action.menu)
                    todo.append(action.menu)
        return frozenset(seen)

    def queue_refs(self) -> Iterator[tuple[tuple[str, ...], str]]:
        """``(key path, queue)`` for every queue the tree names, so Settings can check they exist."""
        if isinstance(self.fallback, QueueAction):
            yield ("fallback", "queue"), self.fallback.queue
        for name, menu in self.menus.items():
            for key, action in menu.digits.items():
                if isinstance(action, QueueAction):
                    yield ("menus", name, "digits", key, "queue"), action.queue
            if isinstance(menu.fallback, QueueAction):
                yield ("menus", name, "fallback", "queue"), menu.fallback.queue

    def pick_language(self, wanted: str | None) -> str:
        """The configured language closest to ``wanted`` (``zh_cn``, ``zh`` → zh-CN); else the default."""
        want = (wanted or "").replace("_", "-").lower()
        if want:
            for exact in (True, False):
                for language in self.languages:
                    have = language.lower()
                    if have == want if exact else have.split("-")[0] == want.split("-")[0]:
                        return language
        return self.default_language

    def sound(self, prompts: Mapping[str, str] | None, language: str) -> str:
        """The file for ``language``, else the default language's ("" when there is no prompt)."""
        if not prompts:
            return ""
        return prompts.get(language) or prompts.get(self.default_language) or next(iter(prompts.values()))
