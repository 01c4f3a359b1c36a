"""The anchorer: commits the ledger's checkpoints to the EvidenceAnchor contract, exactly once.

Every N records or T seconds, whichever comes first, it signs a checkpoint of the log and
anchors every not-yet-anchored checkpoint in order, one transaction each. The chain is the
source of truth for what is anchored: on start and after any failure it reconciles the local
checkpoints with the chain, so a crash between sending and recording, or a chain node that
restarts from an older state, never skips a checkpoint nor anchors one twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain import ChainClient, CheckpointConflict, ContractRevert, id_hash

from ._background import BackgroundLoop
from ._errors import AnchorError
from ._leader import Leadership
from ._ledger import Ledger, StoredCheckpoint

log = logging.getLogger(__name__)

DEFAULT_EVERY_RECORDS = 1000
DEFAULT_EVERY_SECONDS = 5.0
MAX_BACKOFF_S = 5.0


@dataclass
class AnchorStats:
    anchored: int = 0
    failures: int = 0
    last_error: str | None = None


def log_id_of(origin: str) -> bytes:
    """The on-chain id of a log: keccak256 of its origin line."""
    return id_hash(origin)


class Anchorer:
    """Anchors one ledger's checkpoints with one ANCHOR_ROLE account."""

    def __init__(
        self,
        ledger: Ledger,
        connect: Callable[[], ChainClient],
        account: LocalAccount,
        *,
        every_records: int = DEFAULT_EVERY_RECORDS,
        every_seconds: float = DEFAULT_EVERY_SECONDS,
    ) -> None:
        self.ledger = ledger
        self._connect = connect
        self._client: ChainClient | None = None
        self.account = account
        self.every_records = every_records
        self.every_seconds = every_seconds
        self.log_id = log_id_of(ledger.origin)
        self.stats = AnchorStats()

    @property
    def client(self) -> ChainClient:
        """The chain client, connected on first use and again after a failure."""
        if self._client is None:
            self._client = self._connect()
        return self._client

    def reconcile(self) -> None:
        """Brings the local anchor marks in line with the chain; raises :class:`AnchorError` on divergence."""
        latest = self.client.latest_checkpoint(self.log_id)
        chain_size = latest.tree_size if latest else 0
        for checkpoint in self.ledger.checkpoints():
            if checkpoint.tree_size > chain_size:
                if checkpoint.anchor_block is not None:
                    # The chain no longer holds it (a node restarted from an older state): anchor again.
                    log.warning(
                        "checkpoint %d is no longer on chain; it will be anchored again", checkpoint.tree_size
                    )
                    self.ledger.record_anchor(checkpoint.tree_size, None)
            elif checkpoint.anchor_block is None:
                self._adopt(checkpoint)
        if latest is not None:
            local = self.ledger.checkpoint_at_size(latest.tree_size)
            if local is None or local.root_hash != latest.root_hash:
                raise AnchorError(
                    f"the chain anchors size {latest.tree_size} with root {latest.root_hash.hex()}, "
                    "which no local checkpoint matches"
                )

    def _adopt(self, checkpoint: StoredCheckpoint) -> None:
        """Records the anchor of a checkpoint that reached the chain before this process could note it."""
        try:
            anchored = self.client.checkpoint_for_size(self.log_id, checkpoint.tree_size)
        except ContractRevert as exc:
            raise AnchorError(
                f"local checkpoint {checkpoint.tree_size} was never anchored, and the chain has moved past it"
            ) from exc
        if anchored.root_hash != checkpoint.root_hash:
            raise AnchorError(
                f"the chain's root at size {checkpoint.tree_size} differs from the local checkpoint"
            )
        self.ledger.record_anchor(checkpoint.tree_size, anchored.block_number, self._find_tx(anchored.index))

    def _find_tx(self, index: int) -> str | None:
        contract = self.client.contracts["EvidenceAnchor"]
        topic = contract.events.CheckpointCommitted().topic
        latest = self.client.checkpoint_at(self.log_id, index)
        logs = self.client.w3.eth.get_logs(
            {
                "address": contract.address,
                "fromBlock": latest.block_number,
                "toBlock": latest.block_number,
                "topics": [topic, Web3.to_hex(self.log_id), Web3.to_hex(index.to_bytes(32, "big"))],
            }
        )
        return logs[0]["transactionHash"].to_0x_hex() if logs else None

    def due(self) -> bool:
        """Whether the log grew by ``every_records``, or at all ``every_seconds`` after the last one."""
        size = self.ledger.size()
        latest = self.ledger.latest_checkpoint()
        if latest is None:
            return size > 0
        grown = size - latest.tree_size
        if grown <= 0:
            return False
        age = time.time() - latest.created_at.timestamp()
        return grown >= self.every_records or age >= self.every_seconds

    def step(self) -> int:
        """Makes a checkpoint when due and anchors every pending one; returns how many it anchored."""
        if self._chain_regressed():
            log.warning("the chain holds fewer checkpoints than were anchored: reconciling")
            self._client = None  # its nonces may be ahead of a chain that went back
            self.reconcile()
        if self.due():
            self.ledger.checkpoint()
        anchored = 0
        pending = self.ledger.checkpoints(unanchored_only=True)
        if pending:
            self._require_settled()
        for checkpoint in pending:
            self._anchor(checkpoint)
            anchored += 1
        return anchored

    def _require_settled(self) -> None:
        """Raises :class:`AnchorError` while a commitment this account sent still waits to be mined.

        On a halted chain (a QBFT network without its quorum) the node keeps the transaction and
        mines it once blocks resume; sending the checkpoint again meanwhile would only queue a
        second transaction behind it, which the contract then refuses.
        """
        eth = self.client.w3.eth
        waiting = eth.get_transaction_count(self.account.address, "pending") - eth.get_transaction_count(
            self.account.address, "latest"
        )
        if waiting > 0:
            raise AnchorError(
                f"{waiting} anchoring transaction(s) still wait to be mined: the chain is not advancing"
            )

    def _chain_regressed(self) -> bool:
        """Whether the chain lost anchors this process recorded (a node restarted from an older state)."""
        anchored = self.ledger.latest_anchored_size()
        if anchored is None:
            return False
        latest = self.client.latest_checkpoint(self.log_id)
        return latest is None or latest.tree_size < anchored

    def _anchor(self, checkpoint: StoredCheckpoint) -> None:
        try:
            result = self.client.commit_checkpoint(
                self.account, self.log_id, checkpoint.tree_size, checkpoint.root_hash
            )
        except CheckpointConflict:
            self.reconcile()  # an earlier run anchored it and stopped before noting it
            return
        self.ledger.record_anchor(checkpoint.tree_size, result.block_number, result.tx_hash)
        self.stats.anchored += 1
        log.info("anchored checkpoint %d in block %d", checkpoint.tree_size, result.block_number)

    def loop(
        self,
        tick_s: float = 0.2,
        *,
        leadership: Leadership | None = None,
        on_change: Callable[[bool], None] | None = None,
    ) -> BackgroundLoop:
        """The anchoring loop: any failure (chain, database, divergence) backs off and is retried.

        After a failure the chain client is rebuilt and the local marks reconciled again. With
        ``leadership``, only the process that leads anchors (:meth:`BackgroundLoop.led`); the
        others stand by, and the first to ask after the leader is gone takes over, reconciling
        with the chain first, so nothing the old leader sent is skipped or sent twice.
        ``on_change`` hears where this process stands (True: now leading).
        """
        reconciled = False

        def pass_once() -> None:
            nonlocal reconciled
            if not reconciled:
                self.reconcile()
                reconciled = True
            self.step()

        def changed(leading: bool) -> None:
            nonlocal reconciled
            reconciled = False  # whoever led meanwhile moved the chain on
            if on_change is not None:
                on_change(leading)

        def failed(exc: Exception) -> None:
            nonlocal reconciled
            self._client = None
            self.stats.failures += 1
            self.stats.last_error = str(exc)
            reconciled = False

        loop = BackgroundLoop(
            "anchorer",
            pass_once,
            tick_s=tick_s,
            max_backoff_s=MAX_BACKOFF_S,
            stall_after_s=anchor_bound_s(self.every_seconds),
            on_failure=failed,
        )
        return loop if leadership is None else loop.led(leadership, changed)

    def run(self, stop: threading.Event, tick_s: float = 0.2) -> None:
        """Anchors until ``stop`` is set; failures back off and are retried, never fatal."""
        self.loop(tick_s).run(stop)


def anchor_bound_s(every_seconds: float) -> float:
    """How long records may wait for an anchored checkpoint before the service is not ready."""
    return max(3 * every_seconds, every_seconds + 2.0)
