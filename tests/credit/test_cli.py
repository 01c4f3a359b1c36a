"""``suyuan credit scorecard|grades|show|regrade`` as a regulator runs them, on the API's data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.credit.conftest import Credit
from trace_api.credit import cli as credit_cli
from trace_api.paperwork import cli as paperwork_cli

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def runner(credit: Credit, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner for ``suyuan credit`` over the test's data directory and database."""
    settings = credit.api.services.settings
    monkeypatch.setattr(credit_cli, "settings", lambda: settings)
    monkeypatch.setattr(paperwork_cli, "settings", lambda: settings)
    return CliRunner()


def test_regulator_regrades_lists_and_explains(credit: Credit, runner: CliRunner) -> None:
    credit.org("songhelou")
    credit.org("clean-shop", "retailer")
    _, detected = credit.incident("songhelou")
    for _ in range(3):
        credit.incident("songhelou")

    regraded = runner.invoke(credit_cli.credit_app, ["regrade"])
    assert regraded.exit_code == 0, regraded.output
    assert "regraded 1 organisation(s); grade changed: songhelou" in regraded.output

    listed = runner.invoke(credit_cli.credit_app, ["grades"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.split()[:3] == ["B", "76", "songhelou"]
    as_json = json.loads(runner.invoke(credit_cli.credit_app, ["grades", "--grade", "A", "--json"]).output)
    assert as_json == {"grades": []}

    shown = runner.invoke(credit_cli.credit_app, ["show", "songhelou"])
    assert shown.exit_code == 0, shown.output
    assert "grade B, score 76" in shown.output
    assert "kitchen     -24 of 25  open ×4" in shown.output
    assert detected in shown.output
    explained = json.loads(runner.invoke(credit_cli.credit_app, ["show", "songhelou", "--json"]).output)
    base = explained["explanation"]["base"]
    assert base + sum(f["points"] for f in explained["explanation"]["factors"]) == explained["score"] == 76

    ungraded = runner.invoke(credit_cli.credit_app, ["show", "clean-shop"])
    assert "not graded yet" in ungraded.output

    assert "no inspection plan drawn yet" in runner.invoke(credit_cli.credit_app, ["plans"]).output
    credit.inspectors("王强 31001", "李娜 31002")
    body = {"period": "2026-04", "seed": "ab" * 8}
    assert credit.api.as_org("samr", "POST", "/v1/credit/plans", json=body).status_code == 201
    plans = runner.invoke(credit_cli.credit_app, ["plans"])
    assert plans.exit_code == 0, plans.output
    assert "2026-04  PLAN-2026-04-" in plans.output
    assert "    B  songhelou  李娜 31002、王强 31001" in plans.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grades", "--grade", "E"], "--grade must be one of A, B, C, D"),
        (["grades", "--as", "clean-shop"], "only a market regulator lists credit grades"),
        (["show", "nobody"], "no organisation nobody with a credit grade"),
        (["scorecard", "--file", "missing.toml"], "missing.toml"),
    ],
)
def test_bad_input_is_a_one_line_error(
    credit: Credit, runner: CliRunner, args: list[str], message: str
) -> None:
    credit.org("clean-shop", "retailer")
    result = runner.invoke(credit_cli.credit_app, args)
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_scorecard_shown_and_a_file_checked(runner: CliRunner, tmp_path: Path) -> None:
    shown = runner.invoke(credit_cli.credit_app, ["scorecard"])
    assert shown.exit_code == 0, shown.output
    assert "version 2026.3, base 100; A ≥ 90, B ≥ 75, C ≥ 60; below: D" in shown.output
    assert "permits:" in shown.output
    assert "revoked −40" in shown.output
    broken = tmp_path / "card.toml"
    broken.write_text('version = "x"\n', encoding="utf-8")
    checked = runner.invoke(credit_cli.credit_app, ["scorecard", "--file", str(broken)])
    assert checked.exit_code == 1
    assert "card.toml: title: Field required" in checked.output
