"""``suyuan risk`` over the test's database: rules, validation, warnings, status and the workflow,
with one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.api.conftest import Api
from trace_api.risk import cli as risk_cli

from .conftest import excursion

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def cli(api: Api, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    @contextmanager
    def open_services(_config: object) -> Iterator[object]:
        yield api.services

    monkeypatch.setattr(risk_cli, "open_services", open_services)
    monkeypatch.setattr(risk_cli, "settings", lambda: api.services.settings)
    monkeypatch.setattr("trace_api.paperwork.cli.settings", lambda: api.services.settings)
    return CliRunner()


@SQLITE
def test_a_regulator_runs_the_engine_and_takes_a_warning_through_its_workflow(
    cli: CliRunner, api: Api
) -> None:
    api.add_org("coldstore", "importer")
    api.add_org("samr-pudong", "regulator")
    for day in (0, 1, 2):
        excursion(api, "coldstore", day)
    ran = cli.invoke(risk_cli.risk_app, ["run"])
    assert ran.exit_code == 0, ran.output
    assert ran.output.splitlines()[0] == "1 warning(s) raised"
    warning_id = ran.output.splitlines()[1].split()[0]
    listed = cli.invoke(risk_cli.risk_app, ["warnings", "--json"])
    assert [w["id"] for w in json.loads(listed.output)["warnings"]] == [warning_id]
    status = cli.invoke(risk_cli.risk_app, ["status", "--json"])
    assert json.loads(status.output)["behind"] == 0

    steps = [
        ["assign", warning_id, "--to", "samr-pudong", "--note", "核查"],
        ["handle", warning_id, "--note", "已整改", "--as", "samr-pudong"],
        ["close", warning_id, "--note", "办结"],
    ]
    for step in steps:
        done = cli.invoke(risk_cli.risk_app, step)
        assert done.exit_code == 0, done.output
    shown = json.loads(cli.invoke(risk_cli.risk_app, ["show", warning_id]).output)
    assert shown["status"] == "closed"
    assert [h["kind"] for h in shown["history"]][-1] == "risk.warning_closed"

    again = cli.invoke(risk_cli.risk_app, ["close", warning_id, "--note", "again"])
    assert again.exit_code != 0
    assert len(again.output.strip().splitlines()) == 1
    assert "closed" in again.output


@SQLITE
def test_rules_are_listed_and_a_bad_file_is_refused_in_one_line(cli: CliRunner, tmp_path: Path) -> None:
    listed = cli.invoke(risk_cli.risk_app, ["rules", "list"])
    assert listed.exit_code == 0, listed.output
    assert [line.split()[0] for line in listed.output.splitlines()[1:]][:2] == [
        "coldchain_excursions",
        "kitchen_violation_after_rectification",
    ]
    bad = tmp_path / "rules.toml"
    bad.write_text('version = "x"\n[[rule]]\nid = "Bad id"\n', encoding="utf-8")
    refused = cli.invoke(risk_cli.risk_app, ["rules", "validate", str(bad)])
    assert refused.exit_code != 0
    assert refused.output.strip().splitlines() == [refused.output.strip()]
    assert "rule[0].id" in refused.output
    bad_status = cli.invoke(risk_cli.risk_app, ["warnings", "--status", "pending"])
    assert bad_status.exit_code != 0
    assert "--status" in bad_status.output
