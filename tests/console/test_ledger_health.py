"""The ledger's health on the console's dashboard and evidence page, in a real Chromium: a red
badge naming each part of the service that does not keep up (what ``/readyz`` says), green again
once it does."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from evidence import Anchorer, Ledger, make_engine, write_transaction
from tests.api.test_readiness import _poll, _ready
from tests.api.test_resolver import anchor
from tests.conftest import Network, make_record
from tests.console.conftest import Browser, Console

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

#: The ledger card's red badge for the anchorer.
ANCHORER_BADGE = '#ledger-h .badge.bad[data-part="anchorer"]'


def test_a_stalled_anchorer_turns_the_ledger_health_red_until_it_recovers(
    browser: Browser, console: Console, network: Network, database_url: str
) -> None:
    api = console.api
    browser.sign_in()
    anchor(api, network)
    api.services.ledger.append(make_record(0))  # waits for the next checkpoint
    engine = make_engine(database_url, lock_timeout_s=0.2)  # its writers give up on the lock quickly
    ledger = Ledger(engine, api.services.ledger.origin, api.services.ledger.signer)
    loop = Anchorer(ledger, lambda: network.client, network.anchorer, every_seconds=0.3).loop(tick_s=0.05)
    loop.health.stall_after_s = 1.0
    stop = None
    try:
        with write_transaction(api.services.engine, api.services.ledger.lock_name):  # another writer
            stop = loop.start(api.services.background)
            _poll(_ready(api.client, 503))
            page = browser.open("/")
            stalled = page.locator(ANCHORER_BADGE)
            expect(stalled).to_have_text("锚定服务停滞")
            expect(stalled).to_have_attribute("title", re.compile("database is locked"))
            expect(page.locator("#ledger-h .badge.good")).to_have_count(0)
            browser.check_page("dashboard-ledger-stalled")
            page.get_by_role("link", name="English").click()
            expect(page.locator(ANCHORER_BADGE)).to_have_text("Anchorer stalled")
            page.get_by_role("link", name="中文").click()
            page = browser.open("/evidence")
            expect(page.locator(ANCHORER_BADGE)).to_have_text("锚定服务停滞")
            browser.check_page("evidence-ledger-stalled")
        _poll(_ready(api.client, 200))
        page = browser.open("/")
        expect(page.locator("#ledger-h .badge.good")).to_have_text("运行正常")
        expect(page.locator("#ledger-h .badge.bad")).to_have_count(0)
        page = browser.open("/evidence")
        expect(page.locator("#ledger-h .badge.good")).to_have_text("运行正常")
    finally:
        if stop is not None:
            stop()
        engine.dispose()
