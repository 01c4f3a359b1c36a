"""``suyuan bench …``: the benchmarks, one module each (chain, ledger, api, epcis, ingest, vision).

Each runs on a fresh anvil node and a fresh data directory, drives the components through their
public services, and returns one JSON object; docs/benchmarks.md records what they measured.
"""

from ._commands import bench_app

__all__ = ["bench_app"]
