"""Who may see which customer: least privilege for customer data (issue 11).

Theory of operation. A supervisor or an admin sees every customer. An agent sees *their own*
customers: the customers of the calls they handled (``interactions.agent_id``) and of the call on
their desk now (its card, and every customer who shares the caller's number, so they can say who is
calling), of their tasks (follow-ups assigned to them or done by them, open follow-ups of their
queues' pool, complaints they own) and of their portfolio (the customers whose account manager they
are, or whose account manager they deputise for: ``routing.deputies``). Beyond that, an agent's
search is what ``privacy.agent_search`` says:

* ``all``: every customer, as before this rule existed;
* ``number_only``: any customer found by an *exact* phone number or account number (a caller on
  another number), but names, pinyin and trailing digits only among their own customers;
* ``own``: their own customers only.

The decisions (:func:`sees_all`, :func:`restricted`, :func:`limitation`) are pure; :func:`visible` is
the one SQL shape of "one of their own customers", a condition the search's statements and the
customer page's first query carry, so a check costs no extra round trip.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased

from callcenter.errors import CallCenterError
from crm_bridge.models import Agent, Complaint, Customer, FollowUp, Interaction, Phone

SearchMode = Literal["all", "own", "number_only"]
SEARCH_MODES: tuple[str, ...] = ("all", "own", "number_only")
SEE_ALL_ROLES = frozenset({"supervisor", "admin"})
EXPORT_ROLES = frozenset({"supervisor", "admin"})
# Search strategies (crm_bridge/search.py) that find one customer by an exact key, not by browsing.
EXACT_KINDS = frozenset({"phone", "account"})


class NotYourCustomer(CallCenterError):
    """An agent asked for a customer who is not among their calls, tasks or portfolio."""

    def __init__(self, customer_id: int) -> None:
        super().__init__("customer-not-yours", "this customer is not among your calls, tasks or portfolio",
                         {"customer_id": customer_id})


class ExportNotAllowed(CallCenterError):
    def __init__(self, role: str) -> None:
        super().__init__("export-not-allowed", "only supervisors and admins may export customers",
                         {"role": role})


@dataclass(frozen=True, slots=True)
class Scope:
    """Who is looking, and what their desk knows now (built by the console per request)."""

    role: str
    agent_id: int | None = None
    login: str = ""
    search_mode: str = "number_only"
    queues: tuple[str, ...] = ()                  # for their queues' pool tasks
    deputy_for: tuple[str, ...] = ()              # account manager logins they deputise for
    desk_customers: tuple[int, ...] = ()          # the customer on the call ringing/connected/wrapping up
    desk_numbers: tuple[str, ...] = field(default=())   # that call's caller number (E.164)


def sees_all(scope: Scope) -> bool:
    return scope.role in SEE_ALL_ROLES or scope.search_mode == "all"


def may_export(role: str) -> bool:
    return role in EXPORT_ROLES


def restricted(scope: Scope, kind: str) -> bool:
    """Whether a search strategy's hits must be limited to the agent's own customers."""
    if sees_all(scope):
        return False
    return not (scope.search_mode == "number_only" and kind in EXACT_KINDS)


def limitation(scope: Scope) -> str | None:
    """What the search result tells the user about its limits: ``None`` (everyone), ``own`` or
    ``number_only``."""
    return None if sees_all(scope) else scope.search_mode


def deputised(deputies: Mapping[str, str], login: str) -> tuple[str, ...]:
    """The account managers (logins) whose deputy *login* is (``routing.deputies``)."""
    return tuple(sorted(manager for manager, deputy in deputies.items() if deputy == login))


def desk_facts(snapshot: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[int, ...], tuple[str, ...]]:
    """``(queues, customer ids, caller numbers)`` of the engine's desk snapshot (``agent_snapshot``):
    the live call and the calls waiting for their wrap-up."""
    agent = snapshot.get("agent") or {}
    queues = tuple(str(q) for q in (agent.get("all_queues") or agent.get("queues") or ()))
    calls: Iterable[Mapping[str, Any]] = [snapshot.get("call") or {}, *(snapshot.get("pending") or ())]
    ids: list[int] = []
    numbers: list[str] = []
    for call in calls:
        card = call.get("card") or {}
        if isinstance(card.get("customer_id"), int):
            ids.append(card["customer_id"])
        if call.get("caller_number"):
            numbers.append(str(call["caller_number"]))
    return queues, tuple(ids), tuple(numbers)


def scope_of(*, role: str, agent_id: int | None, login: str, snapshot: Mapping[str, Any],
             search_mode: str = "number_only", deputies: Mapping[str, str] | None = None) -> Scope:
    """What this user may see now; *snapshot* is the engine's view of their desk (``agent_snapshot``)."""
    if role in SEE_ALL_ROLES:
        return Scope(role=role, agent_id=agent_id, login=login)
    queues, customers, numbers = desk_facts(snapshot)
    return Scope(role=role, agent_id=agent_id, login=login, search_mode=search_mode, queues=queues,
                 deputy_for=deputised(deputies or {}, login), desk_customers=customers, desk_numbers=numbers)


def visible(scope: Scope, customer_id: Any) -> Any:
    """Whether the customer whose id is the column (or value) *customer_id* is one of the agent's own:
    an OR of correlated ``EXISTS`` probes, each on an index by customer (``interactions``,
    ``follow_ups``, ``complaints``, ``phones``, the customer's primary key). The database checks only
    the rows it looks at, so a search that stops early and a page of one customer never build the
    whole set of an agent's customers (4,000 ids for a busy agent took ~50 ms on SQLite; a probe
    takes microseconds)."""
    me = scope.agent_id if scope.agent_id is not None else -1
    managed = aliased(Customer, name="managed")
    shared = aliased(Phone, name="shared")
    follow_up = or_(FollowUp.assigned_agent_id == me, FollowUp.done_by_agent_id == me)
    if scope.queues:
        follow_up = or_(follow_up, FollowUp.assigned_agent_id.is_(None) & FollowUp.pool.in_(list(scope.queues))
                        & (FollowUp.status == "open"))
    manager = managed.account_manager_id == me
    if scope.deputy_for:
        manager = or_(manager, managed.account_manager_id.in_(
            select(Agent.id).where(Agent.login.in_(list(scope.deputy_for))).scalar_subquery()))
    terms = [
        exists().where(Interaction.customer_id == customer_id, Interaction.agent_id == me),
        exists().where(FollowUp.customer_id == customer_id, follow_up),
        exists().where(Complaint.customer_id == customer_id, Complaint.owner_agent_id == me),
        exists().where(managed.id == customer_id, manager),
    ]
    if scope.desk_customers:
        terms.append(customer_id.in_(list(scope.desk_customers)))
    if scope.desk_numbers:
        terms.append(exists().where(shared.customer_id == customer_id, shared.e164.in_(list(scope.desk_numbers))))
    return or_(*terms)
