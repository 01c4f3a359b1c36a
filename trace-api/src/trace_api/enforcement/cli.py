"""``suyuan enforcement templates|keygen|sign|list|show|verify``: mobile enforcement from a shell.

``keygen`` and ``sign`` run on the inspector's own machine and touch no server: the private key
is made and kept there, and ``sign`` prints the signature of a document's PDF as the body of
``POST /v1/enforcement/documents/{id}/signature``. ``list``, ``show`` and ``verify`` read with the
operator's access to the data directory, acting as the organisation named by ``--as`` or by
default as the first regulator; ``verify`` checks a PDF's signature, its key's registration and
that its records are in the ledger (their anchors on chain: ``POST /v1/enforcement/verify``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chain.cli import fail, out
from evidence import leaf_hash

from ..codes.cli import cli_errors, settings
from ..paperwork.cli import AsOption, local_time, reading
from .checklists import CHECKLISTS
from .service import describe_in_full, describe_inspection, get_inspection, list_inspections
from .verification import check_signed

enforcement_app = typer.Typer(
    help="Mobile enforcement (移动执法): templates, signing keys, inspections, documents.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document")]


def _json(data: Any) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False))


@enforcement_app.command("templates")
def templates_command(as_json: JsonOption = False) -> None:
    """The inspection templates, each item with its legal basis."""
    described = [c.describe() for c in CHECKLISTS.values()]
    if as_json:
        _json({"templates": described})
        return
    for each in described:
        out.print(f"{each['code']}  {each['name']} (v{each['version']})")
        for item in each["items"]:
            out.print(f"  {item['code']}  {item['text']}  [{item['legal_basis']}]")


@enforcement_app.command("keygen")
def keygen(
    path: Annotated[Path, typer.Argument(help="Where to write the private key (PEM, mode 0600)")],
) -> None:
    """Make an inspector's Ed25519 signing key; prints the public key to register
    (PUT /v1/enforcement/inspectors/me/signing-key). The private key stays in PATH."""
    if path.exists():
        fail(f"{path} exists; not overwriting a key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    out.print(public.decode().strip(), highlight=False)


def _private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    except (ValueError, TypeError) as exc:
        fail(f"{path} is not an unencrypted PEM private key: {exc}")
    if not isinstance(key, Ed25519PrivateKey):
        fail(f"{path} is not an Ed25519 key")
    return key


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")


@enforcement_app.command("sign")
def sign(
    pdf: Annotated[
        Path, typer.Argument(help="The document's PDF, as GET /v1/enforcement/documents/{id}/pdf gave it")
    ],
    key: Annotated[Path, typer.Option("--key", help="The inspector's private key (from keygen)")],
) -> None:
    """Sign the PDF's bytes with the inspector's key; prints the signature's request body."""
    data = _read(pdf)
    if not data.startswith(b"%PDF-"):
        fail(f"{pdf} is not a PDF")
    signature = _private_key(key).sign(data)
    _json({"signature": base64.b64encode(signature).decode(), "pdf_sha256": hashlib.sha256(data).hexdigest()})


@enforcement_app.command("list")
def list_command(
    party: Annotated[str | None, typer.Option(help="Only this party's (handle)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first")] = 50,
    as_json: JsonOption = False,
    acting: AsOption = None,
) -> None:
    """List inspections, newest first."""
    with cli_errors(), reading(acting) as (_, session, member):
        found, _cursor = list_inspections(session, member, party, limit)
        rows = [describe_inspection(session, i) for i in found]
    if as_json:
        _json({"inspections": rows})
        return
    if not rows:
        out.print("no inspection matches")
    for row in rows:
        out.print(
            f"{row['id']}  {local_time(row['inspected_at'])}  {row['party']}  {row['template']}  "
            f"failed {row['failed_items']}"
        )


@enforcement_app.command("show")
def show(number: str, as_json: JsonOption = False, acting: AsOption = None) -> None:
    """An inspection with every finding, as its ledger record holds them."""
    with cli_errors(), reading(acting) as (ledger, session, member):
        data = describe_in_full(ledger, session, get_inspection(session, member, number))
    if as_json:
        _json(data)
        return
    record = data["record"]
    out.print(
        f"{data['id']}  {record['template_name']}  {record['party']['name']} ({record['party']['uscc']})"
    )
    out.print(
        f"inspector {record['inspector_name']} ({record['badge_no']}), {local_time(data['inspected_at'])}"
    )
    for finding in record["findings"]:
        note = f" — {finding['note']}" if finding["note"] else ""
        out.print(f"  {finding['item']}  {finding['result']:<14} {finding['text']}{note}")


@enforcement_app.command("verify")
def verify(
    pdf: Annotated[Path, typer.Argument(help="A signed enforcement document's PDF")],
    as_json: JsonOption = False,
) -> None:
    """Check a document's PDF: the inspector's signature over its bytes, the key's registration,
    and its records in the ledger. Exits non-zero when it does not check."""
    data = _read(pdf)
    with cli_errors(), reading(None) as (ledger, session, _):

        def in_ledger(record_id: str) -> dict[str, Any]:
            stored = ledger.get(record_id, conn=session.connection())
            return {
                "status": "in_ledger",
                "record_id": record_id,
                "index": stored.index,
                "leaf_hash": leaf_hash(stored.body).hex(),
            }

        check = check_signed(ledger, settings().documents_dir, session, None, data, in_ledger)
        result = {**check.as_json(), "proven": "in_ledger"}
    if as_json:
        _json(result)
        return
    out.print(
        f"{result['document_id']}  {result['kind_name']}  "
        f"signature valid (Ed25519, badge {result['signature']['badge_no']})"
    )
    for name, proof in result["proofs"].items():
        out.print(f"  {name:<14} {proof['record_id']}  index {proof['index']}  leaf {proof['leaf_hash']}")
