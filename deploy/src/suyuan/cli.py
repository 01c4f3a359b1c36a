"""The ``suyuan`` command line: the root, its global options, and every component's commands.

Each component defines its own command groups and adds them through its ``register(app)``; the
root calls them here, in this order, and adds ``suyuan up``, ``suyuan simulate`` and
``suyuan bench`` (the simulators and benchmarks live in this package, above every component).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import chain.cli
import ingest.cli
import ingest.vision.cli
import regulator_console.cli
import scanners.cli
import trace_api.cli
import trace_api.markets.cli
from chain.cli import GlobalOptions, use_global_options

from .bench import bench_app
from .besu import deploy_app
from .dbcopy import db_app
from .simulate import simulate_app
from .up import run_up

app = typer.Typer(name="suyuan", help="Suyuan (溯源): verifiable food traceability.", no_args_is_help=True)


@app.callback()
def root(
    context: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="State directory (env SUYUAN_DATA_DIR; default ~/.local/share/suyuan)"
        ),
    ] = None,
    rpc_url: Annotated[
        str | None,
        typer.Option("--rpc-url", help="External chain node (env SUYUAN_RPC_URL; default: embedded anvil)"),
    ] = None,
) -> None:
    use_global_options(context, GlobalOptions(data_dir=data_dir, rpc_url=rpc_url))


@app.command("up")
def up(
    demo: Annotated[bool, typer.Option("--demo", help="Also seed a small demo network (once)")] = False,
    service: Annotated[
        list[str] | None,
        typer.Option(
            "--service",
            help="Run only this service (repeatable): anchorer, trace-api, ingest, kitchen-feed, market-feed",
        ),
    ] = None,
) -> None:
    """Run the embedded default: chain node, contracts deployed, the anchorer, the trace API with the
    regulator console, ingest."""
    run_up(demo=demo, services=service or ())


chain.cli.register(app)
trace_api.cli.register(app)
trace_api.markets.cli.register(app)
ingest.cli.register(app)
regulator_console.cli.register(app)
app.add_typer(simulate_app, name="simulate")
ingest.vision.cli.register_vision(app)
scanners.cli.register(app)
app.add_typer(bench_app, name="bench")
app.add_typer(deploy_app, name="deploy")
app.add_typer(db_app, name="db")


def main() -> None:
    app(prog_name="suyuan")
