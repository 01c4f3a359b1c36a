"""Self-inspection's on-site inspection tasks (数据质量 flags) done by an inspector: the open tasks
of the jurisdiction listed for them, an inspection naming the task it answers recording the task
done (``selfcheck.inspection_task_done``) and closing its alert, and a task named wrongly refused
with problem+json naming ``task``."""

from __future__ import annotations

from typing import Any

from tests.enforcement.conftest import Enforcement, findings
from tests.enforcement.conftest import enforcement as enforcement  # a fixture
from tests.selfcheck.conftest import Selfcheck
from tests.selfcheck.conftest import selfcheck as selfcheck  # a fixture


def _tasks(enforcement: Enforcement, handle: str, status: str = "open") -> Any:
    return enforcement.api.as_org(handle, "GET", "/v1/enforcement/tasks", params={"status": status})


def _flag_alerts(enforcement: Enforcement, status: str) -> list[dict[str, Any]]:
    params = {"rule": "selfcheck_flag", "status": status}
    return list(enforcement.api.as_org("samr", "GET", "/v1/alerts", params=params).json()["alerts"])


def test_inspection_naming_a_task_does_it_and_closes_its_alert(
    enforcement: Enforcement, selfcheck: Selfcheck
) -> None:
    api = enforcement.api
    api.add_org("laozhengxing", "restaurant")
    api.add_org("xinghualou", "restaurant")
    campaign = selfcheck.campaign(selfcheck.checklist()["id"])["id"]
    selfcheck.submitted("laozhengxing", campaign)
    hurried = selfcheck.submitted("xinghualou", campaign, seconds=5)
    enforcement.inspector("wang")

    listed = _tasks(enforcement, "wang")
    assert listed.status_code == 200, listed.text
    [task] = listed.json()["tasks"]
    assert (task["org"], task["reason"], task["submission_id"]) == ("xinghualou", "too_fast", hurried["id"])
    assert (task["inspection_id"], task["done_at"]) == (None, None)
    assert _tasks(enforcement, "xinghualou").status_code == 403  # not announced to the firm
    [alert] = _flag_alerts(enforcement, "open")
    assert alert["subject_id"] == task["id"]

    def refused(party: str, task_id: str) -> dict[str, Any]:
        answer = enforcement.record("wang", party, task=task_id)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        return dict(answer.json())

    assert refused("laozhengxing", task["id"])["errors"] == [
        {"field": "task", "reason": f"task {task['id']} is not about laozhengxing"}
    ]
    assert refused("xinghualou", "0" * 32)["errors"][0]["field"] == "task"
    assert refused("xinghualou", "not-a-task")["errors"][0]["field"] == "inspection.task"

    client_id = "task-inspection-1"
    body = findings({"C5": "冷藏柜温度 10 °C，与自查所报不符"})
    done = enforcement.recorded("wang", "xinghualou", task=task["id"], client_id=client_id, findings=body)
    record = api.services.ledger.get(done["record_id"]).record()
    assert record.payload["task"] == task["id"]

    assert _tasks(enforcement, "wang").json()["tasks"] == []
    [closed] = _tasks(enforcement, "samr", "done").json()["tasks"]
    assert (closed["id"], closed["inspection_id"]) == (task["id"], done["id"])
    finished = api.services.ledger.get(closed["done_record_id"]).record()
    assert finished.kind == "selfcheck.inspection_task_done"
    assert finished.payload["inspection_id"] == done["id"]
    assert finished.payload["inspection_record_id"] == done["record_id"]
    assert finished.payload["failed_items"] == 1
    assert _flag_alerts(enforcement, "open") == []
    [gone] = _flag_alerts(enforcement, "closed")
    assert gone["id"] == alert["id"]

    size = api.services.ledger.size()
    again = enforcement.record("wang", "xinghualou", task=task["id"], client_id=client_id, findings=body)
    assert (again.status_code, again.json()["id"]) == (200, done["id"])  # the phone's queue sent it twice
    assert api.services.ledger.size() == size
    twice = enforcement.record("wang", "xinghualou", task=task["id"])
    assert twice.status_code == 409, twice.text
    assert twice.json()["errors"] == [
        {"field": "task", "reason": f"task {task['id']} was done by inspection {done['id']}"}
    ]
