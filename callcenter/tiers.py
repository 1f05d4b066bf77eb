"""The tier model: customer type and value class computed from a customer's facts. Pure: values in,
values out; the batch job that applies it lives in ``crm_bridge/reassess.py``.

Theory of operation (the account pyramid of Chinese telecom and banking CRM):

1. Each *current-value* factor is normalised to 0..1 against a scale from ``config.yaml``: money
   (12-month spend, 12-month contribution) on a logarithmic scale between ``floor`` (0) and ``full``
   (1), because customer spend spans orders of magnitude and each tenfold should count the same;
   tenure and number of products linearly between ``floor`` and ``full``. Above ``full`` is 1.
2. ``current`` = the weighted mean of those factors (weights need not sum to 1; they are normalised).
3. ``value`` = ``current × (1 + potential_lift × potential)``, capped at 1: the pyramid's "current value
   × potential". Potential (0..1, from the CRM's propensity model) can lift a customer up to
   ``1 + potential_lift`` times; it never makes a customer who brings nothing valuable.
4. Value class from ``value``: ``major ≥ thresholds.major``, ``named ≥ thresholds.named``,
   ``non_named ≥ thresholds.non_named``, else ``mass``.
5. Customer type from the account kind: an *enterprise* account is ``group`` and a *household*
   account is ``family`` whatever their score (their service track is the account's, not the
   person's); a *personal* account is ``vip`` when its **current** value reaches ``vip_score``, else
   ``individual``. VIP status rewards proven value, so potential alone does not make a VIP (it does
   raise the value class, i.e. account-management attention).

Re-assessment is quarterly: :func:`is_due` says whether a customer was last assessed before the start of
the current quarter.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The vocabularies of callcenter.settings (not imported: settings imports this module's TierModel).
# tests/unit/test_tiers.py checks they stay the same.
ACCOUNT_KINDS = ("enterprise", "household", "personal")
TYPES = ("vip", "group", "family", "individual")
CLASSES = ("major", "named", "non_named", "mass")
FACTORS = ("spend", "contribution", "tenure", "products")

AccountKind = Literal["enterprise", "household", "personal"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Weights(_Frozen):
    spend: float = Field(0.35, ge=0)
    contribution: float = Field(0.35, ge=0)
    tenure: float = Field(0.15, ge=0)
    products: float = Field(0.15, ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        if sum(self.as_dict().values()) <= 0:
            raise ValueError(f"at least one of {', '.join(FACTORS)} must have a weight above 0")
        return self

    def as_dict(self) -> dict[str, float]:
        return {f: float(getattr(self, f)) for f in FACTORS}


class Scale(_Frozen):
    """Where a factor scores 0 (``floor``) and 1 (``full``); money in yuan, tenure in months."""

    floor: float = Field(ge=0)
    full: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.full <= self.floor:
            raise ValueError(f"full ({self.full:g}) must be above floor ({self.floor:g})")
        return self


class MoneyScale(Scale):
    floor: float = Field(gt=0)   # a logarithmic scale needs a positive floor


class Scales(_Frozen):
    spend: MoneyScale = MoneyScale(floor=1_000, full=1_000_000)
    contribution: MoneyScale = MoneyScale(floor=200, full=200_000)
    tenure: Scale = Scale(floor=0, full=120)
    products: Scale = Scale(floor=0, full=6)


class Thresholds(_Frozen):
    major: float = Field(0.75, gt=0, le=1)
    named: float = Field(0.5, gt=0, le=1)
    non_named: float = Field(0.25, gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.major > self.named:
            raise ValueError(f"named ({self.named:g}) must be below major ({self.major:g})")
        if not self.named > self.non_named:
            raise ValueError(f"non_named ({self.non_named:g}) must be below named ({self.named:g})")
        return self


class TierModel(_Frozen):
    """The ``tiers:`` section of ``config.yaml``."""

    weights: Weights = Weights()
    scales: Scales = Scales()
    potential_lift: float = Field(0.5, ge=0, le=4)
    thresholds: Thresholds = Thresholds()
    vip_score: float = Field(0.6, gt=0, le=1)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the CRM knows of a customer. Money in fen (integer cents of a yuan), as stored."""

    account_kind: AccountKind
    spend_12m: int = 0
    contribution_12m: int = 0
    tenure_months: int = 0
    products: int = 0
    potential: float = 0.0


@dataclass(frozen=True, slots=True)
class Score:
    customer_type: str
    value_class: str
    current: float                       # weighted mean of the factors, 0..1
    value: float                         # current × potential lift, capped at 1; decides the class
    parts: tuple[tuple[str, float], ...]  # (factor, its share of `current`), largest first
    explanation: str


def _normalise(x: float, scale: Scale, *, log: bool) -> float:
    if x <= scale.floor:
        return 0.0
    if x >= scale.full:
        return 1.0
    if log:
        return math.log(x / scale.floor) / math.log(scale.full / scale.floor)
    return (x - scale.floor) / (scale.full - scale.floor)


def value_class_for(value: float, thresholds: Thresholds) -> str:
    if value >= thresholds.major:
        return "major"
    if value >= thresholds.named:
        return "named"
    if value >= thresholds.non_named:
        return "non_named"
    return "mass"


def score(facts: Facts, model: TierModel, *, explain: bool = True) -> Score:
    """The customer's type, value class and why (see the module docstring). ``explain=False`` leaves
    the explanation empty: the batch job explains only the customers that move."""
    sc, weights = model.scales, model.weights.as_dict()
    normalised = {
        "spend": _normalise(facts.spend_12m / 100, sc.spend, log=True),
        "contribution": _normalise(facts.contribution_12m / 100, sc.contribution, log=True),
        "tenure": _normalise(facts.tenure_months, sc.tenure, log=False),
        "products": _normalise(facts.products, sc.products, log=False),
    }
    total = sum(weights.values())
    shares = {f: weights[f] * normalised[f] / total for f in FACTORS}
    current = sum(shares.values())
    potential = min(max(facts.potential, 0.0), 1.0)
    value = min(1.0, current * (1 + model.potential_lift * potential))
    vclass = value_class_for(value, model.thresholds)
    if facts.account_kind == "enterprise":
        ctype = "group"
    elif facts.account_kind == "household":
        ctype = "family"
    else:
        ctype = "vip" if current >= model.vip_score else "individual"
    parts = tuple(sorted(shares.items(), key=lambda kv: (-kv[1], FACTORS.index(kv[0]))))
    text = _explain(facts, model, ctype, vclass, current, value, potential, parts) if explain else ""
    return Score(ctype, vclass, round(current, 4), round(value, 4), parts, text)


def _explain(facts: Facts, model: TierModel, ctype: str, vclass: str, current: float, value: float,
             potential: float, parts: tuple[tuple[str, float], ...]) -> str:
    shown = {
        "spend": f"spend {facts.spend_12m / 100:,.0f} yuan/12m",
        "contribution": f"contribution {facts.contribution_12m / 100:,.0f} yuan/12m",
        "tenure": f"tenure {facts.tenure_months} months",
        "products": f"{facts.products} products",
    }
    top = [f"{shown[f]} (+{share:.2f})" for f, share in parts[:3] if share > 0]
    factors = "; ".join(top) if top else "no spend, contribution, tenure or products"
    lift = f" × potential {potential:.2f} (lift {1 + model.potential_lift * potential:.2f})" if potential > 0 else ""
    t = model.thresholds
    bar = {"major": f"≥ {t.major:g}", "named": f"≥ {t.named:g}", "non_named": f"≥ {t.non_named:g}",
           "mass": f"< {t.non_named:g}"}[vclass]
    if ctype == "group":
        why_type = "enterprise account"
    elif ctype == "family":
        why_type = "household account"
    elif ctype == "vip":
        why_type = f"personal account, current value {current:.2f} ≥ VIP bar {model.vip_score:g}"
    else:
        why_type = f"personal account, current value {current:.2f} < VIP bar {model.vip_score:g}"
    return (f"{ctype}/{vclass}: value {value:.2f} {bar} = current {current:.2f}{lift}; "
            f"top factors: {factors}; {why_type}")


def quarter_start(now: datetime) -> datetime:
    """Midnight of the first day of *now*'s quarter, in *now*'s own time zone."""
    return now.replace(month=(now.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)


def is_due(assessed_at: datetime | None, now: datetime) -> bool:
    """Quarterly review: due when never assessed or assessed before the current quarter began."""
    return assessed_at is None or assessed_at < quarter_start(now)
