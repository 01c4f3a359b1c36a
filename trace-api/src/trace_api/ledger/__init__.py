"""The evidence ledger: an RFC 9162 Merkle log of RFC 8785 record bytes, with C2SP signed
checkpoints anchored on chain, proofs, verification and audit.

Other components write facts only through :meth:`Ledger.append` / :meth:`Ledger.append_many`.
"""

from ._anchorer import Anchorer, log_id_of
from ._audit import AuditReport, audit_log
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
from ._records import Actor, Record, Subject, parse_record, record_from_bytes, utc_datetime, utc_now
from ._service import make_anchorer, open_ledger, start_anchorer
from ._verify import VerifiedRecord, proof_bundle, verify_bundle, verify_record

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Actor",
    "AnchorError",
    "Anchorer",
    "AuditReport",
    "Checkpoint",
    "CheckpointError",
    "Frontier",
    "InvalidRecord",
    "Ledger",
    "LedgerError",
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
    "UnknownRecord",
    "VerificationError",
    "VerifiedRecord",
    "audit_log",
    "consistency_proof",
    "generate_signing_key",
    "inclusion_proof",
    "leaf_hash",
    "load_signing_key",
    "log_id_of",
    "make_anchorer",
    "node_hash",
    "open_ledger",
    "parse_checkpoint",
    "parse_record",
    "perfect_nodes_for_range",
    "proof_bundle",
    "record_from_bytes",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "save_signing_key",
    "start_anchorer",
    "subtree_root",
    "tree_root",
    "utc_datetime",
    "utc_now",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
    "verify_record",
]
