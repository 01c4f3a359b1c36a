"""明厨亮灶 Kitchen incidents in the console, in a real Chromium: the list with its thumbnails, an
incident's evidence, and a regulator rejecting then accepting the kitchen's rectifications."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from regulator_console.sessions import SESSION_COOKIE, SessionSeal
from tests.console.conftest import ARTIFACTS, PHONE, Browser, Console

pytest.importorskip("cv2")  # incidents are recorded as the camera pipeline records them

from ingest.vision.incidents import RecordedIncident
from tests._kitchen import add_camera, photo_png, record_incident, rectify

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@dataclass
class Canteen:
    console: Console
    incident: RecordedIncident

    @property
    def id(self) -> str:
        return self.incident.incident_id

    def status(self) -> str:
        response = self.console.api.as_org("samr", "GET", f"/v1/incidents/{self.id}")
        assert response.status_code == 200, response.text
        return str(response.json()["status"])

    def rectified(self, note: str) -> str:
        response = rectify(self.console.api, "canteen", self.id, photo_png(), note)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


@pytest.fixture
def canteen(console: Console) -> Canteen:
    """Restaurant ``canteen`` whose kitchen camera saw a cook without a chef hat."""
    console.api.add_org("canteen", "restaurant")
    return Canteen(
        console, record_incident(console.api, add_camera(console.api, "canteen"), "no_chef_hat", 60)
    )


def expect_loaded(page: Page, image: Locator) -> None:
    """Waits until the picture has loaded and decoded (a broken one never gets a natural width)."""
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())


def fits_a_phone(page: Page, name: str) -> None:
    """No sideways scrolling at a phone's width (wide tables scroll inside their own box)."""
    original = page.viewport_size
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px on a phone"
    if original is not None:
        page.set_viewport_size(original)


def test_regulator_rejects_then_accepts_the_kitchens_rectification(
    browser: Browser, canteen: Canteen
) -> None:
    page = browser.sign_in()
    page.locator('a[href="/console/incidents?status=open"]').click()
    expect(page.get_by_role("heading", name="明厨亮灶")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="未戴厨师帽")
    expect(row).to_contain_text("canteen/cam-1")
    expect(row).to_contain_text("canteen kitchen")  # where the camera is, as the canteen named it
    expect(row).not_to_contain_text("urn:")
    expect(row).to_contain_text("待整改")
    expect_loaded(page, row.locator("img.thumb"))
    assert row.locator("img.thumb").evaluate("img => img.naturalWidth") == 320  # the API's thumbnail
    browser.check_page("incidents")
    fits_a_phone(page, "incidents")

    row.get_by_role("link", name="未戴厨师帽").click()
    expect(page.get_by_role("heading", name="违规事件：未戴厨师帽")).to_be_visible()
    expect(page.get_by_text("canteen · canteen/cam-1 · canteen kitchen ·")).to_be_visible()
    expect_loaded(page, page.get_by_role("img", name=re.compile("^事件抓拍")))
    expect_loaded(page, page.get_by_role("img", name=re.compile("^模型判定所用的原始画面")))
    box = page.locator(".frame svg rect.box.subject")
    expect(box).to_have_count(1)
    place = [float(box.get_attribute(name) or "nan") for name in ("x", "y", "width", "height")]
    assert place == [100, 60, 80, 220]  # the cook's box, in the frame's pixels
    expect(page.get_by_text(canteen.incident.record_id, exact=True)).to_be_visible()
    expect(page.get_by_text("等待餐饮单位提交整改。")).to_be_visible()
    browser.check_page("incident-open")

    canteen.rectified("已为厨师配发厨师帽。")
    page.reload()
    expect(page.get_by_role("heading", name="第 1 次整改")).to_be_visible()
    expect(page.get_by_text("已为厨师配发厨师帽。")).to_be_visible()
    expect_loaded(page, page.get_by_role("img", name="第 1 次整改照片"))
    browser.check_page("incident-rectified")

    page.get_by_role("button", name="驳回整改").click()  # without a note
    note = page.get_by_label("审核意见")
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("请填写审核意见：驳回时须写明餐饮单位仍需整改的内容。")).to_be_visible()
    assert canteen.status() == "rectified"
    browser.check_page("incident-review-error")
    note.fill("照片中厨师仍未戴帽。")
    page.get_by_role("button", name="驳回整改").click()
    expect(page.get_by_role("status")).to_have_text("整改已驳回，事件重新打开，待餐饮单位重新整改。")
    expect(page.get_by_text("照片中厨师仍未戴帽。")).to_be_visible()
    expect(page.get_by_role("button", name="通过整改")).to_have_count(0)
    assert canteen.status() == "open"

    canteen.rectified("全体厨师已戴帽，附现场照片。")
    page.reload()
    expect(page.get_by_role("heading", name="第 2 次整改")).to_be_visible()
    page.get_by_label("审核意见").fill("复查合格。")
    page.get_by_role("button", name="通过整改").click()
    expect(page.get_by_role("status")).to_have_text("整改已通过，事件已结案。")
    expect(page.locator("h1 .badge")).to_have_text("已结案")
    assert canteen.status() == "closed"
    browser.check_page("incident-closed")
    fits_a_phone(page, "incident-closed")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Incident: No chef hat")).to_be_visible()
    browser.check_page("incident-closed-en")
    page.get_by_role("link", name="中文").click()

    browser.open("/incidents?status=closed")
    expect(page.get_by_role("row").filter(has_text="未戴厨师帽")).to_contain_text("已结案")
    browser.open("/incidents?status=open")
    expect(page.get_by_text("没有符合条件的事件。")).to_be_visible()


def test_incident_list_pages_by_keyset(browser: Browser, canteen: Canteen) -> None:
    api = canteen.console.api
    camera = add_camera(api, "canteen", "cam-2")
    for shade in range(20):
        record_incident(api, camera, "rodent", 100 + shade)
    page = browser.sign_in()
    browser.open("/incidents")
    expect(page.locator("tbody tr")).to_have_count(20)
    expect(page.get_by_role("row").filter(has_text="鼠患")).to_have_count(20)
    page.get_by_role("link", name="下一页").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("row").filter(has_text="未戴厨师帽")).to_have_count(1)
    expect(page.get_by_role("link", name="下一页")).to_have_count(0)
    browser.check_page("incidents-page-2")
    page.get_by_role("link", name="第一页").click()
    expect(page.locator("tbody tr")).to_have_count(20)

    page.get_by_label("违规类型").select_option("no_chef_hat")
    page.get_by_label("餐饮单位（代号）").fill("canteen")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"violation=no_chef_hat"))
    expect(page.locator("tbody tr")).to_have_count(1)


def test_review_without_the_csrf_token_is_refused(canteen: Canteen) -> None:
    console = canteen.console
    rectification = canteen.rectified("已整改。")
    _, cookie = SessionSeal(console.secret, 3600).open_session(console.regulator_key)
    with httpx.Client(base_url=console.url, timeout=30) as client:
        client.cookies.set(SESSION_COOKIE, cookie, path="/console")
        url = f"/console/incidents/{canteen.id}/rectifications/{rectification}/review"
        refused = client.post(url, data={"decision": "accepted", "note": ""})
        stranger = client.get(f"/console/incidents/{canteen.id}/pictures/{'0' * 64}")
        frame = client.get(
            f"/console/incidents/{canteen.id}/pictures/{canteen.incident.frame_document_sha256}"
        )
    assert refused.status_code == 403
    assert canteen.status() == "rectified"
    assert stranger.status_code == 404
    assert (frame.status_code, frame.headers["content-type"]) == (200, "image/png")
