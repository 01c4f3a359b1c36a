"""Fixtures of the ledger tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chain import LocalNode


@pytest.fixture
def embedded(tmp_path: Path, cli_env: dict[str, str]) -> Iterator[tuple[dict[str, str], LocalNode]]:
    """A data directory with a running local node and deployed contracts, as `make up` leaves it."""
    data_dir = Path(cli_env["SUYUAN_DATA_DIR"])
    node = LocalNode(data_dir / "chain", chain_id=31337)
    node.start()
    subprocess.run(
        [sys.executable, "-m", "chain.cli", "chain", "deploy"],
        env=cli_env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    yield cli_env, node
    node.stop()
