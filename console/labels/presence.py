"""Labels (zh, en) of pause codes, "pause after this call" and presence (``console.i18n.LABELS`` merges them)."""
from __future__ import annotations

PRESENCE_LABELS: dict[str, dict[str, str]] = {
    # the server's own pause codes (callcenter/pause_codes.py SYSTEM_CODES)
    "reason.callback": {"zh": "回拨中", "en": "Calling back"},
    "reason.outbound": {"zh": "外呼中", "en": "Outbound call"},
    "reason.connection_lost": {"zh": "连接中断", "en": "Connection lost"},
    # pause after this call (the agent desk)
    "btn.pause_after_call": {"zh": "本通话后暂停", "en": "Pause after this call"},
    "btn.pause_after_call_cancel": {"zh": "取消话后暂停", "en": "Cancel pause after call"},
    "pause.after_call_armed": {"zh": "本通话结束后将暂停：{reason}", "en": "Pausing after this call: {reason}"},
    "pause.limit": {"zh": "上限 {minutes} 分钟", "en": "limit {minutes} min"},
    "pause.over_limit": {"zh": "已超时 {minutes} 分钟", "en": "{minutes} min over the limit"},
    # wallboard and reports
    "sup.pause_after_call": {"zh": "话后暂停：{reason}", "en": "Pause after call: {reason}"},
    "rep.paused_minutes": {"zh": "暂停（分钟）", "en": "Paused (min)"},
    "rep.pause_over_minutes": {"zh": "暂停超时（分钟）", "en": "Pause over limit (min)"},
    # presence follows the person
    "notice.presence.restored": {"zh": "连接已恢复，已回到断线前的状态。",
                                 "en": "Connection back: your state before the disconnection is restored."},
}
