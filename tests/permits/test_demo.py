"""``suyuan up --demo``'s permits, seeded through the API as the demo seeds them: one awaiting
acceptance, one in force, one suspended, one revoked; and a second run that changes nothing."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from suyuan.demo.permits import DEMO_FILE, seed_permits
from tests.api.conftest import Api

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_demo_seeds_permits_in_every_state_once(api: Api) -> None:
    info = seed_permits(api.services, api.client, api.regulator_key)

    seen = {}
    for permit in info["permits"]:
        answer = api.client.get(
            f"/v1/permits/{permit['application_number']}", headers={"X-Query-Code": permit["query_code"]}
        )
        assert answer.status_code == 200, answer.text
        checked = (
            api.client.get(urlsplit(permit["check_url"]).path + "?format=json").json()["status"]
            if permit["check_url"]
            else None
        )
        seen[permit["business_name"]] = (answer.json()["status"], checked)
    assert seen == {
        "上海德兴馆餐饮有限公司": ("submitted", None),
        "上海第一食品商店有限公司": ("approved", "valid"),
        "上海小杨生煎餐饮管理有限公司": ("approved", "suspended"),
        "上海市徐汇区某中学食堂": ("approved", "revoked"),
    }
    size = api.services.ledger.size()
    assert seed_permits(api.services, api.client, api.regulator_key) == info
    assert api.services.ledger.size() == size
    assert json.loads((api.services.settings.data_dir / DEMO_FILE).read_text()) == info
