"""Shared fixtures: one real anvil node per test session, a fresh deployment per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain import ChainClient, LocalNode, Role, connect, deploy_contracts, id_hash

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNode]:
    node = LocalNode(tmp_path_factory.mktemp("anvil"), chain_id=31337)
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="session")
def w3(anvil: LocalNode) -> Web3:
    assert anvil.rpc_url is not None
    return connect(anvil.rpc_url)


@dataclass
class Network:
    """A fresh deployment with one member per role and an outsider without any role."""

    client: ChainClient
    regulator: LocalAccount
    importer: LocalAccount
    trader_a: LocalAccount
    trader_b: LocalAccount
    anchorer: LocalAccount
    outsider: LocalAccount

    REGULATOR_ORG = id_hash("org:regulator")
    IMPORTER_ORG = id_hash("org:importer")
    TRADER_A_ORG = id_hash("org:trader-a")
    TRADER_B_ORG = id_hash("org:trader-b")


@pytest.fixture
def network(w3: Web3) -> Network:
    accounts = [Account.create() for _ in range(6)]
    regulator, importer, trader_a, trader_b, anchorer, outsider = accounts
    client = ChainClient(w3, deploy_contracts(w3, regulator, Network.REGULATOR_ORG))
    client.grant_member(regulator, importer.address, Role.IMPORTER, Network.IMPORTER_ORG)
    client.grant_member(regulator, trader_a.address, Role.TRADER, Network.TRADER_A_ORG)
    client.grant_member(regulator, trader_b.address, Role.TRADER, Network.TRADER_B_ORG)
    client.grant_member(regulator, anchorer.address, Role.ANCHOR, Network.REGULATOR_ORG)
    return Network(client, regulator, importer, trader_a, trader_b, anchorer, outsider)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the real `suyuan` CLI against a private data directory and a free port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUYUAN_")}
    env.update({"SUYUAN_DATA_DIR": str(tmp_path / "data"), "SUYUAN_NODE_PORT": "0"})
    return env
