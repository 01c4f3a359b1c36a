"""The trace API served by a real uvicorn (real anvil, SQLite or PostgreSQL, the real ledger) for the
handheld client to sync with over HTTP, a network of an importer and a retailer, and the
``suyuan scan`` command run as a user runs it (typer's runner, each run opening the queue anew)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from suyuan.cli import app
from tests.api.conftest import Api, batch_payload
from tests.api.conftest import api as api  # the trace API under the server (a fixture)
from trace_api.app import create_app
from trace_api.server import start_server

GTIN = "09506000134352"
BATCH = f"{GTIN}.L2026-001"


@dataclass
class Served:
    """The trace API at ``url`` over HTTP, and its test client for setting up and looking inside."""

    url: str
    api: Api

    def key(self, handle: str) -> str:
        return self.api.keys[handle]

    def issue(self, count: int, batch_id: str = BATCH, handle: str = "haixian") -> list[str]:
        """``count`` new codes of the batch, in issue order (all pages of the answer)."""
        response = self.api.as_org(handle, "POST", f"/v1/batches/{batch_id}/codes", json={"count": count})
        assert response.status_code == 201, response.text
        issued = response.json()
        codes = list(issued["codes"])
        if issued["next"]:
            query = {"record_id": issued["record_id"], "offset": len(codes), "limit": 10_000}
            rest = self.api.as_org(handle, "GET", f"/v1/batches/{batch_id}/codes", params=query)
            assert rest.status_code == 200, rest.text
            codes += [c["uri"] for c in rest.json()["codes"]]
        assert len(codes) == count
        return codes

    def ship(self, to: str, batch_id: str = BATCH, handle: str = "haixian") -> None:
        body = {"action": "ship", "batch_id": batch_id, "counterparty": to, "location": "Yangshan cold store"}
        response = self.api.as_org(handle, "POST", "/v1/scans", json=body)
        assert response.status_code == 201, response.text

    def every(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list (``/v1/scans`` or ``/v1/signals``) as the regulator sees it."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = {**params, "limit": 200} | ({"cursor": cursor} if cursor else {})
            response = self.api.as_org("samr", "GET", path, params=query)
            assert response.status_code == 200, response.text
            items += response.json()[key]
            cursor = response.json()["next_cursor"]
            if not cursor:
                return items


@pytest.fixture
def served(api: Api) -> Iterator[Served]:
    """The trace API on a free port, with an importer ``haixian`` that admitted batch BATCH and a
    retailer ``shop``."""
    api.add_org("haixian", "importer")
    api.add_org("shop", "retailer")
    admitted = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))
    assert admitted.status_code == 201, admitted.text
    url, stop = start_server(create_app(api.services), "127.0.0.1", 0)
    yield Served(url, api)
    stop()


@dataclass
class Handheld:
    """One handheld: its queue file, and ``suyuan scan …`` run against it."""

    queue: Path
    env: dict[str, str]

    def run(self, *args: str, input: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(app, ["scan", "--queue", str(self.queue), *args], input=input, env=self.env)


@pytest.fixture
def handheld(tmp_path: Path) -> Handheld:
    """A handheld with a queue of its own; sync retries without waiting (the waits are tested apart)."""
    env = {"SUYUAN_DATA_DIR": str(tmp_path / "data"), "SUYUAN_SCAN_BACKOFF_SECONDS": "0"}
    return Handheld(tmp_path / "pda" / "queue.db", env)
