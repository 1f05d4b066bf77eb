"""The tier model: type and value class from a customer's facts, the explanation, the settings checks."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from callcenter import settings, tiers
from callcenter.tiers import Facts, TierModel, is_due, quarter_start, score

MODEL = TierModel()
YUAN = 100   # fen per yuan


def facts(kind: str = "personal", *, spend: float = 0, contribution: float = 0, tenure: int = 0,
          products: int = 0, potential: float = 0.0) -> Facts:
    return Facts(kind, round(spend * YUAN), round(contribution * YUAN), tenure, products, potential)  # type: ignore[arg-type]


# Default scales: spend 1,000..1,000,000 yuan (log), contribution 200..200,000 (log), tenure 0..120
# months, products 0..6; weights .35/.35/.15/.15; classes at .75/.5/.25; VIP bar .6; lift .5.
FULL = {"spend": 1_000_000, "contribution": 200_000, "tenure": 120, "products": 6}
HALF = {"spend": 31_623, "contribution": 6_325, "tenure": 60, "products": 3}   # each factor ~0.5

CASES = [
    # id, facts, expected (type, class)
    ("nothing", facts(), ("individual", "mass")),
    ("full personal", facts(**FULL), ("vip", "major")),
    ("half personal", facts(**HALF), ("individual", "named")),
    ("half household", facts("household", **HALF), ("family", "named")),
    ("enterprise with nothing is still group", facts("enterprise"), ("group", "mass")),
    ("enterprise at full is group, never vip", facts("enterprise", **FULL), ("group", "major")),
    ("household at full is family, never vip", facts("household", **FULL), ("family", "major")),
    ("only tenure and products", facts(tenure=120, products=6), ("individual", "non_named")),
    ("spend at floor scores 0", facts(spend=1_000, contribution=200), ("individual", "mass")),
    ("beyond full is capped", facts(spend=10**9, contribution=10**9, tenure=999, products=99), ("vip", "major")),
]


@pytest.mark.parametrize(("case", "given", "expected"), CASES, ids=[c[0] for c in CASES])
def test_type_and_class(case: str, given: Facts, expected: tuple[str, str]):
    result = score(given, MODEL)
    assert (result.customer_type, result.value_class) == expected


def test_current_value_is_the_weighted_mean_of_the_factors():
    result = score(facts(tenure=60, products=3), MODEL)   # 0.15*0.5 + 0.15*0.5
    assert result.current == pytest.approx(0.15)
    assert result.value == pytest.approx(0.15)
    assert dict(result.parts) == pytest.approx({"tenure": 0.075, "products": 0.075, "spend": 0, "contribution": 0})


def test_money_is_on_a_log_scale():
    # Each tenfold of spend counts the same: 10,000 yuan is a third of the way from 1,000 to 1,000,000.
    one = TierModel(weights={"spend": 1, "contribution": 0, "tenure": 0, "products": 0})
    assert score(facts(spend=10_000), one).current == pytest.approx(1 / 3, abs=1e-4)
    assert score(facts(spend=100_000), one).current == pytest.approx(2 / 3, abs=1e-4)


THRESHOLD_CASES = [(0.7499, "named"), (0.75, "major"), (0.4999, "non_named"), (0.5, "named"),
                   (0.2499, "mass"), (0.25, "non_named"), (0.0, "mass"), (1.0, "major")]


@pytest.mark.parametrize(("value", "expected"), THRESHOLD_CASES)
def test_class_boundaries_are_inclusive_from_below(value: float, expected: str):
    assert tiers.value_class_for(value, MODEL.thresholds) == expected


def test_vip_bar_is_on_current_value_and_inclusive():
    only_products = TierModel(weights={"spend": 0, "contribution": 0, "tenure": 0, "products": 1}, vip_score=0.5)
    assert score(facts(products=3), only_products).customer_type == "vip"        # exactly 0.5
    assert score(facts(products=2), only_products).customer_type == "individual"
    # Potential lifts the class but never makes a VIP.
    lifted = score(facts(products=2, potential=1.0), only_products)
    assert (lifted.value, lifted.customer_type, lifted.value_class) == (0.5, "individual", "named")


def test_potential_raises_the_class():
    base = facts(**HALF)
    assert score(base, MODEL).value_class == "named"
    raised = score(Facts(**{**_asdict(base), "potential": 1.0}), MODEL)
    assert raised.value == pytest.approx(min(1.0, score(base, MODEL).current * 1.5), abs=1e-4)
    assert raised.value_class == "major"


def test_potential_cannot_make_nothing_valuable():
    result = score(facts(potential=1.0), MODEL)
    assert (result.value, result.value_class) == (0.0, "mass")


def test_no_potential_lift_when_configured_off():
    result = score(facts(**HALF, potential=1.0), TierModel(potential_lift=0))
    assert result.value == result.current


def test_explanation_names_the_tier_the_value_and_the_top_factors():
    text = score(facts(spend=500_000, contribution=1_000, tenure=24, products=1, potential=0.4), MODEL).explanation
    assert text.startswith("individual/named: value 0.")
    assert "≥ 0.5" in text
    assert "potential 0.40 (lift 1.20)" in text
    # Top factors by their share, largest first; the smallest (products) left out.
    assert text.index("spend 500,000 yuan/12m") < text.index("contribution 1,000 yuan/12m") < text.index("tenure 24")
    assert "products (" not in text
    assert "personal account, current value" in text and "< VIP bar 0.6" in text


def test_explanation_of_an_enterprise_and_of_a_customer_with_nothing():
    assert "enterprise account" in score(facts("enterprise"), MODEL).explanation
    text = score(facts(), MODEL).explanation
    assert "no spend, contribution, tenure or products" in text and "mass" in text


def test_explanation_can_be_skipped_for_speed():
    assert score(facts(**HALF), MODEL, explain=False).explanation == ""


# --------------------------------------------------------------------------- settings model
@pytest.mark.parametrize(("config", "key", "words"), [
    ({"weights": {"spend": -1}}, ("weights", "spend"), "greater than or equal to 0"),
    ({"weights": {"spend": 0, "contribution": 0, "tenure": 0, "products": 0}}, ("weights",), "above 0"),
    ({"weights": {"spnd": 1}}, ("weights", "spnd"), "Extra inputs"),
    ({"thresholds": {"major": 0.5, "named": 0.6}}, ("thresholds",), "named (0.6) must be below major (0.5)"),
    ({"thresholds": {"non_named": 0.5}}, ("thresholds",), "non_named (0.5) must be below named (0.5)"),
    ({"thresholds": {"major": 1.5}}, ("thresholds", "major"), "less than or equal to 1"),
    ({"scales": {"spend": {"floor": 0, "full": 10}}}, ("scales", "spend", "floor"), "greater than 0"),
    ({"scales": {"tenure": {"floor": 12, "full": 12}}}, ("scales", "tenure"), "full (12) must be above floor (12)"),
    ({"vip_score": 0}, ("vip_score",), "greater than 0"),
    ({"potential_lift": -0.1}, ("potential_lift",), "greater than or equal to 0"),
])
def test_a_bad_model_is_refused_naming_the_key(config: dict, key: tuple[str, ...], words: str):
    with pytest.raises(ValidationError) as info:
        TierModel.model_validate(config)
    error = info.value.errors()[0]
    assert error["loc"] == key
    assert words in error["msg"]


def test_the_model_is_frozen_and_the_defaults_are_valid():
    model = TierModel.model_validate({})
    assert model == MODEL
    with pytest.raises(ValidationError):
        model.vip_score = 0.1   # type: ignore[misc]


def test_vocabularies_match_the_settings_and_the_store():
    from crm_bridge.models import ACCOUNT_KINDS

    assert tiers.TYPES == settings.CUSTOMER_TYPES
    assert tiers.CLASSES == settings.VALUE_CLASSES
    assert tiers.ACCOUNT_KINDS == ACCOUNT_KINDS


# --------------------------------------------------------------------------- quarterly review
@pytest.mark.parametrize(("now", "start"), [
    (datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)),
    (datetime(2025, 3, 31, 23, 59, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)),
    (datetime(2025, 4, 1, 0, 0, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)),
    (datetime(2025, 8, 15, 12, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
    (datetime(2025, 12, 31, tzinfo=UTC), datetime(2025, 10, 1, tzinfo=UTC)),
])
def test_quarter_start(now: datetime, start: datetime):
    assert quarter_start(now) == start


def test_due_when_never_assessed_or_assessed_before_this_quarter():
    now = datetime(2025, 5, 20, 9, tzinfo=UTC)
    assert is_due(None, now)
    assert is_due(datetime(2025, 3, 31, 23, 59, 59, tzinfo=UTC), now)
    assert not is_due(datetime(2025, 4, 1, tzinfo=UTC), now)
    assert not is_due(now - timedelta(days=1), now)


def test_the_quarter_is_the_one_of_nows_own_time_zone():
    shanghai = timezone(timedelta(hours=8))
    now = datetime(2025, 4, 1, 2, 0, tzinfo=shanghai)        # still March 31 in UTC
    assessed = datetime(2025, 3, 31, 17, 0, tzinfo=UTC)        # April 1, 01:00 in Shanghai
    assert not is_due(assessed, now)


def _asdict(f: Facts) -> dict:
    return {name: getattr(f, name) for name in Facts.__slots__}
