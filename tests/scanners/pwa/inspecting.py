"""An inspector on the phone app's inspection mode, as the Chromium tests drive it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.api.conftest import Api
from tests.enforcement.conftest import Enforcement

#: The catering template's items, as the API serves them.
CATERING = ("C1", "C2", "C3", "C4", "C5", "C6")


def inspector_with_parties(api: Api, *parties: str) -> str:
    """The inspector ``wang`` of ``samr`` (their key under ``wang``) and the restaurants to inspect."""
    for handle in parties:
        api.add_org(handle, "restaurant")
    Enforcement(api).inspector("wang")
    return api.keys["wang"]


def fill_inspection(
    page: Page,
    party: str,
    failing: dict[str, str] | None = None,
    photos: dict[str, bytes] | None = None,
) -> None:
    """A catering inspection of ``party``: every item passes but those ``failing`` (with their
    note); ``photos`` (PNG bytes) attached to their items."""
    failing, photos = failing or {}, photos or {}
    page.get_by_label("检查表").select_option("catering")
    page.get_by_label("被检查单位（单位标识）").fill(party)
    page.get_by_label("被检查单位（单位标识）").dispatch_event("change")
    for item in CATERING:
        box = page.locator(f'fieldset[data-item="{item}"]')
        box.locator(f'input[value="{"fail" if item in failing else "pass"}"]').check()
        if item in failing:
            box.get_by_label("检查说明（发现的问题）").fill(failing[item])
            box.get_by_label("检查说明（发现的问题）").dispatch_event("change")
        if item in photos:
            box.get_by_label("添加照片（拍照或选择文件）").set_input_files(
                {"name": f"{item}.png", "mimeType": "image/png", "buffer": photos[item]}
            )
            expect(box.locator(".photos li")).to_have_count(1)


def recorded_inspections(api: Api) -> list[dict[str, Any]]:
    """Every inspection of ``samr``'s jurisdiction, in full, as the API answers them."""
    listed = api.as_org("samr", "GET", "/v1/enforcement/inspections", params={"limit": 100})
    assert listed.status_code == 200, listed.text
    found = []
    for each in listed.json()["inspections"]:
        full = api.as_org("samr", "GET", f"/v1/enforcement/inspections/{each['id']}")
        assert full.status_code == 200, full.text
        found.append(full.json())
    return found


def wait_for_sync(page: Page, before: int) -> int:
    """Until a sync round that started after ``before`` rounds has ended; the rounds now."""
    page.wait_for_function(f"() => Number(document.body.dataset.syncs || 0) > {before}")
    return int(page.evaluate("Number(document.body.dataset.syncs)"))
