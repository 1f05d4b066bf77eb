"""A realistic, deterministic demo data set: agents with known passwords, customers of every tier,
past calls and a few complaints.

``await seed_demo(store)`` does nothing when any agent exists already (so ``callcenter demo`` can call
it on every start) and otherwise writes everything in ONE transaction. It returns a
:class:`SeedSummary` with the logins and a few caller numbers per tier, for the demo to print.

Logins (password = ``"demo" + login``):

======== ============ ========== ======================== ===========================
login    password     role       name                     queues
======== ============ ========== ======================== ===========================
1001     demo1001     agent      王伟 (zh)                vip, standard
1002     demo1002     agent      Emily Chen (en)          vip, standard
1003     demo1003     agent      张敏 (zh)                enterprise, standard
1004     demo1004     agent      James Wilson (en)        enterprise, standard
1005     demo1005     agent      刘洋 (zh)                standard
1006     demo1006     agent      陈静 (zh)                standard
9001     demo9001     supervisor 赵丽 (zh)                (none; watches all)
admin    demoadmin    admin      System Administrator     (none; no phone)
======== ============ ========== ======================== ===========================

Agents and the supervisor have the queue interface ``Local/<login>@agent-phones/n``.

Fixed customers tests and the demo rely on (the ``DEMO_*`` constants below):

* ``DEMO_VIP_NUMBER`` +8613800000001: 李娜, vip / major, account manager 1001 (王伟), account
  ``DEMO_VIP_ACCOUNT`` with PIN ``DEMO_PIN``, one open ``high`` billing complaint owned by 1001, 7 past
  calls.
* ``DEMO_VIP_EN_NUMBER`` +8613800000002: Michael Brown, vip / named, English.
* ``DEMO_GROUP_NUMBER`` +8613800000003 and the landline ``DEMO_LANDLINE_NUMBER`` +861012345678
  (dialled 010-12345678): 北京华信科技有限公司, group / major, account manager 1003 (张敏),
  account ``DEMO_GROUP_ACCOUNT`` with PIN ``DEMO_PIN``, one ``critical`` complaint in progress owned by
  1003. (A fixed customer's complaint is owned by their account manager, who took that call.)
* ``DEMO_SHARED_NUMBER`` +861088886666 (home line): shared by 王芳 (``DEMO_FAMILY_NUMBER``
  +8613800000004, family / non_named) and 王强 (+8613800000005, family / non_named).
* ``DEMO_INDIVIDUAL_NUMBER`` +8613800000006: 刘强, individual / mass.
* ``DEMO_SUSPENDED_NUMBER`` +8613800000007: Sarah Johnson, individual / mass, credit suspended.
* ``DEMO_UNKNOWN_NUMBER`` +8613999999999: nobody.

Generated customers n = 8, 9, ... have the mobile ``+86138`` + n on 8 digits (+8613800000008...) and
cycle through every customer type x value class, so any ``customers >= MIN_CUSTOMERS`` covers every
tier. Major accounts get a dedicated account manager; a few credit statuses are suspended.

Every customer also gets the facts the tier model scores (``account_kind``, 12-month spend and
contribution, tenure, products, potential), drawn so that the default :class:`TierModel` gives back
the seeded type and class, and ``tier_assessed_at`` = seeding time; a ``callcenter tiers reassess``
on fresh demo data then moves only the generated *vip / non_named* and *vip / mass* customers (1 in 8
of the generated ones): the model holds VIPs to be at least *named*, so those are lapsed VIPs.
"""
from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import product
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, text

from callcenter import tiers
from callcenter.settings import CUSTOMER_TYPES, VALUE_CLASSES
from crm_bridge import agents as agent_queries
from crm_bridge.models import Agent, Complaint, Customer, Interaction, Phone, utcnow
from crm_bridge.names import name_initials
from crm_bridge.passwords import hash_password
from crm_bridge.seed_facts import FACTS_SEED, facts_pool

if TYPE_CHECKING:
    from crm_bridge.store import Store

DEMO_VIP_NUMBER = "+8613800000001"
DEMO_VIP_EN_NUMBER = "+8613800000002"
DEMO_GROUP_NUMBER = "+8613800000003"
DEMO_LANDLINE_NUMBER = "+861012345678"
DEMO_FAMILY_NUMBER = "+8613800000004"
DEMO_SHARED_NUMBER = "+861088886666"
DEMO_INDIVIDUAL_NUMBER = "+8613800000006"
DEMO_SUSPENDED_NUMBER = "+8613800000007"
DEMO_UNKNOWN_NUMBER = "+8613999999999"
DEMO_VIP_ACCOUNT = "88000001"
DEMO_GROUP_ACCOUNT = "88000003"
DEMO_PIN = "123456"
DEMO_PASSWORD_PREFIX = "demo"

# login, name, language, queues, role
DEMO_AGENTS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("1001", "王伟", "zh", ("vip", "standard"), "agent"),
    ("1002", "Emily Chen", "en", ("vip", "standard"), "agent"),
    ("1003", "张敏", "zh", ("enterprise", "standard"), "agent"),
    ("1004", "James Wilson", "en", ("enterprise", "standard"), "agent"),
    ("1005", "刘洋", "zh", ("standard",), "agent"),
    ("1006", "陈静", "zh", ("standard",), "agent"),
    ("9001", "赵丽", "zh", (), "supervisor"),
    ("admin", "System Administrator", "en", (), "admin"),
)

# name, type, value class, language, credit, account, manager login, phones [(e164, kind)]
_FIXED: tuple[tuple[str, str, str, str, str, str | None, str | None, tuple[tuple[str, str], ...]], ...] = (
    ("李娜", "vip", "major", "zh", "normal", DEMO_VIP_ACCOUNT, "1001", ((DEMO_VIP_NUMBER, "mobile"),)),
    ("Michael Brown", "vip", "named", "en", "normal", "88000002", None, ((DEMO_VIP_EN_NUMBER, "mobile"),)),
    ("北京华信科技有限公司", "group", "major", "zh", "normal", DEMO_GROUP_ACCOUNT, "1003",
     ((DEMO_GROUP_NUMBER, "mobile"), (DEMO_LANDLINE_NUMBER, "work"))),
    ("王芳", "family", "non_named", "zh", "normal", None, None,
     ((DEMO_FAMILY_NUMBER, "mobile"), (DEMO_SHARED_NUMBER, "landline"))),
    ("王强", "family", "non_named", "zh", "normal", None, None,
     (("+8613800000005", "mobile"), (DEMO_SHARED_NUMBER, "landline"))),
    ("刘强", "individual", "mass", "zh", "normal", None, None, ((DEMO_INDIVIDUAL_NUMBER, "mobile"),)),
    ("Sarah Johnson", "individual", "mass", "en", "suspended", None, None, ((DEMO_SUSPENDED_NUMBER, "mobile"),)),
)
_FIXED_PINS = (DEMO_VIP_ACCOUNT, DEMO_GROUP_ACCOUNT)
TIERS = tuple(product(CUSTOMER_TYPES, VALUE_CLASSES))
MIN_CUSTOMERS = len(_FIXED) + len(TIERS)

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟"
    "姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
)
_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
          "霞", "平", "刚", "桂英", "建华", "晓东", "志强", "海燕", "雪梅", "子轩", "浩然", "欣怡", "思琪", "宇航")
_EN_FIRST = ("James", "Mary", "Robert", "Linda", "David", "Susan", "Daniel", "Karen", "Kevin", "Grace", "Oliver",
             "Sophie", "Thomas", "Emma", "Henry", "Chloe")
_EN_LAST = ("Smith", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Thompson", "White", "Harris",
            "Clarke", "Lewis", "Wong", "Lee", "Chan", "Ng")
_CITIES = ("北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "苏州")
_TRADES = ("科技", "物流", "贸易", "建设", "医药", "电子", "餐饮", "教育", "传媒", "能源")
_EN_TRADES = ("Logistics", "Trading", "Electronics", "Consulting", "Foods", "Pharma")
_OUTCOMES = ("resolved", "follow_up", "transferred", "information", "complaint_logged")
_CATEGORIES = ("billing", "network", "service_attitude", "card", "fees", "app")
_QUEUE_FOR_TYPE = {"vip": "vip", "group": "enterprise", "family": "standard", "individual": "standard"}
_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class DemoLogin:
    login: str
    password: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class SeedSummary:
    created: bool                                    # False: agents existed, nothing was written
    logins: tuple[DemoLogin, ...]
    customers: int                                   # customers in the database
    sample_numbers: dict[str, tuple[str, ...]] = field(default_factory=dict)   # tier -> E.164 numbers

    def lines(self) -> list[str]:
        """Human-readable lines for the demo to print."""
        out = [f"demo data {'created' if self.created else 'already present'}: {self.customers} customers"]
        out += [f"  login {d.login:<6} password {d.password:<10} {d.role:<10} {d.name}" for d in self.logins]
        out += [f"  call as {tier:<10} {', '.join(numbers)}" for tier, numbers in self.sample_numbers.items()]
        return out


def demo_logins() -> tuple[DemoLogin, ...]:
    return tuple(DemoLogin(login, DEMO_PASSWORD_PREFIX + login, name, role) for login, name, _, _, role in DEMO_AGENTS)


async def seed_demo(store: Store, *, customers: int = 200, seed: int = 7) -> SeedSummary:
    """Write the demo data set unless agents exist; idempotent (see the module docstring)."""
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"customers must be at least {MIN_CUSTOMERS} to cover every tier")
    async with store.connect(write=True) as conn:
        if await agent_queries.any_exist(conn):
            created = False
        else:
            hashes = await asyncio.to_thread(_hash_all, [d.password for d in demo_logins()] + [DEMO_PIN])
            await _write(conn, customers, random.Random(seed), hashes)
            created = True
    async with store.connect() as conn:
        count = (await conn.execute(select(func.count(Customer.id)))).scalar_one()
        samples = await _samples(conn)
    return SeedSummary(created=created, logins=demo_logins(), customers=int(count), sample_numbers=samples)


def _hash_all(secrets: list[str]) -> list[str]:
    return [hash_password(s) for s in secrets]


async def _write(conn: Any, total: int, rng: random.Random, hashes: list[str]) -> None:
    now = utcnow().replace(microsecond=0)
    agent_rows = [
        {"login": login, "name": name, "language": lang, "queues": list(queues), "role": role,
         "interface": None if role == "admin" else f"Local/{login}@agent-phones/n", "password_hash": hashes[i],
         "created_at": now}
        for i, (login, name, lang, queues, role) in enumerate(DEMO_AGENTS)
    ]
    stmt = insert(Agent).returning(Agent.id, sort_by_parameter_order=True)
    ids = (await conn.execute(stmt, agent_rows)).scalars().all()
    agent_id = dict(zip([a["login"] for a in agent_rows], ids, strict=True))
    pin_hash = hashes[-1]

    people, phone_lists = _customers(total, rng, agent_id, pin_hash, now)
    # Explicit ids: RETURNING in parameter order makes SQLite insert one row per statement (1M
    # customers for a benchmark would take minutes); PostgreSQL's sequence is moved past them below.
    first = int((await conn.execute(select(func.coalesce(func.max(Customer.id), 0)))).scalar_one()) + 1
    customer_ids = list(range(first, first + len(people)))
    for person, cid in zip(people, customer_ids, strict=True):
        person["id"] = cid
    for start in range(0, len(people), _CHUNK):
        await conn.execute(insert(Customer), people[start:start + _CHUNK])
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT setval(pg_get_serial_sequence('customers', 'id'), :last)"),
                           {"last": customer_ids[-1]})
    phone_rows = [{"customer_id": cid, "e164": e, "kind": k}
                  for cid, plist in zip(customer_ids, phone_lists, strict=True) for e, k in plist]
    for start in range(0, len(phone_rows), _CHUNK):
        await conn.execute(insert(Phone), phone_rows[start:start + _CHUNK])

    calls, complaints = _history(rng, people, customer_ids, phone_lists, agent_id, now)
    for start in range(0, len(calls), _CHUNK):
        await conn.execute(insert(Interaction), calls[start:start + _CHUNK])
    if complaints:
        await conn.execute(insert(Complaint), complaints)


def _customers(
    total: int, rng: random.Random, agent_id: dict[str, int], pin_hash: str, now: datetime
) -> tuple[list[dict[str, Any]], list[tuple[tuple[str, str], ...]]]:
    people: list[dict[str, Any]] = []
    phone_lists: list[tuple[tuple[str, str], ...]] = []
    facts = facts_pool(random.Random(FACTS_SEED), tiers.TierModel())
    facts_rng = random.Random(FACTS_SEED)
    for name, ctype, vclass, lang, credit, account, manager, plist in _FIXED:
        people.append(_person(name, ctype, vclass, lang, credit, account,
                              agent_id[manager] if manager else None,
                              pin_hash if account in _FIXED_PINS else None, now))
        people[-1].update(facts_rng.choice(facts[ctype, vclass]), tier_assessed_at=now)
        phone_lists.append(plist)
    managers = {"vip": ["1001", "1002"], "group": ["1003", "1004"]}
    general = ["1001", "1002", "1003", "1004", "1005", "1006"]
    family_lines = 0
    for n in range(len(_FIXED) + 1, total + 1):
        ctype, vclass = TIERS[(n - len(_FIXED) - 1) % len(TIERS)]
        lang = "en" if rng.random() < 0.25 else "zh"
        name = _company(rng, lang) if ctype == "group" else _person_name(rng, lang)
        manager = None
        if vclass == "major":
            pool = managers.get(ctype, general)
            manager = agent_id[pool[n % len(pool)]]
        has_account = ctype in ("vip", "group") or rng.random() < 0.5
        credit = "suspended" if rng.random() < 0.04 else "normal"
        people.append(_person(name, ctype, vclass, lang, credit, f"{88000000 + n}" if has_account else None,
                              manager, None, now - timedelta(days=rng.randint(30, 3000))))
        people[-1].update(facts_rng.choice(facts[ctype, vclass]), tier_assessed_at=now)
        phones: list[tuple[str, str]] = [(f"+86138{n:08d}", "mobile")]
        if ctype == "family":
            # Two consecutive family customers share one home line.
            phones.append((f"+861066{family_lines // 2:06d}", "landline"))
            family_lines += 1
        elif ctype == "group" and rng.random() < 0.5:
            phones.append((f"+86107{n:07d}", "work"))
        phone_lists.append(tuple(phones))
    return people, phone_lists


def _person(name: str, ctype: str, vclass: str, lang: str, credit: str, account: str | None,
            manager: int | None, pin_hash: str | None, created_at: datetime) -> dict[str, Any]:
    return {"name": name, "name_initials": name_initials(name)[:64], "customer_type": ctype, "value_class": vclass,
            "language": lang, "credit_status": credit, "account_number": account, "account_manager_id": manager,
            "pin_hash": pin_hash, "created_at": created_at}


def _person_name(rng: random.Random, lang: str) -> str:
    if lang == "en":
        return f"{rng.choice(_EN_FIRST)} {rng.choice(_EN_LAST)}"
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _company(rng: random.Random, lang: str) -> str:
    if lang == "en":
        return f"{rng.choice(_EN_LAST)} {rng.choice(_EN_TRADES)} Co., Ltd."
    return f"{rng.choice(_CITIES)}{rng.choice(_SURNAMES)}{rng.choice(_GIVEN)}{rng.choice(_TRADES)}有限公司"


def _history(
    rng: random.Random, people: list[dict[str, Any]], customer_ids: list[int],
    phone_lists: list[tuple[tuple[str, str], ...]], agent_id: dict[str, int], now: datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Past calls for the fixed customers and about a third of the others, and a few complaints."""
    calls: list[dict[str, Any]] = []
    complaints: list[dict[str, Any]] = []
    members = {queue: [login for login, _, _, queues, role in DEMO_AGENTS if queue in queues and role == "agent"]
               for queue in set(_QUEUE_FOR_TYPE.values())}
    for index, (person, cid, plist) in enumerate(zip(people, customer_ids, phone_lists, strict=True)):
        fixed = index < len(_FIXED)
        if not fixed and rng.random() > 0.33:
            continue
        count = 7 if index == 0 else rng.randint(1, 4)
        for k in range(count):
            queue = _QUEUE_FOR_TYPE[person["customer_type"]]
            started = now - timedelta(days=k * 6 + rng.randint(1, 5), minutes=rng.randint(0, 600))
            abandoned = not fixed and rng.random() < 0.1
            hold = rng.randint(3, 120)
            talk = 0 if abandoned else rng.randint(40, 900)
            call = {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "call_id": f"{int(started.timestamp())}.{rng.randint(1, 9999)}",
                "caller_number": plist[0][0], "customer_id": cid, "queue": queue,
                "agent_id": None if abandoned else agent_id[rng.choice(members[queue])],
                "customer_type": person["customer_type"], "value_class": person["value_class"],
                "priority": {"vip": 10, "group": 5, "family": 2}.get(person["customer_type"], 0),
                "menu_choice": rng.choice(("service", "complaint")), "ivr_digits": None,
                "language": person["language"], "status": "abandoned" if abandoned else "completed",
                "ivr_failed": False, "started_at": started, "queued_at": started + timedelta(seconds=20),
                "answered_at": None if abandoned else started + timedelta(seconds=20 + hold),
                "ended_at": started + timedelta(seconds=20 + hold + talk),
                "hold_seconds": hold, "talk_seconds": talk,
                "outcome": None if abandoned else rng.choice(_OUTCOMES),
                "notes": None if abandoned else ("演示通话" if person["language"] == "zh" else "demo call"),
                "disposition_at": None if abandoned else started + timedelta(seconds=50 + hold + talk),
            }
            calls.append(call)
        last = calls[-1]
        if fixed and person["account_manager_id"] is not None:
            # Their account manager took the call the complaint is filed on, and so owns it
            # (first-contact responsibility): the demo's VIP rings her manager, 1001, directly.
            last["agent_id"] = person["account_manager_id"]
        complaint = _complaint_for(index, rng, last)
        if complaint:
            complaints.append({**_with_sla(complaint, last["customer_type"]), "customer_id": cid,
                               "interaction_id": last["id"]})
    return calls, complaints


def _complaint_for(index: int, rng: random.Random, call: dict[str, Any]) -> dict[str, Any] | None:
    if call["agent_id"] is None:
        return None
    when = call["disposition_at"]
    base = {"owner_agent_id": call["agent_id"], "created_at": when, "updated_at": when}
    if index == 0:
        return {**base, "category": "billing", "severity": "high", "status": "open",
                "description": "月账单多扣了 88 元 / charged 88 yuan twice this month"}
    if index == 2:
        return {**base, "category": "network", "severity": "critical", "status": "in_progress",
                "description": "专线中断超过两小时 / leased line down for over two hours"}
    if index < len(_FIXED) or rng.random() > 0.08:
        return None
    return {**base, "category": rng.choice(_CATEGORIES), "severity": rng.choice(("low", "medium", "high")),
            "status": rng.choice(("open", "in_progress", "resolved", "confirmed", "closed")),
            "description": "demo complaint"}


def _with_sla(complaint: dict[str, Any], customer_type: str) -> dict[str, Any]:
    """The SLA deadline the wrap-up would have set, and the milestones its status implies."""
    from callcenter.settings import ComplaintSettings
    from crm_bridge.complaints import sla_due

    filed = complaint["created_at"]
    milestones = {"resolved": ("resolved_at",), "confirmed": ("resolved_at", "confirmed_at"),
                  "closed": ("resolved_at", "confirmed_at", "closed_at")}.get(complaint["status"], ())
    stamps = {name: filed + timedelta(days=1 + i) for i, name in enumerate(milestones)}
    return {**complaint, **stamps,
            "sla_due_at": sla_due(filed, complaint["severity"], customer_type, ComplaintSettings())}


async def _samples(conn: Any) -> dict[str, tuple[str, ...]]:
    """A few mobile numbers per customer type (fixed customers first), plus an unknown number."""
    stmt = (
        select(Customer.customer_type, Phone.e164)
        .join(Phone, Phone.customer_id == Customer.id)
        .where(Phone.kind == "mobile")
        .order_by(Customer.id)
        .limit(200)       # generated customers cycle through the tiers every 16: plenty, and cheap
    )
    samples: dict[str, list[str]] = {t: [] for t in CUSTOMER_TYPES}
    for ctype, e164 in (await conn.execute(stmt)).all():
        if len(samples[ctype]) < 3:
            samples[ctype].append(e164)
    return {**{t: tuple(v) for t, v in samples.items()}, "unknown": (DEMO_UNKNOWN_NUMBER,)}
