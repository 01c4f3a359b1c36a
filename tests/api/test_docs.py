"""The OpenAPI page at /docs works offline: Swagger UI is served by the API itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.api.conftest import Api
from trace_api.app import create_app
from trace_api.server import start_server

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def live_url(api: Api) -> Iterator[str]:
    url, stop = start_server(create_app(api.services), "127.0.0.1", 0)
    yield url
    stop()


def test_docs_page_references_only_assets_the_api_serves(api: Api) -> None:
    page = api.client.get("/docs")
    references = re.findall(r"""(?:src|href)="([^"]+)"|url: '([^']+)'""", page.text)
    urls = [src or url for src, url in references]

    assert page.status_code == 200
    assert len(urls) == 4  # stylesheet, icon, script, OpenAPI document
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert {u: api.client.get(u).status_code for u in urls} == {u: 200 for u in urls}
    assert api.client.get("/redoc").status_code == 404  # it would need a CDN


def test_docs_render_every_operation_in_chromium_offline(live_url: str, chromium: Browser) -> None:
    blocked: list[str] = []

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10000)
    page.route("**/*", offline)
    page.goto(live_url + "/docs")
    expect(page.locator(".opblock-summary-path", has_text="/v1/batches/{batch_id}").first).to_be_visible()
    operations = page.locator(".opblock").count()
    context.close()

    assert blocked == []
    assert operations > 40
