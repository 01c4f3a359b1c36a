"""``suyuan bench console``, run as a user runs it, on a small network. It measures the console's
pages; it asserts no speed (that is the benchmark's to report, never a test's to require)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SUYUAN = [sys.executable, "-m", "suyuan"]
#: Each page's p50 and p95 (milliseconds), and each page's p95 over the baseline's.
FIGURES = {
    "livez_ms_p50",
    "livez_ms_p95",
    "dashboard_ms_p50",
    "dashboard_ms_p95",
    "lot_page_ms_p50",
    "lot_page_ms_p95",
    "dashboard_p95_over_livez",
    "lot_page_p95_over_livez",
}


@pytest.mark.timeout(300)
def test_bench_console_reports_each_pages_latency_beside_the_baseline(cli_env: dict[str, str]) -> None:
    args = ["bench", "console", "--json", "--events", "20000", "--samples", "20"]
    result = subprocess.run([*SUYUAN, *args], env=cli_env, capture_output=True, text=True, timeout=240)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"bench", "machine", "database", "events", "samples", *FIGURES}
    assert (report["bench"], report["database"], report["events"], report["samples"]) == (
        "console",
        "sqlite",
        20_000,
        20,
    )
    assert report["machine"]["cpus"] >= 1
    for figure in FIGURES:
        value = report[figure]
        assert isinstance(value, int | float), figure
        assert value > 0, figure
    for page in ("dashboard", "lot_page"):
        assert report[f"{page}_ms_p50"] <= report[f"{page}_ms_p95"]
        assert report[f"{page}_p95_over_livez"] == pytest.approx(
            report[f"{page}_ms_p95"] / report["livez_ms_p95"], abs=0.051
        )
