"""Fixtures of the ledger tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from chain import LocalNode
from tests._cli import run_suyuan
from tests.conftest import make_record

if TYPE_CHECKING:
    from evidence import Ledger

SIZE = 40
FIRST_CHECKPOINT = 16


@pytest.fixture
def embedded(tmp_path: Path, cli_env: dict[str, str]) -> Iterator[tuple[dict[str, str], LocalNode]]:
    """A data directory with a running local node and deployed contracts, as `make up` leaves it."""
    data_dir = Path(cli_env["SUYUAN_DATA_DIR"])
    node = LocalNode(data_dir / "chain", chain_id=31337)
    node.start()
    deployed = run_suyuan(cli_env, "chain", "deploy")
    assert deployed.returncode == 0, deployed.stderr
    yield cli_env, node
    node.stop()


@pytest.fixture
def ledger(make_ledger: Callable[..., Ledger]) -> Ledger:
    """40 records with signed, not yet anchored, checkpoints at sizes 16 and 40."""
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(FIRST_CHECKPOINT)])
    ledger.checkpoint()
    ledger.append_many([make_record(i) for i in range(FIRST_CHECKPOINT, SIZE)])
    ledger.checkpoint()
    return ledger
