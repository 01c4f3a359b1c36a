"""``suyuan bench scanners``, run as a user runs it, on a small queue."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SUYUAN = [sys.executable, "-m", "suyuan"]


@pytest.mark.timeout(300)
def test_bench_scanners_reports_both_sync_rates_from_one_run(cli_env: dict[str, str]) -> None:
    args = ["bench", "scanners", "--json", "--scans", "30", "--one-by-one", "10", "--batch-size", "7"]
    result = subprocess.run([*SUYUAN, *args], env=cli_env, capture_output=True, text=True, timeout=240)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["bench"], report["scans"], report["batch_size"], report["one_by_one_scans"]) == (
        "scanners",
        30,
        7,
        10,
    )
    assert report["ledger_records_appended"] == 40  # every sale once, the resent batches nothing
    assert report["batched_scans_per_s"] > 0
    assert report["one_by_one_scans_per_s"] > 0
    # The ratio of the unrounded rates, to two places: within a hundredth of the printed rates' ratio.
    assert report["ratio"] == pytest.approx(
        report["batched_scans_per_s"] / report["one_by_one_scans_per_s"], abs=0.01
    )
