"""``suyuan equipment list|show|due`` over the test's database: what a regulator or a unit sees,
soonest due first, and one-line errors."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from suyuan.cli import app as suyuan_app
from tests.api.conftest import Api
from tests.equipment._registry import MAINTAINER, OTHER_MAINTAINER, code, maintain, register, setup_registry
from trace_api.equipment import cli as equipment_cli

#: The commands read the database as the API does: SQLite is enough here (the API tests cover PostgreSQL).
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def cli(api: Api, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Three elevators: maintained yesterday, 13 days ago (due soon), 20 days ago (overdue); the
    last one maintained by another unit."""
    setup_registry(api)
    now = dt.datetime.now(dt.UTC)
    for n, days in ((1, 1), (2, 13), (3, 20)):
        register(api, n, **({"maintainer": OTHER_MAINTAINER} if n == 3 else {}))
        handle = OTHER_MAINTAINER if n == 3 else MAINTAINER
        maintain(api, n, handle, performed_at=(now - dt.timedelta(days=days)).isoformat())

    @contextmanager
    def read_session(_config: object) -> Iterator[Session]:
        with Session(api.services.engine) as session:
            yield session

    monkeypatch.setattr(equipment_cli, "read_session", read_session)
    monkeypatch.setattr(equipment_cli, "settings", lambda: api.services.settings)
    return CliRunner()


@SQLITE
def test_list_shows_every_elevator_to_a_regulator_and_its_own_to_a_unit(cli: CliRunner) -> None:
    every = cli.invoke(equipment_cli.equipment_app, ["list"])
    own = cli.invoke(equipment_cli.equipment_app, ["list", "--as", MAINTAINER, "--json"])
    overdue = cli.invoke(equipment_cli.equipment_app, ["list", "--status", "overdue"])

    assert every.exit_code == 0, every.output
    assert [line.split()[:2] for line in every.output.splitlines()] == [
        [code(1), "normal"],
        [code(2), "due_soon"],
        [code(3), "overdue"],
    ]
    assert [e["code"] for e in json.loads(own.output)] == [code(1), code(2)]
    assert overdue.output.split()[0] == code(3)


@SQLITE
def test_due_lists_the_overdue_and_those_due_soon_soonest_first(cli: CliRunner) -> None:
    soon = cli.invoke(equipment_cli.equipment_app, ["due"])
    week = cli.invoke(equipment_cli.equipment_app, ["due", "--within", "14"])
    none = cli.invoke(equipment_cli.equipment_app, ["due", "--within", "0", "--maintainer", MAINTAINER])

    assert [line.split()[0] for line in soon.output.splitlines()] == [code(3), code(2)]
    assert [line.split()[0] for line in week.output.splitlines()] == [code(3), code(2), code(1)]
    assert none.output.strip() == "no elevator falls due within 0 days"


@SQLITE
def test_show_gives_one_elevator_and_errors_take_one_line(cli: CliRunner) -> None:
    shown = cli.invoke(equipment_cli.equipment_app, ["show", code(3)])
    hidden = cli.invoke(equipment_cli.equipment_app, ["show", code(3), "--as", MAINTAINER])
    unknown = cli.invoke(equipment_cli.equipment_app, ["list", "--as", "nobody"])
    bad = cli.invoke(equipment_cli.equipment_app, ["list", "--status", "broken"])

    assert shown.exit_code == 0, shown.output
    assert re.search(r"status:\s+overdue\n", shown.output)
    assert re.search(r"open alerts:\s+maintenance_overdue\n", shown.output)
    assert "by 李师傅: 4 items" in shown.output
    assert (hidden.exit_code, len(hidden.output.strip().splitlines())) == (1, 1)
    assert f"no elevator {code(3)!r} that {MAINTAINER} may see" in hidden.output
    assert (unknown.exit_code, unknown.output.strip()) == (1, "error: no organisation with handle 'nobody'")
    assert bad.exit_code == 1
    assert "invalid --status 'broken'" in bad.output


def test_suyuan_has_the_equipment_commands() -> None:
    result = CliRunner().invoke(suyuan_app, ["equipment", "--help"])
    assert result.exit_code == 0
    for command in ("list", "show", "due"):
        assert command in result.output


@SQLITE
def test_a_bad_rules_setting_is_named_in_one_line(cli: CliRunner) -> None:
    result = cli.invoke(
        equipment_cli.equipment_app, ["due"], env={"SUYUAN_EQUIPMENT_MAINTENANCE_EVERY_DAYS": "0"}
    )

    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert (
        line
        == "error: invalid setting SUYUAN_EQUIPMENT_MAINTENANCE_EVERY_DAYS: "
        + "Input should be greater than or equal to 1"
    )
