"""The customer an agent chose for a call on their desk (issue 10): picked among several customers
sharing the caller's number, or created from an unknown caller's pop.

The console has already committed the choice to the interaction row; here the model's copy follows,
so that every later record of the call (and the wrap-up's own fields) carries the same customer and
a page reload shows the chosen card. A call that is no longer this agent's is left alone.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model.entities import Agent, Call
from callcenter.model.members import Effects


def customer_chosen(agents: Mapping[int, Agent], calls: Mapping[str, Call], e: d.CustomerChosen,
                    now: datetime) -> Effects:
    agent = agents.get(e.agent_id)
    if agent is None:
        return []
    effects: Effects = []
    call = calls.get(e.call_id)
    if call is not None and agent.call_id == e.call_id:
        call.card = dict(e.card)
        effects += [fx.RecordInteraction(call.interaction_id, call.record_fields()), fx.SupervisorsChanged()]
    pending = agent.pending.get(e.call_id)
    if pending is not None:
        pending.pop = {**pending.pop, "card": dict(e.card)}
        pending.call_fields = {**pending.call_fields, "customer_id": e.card.get("customer_id"),
                               "customer_type": e.card.get("customer_type"),
                               "value_class": e.card.get("value_class")}
        if call is None or agent.call_id != e.call_id:
            effects.append(fx.RecordInteraction(pending.interaction_id, {
                "customer_id": e.card.get("customer_id"), "customer_type": e.card.get("customer_type"),
                "value_class": e.card.get("value_class")}))
    return effects
