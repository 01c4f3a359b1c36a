"""``suyuan up --demo``'s filings, seeded through the API as the demo seeds them: five filings at
different steps, a certificate that checks, and a second run that changes nothing."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from suyuan.demo.filings import DEMO_FILE, seed_filings
from tests.api.conftest import Api
from tests.api.test_resolver import anchor
from tests.conftest import Network

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_demo_seeds_filings_at_every_step_once(api: Api, network: Network) -> None:
    info = seed_filings(api.services, api.client, api.regulator_key)

    statuses = {}
    for filing in info["filings"]:
        seen = api.client.get(
            f"/v1/filings/{filing['acceptance_number']}", headers={"X-Query-Code": filing["query_code"]}
        )
        assert seen.status_code == 200, seen.text
        statuses[filing["business_name"]] = seen.json()["status"]
    assert statuses == {
        "老王面馆": "submitted",
        "张记豆腐坊": "more_requested",
        "李家便利店": "approved",
        "赵记煎饼摊": "refused",
        "陈记馄饨": "accepted",
    }
    shop = info["filings"][2]["acceptance_number"]
    inspections = api.as_org("samr", "GET", f"/v1/filings/{shop}/inspections").json()["inspections"]
    assert [i["result"] for i in inspections] == ["pass"]
    anchor(api, network)
    check = api.client.get(urlsplit(info["certificate_check_url"]).path + "?format=json").json()
    assert (check["standing"], check["certificate"]["business_name"]) == ("valid", "李家便利店")

    size = api.services.ledger.size()
    assert seed_filings(api.services, api.client, api.regulator_key) == info
    assert api.services.ledger.size() == size
    assert json.loads((api.services.settings.data_dir / DEMO_FILE).read_text()) == info
