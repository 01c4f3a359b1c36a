"""The evidence ledger: an RFC 9162 Merkle log with C2SP signed checkpoints.

This package holds the storage-agnostic cryptographic core; stores read and write the
perfect-subtree nodes it names.
"""

from ._checkpoint import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    generate_signing_key,
    load_signing_key,
    parse_checkpoint,
    save_signing_key,
)
from ._errors import CheckpointError, LedgerError, ProofError, SignatureError
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

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Checkpoint",
    "CheckpointError",
    "Frontier",
    "LedgerError",
    "NodeKey",
    "NodeReader",
    "NoteSigner",
    "NoteVerifier",
    "ProofError",
    "SignatureError",
    "consistency_proof",
    "generate_signing_key",
    "inclusion_proof",
    "leaf_hash",
    "load_signing_key",
    "node_hash",
    "parse_checkpoint",
    "perfect_nodes_for_range",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "save_signing_key",
    "subtree_root",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]
