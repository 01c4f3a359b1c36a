"""The chain side of Suyuan: contracts, the typed web3.py client, the local node, deployment."""

from ._api import AnchoredCheckpoint, BatchRecord, ChainClient, Role, id_hash
from ._client import ChainEvent, ContractClient, TxResult, connect
from ._compile import check_artifacts, compile_contracts, load_artifact, write_artifacts
from ._deploy import Deployment, deploy_contracts, verify_deployment
from ._errors import (
    AccessDenied,
    ArtifactsOutOfDate,
    BatchExists,
    BatchRecalled,
    ChainError,
    CheckpointConflict,
    CompileError,
    ContractRevert,
    DeploymentError,
    KeystoreError,
    NodeError,
    NotHolder,
    ToolchainError,
    TransactionFailed,
    UnknownBatch,
    UnknownRevert,
)
from ._keys import Keystore
from ._node import LocalNode, running_node_url
from ._session import ChainSession, ensure_deployed, keystore_for, open_chain
from ._settings import Settings, default_data_dir
from ._toolchain import CONTRACT_NAMES, EVM_VERSION, SOLC_VERSION
from ._wait import ReceiptWait

__all__ = [
    "CONTRACT_NAMES",
    "EVM_VERSION",
    "SOLC_VERSION",
    "AccessDenied",
    "AnchoredCheckpoint",
    "ArtifactsOutOfDate",
    "BatchExists",
    "BatchRecalled",
    "BatchRecord",
    "ChainClient",
    "ChainError",
    "ChainEvent",
    "ChainSession",
    "CheckpointConflict",
    "CompileError",
    "ContractClient",
    "ContractRevert",
    "Deployment",
    "DeploymentError",
    "Keystore",
    "KeystoreError",
    "LocalNode",
    "NodeError",
    "NotHolder",
    "ReceiptWait",
    "Role",
    "Settings",
    "ToolchainError",
    "TransactionFailed",
    "TxResult",
    "UnknownBatch",
    "UnknownRevert",
    "check_artifacts",
    "compile_contracts",
    "connect",
    "default_data_dir",
    "deploy_contracts",
    "ensure_deployed",
    "id_hash",
    "keystore_for",
    "load_artifact",
    "open_chain",
    "running_node_url",
    "verify_deployment",
    "write_artifacts",
]
