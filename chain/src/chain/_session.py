"""Opening the configured chain: an external node, a running local node, or one started for the call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from ._api import ChainClient, Role, id_hash
from ._client import connect
from ._deploy import Deployment, deploy_contracts, verify_deployment
from ._errors import DeploymentError
from ._keys import Keystore
from ._node import LocalNode, running_node_url
from ._settings import Settings

#: Keystore names of the accounts the embedded default creates at deployment.
REGULATOR_KEY = "regulator"
ANCHOR_KEY = "anchor"
DEFAULT_REGULATOR_ORG = "suyuan-regulator"


@dataclass
class ChainSession:
    settings: Settings
    rpc_url: str
    w3: Web3
    keystore: Keystore
    node: LocalNode | None

    def deployment(self) -> Deployment:
        deployment = Deployment.load(self.settings.deployment_file)
        verify_deployment(self.w3, deployment)
        return deployment

    def client(self) -> ChainClient:
        return ChainClient(self.w3, self.deployment(), wait=self.settings.receipt_wait)

    def account(self, name: str) -> LocalAccount:
        return self.keystore.load(name)


def keystore_for(settings: Settings) -> Keystore:
    password = settings.keystore_password.get_secret_value() if settings.keystore_password else None
    return Keystore(settings.keys_dir, password, scrypt_n=settings.keystore_scrypt_n)


@contextmanager
def open_chain(settings: Settings) -> Iterator[ChainSession]:
    """Yields a session on the configured chain, starting the embedded node for its duration if needed."""
    node = None
    url = settings.rpc_url or running_node_url(settings.chain_dir)
    if url is None:
        node = LocalNode(
            settings.chain_dir,
            chain_id=settings.chain_id,
            host=settings.node_host,
            port=settings.node_port,
            anvil_binary=settings.anvil_binary,
            state_interval_s=settings.anvil_state_interval_seconds,
            block_time_s=settings.anvil_block_time_seconds,
        )
        url = node.start()
    try:
        yield ChainSession(settings, url, connect(url), keystore_for(settings), node)
    finally:
        if node is not None:
            node.stop()


def ensure_deployed(
    session: ChainSession, *, force: bool = False, regulator_org: str = DEFAULT_REGULATOR_ORG
) -> tuple[Deployment, bool]:
    """The verified deployment, deploying first when there is none (or ``force``). Returns (it, new?)."""
    if not force:
        try:
            return session.deployment(), False
        except DeploymentError:
            if session.settings.deployment_file.exists() and session.settings.rpc_url:
                raise  # never silently redeploy over a record that names an external chain
    regulator = session.keystore.load_or_create(REGULATOR_KEY)
    org_id = id_hash(regulator_org)
    deployment = deploy_contracts(session.w3, regulator, org_id)
    client = ChainClient(session.w3, deployment, wait=session.settings.receipt_wait)
    anchor = session.keystore.load_or_create(ANCHOR_KEY)
    client.grant_member(regulator, anchor.address, Role.ANCHOR, org_id)
    deployment.save(session.settings.deployment_file)
    return deployment, True


def describe(session: ChainSession) -> dict[str, Any]:
    """Node, chain, contracts and the roles of every account in the keystore."""
    info: dict[str, Any] = {
        "rpc_url": session.rpc_url,
        "chain_id": session.w3.eth.chain_id,
        "block": session.w3.eth.block_number,
        "node": "embedded anvil" if session.settings.rpc_url is None else "external",
        "data_dir": str(session.settings.data_dir),
    }
    try:
        client = session.client()
    except DeploymentError as exc:
        info["deployment"] = None
        info["problem"] = str(exc)
        return info
    info["deployment"] = client.deployment.model_dump()
    info["accounts"] = []
    for name in session.keystore.names():
        address = session.keystore.address(name)
        org = client.organisation_of(address)
        info["accounts"].append(
            {
                "name": name,
                "address": address,
                "org_id": "0x" + org.hex() if org else None,
                "roles": [role.name.lower() for role in client.roles_of(address)],
            }
        )
    return info
