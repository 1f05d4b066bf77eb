"""Console labels in Chinese and English.

The pages render from these labels and embed the chosen language's set as JSON for the ES modules
(``labels_for``). Keys are ``area.name``; the JS falls back to the raw value for names it has no label
for (an outcome or pause reason added in ``config.yaml``), so adding one never breaks the desk.
Placeholders are ``{name}`` and are filled by ``fill`` (Python) and ``t(key, values)`` (JS).

Conventions for every page (``tests/browser/test_i18n_walk.py`` walks them all in both languages):

* every value the server sends that a person reads has a label: ``labelOf(labels, "<group>", value)``;
  a missing one is recorded in ``window.__ccMissing`` and fails the walk;
* a failed command shows ``t.error(error)`` / ``errorText(labels, error)``: the label of the error's
  stable id (``console/error_labels.py``), never the server's English ``message`` (a tooltip at most);
* dates and numbers go through ``static/js/format.js`` (``formatDateTime``, ``formatWallClock``,
  ``formatNumber``, ``formatPercent``, ``formatSeconds``) with the page's ``config.lang``;
* labels of the customer pages, wallboard figures and reports: ``console/page_labels.py``.
"""
from __future__ import annotations

from console.desk.labels import DESK_CLARITY_LABELS
from console.error_labels import ERROR_LABELS
from console.labels_presence import PRESENCE_LABELS
from console.labels_wrapup import WRAPUP_LABELS
from console.page_labels import PAGE_LABELS
from console.wallboard_labels import WALLBOARD_LABELS

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

_DESK_LABELS: dict[str, dict[str, str]] = {
    # layout, login
    "app.title": {"zh": "呼叫中心控制台", "en": "Call center console"},
    "nav.logout": {"zh": "退出登录", "en": "Sign out"},
    "nav.language": {"zh": "语言", "en": "Language"},
    "lang.zh": {"zh": "中文", "en": "中文"},
    "lang.en": {"zh": "English", "en": "English"},
    "login.title": {"zh": "登录", "en": "Sign in"},
    "login.login": {"zh": "登录名", "en": "Login"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.submit": {"zh": "登录", "en": "Sign in"},
    "login.failed": {"zh": "登录名或密码错误。", "en": "Wrong login or password."},
    "login.throttled": {"zh": "尝试次数过多，请 {seconds} 秒后再试。",
                        "en": "Too many attempts. Try again in {seconds} seconds."},
    "login.unavailable": {"zh": "暂时无法连接客户数据库，请稍后再试。",
                          "en": "The customer database cannot be reached. Try again shortly."},
    "login.logged_out": {"zh": "您已退出登录。", "en": "You are signed out."},
    "forbidden.title": {"zh": "无权访问", "en": "Not allowed"},
    "forbidden.body": {"zh": "此页面需要班长或管理员权限。", "en": "This page needs the supervisor or admin role."},
    "forbidden.back": {"zh": "返回坐席工作台", "en": "Back to the agent desk"},
    "noscript": {"zh": "控制台需要启用 JavaScript。", "en": "The console needs JavaScript."},
    # connection banner
    "conn.connecting": {"zh": "正在连接…", "en": "Connecting…"},
    "conn.reconnecting": {"zh": "连接已断开，工作台信息可能已过时。正在重新连接…",
                          "en": "Connection lost: the desk may be out of date. Reconnecting…"},
    "conn.retry_in": {"zh": "{seconds} 秒后重试", "en": "retrying in {seconds} s"},
    "conn.session_ended": {"zh": "登录已失效，请重新登录。", "en": "Your session has ended. Please sign in again."},
    "conn.sign_in": {"zh": "重新登录", "en": "Sign in"},
    "conn.forbidden": {"zh": "连接被拒绝。", "en": "The connection was refused."},
    # agent desk: state
    "desk.title": {"zh": "坐席工作台", "en": "Agent desk"},
    "desk.state": {"zh": "状态", "en": "State"},
    "desk.since": {"zh": "持续", "en": "For"},
    "desk.queues": {"zh": "技能队列", "en": "Queues"},
    "state.logged_out": {"zh": "未签入", "en": "Logged out"},
    "state.available": {"zh": "空闲", "en": "Available"},
    "state.paused": {"zh": "暂停", "en": "Paused"},
    "state.ringing": {"zh": "振铃", "en": "Ringing"},
    "state.on_call": {"zh": "通话中", "en": "On call"},
    "state.wrap_up": {"zh": "话后处理", "en": "Wrap-up"},
    "state.unknown": {"zh": "未知", "en": "Unknown"},
    "btn.available": {"zh": "置闲", "en": "Available"},
    "btn.pause": {"zh": "暂停", "en": "Pause"},
    "btn.logout_queues": {"zh": "签出队列", "en": "Log out of queues"},
    "pause.reason": {"zh": "暂停原因", "en": "Pause reason"},
    "reason.lunch": {"zh": "午餐", "en": "Lunch"},
    "reason.training": {"zh": "培训", "en": "Training"},
    "reason.meeting": {"zh": "会议", "en": "Meeting"},
    "reason.break": {"zh": "小休", "en": "Break"},
    "reason.wrap-up": {"zh": "话后处理", "en": "Wrap-up"},
    "desk.idle": {"zh": "暂无来电。", "en": "No call right now."},
    # screen pop
    "pop.ringing": {"zh": "来电振铃", "en": "Incoming call"},
    "pop.connected": {"zh": "通话中", "en": "On call"},
    "pop.wrapup": {"zh": "已结束，待处理", "en": "Ended, wrap-up pending"},
    "pop.withdrawn": {"zh": "来电已转走", "en": "The call went elsewhere"},
    "pop.unknown": {"zh": "未知来电", "en": "Unknown caller"},
    "pop.number": {"zh": "来电号码", "en": "Caller number"},
    "pop.customer_type": {"zh": "客户类型", "en": "Customer type"},
    "pop.value_class": {"zh": "价值等级", "en": "Value class"},
    "pop.account_manager": {"zh": "客户经理", "en": "Account manager"},
    "pop.credit_status": {"zh": "信用状态", "en": "Credit status"},
    "pop.language": {"zh": "语言", "en": "Language"},
    "pop.queue": {"zh": "队列", "en": "Queue"},
    "pop.priority": {"zh": "优先级", "en": "Priority"},
    "pop.ivr": {"zh": "语音导航", "en": "IVR"},
    "pop.menu_choice": {"zh": "所选菜单", "en": "Menu choice"},
    "pop.digits": {"zh": "按键", "en": "Keys pressed"},
    "pop.ivr_failed": {"zh": "语音导航出错，来电转入默认队列", "en": "IVR failed: caller sent to the default queue"},
    "pop.waited": {"zh": "等待时长", "en": "Waiting"},
    "pop.trace": {"zh": "路由轨迹：", "en": "Routing:"},
    "pop.open_complaints": {"zh": "未结投诉", "en": "Open complaints"},
    "pop.recent": {"zh": "最近联系记录", "en": "Last interactions"},
    "pop.none": {"zh": "无", "en": "None"},
    "col.id": {"zh": "编号", "en": "No."},
    "col.category": {"zh": "类别", "en": "Category"},
    "col.severity": {"zh": "严重程度", "en": "Severity"},
    "col.status": {"zh": "状态", "en": "Status"},
    "col.created": {"zh": "创建时间", "en": "Created"},
    "col.started": {"zh": "时间", "en": "When"},
    "col.queue": {"zh": "队列", "en": "Queue"},
    "col.outcome": {"zh": "结果", "en": "Outcome"},
    "col.agent": {"zh": "坐席", "en": "Agent"},
    "language.zh": {"zh": "中文", "en": "Chinese"},
    "language.en": {"zh": "英文", "en": "English"},
    "call_status.ivr": {"zh": "语音导航中", "en": "In IVR"},
    "call_status.queued": {"zh": "排队中", "en": "Queued"},
    "call_status.ringing": {"zh": "振铃", "en": "Ringing"},
    "call_status.dialing": {"zh": "直呼坐席", "en": "Ringing an agent directly"},
    "call_status.answered": {"zh": "已接听", "en": "Answered"},
    "call_status.completed": {"zh": "已完成", "en": "Completed"},
    "call_status.abandoned": {"zh": "放弃", "en": "Abandoned"},
    "call_status.left": {"zh": "离开队列", "en": "Left queue"},
    "call_status.ivr_hangup": {"zh": "导航中挂机", "en": "Hung up in IVR"},
    "complaint_status.open": {"zh": "待处理", "en": "Open"},
    "complaint_status.in_progress": {"zh": "处理中", "en": "In progress"},
    "complaint_status.resolved": {"zh": "已解决", "en": "Resolved"},
    "complaint_status.confirmed": {"zh": "已回访确认", "en": "Confirmed by callback"},
    "complaint_status.closed": {"zh": "已关闭", "en": "Closed"},
    "credit_status.normal": {"zh": "正常", "en": "Normal"},
    "credit_status.suspended": {"zh": "已停机", "en": "Suspended"},
    "customer_type.vip": {"zh": "VIP 客户", "en": "VIP"},
    "customer_type.group": {"zh": "集团客户", "en": "Group"},
    "customer_type.family": {"zh": "家庭客户", "en": "Family"},
    "customer_type.individual": {"zh": "个人客户", "en": "Individual"},
    "customer_type.unknown": {"zh": "未识别客户", "en": "Unidentified"},
    "value_class.major": {"zh": "重要客户", "en": "Major"},
    "value_class.named": {"zh": "名单制客户", "en": "Named"},
    "value_class.non_named": {"zh": "非名单制客户", "en": "Non-named"},
    "value_class.mass": {"zh": "大众客户", "en": "Mass market"},
    "menu.service": {"zh": "业务咨询", "en": "Service"},
    "menu.complaint": {"zh": "投诉", "en": "Complaint"},
    "menu.operator": {"zh": "人工服务", "en": "Agent"},
    "menu.callback": {"zh": "预约回电", "en": "Call me back"},
    "menu.click-to-dial": {"zh": "坐席外呼", "en": "Outbound call"},
    # complaint categories the demo data and the wrap-up suggest; anything else is shown as typed
    "category.billing": {"zh": "计费", "en": "Billing"},
    "category.network": {"zh": "网络", "en": "Network"},
    "category.service_attitude": {"zh": "服务态度", "en": "Service attitude"},
    "category.card": {"zh": "号卡", "en": "SIM card"},
    "category.fees": {"zh": "资费", "en": "Fees"},
    "category.app": {"zh": "手机应用", "en": "Mobile app"},
    "severity.low": {"zh": "低", "en": "Low"},
    "severity.medium": {"zh": "中", "en": "Medium"},
    "severity.high": {"zh": "高", "en": "High"},
    "severity.critical": {"zh": "紧急", "en": "Critical"},
    # wrap-up
    "wrap.title": {"zh": "话后处理", "en": "Wrap-up"},
    "wrap.call": {"zh": "通话", "en": "Call"},
    "wrap.outcome": {"zh": "处理结果", "en": "Outcome"},
    "wrap.choose": {"zh": "请选择…", "en": "Choose…"},
    "wrap.notes": {"zh": "备注", "en": "Notes"},
    "wrap.complaint": {"zh": "登记投诉", "en": "Log a complaint"},
    "wrap.category": {"zh": "投诉类别", "en": "Complaint category"},
    "wrap.severity": {"zh": "严重程度", "en": "Severity"},
    "wrap.description": {"zh": "投诉描述", "en": "Description"},
    "wrap.submit": {"zh": "保存", "en": "Save"},
    "wrap.saving": {"zh": "正在保存…", "en": "Saving…"},
    "wrap.saved": {"zh": "已保存", "en": "Saved"},
    "wrap.failed": {"zh": "未保存：{message}（已填写的内容保留）", "en": "Not saved: {message} (what you typed is kept)"},
    "wrap.offline": {"zh": "未连接服务器，恢复连接后请再次保存", "en": "not connected to the server; save again once reconnected"},
    "wrap.dismiss": {"zh": "关闭", "en": "Dismiss"},
    "wrap.required": {"zh": "请选择处理结果", "en": "Choose an outcome"},
    "outcome.resolved": {"zh": "已解决", "en": "Resolved"},
    "outcome.follow_up": {"zh": "需跟进", "en": "Follow-up needed"},
    "outcome.transferred": {"zh": "已转接", "en": "Transferred"},
    "outcome.information": {"zh": "信息咨询", "en": "Information given"},
    "outcome.complaint_logged": {"zh": "已登记投诉", "en": "Complaint logged"},
    # supervisor wallboard
    "board.title": {"zh": "班长监控", "en": "Supervisor wallboard"},
    "board.queues": {"zh": "队列", "en": "Queues"},
    "board.agents": {"zh": "坐席", "en": "Agents"},
    "board.waiting": {"zh": "排队", "en": "Waiting"},
    "board.callbacks": {"zh": "待回电", "en": "Callbacks"},
    "desk.queues_none": {"zh": "请至少选择一个队列", "en": "Choose at least one queue"},
    "desk.complaint_to_me": {"zh": "班长 {by} 将投诉 {id} 转派给您。", "en": "Supervisor {by} gave you complaint {id}."},
    "desk.complaint_from_me": {"zh": "班长 {by} 已将投诉 {id} 转派给其他坐席。",
                               "en": "Supervisor {by} moved complaint {id} to another agent."},
    "board.available": {"zh": "空闲坐席", "en": "Available"},
    "board.members": {"zh": "成员", "en": "Members"},
    "board.no_waiting": {"zh": "无排队来电", "en": "No calls waiting"},
    "board.no_agents": {"zh": "无坐席", "en": "No agents"},
    "board.caller": {"zh": "来电号码", "en": "Caller"},
    "board.name": {"zh": "姓名", "en": "Name"},
    "board.type": {"zh": "客户类型", "en": "Type"},
    "board.priority": {"zh": "优先级", "en": "Priority"},
    "board.wait": {"zh": "等待", "en": "Wait"},
    "board.agent": {"zh": "坐席", "en": "Agent"},
    "board.login": {"zh": "工号", "en": "Login"},
    "board.state": {"zh": "状态", "en": "State"},
    "board.reason": {"zh": "原因", "en": "Reason"},
    "board.time_in_state": {"zh": "持续时间", "en": "Time in state"},
    "board.call": {"zh": "当前来电", "en": "Call"},
    "board.updated": {"zh": "更新于", "en": "Updated"},
    "board.trace": {"zh": "路由说明", "en": "Routing trace"},
    # --- supervision (issue 5): stuck agents, one-click fixes, listen / whisper / barge ---
    "sup.answered_today": {"zh": "今日接听", "en": "Answered today"},
    "sup.actions": {"zh": "操作", "en": "Actions"},
    "sup.stuck.paused": {"zh": "暂停过久（{minutes} 分钟）", "en": "Paused too long ({minutes} min)"},
    "sup.stuck.wrap_up": {"zh": "话后处理过久（{minutes} 分钟）", "en": "Wrap-up too long ({minutes} min)"},
    "sup.stuck.on_call": {"zh": "通话过久（{minutes} 分钟）", "en": "On one call too long ({minutes} min)"},
    "sup.stuck.ringing": {"zh": "振铃未接（{minutes} 分钟）", "en": "Ringing unanswered ({minutes} min)"},
    "sup.force_available": {"zh": "置闲", "en": "Available"},
    "sup.force_pause": {"zh": "暂停", "en": "Pause"},
    "sup.force_logout": {"zh": "签出", "en": "Log out"},
    "sup.spy_listen": {"zh": "监听", "en": "Listen"},
    "sup.spy_whisper": {"zh": "耳语", "en": "Whisper"},
    "sup.spy_barge": {"zh": "强插", "en": "Barge"},
    "sup.confirm_logout": {"zh": "确定将 {name} 签出所有队列？", "en": "Log {name} out of all queues?"},
    "sup.confirm_force": {"zh": "确定为 {name} 执行“{action}”？", "en": "{action} for {name}?"},
    "sup.pause_prompt": {"zh": "暂停原因（{reasons}）", "en": "Pause reason ({reasons})"},
    "list.separator": {"zh": "、", "en": ", "},
    "sup.done": {"zh": "已为 {name} 执行：{action}", "en": "{action}: done for {name}"},
    "sup.spy_started": {"zh": "您的话机将振铃，接起后{mode} {name} 的通话", "en": "Your phone rings: answer to {mode} {name}'s call"},
    "sup.failed": {"zh": "操作失败：{message}", "en": "Failed: {message}"},
    "notice.forced.available": {"zh": "班长 {by} 已将您置闲", "en": "Set to available by supervisor {by}"},
    "notice.forced.pause": {"zh": "班长 {by} 已将您暂停", "en": "Paused by supervisor {by}"},
    "notice.forced.logout": {"zh": "班长 {by} 已将您签出队列", "en": "Logged out of the queues by supervisor {by}"},
    # supervisor wallboard: the emergency "closed now" switch per queue
    "switch.help": {"zh": "紧急闭队：来电将听到闭队提示音后挂机，直到重新开放。",
                    "en": "Close now: callers hear the closed message and are hung up until you reopen the queue."},
    "switch.close": {"zh": "立即关闭", "en": "Close now"},
    "switch.reopen": {"zh": "重新开放", "en": "Reopen"},
    "switch.closed_badge": {"zh": "已关闭", "en": "CLOSED"},
    "switch.closed_by": {"zh": "{by} 于 {at} 关闭", "en": "closed by {by} at {at}"},
    "switch.reason": {"zh": "原因：{reason}", "en": "Reason: {reason}"},
    "switch.reason_prompt": {"zh": "关闭队列「{queue}」的原因（可留空）：",
                             "en": "Reason for closing queue “{queue}” (optional):"},
    "switch.confirm_close": {"zh": "确定立即关闭队列「{queue}」吗？新来电将听到闭队提示并被挂断，直到重新开放。",
                             "en": "Close queue “{queue}” now? New callers will hear the closed message and "
                                   "be hung up until it is reopened."},
    "switch.saving": {"zh": "正在保存…", "en": "Saving…"},
    "switch.done_closed": {"zh": "队列「{queue}」已关闭。", "en": "Queue “{queue}” is closed."},
    "switch.done_reopened": {"zh": "队列「{queue}」已重新开放。", "en": "Queue “{queue}” is open again."},
    "switch.failed": {"zh": "未保存：{message}", "en": "Not saved: {message}"},
    "error.generic": {"zh": "出错了：{message}", "en": "Something went wrong: {message}"},
    # wrap-up follow-up, the task list (follow-ups and callback visits 回访), SLA clocks
    "wrap.followup": {"zh": "预约跟进 / 回访", "en": "Schedule a follow-up"},
    "wrap.followup_due": {"zh": "跟进时间", "en": "Follow up at"},
    "wrap.followup_assign": {"zh": "由谁跟进", "en": "Assigned to"},
    "wrap.followup_me": {"zh": "我本人", "en": "Me"},
    "wrap.followup_pool": {"zh": "队列 {queue} 的坐席", "en": "Agents of queue {queue}"},
    "wrap.followup_note": {"zh": "跟进说明", "en": "Follow-up note"},
    "field.follow_up.due_at": {"zh": "跟进时间须在将来一年之内", "en": "the follow-up time must be in the next 12 months"},
    "field.follow_up.pool": {"zh": "此来电没有队列，不能分配给队列", "en": "this call has no queue to share the follow-up with"},
    "field.follow_up.note": {"zh": "跟进说明过长", "en": "the follow-up note is too long"},
    "col.sla": {"zh": "处理时限", "en": "SLA"},
    "sla.left": {"zh": "剩余 {time}", "en": "{time} left"},
    "sla.overdue": {"zh": "已超时 {time}", "en": "overdue by {time}"},
    "sla.days": {"zh": "{days}天{hours}小时", "en": "{days} d {hours} h"},
    # --- the supervisors' complaints board (issue 5) ---
    "cb.title": {"zh": "投诉看板", "en": "Complaints board"},
    "cb.help": {"zh": "未办结投诉按严重程度分组；超时投诉自动升级：一级到班长，二级到中心经理。",
                "en": "Open complaints by severity; overdue ones escalate: level 1 to the supervisors, "
                      "level 2 to the call-center manager."},
    "cb.id": {"zh": "编号", "en": "No."},
    "cb.tier": {"zh": "客户等级", "en": "Tier"},
    "cb.value": {"zh": "价值分类", "en": "Value class"},
    "cb.category": {"zh": "类别", "en": "Category"},
    "cb.status": {"zh": "状态", "en": "Status"},
    "cb.owner": {"zh": "责任人", "en": "Owner"},
    "cb.level": {"zh": "升级", "en": "Escalation"},
    "cb.level1": {"zh": "一级·班长", "en": "L1 · supervisors"},
    "cb.level2": {"zh": "二级·经理", "en": "L2 · manager"},
    "cb.action": {"zh": "操作", "en": "Action"},
    "cb.reassign": {"zh": "转派", "en": "Reassign"},
    "cb.new_owner": {"zh": "新责任人", "en": "New owner"},
    "cb.choose_agent": {"zh": "请选择坐席", "en": "Choose an agent"},
    "cb.note": {"zh": "转派说明（可留空）", "en": "Note (optional)"},
    "cb.confirm": {"zh": "确认转派", "en": "Confirm"},
    "cb.reassigned": {"zh": "投诉 {id} 已转派给 {name}。", "en": "Complaint {id} now belongs to {name}."},
    "cb.escalated": {"zh": "投诉 {id} 已升级：{level}", "en": "Complaint {id} escalated: {level}"},
    "cb.none": {"zh": "暂无未办结投诉。", "en": "No open complaints."},
    "cb.failed": {"zh": "未完成：{message}", "en": "Not done: {message}"},
    "tasks.title": {"zh": "我的待办（跟进与回访）", "en": "My tasks (follow-ups and callback visits)"},
    "tasks.refresh": {"zh": "刷新", "en": "Refresh"},
    "tasks.none": {"zh": "暂无待办。", "en": "Nothing to do."},
    "tasks.due": {"zh": "到期", "en": "due"},
    "tasks.overdue": {"zh": "已逾期", "en": "Overdue"},
    "tasks.mine": {"zh": "分配给我", "en": "assigned to me"},
    "tasks.pool": {"zh": "队列 {queue} 共享", "en": "shared by queue {queue}"},
    "tasks.complaint": {"zh": "投诉", "en": "Complaint"},
    "tasks.complaint_now": {"zh": "投诉状态：{status}", "en": "The complaint is now: {status}"},
    "tasks.dial": {"zh": "拨打", "en": "Dial"},
    "tasks.dialing": {"zh": "正在拨打 {number}…", "en": "Dialling {number}…"},
    "tasks.done": {"zh": "记录结果", "en": "Record result"},
    "tasks.cancel": {"zh": "取消", "en": "Cancel"},
    "tasks.cancelled": {"zh": "已取消该待办", "en": "Task cancelled"},
    "tasks.result": {"zh": "结果", "en": "Result"},
    "tasks.satisfaction": {"zh": "满意度（1-5）", "en": "Satisfaction (1-5)"},
    "tasks.note": {"zh": "说明", "en": "Note"},
    "tasks.save": {"zh": "保存结果", "en": "Save result"},
    "tasks.invalid": {"zh": "请检查：{field}", "en": "Check: {field}"},
    "tasks.failed": {"zh": "未完成：{message}", "en": "Not done: {message}"},
    "kind.follow_up": {"zh": "跟进", "en": "Follow-up"},
    "kind.callback_visit": {"zh": "投诉回访", "en": "Callback visit"},
    "result.reached": {"zh": "已联系", "en": "Reached"},
    "result.satisfied": {"zh": "满意", "en": "Satisfied"},
    "result.unsatisfied": {"zh": "不满意", "en": "Not satisfied"},
    "result.no_answer": {"zh": "无人接听", "en": "No answer"},
    "result.wrong_number": {"zh": "号码错误", "en": "Wrong number"},
    # --- call control (hold / transfer / hang up / click-to-dial) ---
    "cc.title": {"zh": "通话控制", "en": "Call control"},
    "cc.hold": {"zh": "保持", "en": "Hold"},
    "cc.resume": {"zh": "恢复通话", "en": "Resume"},
    "cc.on_hold": {"zh": "通话保持中（客户正在听等待音乐）", "en": "On hold (the caller hears music)"},
    "cc.transfer": {"zh": "转接", "en": "Transfer"},
    "cc.transfer_kind": {"zh": "转接方式", "en": "Transfer type"},
    "cc.kind.blind": {"zh": "盲转", "en": "Blind"},
    "cc.kind.attended": {"zh": "咨询转接", "en": "Attended"},
    "cc.transfer_to": {"zh": "转接到", "en": "Transfer to"},
    "cc.to.agent": {"zh": "坐席", "en": "Agent"},
    "cc.to.queue": {"zh": "队列", "en": "Queue"},
    "cc.to.number": {"zh": "外部号码", "en": "Number"},
    "cc.target": {"zh": "目标（工号 / 队列名 / 号码）", "en": "Target (login / queue / number)"},
    "cc.transfer_go": {"zh": "确认转接", "en": "Transfer now"},
    "cc.transfer_complete": {"zh": "完成转接", "en": "Complete transfer"},
    "cc.transfer_cancel": {"zh": "取消转接", "en": "Cancel transfer"},
    "cc.transferring": {"zh": "正在转接…", "en": "Transferring…"},
    "cc.hangup": {"zh": "挂断", "en": "Hang up"},
    "cc.dial_number": {"zh": "拨打号码", "en": "Number to dial"},
    "cc.dial": {"zh": "拨号", "en": "Dial"},
    "cc.dialing": {"zh": "正在呼叫：先振铃您的话机，再拨客户", "en": "Calling: your phone rings first, then the customer"},
    # --- attended transfer (Atxfer): the consulting agent and the target's desk ---
    "cc.consulting": {"zh": "咨询中：正在呼叫 {to}，客户处于保持状态", "en": "Consulting: calling {to}, the caller is on hold"},
    "cc.consult_answered": {"zh": "咨询中：{to} 已接听，可完成或取消转接",
                            "en": "Consulting {to}: complete the transfer or cancel it"},
    "cc.consultation_from": {"zh": "咨询转接：来自 {from}", "en": "Consultation / transfer from {from}"},
}
# The customer pages, the wallboard figures and the reports keep their labels in console/page_labels.py;
# the error ids theirs in console/error_labels.py.
LABELS: dict[str, dict[str, str]] = {**_DESK_LABELS, **PAGE_LABELS, **DESK_CLARITY_LABELS, **WALLBOARD_LABELS,
                                     **PRESENCE_LABELS, **WRAPUP_LABELS, **ERROR_LABELS}


def normalise_language(value: str | None) -> str | None:
    """``"zh"``/``"en"`` for a value naming one of them (``zh-CN``, ``EN``...), else ``None``."""
    if not value:
        return None
    base = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base in LANGUAGES else None


def language_from_accept(header: str | None) -> str | None:
    """The first supported language of an ``Accept-Language`` header (order of appearance)."""
    for part in (header or "").split(","):
        language = normalise_language(part.split(";", 1)[0])
        if language:
            return language
    return None


def labels_for(language: str) -> dict[str, str]:
    language = normalise_language(language) or DEFAULT_LANGUAGE
    return {key: texts[language] for key, texts in LABELS.items()}


def fill(text: str, **values: object) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text
