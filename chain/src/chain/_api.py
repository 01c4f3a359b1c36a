"""Suyuan's on-chain operations, typed: membership, batches, custody, recalls, checkpoints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from ._client import ContractClient, TxResult
from ._errors import UnknownBatch

ZERO32 = b"\x00" * 32
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class Role(Enum):
    """Membership roles, with their on-chain ids ``keccak256("<NAME>_ROLE")``."""

    REGULATOR = "REGULATOR_ROLE"
    IMPORTER = "IMPORTER_ROLE"
    TRADER = "TRADER_ROLE"
    ANCHOR = "ANCHOR_ROLE"

    @property
    def id(self) -> bytes:
        return Web3.keccak(text=self.value)

    @classmethod
    def from_id(cls, role_id: bytes) -> Role:
        for role in cls:
            if role.id == role_id:
                return role
        raise ValueError(f"unknown role id 0x{role_id.hex()}")


def id_hash(identifier: str) -> bytes:
    """The bytes32 id of a domain identifier (organisation, batch, log origin): keccak256 of its UTF-8."""
    return Web3.keccak(text=identifier)


@dataclass(frozen=True)
class BatchRecord:
    holder: str
    parent: bytes | None
    depth: int
    admission_hash: bytes
    recalled: bool


@dataclass(frozen=True)
class AnchoredCheckpoint:
    index: int
    tree_size: int
    root_hash: bytes
    block_number: int
    timestamp: int


class ChainClient(ContractClient):
    """Typed access to Suyuan's contracts. Write methods take the signing account first."""

    # -- membership --------------------------------------------------------------------------

    def grant_member(self, regulator: LocalAccount, account: str, role: Role, org_id: bytes) -> TxResult:
        fn = self.contracts["Membership"].functions.grantMember(
            Web3.to_checksum_address(account), role.id, org_id
        )
        return self.transact(regulator, fn)

    def revoke_member(self, regulator: LocalAccount, account: str, role: Role) -> TxResult:
        fn = self.contracts["Membership"].functions.revokeMember(Web3.to_checksum_address(account), role.id)
        return self.transact(regulator, fn)

    def has_role(self, account: str, role: Role) -> bool:
        fn = self.contracts["Membership"].functions.hasRole(role.id, Web3.to_checksum_address(account))
        return bool(self.call(fn))

    def roles_of(self, account: str) -> list[Role]:
        return [role for role in Role if self.has_role(account, role)]

    def organisation_of(self, account: str) -> bytes | None:
        org = bytes(
            self.call(
                self.contracts["Membership"].functions.organisationOf(Web3.to_checksum_address(account))
            )
        )
        return None if org == ZERO32 else org

    # -- batches and custody -----------------------------------------------------------------

    def register_batch(self, importer: LocalAccount, batch_id: bytes, admission_hash: bytes) -> TxResult:
        fn = self.contracts["BatchRegistry"].functions.registerBatch(batch_id, admission_hash)
        return self.transact(importer, fn)

    def transfer_custody(
        self, holder: LocalAccount, batch_id: bytes, to: str, shipment_hash: bytes
    ) -> TxResult:
        fn = self.contracts["BatchRegistry"].functions.transferCustody(
            batch_id, Web3.to_checksum_address(to), shipment_hash
        )
        return self.transact(holder, fn)

    def split_batch(
        self, holder: LocalAccount, parent_id: bytes, child_ids: list[bytes], split_hash: bytes
    ) -> TxResult:
        fn = self.contracts["BatchRegistry"].functions.splitBatch(parent_id, child_ids, split_hash)
        return self.transact(holder, fn)

    def batch(self, batch_id: bytes) -> BatchRecord:
        return _batch_record(self.call(self.contracts["BatchRegistry"].functions.batchOf(batch_id)))

    def batches(self, batch_ids: Sequence[bytes]) -> list[BatchRecord | None]:
        """Many batches in one JSON-RPC batch request; None for a batch not registered.

        One unregistered batch fails the whole request: those are then asked for one by one.
        """
        if not batch_ids:
            return []
        registry = self.contracts["BatchRegistry"]
        try:
            with self.w3.batch_requests() as request:
                for batch_id in batch_ids:
                    request.add(registry.functions.batchOf(batch_id))
                answers = request.execute()
        except (ContractCustomError, ContractLogicError):
            return [self._batch_or_none(batch_id) for batch_id in batch_ids]
        return [_batch_record(answer) for answer in answers]

    def _batch_or_none(self, batch_id: bytes) -> BatchRecord | None:
        try:
            return self.batch(batch_id)
        except UnknownBatch:
            return None

    # -- recalls -----------------------------------------------------------------------------

    def issue_recall(self, regulator: LocalAccount, batch_id: bytes, reason_hash: bytes) -> TxResult:
        fn = self.contracts["BatchRegistry"].functions.issueRecall(batch_id, reason_hash)
        return self.transact(regulator, fn)

    def lift_recall(self, regulator: LocalAccount, batch_id: bytes, reason_hash: bytes) -> TxResult:
        fn = self.contracts["BatchRegistry"].functions.liftRecall(batch_id, reason_hash)
        return self.transact(regulator, fn)

    def is_recalled(self, batch_id: bytes) -> bool:
        return bool(self.call(self.contracts["BatchRegistry"].functions.isRecalled(batch_id)))

    def recall_origin(self, batch_id: bytes) -> bytes | None:
        origin = bytes(self.call(self.contracts["BatchRegistry"].functions.recallOrigin(batch_id)))
        return None if origin == ZERO32 else origin

    # -- evidence checkpoints ----------------------------------------------------------------

    def commit_checkpoint(
        self, anchorer: LocalAccount, log_id: bytes, tree_size: int, root_hash: bytes
    ) -> TxResult:
        fn = self.contracts["EvidenceAnchor"].functions.commitCheckpoint(log_id, tree_size, root_hash)
        return self.transact(anchorer, fn)

    def checkpoint_count(self, log_id: bytes) -> int:
        return int(self.call(self.contracts["EvidenceAnchor"].functions.checkpointCount(log_id)))

    def latest_checkpoint(self, log_id: bytes) -> AnchoredCheckpoint | None:
        if self.checkpoint_count(log_id) == 0:
            return None
        return _checkpoint(self.call(self.contracts["EvidenceAnchor"].functions.latestCheckpoint(log_id)))

    def checkpoint_at(self, log_id: bytes, index: int) -> AnchoredCheckpoint:
        return _checkpoint(self.call(self.contracts["EvidenceAnchor"].functions.checkpointAt(log_id, index)))

    def checkpoint_for_size(self, log_id: bytes, tree_size: int) -> AnchoredCheckpoint:
        fn = self.contracts["EvidenceAnchor"].functions.checkpointForSize(log_id, tree_size)
        return _checkpoint(self.call(fn))


def _batch_record(values: Any) -> BatchRecord:
    holder, parent, depth, admission, recalled = values
    return BatchRecord(
        holder=Web3.to_checksum_address(holder),
        parent=None if bytes(parent) == ZERO32 else bytes(parent),
        depth=int(depth),
        admission_hash=bytes(admission),
        recalled=bool(recalled),
    )


def _checkpoint(values: tuple[int, int, bytes, int, int]) -> AnchoredCheckpoint:
    index, size, root, block, timestamp = values
    return AnchoredCheckpoint(int(index), int(size), bytes(root), int(block), int(timestamp))
