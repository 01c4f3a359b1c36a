"""``suyuan db copy-to-postgres``: an embedded installation's SQLite database copied into the real
PostgreSQL, proven row for row and by the ledger's audit, and served from there unchanged."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, func, select

from evidence import Ledger, make_engine, open_ledger
from suyuan.dbcopy import CopyError, copy_database
from tests._cli import run_suyuan
from tests.api.conftest import Api, batch_payload, make_uscc, serve_api
from tests.api.test_scans import BATCH, _scan
from tests.conftest import Network
from trace_api.app import create_app
from trace_api.batches.models import Batch
from trace_api.migrate import upgrade
from trace_api.services import Services
from trace_api.settings import ServiceSettings


def _nothing(_table: str, _done: int, _total: int) -> None:
    return None


@pytest.fixture
def installed(tmp_path: Path, network: Network, mqtt_url: str) -> Iterator[Api]:
    """An embedded installation on SQLite with lots, custody, a recall and a signed checkpoint."""
    url = f"sqlite:///{tmp_path / 'data' / 'suyuan.db'}"
    with serve_api(tmp_path, network.client, network.regulator, url, mqtt_url) as api:
        api.add_org("haixian", "importer")
        api.add_org("partner", "wholesaler")
        admitted = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))
        assert admitted.status_code == 201, admitted.text
        shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="partner")
        received = _scan(api, "partner", action="receive", batch_id=BATCH)
        recall = api.as_org(
            "samr", "POST", "/v1/recalls", json={"batch_id": BATCH, "reason": "Listeria", "recall_class": "I"}
        )
        assert (shipped.status_code, received.status_code, recall.status_code) == (201, 201, 201)
        api.mined()
        assert api.services.ledger.checkpoint() is not None
        yield api


def _counts(engine_url: str) -> dict[str, int]:
    from sqlalchemy import MetaData

    engine = make_engine(engine_url)
    try:
        metadata = MetaData()
        with engine.connect() as conn:
            metadata.reflect(conn)
            return {
                t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
                for t in metadata.sorted_tables
                if "alembic_version" not in t.name
            }
    finally:
        engine.dispose()


def test_the_copy_holds_every_row_passes_the_audit_and_serves_the_same_answers(
    installed: Api, postgres_url: str
) -> None:
    source = installed.services.ledger
    lot_before = installed.as_org("haixian", "GET", f"/v1/batches/{BATCH}").json()
    trace_before = installed.as_org("samr", "GET", f"/v1/batches/{BATCH}/trace").json()
    seen: list[str] = []

    report = copy_database(source, postgres_url, lambda table, _done, _total: seen.append(table))

    assert report.tables == _counts(source.engine.url.render_as_string(hide_password=False))
    assert report.tables == _counts(postgres_url)
    assert report.tables["ledger_records"] == source.size()
    assert report.records == source.size()
    assert report.root == source.root(source.size()).hex()
    assert report.checkpoints_checked >= 1
    assert "ledger_records" in seen
    settings = ServiceSettings(data_dir=installed.services.settings.data_dir, database_url=postgres_url)
    copied = open_ledger(settings)
    services = Services(
        settings,
        copied.engine,
        copied,
        installed.services.chain,
        installed.services.keystore,
        installed.services.regulator_key,
    )
    try:
        with TestClient(create_app(services)) as client:
            headers = {"Authorization": f"Bearer {installed.keys['haixian']}"}
            assert client.get(f"/v1/batches/{BATCH}", headers=headers).json() == lot_before
            regulator = {"Authorization": f"Bearer {installed.keys['samr']}"}
            assert client.get(f"/v1/batches/{BATCH}/trace", headers=regulator).json() == trace_before
            # New rows take keys after the copied ones: the sequences went past them.
            added = client.post(
                "/v1/organisations",
                headers=regulator,
                json={
                    "handle": "newshop",
                    "name": "New Shop",
                    "org_type": "retailer",
                    "uscc": make_uscc(),
                    "jurisdiction": "Shanghai",
                },
            )
            assert added.status_code == 201, added.text
        with Session(copied.engine) as session:
            assert session.get(Batch, BATCH) is not None
    finally:
        copied.engine.dispose()


def test_a_target_holding_rows_is_refused_and_left_as_it_was(installed: Api, postgres_url: str) -> None:
    copy_database(installed.services.ledger, postgres_url, _nothing)
    before = _counts(postgres_url)

    with pytest.raises(CopyError, match="holds rows already"):
        copy_database(installed.services.ledger, postgres_url, _nothing)

    assert _counts(postgres_url) == before


def test_only_sqlite_is_copied_and_only_into_postgresql(
    installed: Api, postgres_url: str, tmp_path: Path
) -> None:
    with pytest.raises(CopyError, match="is not a PostgreSQL URL"):
        copy_database(installed.services.ledger, f"sqlite:///{tmp_path / 'other.db'}", _nothing)
    on_postgres = Ledger(make_engine(postgres_url), "test.suyuan.local/log", installed.services.ledger.signer)
    try:
        with pytest.raises(CopyError, match="not the embedded SQLite one"):
            copy_database(on_postgres, postgres_url, _nothing)
    finally:
        on_postgres.engine.dispose()


def test_the_command_copies_and_says_how_to_switch(installed: Api, postgres_url: str) -> None:
    env = {"SUYUAN_DATA_DIR": str(installed.services.settings.data_dir), "PATH": "/usr/bin:/bin"}

    copied = run_suyuan(env, "db", "copy-to-postgres", "--to", postgres_url, "--json")
    again = run_suyuan(env, "db", "copy-to-postgres", "--to", postgres_url)

    assert copied.returncode == 0, copied.stderr
    summary = json.loads(copied.stdout)
    assert summary["audit"]["passed"] is True
    assert summary["audit"]["records"] == installed.services.ledger.size()
    assert summary["rows"] == sum(summary["tables"].values())
    assert again.returncode == 1
    assert "holds rows already" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


def test_a_source_that_fails_its_audit_is_not_copied(installed: Api, postgres_url: str) -> None:
    env = {"SUYUAN_DATA_DIR": str(installed.services.settings.data_dir), "PATH": "/usr/bin:/bin"}
    with sqlite3.connect(
        installed.services.settings.data_dir / "suyuan.db"
    ) as db:  # a record altered on disk
        db.execute(
            "UPDATE ledger_records SET body = "
            "CAST(REPLACE(CAST(body AS TEXT), 'Listeria', 'listeria') AS BLOB) WHERE kind = 'recall.issued'"
        )
        assert db.total_changes == 1

    refused = run_suyuan(env, "db", "copy-to-postgres", "--to", postgres_url)

    assert refused.returncode == 1
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "the source ledger fails its audit at step 'records'" in refused.stderr
    assert "nothing was copied" in refused.stderr
    assert set(_counts(postgres_url).values()) == {0}


def test_a_copy_whose_rows_differ_commits_nothing_and_can_be_tried_again(
    installed: Api, postgres_url: str
) -> None:
    # A target that does not keep what it is given: a trigger alters each organisation's name.
    migrated = make_engine(postgres_url)
    upgrade(migrated)
    with migrated.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION shout() RETURNS trigger AS $$ BEGIN NEW.name := upper(NEW.name); "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text("CREATE TRIGGER shout BEFORE INSERT ON organisations FOR EACH ROW EXECUTE FUNCTION shout()")
        )

    with pytest.raises(CopyError, match="table organisations differs after the copy: nothing was committed"):
        copy_database(installed.services.ledger, postgres_url, _nothing)
    left = _counts(postgres_url)
    with migrated.begin() as conn:
        conn.execute(text("DROP TRIGGER shout ON organisations"))
    migrated.dispose()
    report = copy_database(installed.services.ledger, postgres_url, _nothing)

    assert set(left.values()) == {0}  # not even the ledger's origin, written before the copy began
    assert report.records == installed.services.ledger.size()
