"""The ``suyuan`` command line: the root app, the ``chain`` commands and ``bench chain``.

Other components add their command groups through the ``suyuan.cli`` entry-point group: each
entry point names a ``register(app, bench)`` function.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ._api import Role, id_hash
from ._errors import ChainError
from ._session import ChainSession, describe, ensure_deployed, open_chain
from ._settings import Settings

console = Console(stderr=True)
out = Console(soft_wrap=True)

app = typer.Typer(name="suyuan", help="Suyuan (溯源): verifiable food traceability.", no_args_is_help=True)
chain_app = typer.Typer(
    help="The permissioned chain: contracts, node, deployment, members.", no_args_is_help=True
)
bench_app = typer.Typer(help="Benchmarks; each prints one JSON object.", no_args_is_help=True)
app.add_typer(chain_app, name="chain")
app.add_typer(bench_app, name="bench")


S = TypeVar("S", bound=Settings)


class CliState:
    def __init__(self) -> None:
        self.overrides: dict[str, Any] = {}

    def settings(self, kind: type[S]) -> S:
        """The settings of ``kind`` from the environment and the global options; a bad one exits."""
        try:
            return kind(**self.overrides)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            fail(f"invalid setting {field}: {first['msg']}")


STATE = CliState()


def fail(message: str, code: int = 1) -> NoReturn:
    """Prints a one-line error and exits non-zero."""
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def failing_on(*kinds: type[Exception], describe: Callable[[Exception], str] = str) -> Iterator[None]:
    """Turns errors of the given kinds into one-line messages (worded by ``describe``), exit code 1."""
    try:
        yield
    except kinds as exc:
        fail(describe(exc))


def chain_errors() -> AbstractContextManager[None]:
    """Turns chain errors into one-line messages with exit code 1."""
    return failing_on(ChainError)


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Any]:
    """A rich progress bar on stderr; yields ``advance(label, done, total)``."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def advance(name: str, done: int, of: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=of)
            bar.update(tasks[name], completed=done)

        yield advance


@app.callback()
def root(
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
    if data_dir is not None:
        STATE.overrides["data_dir"] = data_dir
    if rpc_url is not None:
        STATE.overrides["rpc_url"] = rpc_url


@chain_app.command("compile")
def chain_compile(
    check: Annotated[bool, typer.Option("--check", help="Fail if the committed artifacts differ")] = False,
) -> None:
    """Compile contracts/src with solc-js and write the artifacts (or check them)."""
    from ._compile import check_artifacts, compile_contracts, write_artifacts

    with chain_errors():
        if check:
            check_artifacts()
            out.print("artifacts up to date")
            return
        for path in write_artifacts(compile_contracts()):
            out.print(f"wrote {path}")


@chain_app.command("node")
def chain_node() -> None:
    """Run the embedded anvil node in the foreground until interrupted."""
    settings = STATE.settings(Settings)
    with chain_errors(), open_chain(settings.model_copy(update={"rpc_url": None})) as session:
        if session.node is None:
            fail(f"a node is already running at {session.rpc_url}")
        out.print(f"anvil listening on {session.rpc_url} (state in {settings.chain_dir}); Ctrl-C stops it")
        wait_for_signal()


@chain_app.command("deploy")
def chain_deploy(
    force: Annotated[bool, typer.Option("--force", help="Deploy anew even if a deployment exists")] = False,
    regulator_org: Annotated[str, typer.Option(help="Identifier of the first regulator's organisation")] = (
        "suyuan-regulator"
    ),
) -> None:
    """Deploy the contracts (once) and write the deployment record."""
    with chain_errors(), open_chain(STATE.settings(Settings)) as session:
        deployment, new = ensure_deployed(session, force=force, regulator_org=regulator_org)
        verb = "deployed" if new else "already deployed"
        out.print(f"{verb} on chain {deployment.chain_id}: " + json.dumps(deployment.contracts))


@chain_app.command("status")
def chain_status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """Print node, chain id, block, contracts and the roles of known accounts."""
    with chain_errors(), open_chain(STATE.settings(Settings)) as session:
        print_status(session, as_json)


@chain_app.command("grant")
def chain_grant(
    name: Annotated[str, typer.Argument(help="Keystore name of the member account (created if missing)")],
    role: Annotated[str, typer.Option(help="regulator, importer, trader or anchor")],
    org: Annotated[str, typer.Option(help="Organisation identifier the account is bound to")],
) -> None:
    """Grant a membership role to an account (signed by the regulator key)."""
    try:
        chosen = Role[role.upper()]
    except KeyError:
        fail(f"invalid --role {role!r}: choose one of regulator, importer, trader, anchor")
    with chain_errors(), open_chain(STATE.settings(Settings)) as session:
        client = session.client()
        account = session.keystore.load_or_create(name)
        result = client.grant_member(session.account("regulator"), account.address, chosen, id_hash(org))
        out.print(
            f"granted {chosen.name.lower()} to {name} ({account.address}) in block {result.block_number}"
        )


@dataclass(frozen=True)
class UpOptions:
    """What ``suyuan up`` was asked for, handed to every service it starts."""

    demo: bool = False


#: Services that ``suyuan up`` runs beside the chain, in order; components append to it when
#: registering. Each is called with the open chain session and returns a callable that stops it.
UpService = Callable[[ChainSession, UpOptions], Callable[[], None]]
up_services: list[UpService] = []


@app.command("up")
def up(
    demo: Annotated[bool, typer.Option("--demo", help="Also seed a small demo network (once)")] = False,
) -> None:
    """Run the embedded default: chain node, contracts deployed, and every registered service."""
    with chain_errors(), open_chain(STATE.settings(Settings)) as session:
        _, new = ensure_deployed(session)
        stoppers = [start(session, UpOptions(demo=demo)) for start in up_services]
        print_status(session, as_json=False)
        out.print(("deployed contracts" if new else "contracts deployed earlier") + "; running, Ctrl-C stops")
        try:
            wait_for_signal()
        finally:
            for stop in reversed(stoppers):
                stop()
        out.print("stopped; state kept in " + str(session.settings.data_dir))


def print_status(session: ChainSession, as_json: bool) -> None:
    info = describe(session)
    if as_json:
        out.print_json(json.dumps(info))
        return
    out.print(f"node      {info['rpc_url']} ({info['node']})")
    out.print(f"chain id  {info['chain_id']}   block {info['block']}")
    out.print(f"data dir  {info['data_dir']}")
    if info["deployment"] is None:
        out.print(f"[yellow]not deployed[/]: {info['problem']}")
        return
    for name, address in info["deployment"]["contracts"].items():
        out.print(f"{name:<15} {address}")
    table = Table("account", "address", "roles", "organisation id")
    for column in table.columns:
        column.overflow = "fold"  # addresses and ids are useless when cut short
    for account in info["accounts"]:
        table.add_row(
            account["name"], account["address"], ", ".join(account["roles"]) or "-", account["org_id"] or "-"
        )
    out.print(table)


def wait_for_signal() -> None:
    """Blocks until SIGINT or SIGTERM."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


@bench_app.command("chain")
def bench_chain(
    as_json: Annotated[bool, typer.Option("--json", help="Print only the JSON result")] = False,
    transfers: Annotated[int, typer.Option(min=10, help="Custody transfers per measured path")] = 500,
) -> None:
    """Gas per operation and sustained transfer_custody throughput on a fresh anvil."""
    from ._bench import run_chain_bench

    with chain_errors(), progress_bar(transfers, "bench chain") as advance:
        result = run_chain_bench(transfers, advance)
    print(json.dumps(result, indent=None if as_json else 2))


def _load_plugins() -> None:
    for entry in entry_points(group="suyuan.cli"):
        entry.load()(app, bench_app)


def main() -> None:
    _load_plugins()
    app(prog_name="suyuan")


if __name__ == "__main__":
    # Run the imported module, not this __main__ copy, so that plugins and commands share state.
    from chain import cli

    cli.main()
