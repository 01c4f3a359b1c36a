"""Audits of the whole log over the API: started in the background, one at a time across
replicas, progress then result and report; a stalled one closed as interrupted; regulators only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from evidence import insert_audit, write_transaction
from tests.api.conftest import Api, batch_payload
from tests.api.test_resolver import anchor
from tests.conftest import Network


def finished(api: Api, audit_id: str) -> dict[str, Any]:
    """The audit once its thread has ended."""
    job = api.services.jobs.get(audit_id)
    if job is not None:  # gone: it ended already
        assert job.done.wait(120), f"audit {audit_id} did not end"
    response = api.as_org("samr", "GET", f"/v1/audits/{audit_id}")
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def start(api: Api, expected: int = 202) -> dict[str, Any]:
    response = api.as_org("samr", "POST", "/v1/audits")
    assert response.status_code == expected, response.text
    answer: dict[str, Any] = response.json()
    return answer


def another_replica_runs_one(api: Api, heartbeat_age: dt.timedelta = dt.timedelta(0)) -> str:
    """An audit row as another process running an audit leaves it (its heartbeat ``heartbeat_age`` old)."""
    api.mined()  # the chain worker is idle: this writes behind the API's back
    ledger = api.services.ledger
    with write_transaction(api.services.engine, ledger.lock_name) as conn:
        insert_audit(conn, "a" * 32, "other-replica", ledger.size(), dt.datetime.now(dt.UTC) - heartbeat_age)
    return "a" * 32


@pytest.fixture
def logged(api: Api, network: Network) -> Api:
    """Two lots admitted and the log anchored on chain."""
    api.add_org("haixian", "importer")
    for lot in ("L2026-001", "L2026-002"):
        response = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot=lot))
        assert response.status_code == 201, response.text
    anchor(api, network)
    return api


def test_audit_runs_in_the_background_to_a_passed_result_and_a_report(logged: Api) -> None:
    size = logged.services.ledger.size()

    started = logged.as_org("samr", "POST", "/v1/audits")
    audit_id = started.json()["id"]
    done = finished(logged, audit_id)
    report = logged.as_org("samr", "GET", f"/v1/audits/{audit_id}/report")
    overview = logged.as_org("samr", "GET", "/v1/overview").json()

    assert started.status_code == 202, started.text
    assert started.headers["location"] == f"/v1/audits/{audit_id}"
    assert (started.json()["started_by"], started.json()["records_total"]) == ("samr", size)
    assert (done["status"], done["result"], done["failure"]) == ("finished", "passed", None)
    assert done["records_checked"] == done["records_total"] >= size
    assert (done["percent"], done["checkpoints_checked"], done["anchors_checked"]) == (100.0, 1, 1)
    assert done["report_url"] == f"/v1/audits/{audit_id}/report"
    assert report.status_code == 200, report.text
    assert report.headers["content-disposition"] == f'attachment; filename="suyuan-audit-{audit_id}.json"'
    assert (report.json()["result"], report.json()["root"]) == ("passed", done["root"])
    assert report.json()["log"]["origin"] == logged.services.ledger.origin
    assert overview["ledger"]["last_audit"] == {"id": audit_id, "result": "passed", "at": done["finished_at"]}
    kinds = [r.kind for r in logged.services.ledger.about("audit", audit_id)]
    assert kinds == ["audit.started", "audit.finished"]


def test_audit_of_a_tampered_log_fails_naming_the_leaf(logged: Api) -> None:
    logged.mined()
    with logged.services.engine.begin() as conn:
        # The second lot's admission, after the admissions of samr and haixian and the first lot's.
        body = conn.execute(text("SELECT body FROM ledger_records WHERE idx = 3")).scalar_one()
        forged = bytes(body).replace(b'"quantity":1200', b'"quantity":9200')
        conn.execute(text("UPDATE ledger_records SET body = :b WHERE idx = 3"), {"b": forged})

    done = finished(logged, start(logged)["id"])

    assert (done["result"], done["failure"]["step"], done["failure"]["index"]) == ("failed", "records", 3)
    assert logged.as_org("samr", "GET", "/v1/overview").json()["ledger"]["last_audit"]["result"] == "failed"


def test_second_audit_is_refused_while_one_runs_in_another_replica(logged: Api) -> None:
    running = another_replica_runs_one(logged)

    refused = logged.as_org("samr", "POST", "/v1/audits")
    progress = logged.as_org("samr", "GET", f"/v1/audits/{running}")
    no_report = logged.as_org("samr", "GET", f"/v1/audits/{running}/report")

    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["audit_id"] == running
    assert (progress.json()["status"], progress.json()["result"]) == ("running", None)
    assert no_report.status_code == 409


def test_audit_whose_process_stopped_is_closed_as_interrupted_and_another_may_start(logged: Api) -> None:
    stalled = another_replica_runs_one(logged, heartbeat_age=dt.timedelta(minutes=5))

    seen = logged.as_org("samr", "GET", f"/v1/audits/{stalled}").json()
    new = start(logged)

    assert (seen["status"], seen["result"]) == ("finished", "interrupted")
    assert "no heartbeat" in seen["detail"]
    assert finished(logged, new["id"])["result"] == "passed"
    kinds = [r.kind for r in logged.services.ledger.about("audit", stalled)]
    assert kinds == ["audit.finished"]


def test_audits_are_listed_newest_first_page_by_page(logged: Api) -> None:
    ids = [finished(logged, start(logged)["id"])["id"] for _ in range(3)]

    first = logged.as_org("samr", "GET", "/v1/audits", params={"limit": 2}).json()
    second = logged.as_org(
        "samr", "GET", "/v1/audits", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()

    assert [a["id"] for a in first["audits"] + second["audits"]] == ids[::-1]
    assert second["next_cursor"] is None


def test_audits_are_for_regulators_only(logged: Api) -> None:
    audit_id = finished(logged, start(logged)["id"])["id"]

    for method, url in (
        ("POST", "/v1/audits"),
        ("GET", "/v1/audits"),
        ("GET", f"/v1/audits/{audit_id}"),
        ("GET", f"/v1/audits/{audit_id}/report"),
    ):
        assert logged.as_org("haixian", method, url).status_code == 403, url
        assert logged.client.request(method, url).status_code == 401, url
    assert logged.as_org("samr", "GET", "/v1/audits/nothing").status_code == 404
