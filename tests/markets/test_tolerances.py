"""The short-weight rule's allowance (复称): JJF 1070-2005's negative tolerances by declared
quantity, and a table of one's own through ``SUYUAN_MARKET_SHORT_WEIGHT_TOLERANCES``."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from trace_api.markets.weighing import JJF_1070, MarketSettings, ToleranceBand, judge, tolerance_kg


@pytest.mark.parametrize(
    ("declared_kg", "allowed_g"),
    [
        (0.04, 3.6),  # 9 %
        (0.1, 4.5),  # 4.5 g
        (0.2, 9.0),  # 4.5 %
        (0.25, 9.0),  # 9 g
        (0.5, 15.0),  # 3 %
        (1.0, 15.0),  # 15 g
        (2.0, 30.0),  # 1.5 %
        (12.0, 150.0),  # 150 g
        (20.0, 200.0),  # 1 %
    ],
)
def test_jjf_1070_allows_the_shortfall_of_the_declared_quantitys_band(
    declared_kg: float, allowed_g: float
) -> None:
    assert tolerance_kg(declared_kg, JJF_1070) * 1000 == pytest.approx(allowed_g)


def test_a_weighing_is_short_only_beyond_the_allowance() -> None:
    assert not judge(1.0, 0.985, JJF_1070).short  # 15 g short: allowed
    assert judge(1.0, 0.984, JJF_1070).short  # 16 g short
    over = judge(1.0, 1.02, JJF_1070)
    assert (over.short, over.short_kg) == (False, -0.02)


def test_a_market_sets_its_own_table(monkeypatch: pytest.MonkeyPatch) -> None:
    table = '[{"up_to_kg": 1, "kg": 0.005}, {"up_to_kg": null, "percent": 0.5}]'
    monkeypatch.setenv("SUYUAN_MARKET_SHORT_WEIGHT_TOLERANCES", table)
    bands = MarketSettings().short_weight_tolerances
    assert bands == (ToleranceBand(up_to_kg=1, kg=0.005), ToleranceBand(up_to_kg=None, percent=0.5))
    assert judge(1.0, 0.994, bands).short
    assert not judge(4.0, 3.98, bands).short


@pytest.mark.parametrize(
    ("table", "why"),
    [
        ('[{"up_to_kg": 1, "kg": 0.005}]', "only the last band is unbounded"),
        (
            '[{"up_to_kg": 2, "kg": 0.005}, {"up_to_kg": 1, "kg": 0.01}, {"up_to_kg": null, "kg": 0.1}]',
            "bands rise",
        ),
        ('[{"up_to_kg": null, "kg": 0.005, "percent": 1}]', "either percent or kg"),
    ],
)
def test_a_wrong_table_is_refused_when_read(monkeypatch: pytest.MonkeyPatch, table: str, why: str) -> None:
    monkeypatch.setenv("SUYUAN_MARKET_SHORT_WEIGHT_TOLERANCES", table)
    with pytest.raises(ValidationError, match=why):
        MarketSettings()
