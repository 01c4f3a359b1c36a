"""The anchorer: checkpoints every N records or T seconds, exactly once on chain, reconciled after crashes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evidence import Anchorer, AnchorError, Ledger, log_id_of
from tests.conftest import Network, make_record


def _anchorer(ledger: Ledger, network: Network, **kwargs: float) -> Anchorer:
    return Anchorer(ledger, lambda: network.client, network.anchorer, **kwargs)  # type: ignore[arg-type]


def _on_chain(ledger: Ledger, network: Network) -> list[tuple[int, bytes]]:
    log_id = log_id_of(ledger.origin)
    count = network.client.checkpoint_count(log_id)
    return [
        (c.tree_size, c.root_hash) for c in (network.client.checkpoint_at(log_id, i) for i in range(count))
    ]


def test_first_records_are_anchored_at_once(make_ledger: Callable[..., Ledger], network: Network) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(3)])
    anchorer = _anchorer(ledger, network, every_records=100, every_seconds=3600)

    assert anchorer.step() == 1

    assert _on_chain(ledger, network) == [(3, ledger.root(3))]
    stored = ledger.checkpoint_at_size(3)
    assert stored is not None
    assert stored.anchor_tx is not None
    assert stored.anchor_block == network.client.w3.eth.get_transaction(stored.anchor_tx)["blockNumber"]


def test_anchors_after_every_n_records_not_before(
    make_ledger: Callable[..., Ledger], network: Network
) -> None:
    ledger = make_ledger()
    anchorer = _anchorer(ledger, network, every_records=10, every_seconds=3600)
    ledger.append(make_record(0))
    anchorer.step()

    ledger.append_many([make_record(i) for i in range(1, 10)])
    assert anchorer.step() == 0
    ledger.append(make_record(10))
    assert anchorer.step() == 1

    assert [size for size, _ in _on_chain(ledger, network)] == [1, 11]


def test_anchors_after_t_seconds_when_fewer_than_n_records(
    make_ledger: Callable[..., Ledger], network: Network
) -> None:
    ledger = make_ledger()
    ledger.append(make_record(0))
    _anchorer(ledger, network, every_records=1000, every_seconds=3600).step()
    ledger.append(make_record(1))

    assert _anchorer(ledger, network, every_records=1000, every_seconds=3600).step() == 0
    assert _anchorer(ledger, network, every_records=1000, every_seconds=1e-9).step() == 1
    assert [size for size, _ in _on_chain(ledger, network)] == [1, 2]


def test_checkpoint_sent_before_a_crash_is_adopted_not_sent_again(
    make_ledger: Callable[..., Ledger], network: Network
) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(5)])
    checkpoint = ledger.checkpoint()
    assert checkpoint is not None
    # The crashed process sent the transaction but never noted it locally.
    sent = network.client.commit_checkpoint(
        network.anchorer, log_id_of(ledger.origin), 5, checkpoint.root_hash
    )

    anchorer = _anchorer(ledger, network, every_records=100, every_seconds=3600)
    anchorer.reconcile()
    assert anchorer.step() == 0

    stored = ledger.checkpoint_at_size(5)
    assert stored is not None
    assert (stored.anchor_tx, stored.anchor_block) == (sent.tx_hash, sent.block_number)
    assert _on_chain(ledger, network) == [(5, checkpoint.root_hash)]


def test_conflict_at_send_reconciles_instead_of_failing(
    make_ledger: Callable[..., Ledger], network: Network
) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(4)])
    checkpoint = ledger.checkpoint()
    assert checkpoint is not None
    network.client.commit_checkpoint(network.anchorer, log_id_of(ledger.origin), 4, checkpoint.root_hash)

    _anchorer(ledger, network, every_records=100, every_seconds=3600).step()  # no reconcile first

    stored = ledger.checkpoint_at_size(4)
    assert stored is not None
    assert stored.anchor_block is not None
    assert len(_on_chain(ledger, network)) == 1


def test_checkpoint_the_chain_lost_is_anchored_again(
    make_ledger: Callable[..., Ledger], network: Network
) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(6)])
    ledger.checkpoint()
    # Noted as anchored, but the chain (restarted from an older state) does not hold it.
    ledger.record_anchor(6, block=12345, tx_hash="0x" + "ab" * 32)

    anchorer = _anchorer(ledger, network, every_records=100, every_seconds=3600)
    anchorer.reconcile()
    assert anchorer.step() == 1

    assert _on_chain(ledger, network) == [(6, ledger.root(6))]


def test_chain_root_matching_no_local_checkpoint_stops_anchoring(
    make_ledger: Callable[..., Ledger], network: Network
) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(3)])
    ledger.checkpoint()
    network.client.commit_checkpoint(network.anchorer, log_id_of(ledger.origin), 3, b"\x66" * 32)

    with pytest.raises(AnchorError, match="differs from the local checkpoint"):
        _anchorer(ledger, network).reconcile()


def test_every_local_checkpoint_is_anchored_in_order(
    make_ledger: Callable[..., Ledger], network: Network
) -> None:
    ledger = make_ledger()
    for batch in range(3):
        ledger.append_many([make_record(i, tag=f"b{batch}") for i in range(4)])
        ledger.checkpoint()

    assert _anchorer(ledger, network, every_records=100, every_seconds=3600).step() == 3

    assert _on_chain(ledger, network) == [(cp.tree_size, cp.root_hash) for cp in ledger.checkpoints()]
    assert ledger.checkpoints(unanchored_only=True) == []
