"""``suyuan selfcheck campaigns|completion|tasks|rectifications|close-periods`` as a regulator runs them, in
process on the API's data; bad options are one line and a non-zero exit."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from suyuan.cli import app as suyuan_app
from tests.api.conftest import Api
from tests.selfcheck.conftest import DAY, Selfcheck
from trace_api.paperwork import cli as paperwork_cli
from trace_api.selfcheck import cli as selfcheck_cli

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_regulator_reads_campaigns_completion_tasks_and_rectifications(
    api: Api, selfcheck: Selfcheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paperwork_cli, "settings", lambda: api.services.settings)
    api.add_org("laozhengxing", "restaurant")
    api.add_org("xinghualou", "restaurant")
    campaign = selfcheck.campaign(selfcheck.checklist()["id"], title="三月日常自查")["id"]
    failing = selfcheck.answers("laozhengxing", failing=("staff_health",))
    [rectification] = selfcheck.submitted("laozhengxing", campaign, answers=failing)["rectifications"]
    selfcheck.clock.now += DAY
    selfcheck.submitted("laozhengxing", campaign, seconds=3)
    cli = CliRunner()

    def run(*args: str) -> str:
        result = cli.invoke(suyuan_app, ["selfcheck", *args])
        assert result.exit_code == 0, result.output
        return str(result.output)

    assert campaign in run("campaigns")
    assert "三月日常自查" in run("campaigns")
    report = json.loads(run("completion", "--start", "2026-03-02", "--end", "2026-03-03", "--json"))
    assert [(f["org"], f["due"], f["submitted"]) for f in report["firms"]] == [
        ("laozhengxing", 2, 2),
        ("xinghualou", 2, 0),
    ]
    text = run("completion", "--start", "2026-03-02", "--end", "2026-03-03")
    assert "area Shanghai" in text
    assert "2/4  50.0%" in text
    assert "too_fast" in run("tasks")
    assert (
        json.loads(run("rectifications", "--status", "open", "--json"))["rectifications"][0]["id"]
        == rectification
    )
    assert run("rectifications", "--status", "accepted").strip() == "no rectification"

    monkeypatch.setattr(selfcheck_cli, "settings", lambda: api.services.settings)
    closed = run("close-periods").splitlines()  # at the real clock: the March campaign has ended
    assert len(closed) == 30  # 2 to 31 March
    assert closed[:2] == [
        f"{campaign}  2026-03-02  missed: xinghualou",
        f"{campaign}  2026-03-03  missed: xinghualou",
    ]
    assert closed[2] == f"{campaign}  2026-03-04  missed: laozhengxing, xinghualou"
    assert run("close-periods").strip() == "no period to close"

    for args, message in (
        (["completion", "--start", "March"], "--start must be a date, YYYY-MM-DD (got 'March')"),
        (["completion", "--start", "2026-03-05", "--end", "2026-03-01"], "end: is before start"),
        (["tasks", "--as", "laozhengxing"], "only market regulators see on-site inspection tasks"),
    ):
        result = cli.invoke(suyuan_app, ["selfcheck", *args])
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert result.output.strip().count("\n") == 0, result.output
