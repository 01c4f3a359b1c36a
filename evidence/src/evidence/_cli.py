"""``suyuan-evidence verify`` (also ``python -m evidence verify``): a proof bundle checked offline.

What an auditor or a scanner runs with only the ``suyuan-evidence`` distribution installed: the
bundle's bytes, inclusion proof and checkpoint signature are checked with the log's verifier key,
without a database, a chain client or the web stack. Whether the checkpoint's root is anchored on
chain is left to ``suyuan verify --bundle``, which reads the chain. Exit status: 0 verified,
1 verification failed (the failing step is named), 2 unusable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._bundle import verify_bundle
from ._errors import VerificationError

EXIT_FAILED, EXIT_USAGE = 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line ``argv`` (``sys.argv[1:]`` when None) and returns its exit status."""
    args = _parser().parse_args(argv)
    try:
        bundle = _load_bundle(args.bundle)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    key = args.key
    if key is None:
        print("warning: trusting the verifier key named inside the bundle", file=sys.stderr)
        key = bundle.get("verifier_key")
        if not isinstance(key, str):
            print("error: --key: the bundle names no verifier key; give the log's key", file=sys.stderr)
            return EXIT_USAGE
    try:
        result = verify_bundle(bundle, key)
    except VerificationError as exc:
        print(f"verification failed at step '{exc.step}': {exc.detail}", file=sys.stderr)
        return EXIT_FAILED
    for step in result.steps:
        print(f"✓ {step}")
    print("- on-chain anchor not checked (offline; `suyuan verify --bundle` checks it)")
    print(f"verified: record {result.record_id!r} (leaf {result.index})")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="suyuan-evidence", description="The Suyuan evidence ledger, offline."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser(
        "verify",
        help="verify a proof bundle: canonical bytes, inclusion proof, checkpoint signature",
        description="Verify a proof bundle offline: canonical bytes, inclusion proof, checkpoint signature.",
    )
    verify.add_argument(
        "bundle", type=Path, help="the proof bundle (JSON), as `suyuan ledger proof` writes it"
    )
    verify.add_argument("--key", help="trusted verifier key of the log (default: the one the bundle names)")
    return parser


def _load_bundle(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read bundle {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"bundle {path} is not a JSON object")
    return data
