"""``suyuan bench console``: the regulator console's pages on a network of 1,000,000 recorded events.

The console is mounted on the trace API as ``suyuan up`` mounts it, a regulator signs in through
its form, and the same HTTP client times, one request at a time, ``/livez`` of the same app (the
baseline: no database, no template), the dashboard (``/console/``) and lot pages
(``/console/lots/{id}``, random lots of the network). Figures: p50 and p95 in milliseconds, and
each page's p95 over the baseline's.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx

from chain import LocalNode

from .api import _Bench, _synthetic_network

Progress = Callable[[str, int, int], None]


def _signed_in(bench: _Bench) -> httpx.Client:
    client = httpx.Client(base_url=bench.url, timeout=120)
    form = client.get("/console/signin")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    if token is None:
        raise RuntimeError("the console's sign-in form has no CSRF token")
    answer = client.post(
        "/console/signin",
        data={"api_key": bench.keys["bench-samr"], "csrf": token.group(1), "next": "/console/"},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"signing in to the console failed: {answer.status_code}")
    return client


def _timings(client: httpx.Client, paths: list[str]) -> list[float]:
    timings = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
    return timings


def _figures(name: str, timings: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(timings, n=100)
    return {f"{name}_ms_p50": round(statistics.median(timings), 2), f"{name}_ms_p95": round(cuts[94], 2)}


def run_console_bench(events: int, samples: int, progress: Progress) -> dict[str, Any]:
    result: dict[str, Any] = {
        "bench": "console",
        "machine": {"cpus": os.cpu_count()},
        "database": "sqlite",
        "events": events,
        "samples": samples,
    }
    with (
        tempfile.TemporaryDirectory(prefix="suyuan-bench-console-") as name,
        LocalNode(Path(name) / "anvil", chain_id=31337) as node,
    ):
        bench = _Bench(Path(name), node, console=True)
        try:
            lots = _synthetic_network(bench, events, progress, "C")
            rng = random.Random(events)
            with closing(_signed_in(bench)) as client:
                _timings(client, ["/livez", "/console/", f"/console/lots/{lots[0]}"])  # warm
                result.update(_figures("livez", _timings(client, ["/livez"] * samples)))
                result.update(_figures("dashboard", _timings(client, ["/console/"] * samples)))
                pages = [f"/console/lots/{rng.choice(lots)}" for _ in range(samples)]
                result.update(_figures("lot_page", _timings(client, pages)))
            for page in ("dashboard", "lot_page"):
                result[f"{page}_p95_over_livez"] = round(result[f"{page}_ms_p95"] / result["livez_ms_p95"], 1)
        finally:
            bench.http.close()
            bench.stop()
    return result
