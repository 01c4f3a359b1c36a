"""The ``suyuan bench`` commands: options, progress and the printed JSON; each benchmark's module is
imported only when it runs."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer

from chain import ChainError
from chain.cli import chain_errors, fail, failing_on, out, progress_bar
from evidence import LedgerError
from ingest.cli import cli_errors

bench_app = typer.Typer(help="Benchmarks; each prints one JSON object.", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print only the JSON result")]


def _print(result: dict[str, Any], as_json: bool) -> None:
    print(json.dumps(result, indent=None if as_json else 2))


@bench_app.command("chain")
def bench_chain(
    as_json: AsJson = False,
    transfers: Annotated[int, typer.Option(min=10, help="Custody transfers per measured path")] = 500,
) -> None:
    """Gas per operation and sustained transfer_custody throughput on a fresh anvil."""
    from .chain import run_chain_bench

    with chain_errors(), progress_bar(transfers, "bench chain") as advance:
        result = run_chain_bench(transfers, advance)
    _print(result, as_json)


@bench_app.command("ledger")
def bench_ledger(
    as_json: AsJson = False,
    records: Annotated[int, typer.Option(min=100, help="Records appended for the append rates")] = 20_000,
    large: Annotated[int, typer.Option(min=2000, help="Size of the large log for proof times")] = 1_000_000,
) -> None:
    """Append rate against raw inserts, proof times at 1k and at --large records, gas per record."""
    from .ledger import run_ledger_bench

    with failing_on(LedgerError, ChainError), progress_bar(records, "bench ledger") as advance:
        result = run_ledger_bench(records=records, large=large, progress=advance)
    _print(result, as_json)


@bench_app.command("api")
def bench_api(
    as_json: AsJson = False,
    seconds: Annotated[float, typer.Option(min=1, help="Seconds of load per endpoint")] = 10.0,
    large: Annotated[int, typer.Option(min=20_000, help="Events in the large network (trace)")] = 1_000_000,
) -> None:
    """Resolver throughput against a trivial endpoint, trace latency at 10k and 1M events, recall, codes."""
    from .api import run_api_bench

    with failing_on(LedgerError, ChainError), progress_bar(large, "bench api") as advance:
        result = run_api_bench(seconds=seconds, large=large, progress=advance)
    _print(result, as_json)


@bench_app.command("console")
def bench_console(
    as_json: AsJson = False,
    events: Annotated[int, typer.Option(min=20_000, help="Events recorded in the network")] = 1_000_000,
    samples: Annotated[int, typer.Option(min=20, help="Requests timed per page")] = 300,
) -> None:
    """Dashboard and lot-page p95 of the regulator console against /livez of the same app."""
    from .console import run_console_bench

    with failing_on(LedgerError, ChainError), progress_bar(events, "bench console") as advance:
        result = run_console_bench(events=events, samples=samples, progress=advance)
    _print(result, as_json)


@bench_app.command("epcis")
def bench_epcis(
    as_json: AsJson = False,
    events: Annotated[int, typer.Option(min=100, help="Events in the captured document")] = 10_000,
    stored: Annotated[int, typer.Option(min=20_000, help="Events stored for the query figure")] = 1_000_000,
    probed: Annotated[
        int, typer.Option(min=100, help="Events in the document captured over HTTP while /livez is probed")
    ] = 1500,
) -> None:
    """Capture rate of one EPCIS document, /livez latency while one is captured, and filtered-query
    p99 over the stored events."""
    from .epcis import run_epcis_bench

    with failing_on(LedgerError, ChainError), progress_bar(stored, "bench epcis") as advance:
        result = run_epcis_bench(events=events, stored=stored, progress=advance, probed=probed)
    _print(result, as_json)


@bench_app.command("scanners")
def bench_scanners(
    as_json: AsJson = False,
    scans: Annotated[int, typer.Option(min=10, help="Sales synced through POST /v1/scans:batch")] = 5000,
    one_by_one: Annotated[int, typer.Option(min=10, help="Sales posted one at a time")] = 500,
    batch_size: Annotated[int, typer.Option(min=1, max=2000, help="Scans per batch")] = 500,
) -> None:
    """Scans per second synced in batches (exactly-once bookkeeping included) against the same
    kind of scans posted one by one, in the same run."""
    from .scanners import run_scanners_bench

    with failing_on(LedgerError, ChainError), progress_bar(scans + one_by_one, "bench scanners") as advance:
        result = run_scanners_bench(scans, one_by_one, batch_size, advance)
    _print(result, as_json)


@bench_app.command("risk")
def bench_risk(
    as_json: AsJson = False,
    records: Annotated[int, typer.Option(min=1000, help="Synthetic ledger records replayed")] = 1_000_000,
) -> None:
    """Risk rule evaluation (50 rules) over a replayed stream of ledger records, against replaying
    the same stream without rules."""
    from .risk import run_risk_bench

    with failing_on(LedgerError), progress_bar(records, "bench risk") as advance:
        result = run_risk_bench(records, advance)
    _print(result, as_json)


@bench_app.command("writers")
def bench_writers(
    as_json: AsJson = False,
    processes: Annotated[int, typer.Option(min=2, max=16, help="Processes taking turns with the lock")] = 2,
    rounds: Annotated[int, typer.Option(min=1, help="Write transactions per process")] = 40,
    hold_ms: Annotated[float, typer.Option(min=0, help="Milliseconds each transaction holds the lock")] = 30,
    outside_ms: Annotated[float, typer.Option(min=0, help="Milliseconds of work between transactions")] = 10,
) -> None:
    """How busy SQLite's writer lock is kept by processes taking turns: the product's write
    transactions against SQLite's own busy handler."""
    from .writers import run_writers_bench

    with progress_bar(2 * processes * rounds, "bench writers") as advance:
        result = run_writers_bench(
            processes=processes, rounds=rounds, hold_ms=hold_ms, outside_ms=outside_ms, progress=advance
        )
    _print(result, as_json)


class Readings(StrEnum):
    coldchain = "coldchain"
    market = "market"


@bench_app.command("ingest")
def bench_ingest(
    as_json: AsJson = False,
    messages: Annotated[int, typer.Option(min=100, help="Readings per measured path")] = 20_000,
    devices: Annotated[int, typer.Option(min=1, help="Devices publishing them")] = 50,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Ingest worker processes sharing the load")] = 1,
    mqtt_url: Annotated[
        str | None, typer.Option(help="Broker to measure on; default: a private mosquitto")
    ] = None,
    readings: Annotated[
        Readings,
        typer.Option(help="coldchain: thermometers; market: a market's scales and rapid-test terminals"),
    ] = Readings.coldchain,
    stalls: Annotated[int, typer.Option(min=10, help="With --readings market: the market's stalls")] = 500,
    in_process: Annotated[
        bool,
        typer.Option("--in-process", help="Feed one ingestor in this process, no broker: CPU µs per reading"),
    ] = False,
) -> None:
    """End-to-end ingest (broker → worker → ledger commit) against a bare paho subscriber, same broker."""
    from .ingest import run_ingest_bench, run_ingest_in_process

    if in_process and (workers != 1 or mqtt_url is not None):
        fail("--in-process runs one ingestor without a broker: it takes neither --workers nor --mqtt-url")
    with chain_errors(), cli_errors():
        if in_process:
            result = run_ingest_in_process(messages, devices, readings.value, stalls)
        else:
            result = run_ingest_bench(
                messages=messages, devices=devices, workers=workers, mqtt_url=mqtt_url, report=out.print,
                readings=readings.value, stalls=stalls,
            )  # fmt: skip
    _print(result, as_json)


@bench_app.command("vision")
def bench_vision(
    as_json: AsJson = False,
    frames: Annotated[int, typer.Option(min=20, help="Frames through each detector path")] = 200,
) -> None:
    """Detector frames/s at imgsz 320 (ONNX and PyTorch) and cameras at 5 frames/s one machine sustains."""
    from ingest.vision import VisionError

    from .vision import run_vision_bench

    try:
        with chain_errors():
            result = run_vision_bench(frames=frames, report=out.print)
    except VisionError as exc:
        fail(str(exc))
    _print(result, as_json)
