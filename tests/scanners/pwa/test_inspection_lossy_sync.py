"""Inspections queued offline on the phone, synced through a lossy link: each recorded exactly once.

The inspector queues four inspections with a photo each while offline, then the network returns
through a link that loses inspection requests (the page and its assets pass): some are dropped
before the server sees them, some cut halfway, some lose their answer after the server committed.
The inspector presses "Sync now" until the queue is empty. The ledger must then hold each of the
four once, under the client_id fixed when it was queued, and the phone must show each recorded,
one of them answered as sent before.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from urllib.parse import urlsplit

from playwright.sync_api import Browser, expect

from tests.enforcement.conftest import png
from tests.scanners._lossy import LossyLink
from tests.scanners.pwa.conftest import Scanner, new_phone
from tests.scanners.pwa.inspecting import (
    fill_inspection,
    inspector_with_parties,
    recorded_inspections,
    wait_for_sync,
)

PARTIES = ("mianguan", "jiaozi", "chuanchai", "tangbao")
#: The first inspection requests' fates: every kind of loss, each more than once.
SCRIPT = ("answer_lost", "dropped", "passed", "cut", "answer_lost", "passed", "dropped", "cut")
#: Sync rounds the inspector may need (each ends at the first loss).
MOST_ROUNDS = 30


def _sends_an_inspection(request: bytes) -> bool:
    return request.startswith(b"POST /scan/api/enforcement/inspections ")


def test_inspections_queued_offline_sync_exactly_once_through_a_lossy_link(
    chromium: Browser, scanner: Scanner
) -> None:
    api = scanner.api
    key = inspector_with_parties(api, *PARTIES)
    photos = {party: png("white", (20 + i, 20)) for i, party in enumerate(PARTIES)}
    server = urlsplit(scanner.url)
    upstream = (server.hostname or "", server.port or 80)
    with LossyLink(upstream, seed=3, script=SCRIPT, lossy=_sends_an_inspection) as link:
        phone = new_phone(chromium, Scanner(link.url, api, scanner.secret))
        try:
            page = phone.sign_in(key)
            expect(page.locator("#template option")).to_have_count(4)
            phone.context.set_offline(True)
            for party in PARTIES:
                fill_inspection(page, party, photos={"C2": photos[party]})
                page.get_by_role("button", name="加入待发送").click()
            expect(page.locator("#n-queued")).to_have_text(str(len(PARTIES)))
            queued = phone.stored()["databases"]["suyuan-inspections/inspections"]
            client_ids = {each["party"]: each["client_id"] for each in queued}

            rounds = int(page.evaluate("Number(document.body.dataset.syncs || 0)"))
            phone.context.set_offline(False)  # the `online` event starts a round
            rounds = wait_for_sync(page, rounds)
            for _ in range(MOST_ROUNDS):
                if page.locator("#n-queued").inner_text() == "0":
                    break
                page.get_by_role("button", name="立即同步").click()
                rounds = wait_for_sync(page, rounds)
            expect(page.locator("#n-queued")).to_have_text("0")
            expect(page.locator("#n-recorded")).to_have_text(str(len(PARTIES)))
            kept = phone.stored()["databases"]["suyuan-inspections/inspections"]
        finally:
            phone.context.close()
    assert not phone.outside, phone.outside[:3]

    assert min(link.fates[fate] for fate in ("dropped", "cut", "answer_lost")) >= 2, link.fates
    recorded = recorded_inspections(api)
    assert len(recorded) == len(PARTIES)
    assert Counter(each["client_id"] for each in recorded).most_common(1)[0][1] == 1
    assert {each["party"]: each["client_id"] for each in recorded} == client_ids
    for each in recorded:
        evidence = each["record"]["findings"][1]["evidence"]
        assert [e["sha256"] for e in evidence] == [hashlib.sha256(photos[each["party"]]).hexdigest()]
    assert {each["state"] for each in kept} == {"recorded"}
    numbers = {each["client_id"]: each["result"]["number"] for each in kept}
    assert numbers == {each["client_id"]: each["id"] for each in recorded}
    assert any(each["result"]["duplicate"] for each in kept)  # a lost answer, resent: 200
