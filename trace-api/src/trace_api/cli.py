"""``suyuan ledger``, ``suyuan org``, ``suyuan codes``, ``suyuan export``, ``suyuan equipment``,
``suyuan filing``, ``suyuan permit``, ``suyuan selfcheck``, ``suyuan credit``,
``suyuan enforcement``, ``suyuan risk``, ``suyuan verify``, ``suyuan audit`` and
``suyuan chain reconcile``.

The ``suyuan`` root adds them through :func:`register`.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from chain import ChainClient, ChainError, ensure_deployed, open_chain
from chain.cli import chain_app, cli_settings, console, fail, failing_on, out, progress_bar, wait_for_signal
from evidence import (
    LedgerError,
    VerificationError,
    audit_log,
    chain_anchors,
    make_anchorer,
    open_ledger,
    parse_record,
    proof_bundle,
    verify_bundle,
    verify_record,
)

from .codes.cli import codes_app
from .credit.cli import credit_app
from .enforcement.cli import enforcement_app
from .equipment.cli import equipment_app
from .errors import DomainError
from .exports.cli import export_app
from .filings.cli import filing_app
from .permits.cli import permit_app
from .reconcile.service import reconcile
from .risk.cli import risk_app
from .selfcheck.cli import selfcheck_app
from .services import Services, build_services
from .settings import ServiceSettings

ledger_app = typer.Typer(
    help="The evidence ledger: append, checkpoints, anchoring, proofs.", no_args_is_help=True
)


org_app = typer.Typer(help="Organisations of the network and their API keys.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(org_app, name="org")
    app.add_typer(codes_app, name="codes")
    app.add_typer(export_app, name="export")
    app.add_typer(equipment_app, name="equipment")
    app.add_typer(filing_app, name="filing")
    app.add_typer(permit_app, name="permit")
    app.add_typer(selfcheck_app, name="selfcheck")
    app.add_typer(credit_app, name="credit")
    app.add_typer(enforcement_app, name="enforcement")
    app.add_typer(risk_app, name="risk")
    chain_app.command("reconcile")(chain_reconcile)
    app.command("verify")(verify)
    app.command("audit")(audit)


def settings() -> ServiceSettings:
    return cli_settings(ServiceSettings)


def ledger_errors() -> AbstractContextManager[None]:
    return failing_on(LedgerError, ChainError)


@contextmanager
def opened_services() -> Iterator[Services]:
    """The services over the configured chain and database, for commands that act directly."""
    config = settings()
    with ledger_errors(), open_chain(config) as session:
        ensure_deployed(session)
        yield build_services(config, session)


@org_app.command("add")
def org_add(
    handle: Annotated[str, typer.Option(help="Short unique name, e.g. haixian-import")],
    name: Annotated[str, typer.Option(help="Registered name")],
    org_type: Annotated[
        str,
        typer.Option(
            "--type",
            help="importer, wholesaler, retailer, restaurant, market, regulator, vendor, maintainer, "
            "user_unit, producer",
        ),
    ],
    uscc: Annotated[str, typer.Option(help="Unified social credit code (统一社会信用代码)")],
    jurisdiction: Annotated[str, typer.Option(help="Supervising jurisdiction")],
    gln: Annotated[str | None, typer.Option(help="GS1 Global Location Number")] = None,
) -> None:
    """Admit an organisation: chain account with its role, and a first API key (shown once)."""
    from pydantic import ValidationError

    from .orgs.service import OrganisationIn, admission_record_id, admit_organisation

    try:
        data = OrganisationIn.model_validate(
            {
                "handle": handle,
                "name": name,
                "org_type": org_type,
                "uscc": uscc,
                "jurisdiction": jurisdiction,
                "gln": gln,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"invalid --{'.'.join(str(p) for p in first['loc']).replace('_', '-')}: {first['msg']}")
    with opened_services() as services:
        try:
            org, key = admit_organisation(services, data)
        except DomainError as exc:
            fail(exc.detail)
        chain = _send_owed(services, admission_record_id(org))
    out.print(f"admitted {org.handle} ({org.org_type.value}), chain account {org.chain_address}")
    if chain == "confirmed":
        out.print(f"chain role: {org.org_type.chain_role.name.lower()}, granted")
    else:
        out.print(f"chain role: {chain}; the chain worker of `suyuan up` grants it")
    out.print(f"API key (shown once): {key}")


def _send_owed(services: Services, record_id: str) -> str:
    """Sends the chain calls owed so far, unless another process's chain worker holds the chain;
    where the record's call stands then (``confirmed``, ``pending`` or ``failed``)."""
    from sqlmodel import Session

    from .chainops import ChainWorker, record_chain_status

    try:
        ChainWorker(services).drain()
    except ChainError as exc:
        console.print(f"the chain worker could not send yet: {exc}")
    with Session(services.engine) as session:
        status = record_chain_status(session, record_id)
    return status["status"] if status else "pending"


def _read_records(source: str) -> list[dict[str, Any]]:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    stripped = text.strip()
    try:
        if stripped.startswith("["):
            loaded = json.loads(stripped)
            return loaded if isinstance(loaded, list) else [loaded]
        if stripped.startswith("{") and "\n{" not in stripped:
            return [json.loads(stripped)]
        return [json.loads(line) for line in stripped.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        fail(f"{source}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")


@ledger_app.command("append")
def ledger_append(
    source: Annotated[
        str, typer.Argument(help="JSON file of one record, an array, or JSON lines; - for stdin")
    ] = "-",
) -> None:
    """Append records (atomically, in order) and print one receipt per record."""
    raw = _read_records(source)
    records = []
    for number, item in enumerate(raw, start=1):
        try:
            records.append(parse_record(item if isinstance(item, dict) else {}))
        except LedgerError as exc:
            fail(f"record {number}: {exc}")
    with ledger_errors():
        receipts = open_ledger(settings()).append_many(records)
    for receipt in receipts:  # one JSON object per line
        line = {
            "record_id": receipt.record_id,
            "index": receipt.index,
            "leaf_hash": receipt.leaf_hash.hex(),
            "duplicate": receipt.duplicate,
        }
        print(json.dumps(line))


def chain_reconcile(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    repair: Annotated[
        bool, typer.Option("--repair", help="Replay on chain the committed facts the chain lacks")
    ] = False,
) -> None:
    """Compare on-chain custody of every lot with the database; exit 1 while differences remain.

    Differences the chain cannot prove are recorded once each as ``chain.difference`` ledger
    records for a regulator to decide; --repair replays what the ledger proves, in ledger order.
    """
    with opened_services() as services, progress_bar(0, "lots") as advance:
        report = reconcile(services, repair=repair, progress=lambda done, of: advance("lots", done, of))
    if as_json:
        out.print_json(json.dumps(report.describe()))
    else:
        for fixed in report.repairs:
            out.print(f"repaired  {fixed.batch_id}: replayed {fixed.kind} {fixed.record_id}", highlight=False)
        for difference in report.remaining:
            out.print(f"differs   {difference.batch_id}: {difference.detail}", highlight=False)
        out.print(
            f"{report.checked} lots checked, {len(report.found)} differences found, "
            f"{len(report.repairs)} repaired, {len(report.remaining)} remaining"
        )
    if report.remaining:
        raise typer.Exit(1)


@ledger_app.command("status")
def ledger_status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """Size, root, latest checkpoint and how much is anchored."""
    with ledger_errors():
        ledger = open_ledger(settings())
        size = ledger.size()
        latest = ledger.latest_checkpoint()
        pending = ledger.checkpoints(unanchored_only=True)
        info = {
            "origin": ledger.origin,
            "verifier_key": ledger.signer.verifier_key(),
            "size": size,
            "root": ledger.root(size).hex(),
            "latest_checkpoint": latest.tree_size if latest else None,
            "latest_anchored": ledger.latest_anchored_size(),
            "pending_checkpoints": [cp.tree_size for cp in pending],
        }
    if as_json:
        out.print_json(json.dumps(info))
        return
    for key, value in info.items():
        out.print(f"{key:<20} {value}")


@ledger_app.command("checkpoint")
def ledger_checkpoint() -> None:
    """Sign a checkpoint of the log now (if it grew) and print it."""
    with ledger_errors():
        checkpoint = open_ledger(settings()).checkpoint()
    out.print(checkpoint.note if checkpoint else "the log is empty: nothing to checkpoint", end="")


@ledger_app.command("anchor")
def ledger_anchor(
    once: Annotated[bool, typer.Option("--once", help="Anchor what is pending, then exit")] = False,
) -> None:
    """Run the anchorer: checkpoint every N records or T seconds and commit each checkpoint on chain."""
    config = settings()
    with ledger_errors(), open_chain(config) as session:
        ensure_deployed(session)
        anchorer = make_anchorer(config, session, open_ledger(config))
        anchorer.reconcile()
        if once:
            anchorer.ledger.checkpoint()
            count = anchorer.step()
            out.print(f"anchored {count} checkpoint(s)")
            return
        stop = anchorer.loop().start()
        out.print(f"anchoring log {anchorer.ledger.origin!r}; Ctrl-C stops")
        try:
            wait_for_signal()
        finally:
            stop()


@ledger_app.command("proof")
def ledger_proof(record_id: Annotated[str, typer.Argument(help="The record's id")]) -> None:
    """Print the record's proof bundle (bytes, inclusion proof, signed checkpoint, anchor) as JSON."""
    with ledger_errors():
        bundle = proof_bundle(open_ledger(settings()), record_id)
    print(json.dumps(bundle, indent=2))


@ledger_app.command("consistency")
def ledger_consistency(
    size1: Annotated[int, typer.Argument(help="The earlier tree size (a checkpoint's)")],
    size2: Annotated[int, typer.Argument(help="The later tree size")],
) -> None:
    """Print an RFC 9162 consistency proof between two tree sizes, with both roots, as JSON."""
    with ledger_errors():
        ledger = open_ledger(settings())
        proof = ledger.consistency_proof(size1, size2)
        roots = [ledger.root(size1), ledger.root(size2)]
    b64 = [base64.b64encode(h).decode() for h in (*roots, *proof)]
    answer = {"origin": ledger.origin, "size1": size1, "size2": size2, "root1": b64[0], "root2": b64[1]}
    print(json.dumps({**answer, "proof": b64[2:]}, indent=2))


def verify(
    record_id: Annotated[str | None, typer.Argument(help="Record id in the local ledger")] = None,
    bundle: Annotated[
        Path | None, typer.Option("--bundle", help="Verify a proof bundle file instead")
    ] = None,
    key: Annotated[
        str | None, typer.Option("--key", help="Trusted verifier key of the log (for --bundle)")
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Skip the on-chain root check")] = False,
) -> None:
    """Verify a record: canonical bytes, inclusion proof, checkpoint signature, on-chain root."""
    if (record_id is None) == (bundle is None):
        fail("give either RECORD_ID or --bundle FILE")
    config = settings()
    try:
        with _maybe_chain(config, offline) as client:
            if bundle is not None:
                data = _load_bundle(bundle)
                trusted = key or data.get("verifier_key")
                if key is None:
                    console.print("[yellow]warning:[/] trusting the verifier key named inside the bundle")
                result = verify_bundle(data, str(trusted), chain_anchors(client))
            else:
                assert record_id is not None
                result = verify_record(open_ledger(config), record_id, client)
    except VerificationError as exc:
        fail(f"verification failed at step '{exc.step}': {exc.detail}")
    except (LedgerError, ChainError) as exc:
        fail(str(exc))
    for step in result.steps:
        out.print(f"[green]✓[/] {step}")
    out.print(f"verified: record {result.record_id!r} (leaf {result.index})")


def _load_bundle(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"cannot read bundle {path}: {exc}")
    if not isinstance(data, dict):
        fail(f"bundle {path} is not a JSON object")
    return data


@contextmanager
def _maybe_chain(config: ServiceSettings, offline: bool) -> Iterator[ChainClient | None]:
    if offline:
        yield None
        return
    with open_chain(config) as session:
        yield session.client()


def audit(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Skip the on-chain anchors")] = False,
) -> None:
    """Recompute the whole log and check it against every signed checkpoint and on-chain anchor."""
    config = settings()
    try:
        with _maybe_chain(config, offline) as client:
            ledger = open_ledger(config)
            with progress_bar(ledger.size(), "audit") as advance:
                report = audit_log(ledger, client, advance)
    except VerificationError as exc:
        where = f" (leaf {exc.index})" if exc.index is not None else ""
        if exc.span is not None:
            where = f" (leaves {exc.span[0]}–{exc.span[1] - 1})"
        message = f"audit failed at step '{exc.step}'{where}: {exc.detail}"
        _audit_failed(as_json, message, step=exc.step, index=exc.index, span=exc.span, detail=exc.detail)
    except (LedgerError, ChainError) as exc:
        _audit_failed(as_json, str(exc), step=None, index=None, span=None, detail=str(exc))
    summary = {
        "passed": True,
        "records": report.records,
        "root": report.root.hex(),
        "checkpoints_checked": report.checkpoints_checked,
        "anchors_checked": report.anchors_checked,
    }
    if as_json:
        out.print_json(json.dumps(summary))
    else:
        out.print(
            f"audit passed: {report.records} records, {report.checkpoints_checked} signed checkpoints, "
            f"{report.anchors_checked} on-chain anchors consistent; root {summary['root']}"
        )


def _audit_failed(as_json: bool, message: str, **where: Any) -> NoReturn:
    """A failed audit: with ``--json`` its result on stdout too, for the scripts that read it."""
    if as_json:
        span = where.get("span")
        out.print_json(
            json.dumps({"passed": False, **where, "span": list(span) if span else None, "message": message})
        )
    fail(message)
