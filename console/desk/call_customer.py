"""Who the caller is, said by the agent on the call (issue 10): ``call_customer`` picks one of the
customers sharing the caller's number, ``customer_create`` creates the customer from an unknown
caller's pop (the caller's number prefilled on the desk).

Theory of operation. The call must be on this agent's desk (ringing, talking, or waiting for its
wrap-up): that is checked at once against the engine's snapshot, with a clear error reply. The store
then commits the customer on the call's interaction row (audited); only after that commit is the
engine told (``CustomerChosen``, so later records and the wrap-up carry the same customer and a
reload shows it) and the desk answered with the customer's card, which the pop then shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from callcenter.domain import CustomerChosen
from callcenter.errors import CallCenterError
from callcenter.settings import CUSTOMER_TYPES
from console import protocol
from console.hub import Connection
from console.sessions import Session
from console.work_limits import SocketTasks
from console.replies import spawn
from crm_bridge.customer_access import NotYourCustomer, Scope, scope_of

MAX_NAME = 200          # crm_bridge.customers.check_customer


class CallCustomerStore(Protocol):
    async def customer_visible(self, customer_id: int, scope: Scope) -> bool | None: ...
    async def set_call_customer(self, *, interaction_id: str, call_id: str, customer_id: int,
                                actor_login: str, actor_agent_id: int) -> dict[str, Any]: ...
    async def add_customer(self, name: str, **kw: Any) -> int: ...


class CallCustomerEngine(Protocol):
    def post(self, event: Any) -> None: ...
    def agent_snapshot(self, agent_id: int) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class NewCustomer:
    call_id: str
    name: str
    customer_type: str
    number: str          # E.164


def decode_call_customer(data: dict[str, Any]) -> tuple[str, int]:
    """``call_customer`` ``{"call_id", "customer_id"}``."""
    return (protocol.text_field(data, "call_id", protocol.MAX_CALL_ID, required=True),
            protocol.id_field(data, "customer_id"))


def decode_customer_create(data: dict[str, Any]) -> NewCustomer:
    """``customer_create`` ``{"call_id", "name", "customer_type", "number"}``."""
    call_id = protocol.text_field(data, "call_id", protocol.MAX_CALL_ID, required=True)
    name = protocol.text_field(data, "name", MAX_NAME, required=True)
    customer_type = protocol.choice_field(data, "customer_type", CUSTOMER_TYPES, "individual")
    number = protocol.decode_dial(data, None)
    return NewCustomer(call_id, name, customer_type, number)


def desk_call(snapshot: dict[str, Any], call_id: str) -> dict[str, Any]:
    """The call *call_id* as this desk has it (current or waiting for its wrap-up), or an error."""
    calls = [snapshot.get("call") or {}, *(snapshot.get("pending") or ())]
    found = next((c for c in calls if c.get("call_id") == call_id), None)
    if found is None or not found.get("interaction_id"):
        raise CallCenterError("no-such-call", "this call is not on your desk (ended and saved, or not yours)",
                              {"call_id": call_id})
    return found


class CallCustomerCommands:
    """``call_customer`` and ``customer_create``: ``handler(conn, session, command, tasks)`` each."""

    def __init__(self, *, store: CallCustomerStore, engine: CallCustomerEngine, search_mode: str = "number_only",
                 deputies: dict[str, str] | None = None) -> None:
        self._store = store
        self._engine = engine
        self._search_mode = search_mode
        self._deputies = dict(deputies or {})

    def choose(self, conn: Connection, session: Session, command: protocol.Command,
               tasks: SocketTasks) -> None:
        call_id, customer_id = decode_call_customer(command.data)
        snapshot = self._engine.agent_snapshot(session.agent_id)
        call = desk_call(snapshot, call_id)
        scope = scope_of(role=session.role, agent_id=session.agent_id, login=session.login, snapshot=snapshot,
                         search_mode=self._search_mode, deputies=self._deputies)
        spawn(conn, command, tasks, self._choose(session, call, customer_id, scope))

    async def _choose(self, session: Session, call: dict[str, Any], customer_id: int, scope: Scope) -> dict[str, Any]:
        # Only a customer the agent may see (least privilege, issue 11): those sharing the caller's
        # number (the pop's candidates) and their own calls, tasks and portfolio; never any id at all,
        # which would make any customer "the one on my desk" and open their page.
        if not await self._store.customer_visible(customer_id, scope):
            raise NotYourCustomer(customer_id)
        return await self._assign(session, call, customer_id)

    def create(self, conn: Connection, session: Session, command: protocol.Command,
               tasks: SocketTasks) -> None:
        new = decode_customer_create(command.data)
        call = desk_call(self._engine.agent_snapshot(session.agent_id), new.call_id)
        spawn(conn, command, tasks, self._create(session, call, new))

    async def _create(self, session: Session, call: dict[str, Any], new: NewCustomer) -> dict[str, Any]:
        language = ((call.get("ivr") or {}).get("language") or session.language or "zh")[:2]
        customer_id = await self._store.add_customer(new.name, customer_type=new.customer_type,
                                                     phones=[new.number],
                                                     language=language if language in ("zh", "en") else "zh")
        return await self._assign(session, call, customer_id)

    async def _assign(self, session: Session, call: dict[str, Any], customer_id: int) -> dict[str, Any]:
        card = await self._store.set_call_customer(
            interaction_id=call["interaction_id"], call_id=call["call_id"], customer_id=customer_id,
            actor_login=session.login, actor_agent_id=session.agent_id)
        self._engine.post(CustomerChosen(session.agent_id, call["call_id"], card))
        return {"call_id": call["call_id"], "card": card}
