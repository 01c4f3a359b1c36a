"""``suyuan bench risk``: a small replay (10,000 records) through both paths, with 50 rules, and the
ratio computed from the two rates of the one run."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from suyuan.bench._commands import bench_app
from suyuan.bench.risk import bench_rules, synthetic_records


def test_bench_risk_reports_both_rates_and_their_ratio() -> None:
    result = CliRunner().invoke(bench_app, ["risk", "--json", "--records", "10000"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert (report["records"], report["records_read"], report["rules"]) == (10_000, 10_000, 50)
    assert report["ratio"] == round(report["evaluate_per_s"] / report["replay_per_s"], 3)
    assert 0 < report["warnings_raised"] < report["records"] // 20  # a rare event, as in a city's ledger
    assert report["target_ratio"] == 0.5


def test_the_bench_stream_is_the_same_for_a_seed_and_every_rule_reads_some_of_it() -> None:
    first = [r.canonical_bytes() for r in synthetic_records(500)]
    assert first == [r.canonical_bytes() for r in synthetic_records(500)]
    kinds = {r.kind for r in synthetic_records(500)}
    rules = bench_rules()
    assert len({r.id for r in rules.rules}) == 50
    assert all(set(rule.kinds) & kinds for rule in rules.rules)


def test_the_bench_city_rectifies_what_it_detected_and_stalls_stay_in_their_market() -> None:
    detected: set[tuple[str, str]] = set()
    markets: dict[str, str] = {}
    for record in synthetic_records(20_000):
        payload = record.payload
        if record.kind == "incident.detected":
            detected.add((payload["organisation"], payload["violation"]))
        elif record.kind == "incident.rectified":
            assert (payload["organisation"], payload["violation"]) in detected
        elif record.kind.startswith("market."):
            assert markets.setdefault(payload["stall"], payload["market"]) == payload["market"]
