"""The evidence ledger: an RFC 9162 Merkle log of RFC 8785 record bytes, with C2SP signed
checkpoints anchored on chain, proofs, verification and audit.

The pure part (Merkle trees and proofs, canonical record bytes, records, signed checkpoints,
verification of a proof bundle) needs no database; the store (the log's tables under their own
migrations, the writer lock, the anchorer, the audit) keeps the log in SQLite or PostgreSQL.
Other components write facts only through :meth:`Ledger.append` / :meth:`Ledger.append_many`,
inside their own write transaction (:func:`write_transaction`), and run background work as
:class:`BackgroundLoop`.
"""

from ._anchorer import Anchorer, anchor_bound_s, log_id_of
from ._audit import AuditReport, audit_log
from ._background import BackgroundLoop, LoopHealth, start_thread
from ._checkpoint import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    generate_signing_key,
    load_signing_key,
    parse_checkpoint,
    save_signing_key,
)
from ._db import failure_text, is_contention, make_engine, read_transaction, sqlite_url, write_transaction
from ._errors import (
    AnchorError,
    CheckpointError,
    InvalidRecord,
    LedgerError,
    ProofError,
    RecordConflict,
    SignatureError,
    UnknownRecord,
    VerificationError,
)
from ._ledger import Ledger, Receipt, StoredCheckpoint, StoredRecord
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
from ._migrate import VERSION_TABLE as LEDGER_VERSION_TABLE
from ._migrate import ledger_revision, upgrade_ledger_tables
from ._records import (
    Actor,
    Record,
    Subject,
    Timestamp,
    parse_record,
    parse_rfc3339,
    record_from_bytes,
    utc_datetime,
    utc_now,
)
from ._service import make_anchorer, open_ledger
from ._settings import LedgerSettings
from ._tables import LEDGER_TABLES
from ._verify import VerifiedRecord, proof_bundle, verify_bundle, verify_record

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "LEDGER_TABLES",
    "LEDGER_VERSION_TABLE",
    "Actor",
    "AnchorError",
    "Anchorer",
    "AuditReport",
    "BackgroundLoop",
    "Checkpoint",
    "CheckpointError",
    "Frontier",
    "InvalidRecord",
    "Ledger",
    "LedgerError",
    "LedgerSettings",
    "LoopHealth",
    "NodeKey",
    "NodeReader",
    "NoteSigner",
    "NoteVerifier",
    "ProofError",
    "Receipt",
    "Record",
    "RecordConflict",
    "SignatureError",
    "StoredCheckpoint",
    "StoredRecord",
    "Subject",
    "Timestamp",
    "UnknownRecord",
    "VerificationError",
    "VerifiedRecord",
    "anchor_bound_s",
    "audit_log",
    "consistency_proof",
    "failure_text",
    "generate_signing_key",
    "inclusion_proof",
    "is_contention",
    "leaf_hash",
    "ledger_revision",
    "load_signing_key",
    "log_id_of",
    "make_anchorer",
    "make_engine",
    "node_hash",
    "open_ledger",
    "parse_checkpoint",
    "parse_record",
    "parse_rfc3339",
    "perfect_nodes_for_range",
    "proof_bundle",
    "read_transaction",
    "record_from_bytes",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
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
