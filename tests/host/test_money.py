"""Money to the penny: largest-remainder shares and the configured entitlements."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from forms_processor.reports.money import distributable, entitlements, largest_remainder


def test_entitlements_of_the_example_cluster(app) -> None:
    config = app.config
    ents = entitlements(config)
    assert sum(ents.values()) == distributable(config) == Decimal("105000.00")
    e = config.entitlement
    weights = {s.name: e.w_ehcp * s.ehcp + e.w_support * s.sen_support for s in config.schools}
    total_w = sum(weights.values())
    for name, share in ents.items():
        exact = distributable(config) * weights[name] / total_w
        assert abs(share - exact) < Decimal("0.01")
    assert ents["Wensum High School"] == max(ents.values())


@given(
    st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False),
    st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=15),
)
def test_largest_remainder_adds_up_exactly(total: Decimal, weights: list[int]) -> None:
    named = {f"s{i}": Decimal(w) for i, w in enumerate(weights)}
    shares = largest_remainder(total, named)
    if sum(weights) == 0 or total == 0:
        assert set(shares.values()) == {Decimal("0.00")}
        return
    assert sum(shares.values()) == total
    for k, w in named.items():
        exact = total * w / sum(named.values())
        assert abs(shares[k] - exact) < Decimal("0.01")
        assert shares[k] >= 0


def test_zero_weight_school_gets_nothing() -> None:
    shares = largest_remainder(Decimal("100.00"), {"a": Decimal(1), "b": Decimal(0), "c": Decimal(2)})
    assert shares == {"a": Decimal("33.33"), "b": Decimal("0.00"), "c": Decimal("66.67")}
