"""Labels of the wrap-up guard and the pending wrap-ups (the agent desk); merged into
:data:`console.i18n.LABELS`. (The missing outcomes of the wallboard and the reports are labelled in
``console/labels/wallboard.py``.)"""
from __future__ import annotations

WRAPUP_LABELS: dict[str, dict[str, str]] = {
    "wrap.ends_in": {"zh": "话后处理剩余 {time}", "en": "Wrap-up ends in {time}"},
    "wrap.time_over": {"zh": "话后处理时间已到，请保存处理结果", "en": "Wrap-up time is over: save the outcome"},
    "pending.title": {"zh": "待完成的话后处理（{count}）", "en": "Pending wrap-ups ({count})"},
    "pending.none": {"zh": "没有待填写的处理结果。", "en": "No call is waiting for its outcome."},
    "pending.open": {"zh": "填写", "en": "Fill in"},
    "pending.shown": {"zh": "已打开", "en": "Open"},
    "pending.answered": {"zh": "接听于 {time}", "en": "answered {time}"},
    "pending.finish_first": {"zh": "有通话尚未填写处理结果：请先完成最早的一条。",
                             "en": "A call still has no outcome: the oldest one is open."},
}
