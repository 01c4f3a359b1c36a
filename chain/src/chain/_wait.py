"""How long, and how often, a transaction's receipt is waited for, from the chain's block period.

A QBFT network mines a block every ``blockperiodseconds`` (2 s as `suyuan deploy besu` writes
it); anvil mines a block per transaction unless told otherwise. Polling a 2 s chain every 10 ms
costs the node a hundred calls per block, and a fixed timeout is too short for a slow network
and too long for a fast one, so both follow the block period. QBFT has immediate finality: a
block is final once it is mined, so the first receipt is the final one and there is nothing
more to wait for (no confirmations, no reorganisations).
"""

from __future__ import annotations

from dataclasses import dataclass

#: The block period assumed for an external node when none is configured (the generated genesis's).
EXTERNAL_BLOCK_PERIOD_S = 2.0
#: Block periods a receipt is waited for: long enough for QBFT round changes after a missed proposal.
RECEIPT_TIMEOUT_BLOCKS = 30
#: Shorter periods (0: a block per transaction) are waited on as this one, so a busy node is not
#: taken for a dead one.
MIN_WAIT_PERIOD_S = 2.0
MIN_POLL_S = 0.01
MAX_POLL_S = 1.0


@dataclass(frozen=True)
class ReceiptWait:
    """Poll every ``poll_s`` for at most ``timeout_s``."""

    poll_s: float
    timeout_s: float

    @classmethod
    def for_block_period(cls, period_s: float, blocks: int = RECEIPT_TIMEOUT_BLOCKS) -> ReceiptWait:
        """A tenth of a block between polls, and ``blocks`` block periods in all.

        Requires ``period_s >= 0`` and ``blocks >= 1``. On a node that mines at once the first
        poll finds the receipt, whatever the interval.
        """
        poll = min(max(period_s / 10, MIN_POLL_S), MAX_POLL_S)
        return cls(poll_s=poll, timeout_s=blocks * max(period_s, MIN_WAIT_PERIOD_S))
