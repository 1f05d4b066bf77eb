"""Seeded customers' tier facts (spend, tenure, products, contribution, potential), chosen so the
scoring model (``callcenter.tiers``) puts each customer where the seed placed them."""
from __future__ import annotations

import random
from itertools import product
from typing import Any

from callcenter import tiers
from callcenter.settings import CUSTOMER_TYPES, VALUE_CLASSES

TIERS = tuple(product(CUSTOMER_TYPES, VALUE_CLASSES))
# Tier facts come from their own stream so the rest of the demo data is what it was before they existed.
FACTS_SEED = 0x71E5
_FACTS_POOL = 64
_ACCOUNT_KIND = {"vip": "personal", "individual": "personal", "group": "enterprise", "family": "household"}
# Where in its band a seeded customer's value lies (inside the default thresholds, away from the edges).
_VALUE_BAND = {"major": (0.8, 0.9), "named": (0.56, 0.7), "non_named": (0.31, 0.45), "mass": (0.06, 0.2)}


def facts_pool(rng: random.Random, model: tiers.TierModel) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Some fact sets per tier to draw from: scoring each of a million customers would add
    most of a minute to the benchmark's seeding."""
    return {(ctype, vclass): [_tier_facts(ctype, vclass, rng, model) for _ in range(_FACTS_POOL)]
            for ctype, vclass in TIERS}


def _tier_facts(ctype: str, vclass: str, rng: random.Random, model: tiers.TierModel) -> dict[str, Any]:
    """Facts the model scores as (*ctype*, *vclass*) where it can: a value inside the class's band, a
    current value on the right side of the VIP bar, potential making up the difference."""
    kind = _ACCOUNT_KIND[ctype]
    lift = model.potential_lift
    facts: dict[str, Any] = {}
    for _ in range(8):
        value = rng.uniform(*_VALUE_BAND[vclass])
        low, high = value / (1 + lift), value
        if ctype == "vip":
            low = max(low, model.vip_score + 0.02)
        elif ctype == "individual":
            high = min(high, model.vip_score - 0.03)
        current = rng.uniform(low, high) if low <= high else value   # vip below the bar: a lapsed VIP
        potential = (value / current - 1) / lift if lift and current > 0 else 0.0
        facts = _facts_for(kind, current, min(max(potential, 0.0), 1.0), rng, model)
        got = tiers.score(tiers.Facts(**facts), model, explain=False)
        if (got.customer_type, got.value_class) == (ctype, vclass):
            break
    return facts


def _facts_for(kind: str, current: float, potential: float, rng: random.Random,
               model: tiers.TierModel) -> dict[str, Any]:
    """Factor values averaging *current*: money factors moved apart by a jitter, counts by another."""
    sc = model.scales
    j = rng.uniform(-1, 1) * min(current, 1 - current, 0.1)
    k = rng.uniform(-1, 1) * min(current, 1 - current, 0.1)

    def money(n: float, scale: tiers.Scale) -> int:
        return 0 if n <= 0 else round(scale.floor * (scale.full / scale.floor) ** n * 100)

    def count(n: float, scale: tiers.Scale) -> int:
        return round(scale.floor + n * (scale.full - scale.floor))

    return {"account_kind": kind, "spend_12m": money(current + j, sc.spend),
            "contribution_12m": money(current - j, sc.contribution), "tenure_months": count(current + k, sc.tenure),
            "products": count(current - k, sc.products), "potential": round(potential, 4)}
