"""The ``chain`` commands, and the helpers every component's commands share.

The helpers: settings under the root's global options (:func:`cli_settings`, which reads the
:class:`GlobalOptions` the root hands over for its run), one-line errors
(:func:`fail`, :func:`failing_on`), the ``out`` and ``console`` consoles, progress bars, waiting
for a signal.
The ``suyuan`` root (the ``suyuan`` package) adds the commands through :func:`register`.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
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
from ._session import (
    ANCHOR_KEY,
    DEFAULT_REGULATOR_ORG,
    REGULATOR_KEY,
    ChainSession,
    describe,
    ensure_deployed,
    open_chain,
)
from ._settings import Settings

#: Where a rotation keeps the anchorer's new key until the old one is revoked.
NEXT_ANCHOR_KEY = "anchor-next"

console = Console(stderr=True)
out = Console(soft_wrap=True)

chain_app = typer.Typer(
    help="The permissioned chain: contracts, node, deployment, members.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(chain_app, name="chain")


S = TypeVar("S", bound=Settings)


@dataclass(frozen=True)
class GlobalOptions:
    """The ``suyuan`` root's global options (``--data-dir``, ``--rpc-url``), for one run of the
    command line: the root hands them over with :func:`use_global_options`, and the commands below
    read them through :func:`cli_settings`."""

    data_dir: Path | None = None
    rpc_url: str | None = None

    def overrides(self) -> dict[str, Any]:
        """The settings these options give, over the environment's."""
        return {name: value for name, value in asdict(self).items() if value is not None}


_OPTIONS: ContextVar[GlobalOptions | None] = ContextVar("suyuan_global_options", default=None)


def use_global_options(context: typer.Context, options: GlobalOptions) -> None:
    """Makes ``options`` the global options of the run that ``context`` (the root's) is for, until
    that run ends: a later run in the same process starts from none."""
    token = _OPTIONS.set(options)
    context.call_on_close(lambda: _OPTIONS.reset(token))


def cli_settings(kind: type[S]) -> S:
    """The settings of ``kind`` from the environment, under the global options of the run of the
    command line in this thread; a bad setting exits with a one-line error naming it."""
    try:
        options = _OPTIONS.get()
        return kind(**(options.overrides() if options is not None else {}))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        fail(f"invalid setting {field}: {first['msg']}")


def fail(message: str, code: int = 1) -> NoReturn:
    """Prints a one-line error and exits non-zero."""
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True, emoji=False)
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
    settings = cli_settings(Settings)
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
    with chain_errors(), open_chain(cli_settings(Settings)) as session:
        deployment, new = ensure_deployed(session, force=force, regulator_org=regulator_org)
        verb = "deployed" if new else "already deployed"
        out.print(f"{verb} on chain {deployment.chain_id}: " + json.dumps(deployment.contracts))


@chain_app.command("status")
def chain_status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """Print node, chain id, block, contracts and the roles of known accounts."""
    with chain_errors(), open_chain(cli_settings(Settings)) as session:
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
    with chain_errors(), open_chain(cli_settings(Settings)) as session:
        client = session.client()
        account = session.keystore.load_or_create(name)
        result = client.grant_member(session.account("regulator"), account.address, chosen, id_hash(org))
        out.print(
            f"granted {chosen.name.lower()} to {name} ({account.address}) in block {result.block_number}"
        )


@chain_app.command("rotate-anchor-key")
def chain_rotate_anchor_key(
    org: Annotated[
        str, typer.Option(help="Organisation identifier the anchorer is bound to")
    ] = DEFAULT_REGULATOR_ORG,
) -> None:
    """Give the anchorer a new key: granted the anchor role, then the old key's role revoked and the
    old key kept aside as anchor-retired-<address>. Stop the anchorer first; start it again after."""
    with chain_errors(), open_chain(cli_settings(Settings)) as session:
        client, keystore = session.client(), session.keystore
        regulator = session.account(REGULATOR_KEY)
        old = keystore.load(ANCHOR_KEY)
        new = keystore.load_or_create(NEXT_ANCHOR_KEY)  # kept from a rotation that stopped half-way
        if Role.ANCHOR not in client.roles_of(new.address):
            client.grant_member(regulator, new.address, Role.ANCHOR, id_hash(org))
        if Role.ANCHOR in client.roles_of(old.address):
            client.revoke_member(regulator, old.address, Role.ANCHOR)
        retired = f"anchor-retired-{old.address[2:10].lower()}"
        keystore.rename(ANCHOR_KEY, retired)
        keystore.rename(NEXT_ANCHOR_KEY, ANCHOR_KEY)
        out.print(
            f"anchorer key rotated: {new.address} anchors now; {old.address} revoked, kept as {retired}"
        )


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
