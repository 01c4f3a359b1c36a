"""The scorecard as data: checked against the factors the code defines, replaced by a deployment's
own, and a new version regrading everyone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.credit.conftest import Credit
from trace_api.credit import ScorecardError, load_scorecard, parse_scorecard
from trace_api.credit.scorecard import default_scorecard_text

#: The tests over the API run on SQLite only: the grader's SQL runs on both in test_grading.
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


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
    own.write_text(_card('version = "2026.3"', 'version = "sh-2026.3"'), encoding="utf-8")
    monkeypatch.setenv("SUYUAN_CREDIT_SCORECARD", str(own))
    assert load_scorecard().version == "sh-2026.3"
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
        _card("open = 6 ", "open = 20 ", _card('version = "2026.3"', 'version = "2026.4"'))
    )
    done = credit.regrade(stricter)

    assert done.changed == ["strict-test"]
    assert done.records_read >= 1
    latest = credit.graded_records("strict-test")[-1]
    assert (latest["grade"], latest["score"], latest["scorecard_version"]) == ("B", 80, "2026.4")
    assert credit.regrade(stricter).records_read == 0
