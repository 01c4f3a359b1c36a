"""``suyuan bench ingest --readings market``: a market's scales and rapid-test terminals through the
real broker and ingest workers, next to a bare subscriber, every reading taken once; and
``--in-process``, the same readings fed to one ingestor with no broker."""

from __future__ import annotations

import json

from suyuan.bench.ingest import run_ingest_bench, run_ingest_in_process
from suyuan.bench.markets import market_readings
from tests._cli import run_suyuan


def test_bench_ingest_of_a_market_reports_both_rates_from_one_run() -> None:
    result = run_ingest_bench(messages=400, workers=1, readings="market", stalls=20)
    assert (result["readings"], result["stalls"], result["devices"]) == ("market", 20, 2 + 1)
    assert result["recorded"] == {"recorded": 400}
    assert result["ratio"] == round(result["ingest_per_s"] / result["raw_consume_per_s"], 3)


def test_the_market_backlog_is_mostly_weighings_over_every_stall() -> None:
    passwords = {"m/fc-000": "p", "m/fc-001": "p", "m/kj-000": "p"}
    codes = [f"S-{i:03d}" for i in range(20)]
    backlog = market_readings(passwords, codes, 1000)
    topics = [topic for readings in backlog.values() for topic, _ in readings]
    assert sum(t.endswith("/weight") for t in topics) == 900
    assert sum(t.endswith("/rapid_test") for t in topics) == 100
    assert all(
        [json_seq(p) for _, p in readings] == list(range(len(readings))) for readings in backlog.values()
    )


def json_seq(payload: bytes) -> int:
    return int(json.loads(payload)["seq"])


def test_bench_ingest_in_process_takes_every_market_reading_without_a_broker() -> None:
    result = run_ingest_in_process(messages=400, readings="market", stalls=20)
    assert (result["readings"], result["stalls"], result["devices"]) == ("market", 20, 2 + 1)
    assert result["mode"] == "in process, no broker"
    assert result["recorded"] == {"recorded": 400}
    assert result["cpu_us_per_reading"] > 0


def test_bench_ingest_in_process_refuses_workers_in_one_line(cli_env: dict[str, str]) -> None:
    done = run_suyuan(cli_env, "bench", "ingest", "--in-process", "--workers", "2")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: --in-process runs one ingestor without a broker: it takes neither --workers nor --mqtt-url"
    ]
