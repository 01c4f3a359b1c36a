"""``suyuan bench writers``: both paths of a small run write every round once and report their figures."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from suyuan.bench._commands import bench_app


@pytest.mark.timeout(120)
def test_bench_writers_reports_both_paths_and_their_ratio() -> None:
    args = ["writers", "--json", "--processes", "2", "--rounds", "4", "--hold-ms", "5", "--outside-ms", "2"]
    result = CliRunner().invoke(bench_app, args)

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert (report["bench"], report["processes"], report["rounds"]) == ("writers", 2, 4)
    for path in ("suyuan", "busy_handler"):
        assert 0 < report[f"{path}_lock_utilisation"] <= 1
        assert report[f"{path}_wall_s"] > 0
        assert 0 <= report[f"{path}_wait_ms_p50"] <= report[f"{path}_wait_ms_p90"]
    assert report["ratio"] == pytest.approx(
        report["suyuan_lock_utilisation"] / report["busy_handler_lock_utilisation"], rel=0.01
    )
