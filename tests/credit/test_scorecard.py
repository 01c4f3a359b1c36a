"""The scorecard as data: checked against the factors the code defines, replaced by a deployment's
own, a new version regrading everyone, and a factor added by the kinds it reads alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evidence import Actor, Record, Subject, rfc3339, write_transaction
from tests.credit.conftest import Credit, assert_explained
from trace_api.credit import ScorecardError, load_scorecard, parse_scorecard
from trace_api.credit import factors as factor_registry
from trace_api.credit.scorecard import default_scorecard_text

#: The tests over the API run on SQLite only: the grader's SQL runs on both in test_grading.
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

INSPECTION_TERMS = """
[factors.inspection]
label = "监督检查发现问题 (inspection findings)"
weight = 30
window_days = 365
[factors.inspection.points]
serious = 20
minor = 5
"""


def _card(old: str, new: str, text: str | None = None) -> str:
    text = text if text is not None else default_scorecard_text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            default_scorecard_text().replace("factors.kitchen", "factors.kitchens"),
            "factors.kitchens: no such factor",
        ),
        (_card("rectified = 2", "fixed = 2"), "'fixed' is not an outcome of kitchen"),
        (_card("B = 75", "B = 95"), "base >= A > B > C must hold"),
        (
            _card("weight = 25", "weight = -1"),
            "factors.kitchen.weight: Input should be greater than or equal to 0",
        ),
        (_card('revoked = "D"', 'revoked = "E"'), "factors.permits.caps.revoked"),
        ("version = ", "not TOML"),
    ],
)
def test_scorecard_refused_with_where_and_why(text: str, message: str) -> None:
    with pytest.raises(ScorecardError, match=r"^card\.toml: ") as refused:
        parse_scorecard(text, "card.toml")
    assert message in str(refused.value)
    assert "Value error" not in str(refused.value)


def test_deployment_names_its_own_scorecard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "scorecard.toml"
    own.write_text(_card('version = "2026.1"', 'version = "sh-2026.2"'), encoding="utf-8")
    monkeypatch.setenv("SUYUAN_CREDIT_SCORECARD", str(own))
    assert load_scorecard().version == "sh-2026.2"
    monkeypatch.setenv("SUYUAN_CREDIT_SCORECARD", str(tmp_path / "missing.toml"))
    with pytest.raises(ScorecardError, match=r"missing\.toml"):
        load_scorecard()


@ON_SQLITE
def test_new_scorecard_version_regrades_everyone(credit: Credit) -> None:
    credit.org("strict-test")
    credit.incident("strict-test")
    credit.regrade()
    assert credit.graded_records("strict-test")[-1]["grade"] == "A"

    stricter = parse_scorecard(
        _card("open = 6 ", "open = 20 ", _card('version = "2026.1"', 'version = "2026.2"'))
    )
    done = credit.regrade(stricter)

    assert done.changed == ["strict-test"]
    assert done.records_read >= 1
    latest = credit.graded_records("strict-test")[-1]
    assert (latest["grade"], latest["score"], latest["scorecard_version"]) == ("B", 80, "2026.2")
    assert credit.regrade(stricter).records_read == 0


@pytest.fixture
def inspection_factor(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The registry as it is once a domain lists its module of factors."""
    modules = (*factor_registry.FACTOR_MODULES, "tests.credit._inspection_factor")
    monkeypatch.setattr(factor_registry, "FACTOR_MODULES", modules)
    factor_registry.every_factor.cache_clear()
    yield
    monkeypatch.undo()
    factor_registry.every_factor.cache_clear()


@ON_SQLITE
@pytest.mark.usefixtures("inspection_factor")
def test_factor_added_by_the_kinds_it_reads(credit: Credit) -> None:
    card = parse_scorecard(_card('version = "2026.1"', 'version = "2026.1+inspection"') + INSPECTION_TERMS)
    credit.org("inspected")
    record = Record(
        kind="inspection.recorded",
        record_id="inspection:1",
        time=rfc3339(credit.clock.now),
        actor=Actor(org=credit.uscc("inspected"), key_id="test"),
        subjects=[Subject(type="org", id=credit.uscc("inspected"))],
        payload={
            "inspection_id": "JC-1",
            "inspected_uscc": credit.uscc("inspected"),
            "findings": [{"item": "从业人员健康证明", "severity": "serious"}],
        },
    )
    ledger = credit.api.services.ledger
    with write_transaction(ledger.engine, ledger.lock_name) as conn:
        ledger.append(record, conn=conn)

    credit.regrade(card)

    [graded] = credit.graded_records("inspected")
    inspection = next(f for f in graded["factors"] if f["factor"] == "inspection")
    assert (inspection["points"], inspection["record_ids"]) == (-20, ["inspection:1"])
    assert (graded["grade"], graded["score"]) == ("B", 80)
    assert_explained(graded, 80)
