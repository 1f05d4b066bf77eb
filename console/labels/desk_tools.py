"""Labels (zh, en) of the desk's messages, transfer directory, notifications, the customer chosen for
a call and click-to-dial from the customer pages (issue 10); merged into :data:`console.i18n.LABELS`."""
from __future__ import annotations

DESK_CLARITY_LABELS: dict[str, dict[str, str]] = {
    # messages (static/js/desk_messages.js)
    "msg.dismiss": {"zh": "关闭", "en": "Dismiss"},
    # transfer directory (static/js/directory.js)
    "dir.title": {"zh": "转接目录", "en": "Transfer directory"},
    "dir.search": {"zh": "搜索坐席、工号或队列", "en": "Search agents, extensions or queues"},
    "dir.agents": {"zh": "坐席", "en": "Agents"},
    "dir.queues": {"zh": "队列", "en": "Queues"},
    "dir.number": {"zh": "外部号码", "en": "Outside number"},
    "dir.recent": {"zh": "最近拨打 / 转接", "en": "Recent numbers"},
    "dir.none": {"zh": "没有匹配的条目。", "en": "Nothing matches."},
    "dir.loading": {"zh": "正在载入目录…", "en": "Loading the directory…"},
    "dir.failed": {"zh": "目录载入失败：{message}", "en": "The directory could not be loaded: {message}"},
    "dir.queue_line": {"zh": "{waiting} 位等待 · {available} 位坐席空闲", "en": "{waiting} waiting · available: {available}"},
    "dir.selected": {"zh": "转接给：{target}", "en": "Transfer to: {target}"},
    "dir.choose": {"zh": "请在目录中选择转接目标", "en": "Choose who to transfer to"},
    # ring tone and desktop notification (static/js/alerting.js)
    "notify.enable": {"zh": "开启来电桌面通知", "en": "Enable call notifications"},
    "notify.on": {"zh": "来电通知已开启", "en": "Call notifications on"},
    "notify.off": {"zh": "关闭通知", "en": "Turn off"},
    "notify.denied": {"zh": "浏览器已禁止通知，请在浏览器设置中允许。",
                      "en": "The browser blocks notifications: allow them in its settings."},
    "notify.title": {"zh": "来电：{who}", "en": "Incoming call: {who}"},
    "notify.body": {"zh": "队列 {queue} · 等待 {waited} 秒", "en": "Queue {queue} · waited {waited} s"},
    # the customer of the call (static/js/pop_customer.js)
    "popc.shared": {"zh": "该号码属于 {count} 位客户，请确认来电者：",
                    "en": "{count} customers share this number. Who is calling?"},
    "popc.this_one": {"zh": "当前", "en": "current"},
    "popc.create": {"zh": "新建客户", "en": "Create customer"},
    "popc.name": {"zh": "客户姓名", "en": "Customer name"},
    "popc.type": {"zh": "客户类型", "en": "Customer type"},
    "popc.number": {"zh": "电话号码", "en": "Phone number"},
    "popc.save": {"zh": "保存并关联本次来电", "en": "Save and link to this call"},
    "popc.cancel": {"zh": "取消", "en": "Cancel"},
    "popc.saving": {"zh": "正在保存…", "en": "Saving…"},
    "popc.saved": {"zh": "已关联到本次通话：{name}", "en": "Linked to this call: {name}"},
    "popc.failed": {"zh": "未能保存：{message}", "en": "Not saved: {message}"},
    # click-to-dial from the customer pages (static/js/customers.js)
    "cust.dial": {"zh": "拨打", "en": "Dial"},
    "cust.dial_number": {"zh": "拨打 {number}", "en": "Dial {number}"},
    "cust.dialing": {"zh": "正在呼叫 {number}：请接听您的话机", "en": "Calling {number}: pick up your phone"},
    "cust.dial_failed": {"zh": "无法拨打：{message}", "en": "Could not dial: {message}"},
}
