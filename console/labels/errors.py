"""Labels (zh, en) of the server's stable error ids (``error.<id>``) and of the input fields they name
(``field.<name>``); merged into :data:`console.i18n.LABELS`.

The server's error replies carry an English ``message`` written for operators and logs. The pages show
the label of the error's ``id`` instead (``errorText`` in ``static/js/i18n.js``), with the message only
as a detail (a tooltip). A new error id needs its line here, in both languages: the browser walk
(``tests/browser/test_i18n_walk.py``) fails on an id without one, and ``tests/unit/test_i18n.py`` checks
that every id raised in the code has a label.
"""
from __future__ import annotations

ERROR_LABELS: dict[str, dict[str, str]] = {
    "error.unknown": {"zh": "操作未完成，请重试", "en": "That did not work; please try again"},
    "error.fields": {"zh": "请检查：{fields}", "en": "Please check: {fields}"},
    "error.fields_separator": {"zh": "、", "en": ", "},
    "error.disconnected": {"zh": "未连接服务器，恢复连接后请重试", "en": "Not connected to the server; try again once reconnected"},
    "error.invalid-input": {"zh": "填写的内容不符合要求", "en": "Some of what you entered does not fit"},
    "error.unauthenticated": {"zh": "登录已失效，请重新登录", "en": "Your session has ended; please sign in again"},
    "error.forbidden": {"zh": "您没有执行此操作的权限", "en": "You are not allowed to do this"},
    "error.internal-error": {"zh": "服务器暂时无法完成，请重试", "en": "The server could not do this; please try again"},
    "error.not-available": {"zh": "此服务器未启用该功能", "en": "This is not available on this server"},
    "error.ami-unavailable": {"zh": "电话系统未连接", "en": "The telephone system is not connected"},
    "error.ami-action-failed": {"zh": "电话系统拒绝了此操作", "en": "The telephone system refused this"},
    "error.store-unavailable": {"zh": "暂时无法连接客户数据库", "en": "The customer database cannot be reached"},
    "error.schema-mismatch": {"zh": "数据库版本与服务器不符", "en": "The database does not match this server's version"},
    "error.agent-busy": {"zh": "请先结束当前通话再拨号", "en": "Finish your current call before dialling"},
    "error.no-connected-call": {"zh": "您当前没有可操作的通话", "en": "You have no connected call"},
    "error.no-attended-transfer": {"zh": "当前没有进行中的咨询转接", "en": "There is no attended transfer in progress"},
    "error.consulting": {"zh": "请先完成或取消咨询转接", "en": "Complete or cancel your attended transfer first"},
    "error.already-on-hold": {"zh": "通话已在保持中", "en": "The call is already on hold"},
    "error.not-on-hold": {"zh": "通话未处于保持状态", "en": "The call is not on hold"},
    "error.cannot-hold": {"zh": "此通话无法保持", "en": "This call cannot be put on hold"},
    "error.cannot-transfer": {"zh": "此通话无法转接", "en": "This call cannot be transferred"},
    "error.transfer-failed": {"zh": "转接失败，请重试", "en": "The transfer failed; please try again"},
    "error.attended-transfer-failed": {"zh": "电话系统拒绝了咨询转接", "en": "The telephone system refused the attended transfer"},
    "error.attended-transfer-to-queue": {"zh": "咨询转接只能转给坐席或号码，不能转给队列",
                                         "en": "An attended transfer goes to an agent or a number, not a queue"},
    "error.consultation-not-answered": {"zh": "对方尚未接听，暂不能完成转接", "en": "The target has not answered yet"},
    "error.dial-failed": {"zh": "拨号失败", "en": "The call could not be placed"},
    "error.no-such-target": {"zh": "找不到转接目标", "en": "No such transfer target"},
    "error.not-yet": {"zh": "请稍候再试", "en": "Not yet; try again in a moment"},
    "error.no-desk": {"zh": "只有坐席账号可以拨号", "en": "Only an agent with a desk can dial"},
    "error.no-phone": {"zh": "您的账号没有绑定话机", "en": "Your login has no phone"},
    "error.no-such-agent": {"zh": "找不到该坐席", "en": "No such agent"},
    "error.not-on-call": {"zh": "该坐席当前不在通话中", "en": "This agent is not on a call"},
    "error.no-such-call": {"zh": "该通话已不需要您处理", "en": "This call is no longer waiting for your wrap-up"},
    "error.disposition-in-progress": {"zh": "该话后处理正在保存中", "en": "This wrap-up is already being saved"},
    "error.no-such-customer": {"zh": "找不到该客户", "en": "No such customer"},
    "error.customer-not-yours": {"zh": "该客户不在您的来电、待办或负责客户之中，无权查看",
                                 "en": "This customer is not among your calls, tasks or portfolio"},
    "error.export-not-allowed": {"zh": "只有班长和管理员可以导出客户", "en": "Only supervisors and admins may export customers"},
    "error.no-such-complaint": {"zh": "找不到该投诉", "en": "No such complaint"},
    "error.no-such-follow-up": {"zh": "找不到该待办", "en": "No such task"},
    "error.no-such-queue": {"zh": "找不到该队列", "en": "No such queue"},
    # the fields an invalid-input error names (details.fields), as the user knows them
    "field.email": {"zh": "电子邮箱", "en": "Email"},
    "field.address": {"zh": "地址", "en": "Address"},
    "field.add_phones": {"zh": "新增号码", "en": "New number"},
    "field.remove_phones": {"zh": "删除的号码", "en": "Numbers to remove"},
    "field.number": {"zh": "号码", "en": "Number"},
    "field.target": {"zh": "转接目标", "en": "Transfer target"},
    "field.reason": {"zh": "原因", "en": "Reason"},
    "field.queues": {"zh": "队列", "en": "Queues"},
    "field.outcome": {"zh": "处理结果", "en": "Outcome"},
    "field.notes": {"zh": "备注", "en": "Notes"},
    "field.complaint.category": {"zh": "投诉类别", "en": "Complaint category"},
    "field.complaint.description": {"zh": "投诉描述", "en": "Complaint description"},
    "field.complaint.severity": {"zh": "严重程度", "en": "Severity"},
    "field.satisfaction": {"zh": "满意度", "en": "Satisfaction"},
    "field.note": {"zh": "说明", "en": "Note"},
    "field.result": {"zh": "结果", "en": "Result"},
    "field.q": {"zh": "查询内容", "en": "Search"},
}
