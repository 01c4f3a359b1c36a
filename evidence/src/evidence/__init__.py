"""The evidence ledger: an RFC 9162 Merkle log of RFC 8785 record bytes, with C2SP signed
checkpoints anchored on chain, proofs, verification and audit.

The pure part (Merkle trees and proofs, canonical record bytes, records, signed checkpoints,
verification of a proof bundle) needs no database and no chain, and is what ``import evidence``
loads: a scanner or an auditor verifies a bundle offline without SQLAlchemy or web3. The store (the
log's tables under their own migrations, the writer lock, the anchorer, the audit, the chain's
anchors for the bundle checks, background loops) keeps the log in SQLite or PostgreSQL and is
loaded on first use of one of its names (PEP 562). Other components write facts only through
:meth:`Ledger.append` / :meth:`Ledger.append_many`, inside their own write transaction
(:func:`write_transaction`), and run background work as :class:`BackgroundLoop`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._bundle import AnchoredRoot, ConsistencyProofs, RootAnchors, VerifiedRecord, verify_bundle
from ._bundle_check import (
    BUNDLE_STEPS,
    BundleCheck,
    MalformedBundle,
    StepResult,
    StepStatus,
    check_bundle,
)
from ._checkpoint import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    generate_signing_key,
    load_signing_key,
    parse_checkpoint,
    save_signing_key,
)
from ._errors import (
    AnchorError,
    AnchorUnreadable,
    CheckpointError,
    InvalidRecord,
    LedgerError,
    NotAnchored,
    ProofError,
    RecordConflict,
    SignatureError,
    UnknownRecord,
    VerificationError,
)
from ._merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    Frontier,
    NodeKey,
    NodeReader,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    perfect_nodes_for_range,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    subtree_root,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from ._records import (
    Actor,
    Record,
    Subject,
    Timestamp,
    parse_record,
    parse_rfc3339,
    record_from_bytes,
    rfc3339,
    utc_datetime,
    utc_now,
)

if TYPE_CHECKING:
    from ._anchorer import Anchorer, anchor_bound_s, log_id_of
    from ._audit import AuditReport, audit_log
    from ._audits import (
        AuditOutcome,
        AuditStatus,
        AuditStopped,
        StoredAudit,
        audits_page,
        close_audit,
        insert_audit,
        latest_finished_audit,
        note_audit_progress,
        read_audit,
        run_audit,
        running_audit,
    )
    from ._background import BackgroundLoop, LoopHealth, start_thread
    from ._bulk import BulkInsert, bulk_insert
    from ._db import failure_text, is_contention, make_engine, read_transaction, sqlite_url, write_transaction
    from ._leader import Leadership
    from ._ledger import Ledger, Receipt, StoredCheckpoint, StoredRecord
    from ._migrate import VERSION_TABLE as LEDGER_VERSION_TABLE
    from ._migrate import ledger_revision, upgrade_ledger_tables
    from ._service import make_anchorer, open_ledger
    from ._settings import LedgerSettings
    from ._tables import LEDGER_TABLES
    from ._verify import ChainAnchors, chain_anchors, check_record, proof_bundle, verify_record

#: The store's public names, by the module that defines them: each is imported on first use.
_STORE_MODULES = {
    "._anchorer": ("Anchorer", "anchor_bound_s", "log_id_of"),
    "._audit": ("AuditReport", "audit_log"),
    "._audits": (
        "AuditOutcome",
        "AuditStatus",
        "AuditStopped",
        "StoredAudit",
        "audits_page",
        "close_audit",
        "insert_audit",
        "latest_finished_audit",
        "note_audit_progress",
        "read_audit",
        "run_audit",
        "running_audit",
    ),
    "._background": ("BackgroundLoop", "LoopHealth", "start_thread"),
    "._bulk": ("BulkInsert", "bulk_insert"),
    "._db": (
        "failure_text",
        "is_contention",
        "make_engine",
        "read_transaction",
        "sqlite_url",
        "write_transaction",
    ),
    "._leader": ("Leadership",),
    "._ledger": ("Ledger", "Receipt", "StoredCheckpoint", "StoredRecord"),
    "._migrate": ("ledger_revision", "upgrade_ledger_tables"),
    "._service": ("make_anchorer", "open_ledger"),
    "._settings": ("LedgerSettings",),
    "._tables": ("LEDGER_TABLES",),
    "._verify": ("ChainAnchors", "chain_anchors", "check_record", "proof_bundle", "verify_record"),
}
_STORE = {name: module for module, names in _STORE_MODULES.items() for name in names}
#: Names the store's modules define under another name.
_RENAMED = {"LEDGER_VERSION_TABLE": ("._migrate", "VERSION_TABLE")}


def __getattr__(name: str) -> Any:
    module, attribute = _RENAMED.get(name) or (_STORE.get(name), name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), attribute)
    globals()[name] = value  # the next lookup finds it without this function
    return value


__all__ = [
    "BUNDLE_STEPS",
    "EMPTY_ROOT",
    "HASH_SIZE",
    "LEDGER_TABLES",
    "LEDGER_VERSION_TABLE",
    "Actor",
    "AnchorError",
    "AnchorUnreadable",
    "AnchoredRoot",
    "Anchorer",
    "AuditOutcome",
    "AuditReport",
    "AuditStatus",
    "AuditStopped",
    "BackgroundLoop",
    "BulkInsert",
    "BundleCheck",
    "ChainAnchors",
    "Checkpoint",
    "CheckpointError",
    "ConsistencyProofs",
    "Frontier",
    "InvalidRecord",
    "Leadership",
    "Ledger",
    "LedgerError",
    "LedgerSettings",
    "LoopHealth",
    "MalformedBundle",
    "NodeKey",
    "NodeReader",
    "NotAnchored",
    "NoteSigner",
    "NoteVerifier",
    "ProofError",
    "Receipt",
    "Record",
    "RecordConflict",
    "RootAnchors",
    "SignatureError",
    "StepResult",
    "StepStatus",
    "StoredAudit",
    "StoredCheckpoint",
    "StoredRecord",
    "Subject",
    "Timestamp",
    "UnknownRecord",
    "VerificationError",
    "VerifiedRecord",
    "anchor_bound_s",
    "audit_log",
    "audits_page",
    "bulk_insert",
    "chain_anchors",
    "check_bundle",
    "check_record",
    "close_audit",
    "consistency_proof",
    "failure_text",
    "generate_signing_key",
    "inclusion_proof",
    "insert_audit",
    "is_contention",
    "latest_finished_audit",
    "leaf_hash",
    "ledger_revision",
    "load_signing_key",
    "log_id_of",
    "make_anchorer",
    "make_engine",
    "node_hash",
    "note_audit_progress",
    "open_ledger",
    "parse_checkpoint",
    "parse_record",
    "parse_rfc3339",
    "perfect_nodes_for_range",
    "proof_bundle",
    "read_audit",
    "read_transaction",
    "record_from_bytes",
    "rfc3339",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "run_audit",
    "running_audit",
    "save_signing_key",
    "sqlite_url",
    "start_thread",
    "subtree_root",
    "tree_root",
    "upgrade_ledger_tables",
    "utc_datetime",
    "utc_now",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
    "verify_record",
    "write_transaction",
]
