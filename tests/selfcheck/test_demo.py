"""``suyuan up --demo``'s self-inspection, seeded through the API as the demo seeds it: a catering
campaign from today, three restaurants' submissions, one failing item under rectification awaiting
review and one reused photo flagged; a second run changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from suyuan.demo.selfcheck import DEMO_FILE, seed_selfcheck
from tests.api.conftest import Api

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_demo_seeds_a_campaign_a_rectification_and_a_flag_once(api: Api) -> None:
    info = seed_selfcheck(api.services, api.client, api.regulator_key)

    def get(path: str, **params: str) -> Any:
        answer = api.as_org("samr", "GET", f"/v1/selfcheck{path}", params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    campaign = get(f"/campaigns/{info['campaign']}")
    assert sorted(s["org"] for s in campaign["submissions"]) == [
        "demo-laozhengxing",
        "demo-wangjiasha",
        "demo-xinghualou",
    ]
    [waiting] = get("/rectifications", status="submitted")["rectifications"]
    assert (waiting["id"], waiting["org"], waiting["item"]) == (
        info["rectification_awaiting_review"],
        "demo-xinghualou",
        "cold_storage",
    )
    [task] = get("/inspection-tasks")["tasks"]
    assert (task["org"], task["reason"]) == ("demo-wangjiasha", "photo_reused")

    size = api.services.ledger.size()
    assert seed_selfcheck(api.services, api.client, api.regulator_key) == info
    assert api.services.ledger.size() == size
    assert json.loads((api.services.settings.data_dir / DEMO_FILE).read_text()) == info
