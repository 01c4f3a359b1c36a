"""The chain package's exception hierarchy, rooted in :class:`ChainError`."""

from __future__ import annotations

from typing import Any


class ChainError(Exception):
    """Base of every error raised by the chain package."""


class ToolchainError(ChainError):
    """A chain tool (anvil, solc-js) is missing or failed."""


class CompileError(ToolchainError):
    """The Solidity compiler reported errors."""


class ArtifactsOutOfDate(ChainError):
    """The committed contract artifacts differ from a fresh compile."""


class NodeError(ChainError):
    """The chain node could not be started, reached or stopped."""


class KeystoreError(ChainError):
    """A key could not be created, found or decrypted."""


class DeploymentError(ChainError):
    """The contracts are not deployed where expected, or the record does not match the chain."""


class TransactionFailed(ChainError):
    """A transaction could not be sent or was not mined in time."""


class ContractRevert(ChainError):
    """A contract call reverted with a custom error, decoded against the contracts' ABIs."""

    def __init__(self, error_name: str, error_args: dict[str, Any], tx_hash: str | None = None) -> None:
        self.error_name = error_name
        self.error_args = error_args
        self.tx_hash = tx_hash
        rendered = ", ".join(f"{k}={_render(v)}" for k, v in error_args.items())
        super().__init__(f"{error_name}({rendered})")


class AccessDenied(ContractRevert):
    """The sender lacks the role the function requires."""


class UnknownBatch(ContractRevert):
    """No such batch is registered on chain."""


class BatchExists(ContractRevert):
    """The batch id is registered already."""


class NotHolder(ContractRevert):
    """The sender does not hold the batch."""


class BatchRecalled(ContractRevert):
    """The batch, or an ancestor of it, is under recall."""


class CheckpointConflict(ContractRevert):
    """A checkpoint does not extend the log's anchored checkpoints."""


class UnknownRevert(ChainError):
    """A call reverted without a custom error this package knows."""


_BY_ERROR_NAME: dict[str, type[ContractRevert]] = {
    "AccessControlUnauthorizedAccount": AccessDenied,
    "BatchRegistryMissingRole": AccessDenied,
    "EvidenceAnchorMissingRole": AccessDenied,
    "BatchRegistryUnknownBatch": UnknownBatch,
    "BatchRegistryBatchExists": BatchExists,
    "BatchRegistryNotHolder": NotHolder,
    "BatchRegistryBatchRecalled": BatchRecalled,
    "EvidenceAnchorTreeSizeNotIncreasing": CheckpointConflict,
}


def revert_error(error_name: str, error_args: dict[str, Any], tx_hash: str | None = None) -> ContractRevert:
    """The most specific :class:`ContractRevert` for a decoded custom error."""
    return _BY_ERROR_NAME.get(error_name, ContractRevert)(error_name, error_args, tx_hash)


def _render(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
