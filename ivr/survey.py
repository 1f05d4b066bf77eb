"""The ``survey`` FastAGI script: after the agent hung up first, ask the caller to rate the call 1-5.

The dialplan runs it only when the call was answered and the agent ended it (``QUEUESTATUS=CONTINUE``
after ``Queue(...,c)``, ``DIALSTATUS=ANSWER`` after ``Dial(...,g)``) and the IVR set ``CC_SURVEY=yes``.
One ``GET DATA`` (one digit) reads the score; a valid answer is posted to the engine as
:class:`SurveyAnswered` (stored with the call's interaction) and thanked. No key, a wrong key or a
hang-up simply stores nothing. Nothing but cancellation leaves :func:`run_survey`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from callcenter.domain import SurveyAnswered
from callcenter.settings import Settings
from ivr.channel import AgiChannel, AgiError, AgiHangup

log = logging.getLogger(__name__)


async def run_survey(channel: AgiChannel, settings: Settings, post: Callable[[Any], None]) -> int | None:
    """The score the caller gave (posted), or ``None``."""
    cfg = settings.ivr.survey
    call_id = channel.info.call_id
    try:
        pressed, _ = await channel.get_data(cfg.prompt, cfg.timeout_ms, 1)
    except (AgiHangup, AgiError) as exc:
        log.info("call %s: no survey answer (%s)", call_id, exc)
        return None
    except Exception:
        log.exception("call %s: the survey failed", call_id)
        return None
    if not pressed or pressed not in "12345":
        log.info("call %s: survey not answered (%r)", call_id, pressed)
        return None
    score = int(pressed)
    try:
        post(SurveyAnswered(call_id, score))
    except Exception:
        log.exception("call %s: could not post the survey answer", call_id)
        return None
    try:
        await channel.stream_file(cfg.thanks_prompt)
    except (AgiHangup, AgiError):
        pass
    return score
