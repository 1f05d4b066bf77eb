"""The customer of a call, as the agent on the call said (issue 10): the interaction row's
``customer_id`` (with its tier fields) set from the desk, audited in the same transaction.

The recorder owns the call's other facts; this writes only the customer columns, creating the row
when the recorder has not written it yet (it fills the rest later, see ``interactions.upsert_many``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from callcenter.errors import NotFound
from crm_bridge import audit
from crm_bridge.models import Customer, Interaction


async def assign(conn: AsyncConnection, *, interaction_id: str, call_id: str, customer_id: int,
                 actor_login: str, actor_agent_id: int, now: datetime) -> None:
    customer = (await conn.execute(select(Customer.customer_type, Customer.value_class)
                                   .where(Customer.id == customer_id))).first()
    if customer is None:
        raise NotFound("customer", customer_id)
    before = (await conn.execute(select(Interaction.customer_id)
                                 .where(Interaction.id == interaction_id))).scalar()
    values = {"customer_id": customer_id, "customer_type": customer.customer_type,
              "value_class": customer.value_class}
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Interaction).values(id=interaction_id, call_id=call_id, started_at=now, **values)
    await conn.execute(stmt.on_conflict_do_update(index_elements=[Interaction.id],
                                                  set_={k: stmt.excluded[k] for k in values}))
    await audit.record(conn, actor_login=actor_login, actor_agent_id=actor_agent_id, action="interaction.customer",
                       entity="interaction", entity_id=interaction_id, before={"customer_id": before},
                       after={"customer_id": customer_id}, at=now)
