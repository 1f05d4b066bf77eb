"""Voice menus described in config: the tree (validated with key paths) and its pure flow.

Theory of operation. :class:`MenuTree` is the ``ivr.menus`` section: named menus, each with a prompt
per language and ``digits`` → action. Validation refuses a tree the caller could get stuck in or that
Asterisk cannot play: a ``menu:`` naming no menu, a root that does not exist, a menu no path reaches,
``#`` as an option (it *ends* GET DATA input, it never arrives as a choice), a queue named ``general``,
a fallback that is not a final action. Errors name the key path relative to the tree
(``menus.main.digits.3.menu``), as :class:`callcenter.errors.PathError`.

:class:`MenuFlow` walks a tree for one call and does no I/O. The script loops::

    step = flow.start()
    while isinstance(step, Prompt):      # prompt and collect with ONE GET DATA: DTMF between commands is lost
        step = flow.press(<digits from GET DATA, None on timeout>)
    outcome = step

A valid digit either moves (sub-menu, back, repeat, language) or ends the flow with an
:class:`Outcome`. A timeout or an invalid digit costs a try and re-prompts with a notice ("invalid
choice") first; after ``max_tries`` prompts in one menu, or ``max_prompts`` in the whole call (cycles
are allowed, so a caller could otherwise wander for ever), the configured ``fallback`` is taken
(default: the operator). The caller always leaves the menu with something to do.
"""
from __future__ import annotations

from dataclasses import dataclass

from ivr.menu_tree import (  # noqa: F401 (the tree's names are re-exported: ivr.menus is the public face)
    OPTION_KEYS, SELF_SERVICES, BackAction, BaseAction, CallbackAction, LanguageAction, Menu, MenuAction,
    MenuTree, OperatorAction, QueueAction, RepeatAction, SelfServiceAction, SurveyAction,
)


# --------------------------------------------------------------------------- the flow
@dataclass(frozen=True, slots=True)
class Prompt:
    """One ``GET DATA file timeout_ms max_digits`` to issue; play ``notice`` first when set."""
    menu: str
    file: str
    timeout_ms: int
    language: str
    attempt: int                       # 1-based try in this visit of the menu
    notice: str = ""                   # "invalid choice" / "no input": STREAM FILE with escape_digits
    escape_digits: str = OPTION_KEYS   # a key pressed during the notice is the caller's choice
    max_digits: int = 1


@dataclass(frozen=True, slots=True)
class Choice:
    menu: str
    digit: str
    label: str


@dataclass(frozen=True, slots=True)
class Outcome:
    action: BaseAction                 # one of the final actions (QueueAction, OperatorAction, ...)
    menu: str                          # the menu the flow ended in
    path: tuple[Choice, ...]           # every accepted choice, in order
    presses: tuple[str | None, ...]    # every GET DATA result, None = nothing pressed
    tries: int                         # prompts answered in the whole call
    language: str                      # the language at the end (a language option may have changed it)
    fell_back: bool
    reason: str

    @property
    def kind(self) -> str:
        return str(self.action.kind)

    @property
    def digits(self) -> str:
        """The accepted digits ("21"); invalid presses are in ``presses``."""
        return "".join(choice.digit for choice in self.path)

    def trace(self) -> str:
        """One line for the routing trace: ``main 2 (账单 Billing) → billing 1 → queue billing``."""
        steps = [f"{c.menu} {c.digit}" + (f" ({c.label})" if c.label else "") for c in self.path]
        if self.fell_back:
            steps.append(self.reason)
        label = f" ({self.action.label})" if self.action.label and not self.fell_back else ""
        steps.append(f"{self.action.describe()}{label}")
        return " → ".join(steps)


class MenuFlow:
    """One caller's walk through a :class:`MenuTree`; values in, values out."""

    def __init__(self, tree: MenuTree, language: str | None = None) -> None:
        self._tree = tree
        self._language = tree.pick_language(language)
        self._menu = tree.root
        self._stack: list[str] = []        # menus to go back to
        self._attempt = 0                  # prompts in this visit of the current menu
        self._path: list[Choice] = []
        self._presses: list[str | None] = []
        self._outcome: Outcome | None = None
        self._started = False

    @property
    def language(self) -> str:
        return self._language

    @property
    def outcome(self) -> Outcome | None:
        return self._outcome

    def start(self) -> Prompt:
        if self._started:
            raise RuntimeError("MenuFlow.start() called twice")
        self._started = True
        step = self._prompt("")
        assert isinstance(step, Prompt)     # max_prompts >= 1
        return step

    def press(self, digits: str | None) -> Prompt | Outcome:
        """The result of the last GET DATA: the digits, or ``None``/``""`` when nothing was pressed."""
        if not self._started:
            raise RuntimeError("MenuFlow.press() before start()")
        if self._outcome is not None:
            return self._outcome
        key = digits or None
        self._presses.append(key)
        menu = self._tree.menus[self._menu]
        action = menu.digits.get(key) if key is not None else None
        if action is None:
            return self._retry(menu, timed_out=key is None)
        assert key is not None
        self._path.append(Choice(self._menu, key, action.label))
        if isinstance(action, MenuAction):
            self._stack.append(self._menu)
            return self._enter(action.menu)
        if isinstance(action, BackAction):
            return self._enter(self._stack.pop() if self._stack else self._menu)
        if isinstance(action, RepeatAction):
            return self._enter(self._menu)
        if isinstance(action, LanguageAction):
            self._language = action.language
            return self._enter(self._menu)
        return self._finish(action, fell_back=False, reason=f"pressed {key} in {self._menu}")

    # ------------------------------------------------------------------ steps
    def _enter(self, menu: str) -> Prompt | Outcome:
        self._menu = menu
        self._attempt = 0
        return self._prompt("")

    def _retry(self, menu: Menu, timed_out: bool) -> Prompt | Outcome:
        tree = self._tree
        if self._attempt >= (menu.max_tries or tree.max_tries):
            return self._fall_back(f"no valid choice in {self._menu} after {self._attempt} "
                                   f"{'try' if self._attempt == 1 else 'tries'}")
        invalid = menu.invalid_prompt or tree.invalid_prompt
        notice = (menu.timeout_prompt or tree.timeout_prompt or invalid) if timed_out else invalid
        return self._prompt(tree.sound(notice, self._language))

    def _prompt(self, notice: str) -> Prompt | Outcome:
        tree = self._tree
        if len(self._presses) >= tree.max_prompts:
            return self._fall_back(f"menu limit of {tree.max_prompts} prompts reached in {self._menu}")
        menu = tree.menus[self._menu]
        self._attempt += 1
        return Prompt(menu=self._menu, file=tree.sound(menu.prompt, self._language),
                      timeout_ms=menu.timeout_ms or tree.timeout_ms, language=self._language,
                      attempt=self._attempt, notice=notice)

    def _fall_back(self, reason: str) -> Outcome:
        action = self._tree.menus[self._menu].fallback or self._tree.fallback
        return self._finish(action, fell_back=True, reason=reason)

    def _finish(self, action: BaseAction, fell_back: bool, reason: str) -> Outcome:
        self._outcome = Outcome(action=action, menu=self._menu, path=tuple(self._path),
                                presses=tuple(self._presses), tries=len(self._presses),
                                language=self._language, fell_back=fell_back, reason=reason)
        return self._outcome
