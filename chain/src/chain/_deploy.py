"""Deploying Suyuan's contracts and the deployment record kept in the data directory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, ValidationError
from web3 import Web3

from ._compile import load_artifact
from ._errors import DeploymentError, TransactionFailed
from ._toolchain import CONTRACT_NAMES, EVM_VERSION, SOLC_VERSION


class Deployment(BaseModel):
    """Where Suyuan's contracts live on one chain."""

    chain_id: int
    contracts: dict[str, str]
    block_number: int
    deployer: str
    regulator_org_id: str
    solc: str = SOLC_VERSION
    evm_version: str = EVM_VERSION
    deployed_at: str = ""

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.model_dump_json(indent=2) + "\n")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Deployment:
        if not path.is_file():
            raise DeploymentError(f"no deployment record at {path}: run `suyuan chain deploy` first")
        try:
            return cls.model_validate_json(path.read_text())
        except ValidationError as exc:
            raise DeploymentError(f"deployment record {path} is invalid: {exc}") from exc


def _deploy_one(
    w3: Web3, deployer: LocalAccount, chain_id: int, nonce: int, name: str, args: list[Any]
) -> tuple[str, int]:
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx = factory.constructor(*args).build_transaction(
        {"from": deployer.address, "chainId": chain_id, "gasPrice": 0, "nonce": nonce}
    )
    tx_hash = w3.eth.send_raw_transaction(deployer.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.01)
    if receipt["status"] != 1 or not receipt["contractAddress"]:
        raise TransactionFailed(f"deploying {name} failed in transaction {tx_hash.to_0x_hex()}")
    return str(receipt["contractAddress"]), int(receipt["blockNumber"])


def deploy_contracts(w3: Web3, deployer: LocalAccount, regulator_org_id: bytes) -> Deployment:
    """Deploys Membership (with ``deployer`` as first regulator), BatchRegistry and EvidenceAnchor."""
    chain_id = w3.eth.chain_id
    nonce = w3.eth.get_transaction_count(deployer.address, "pending")
    membership, first_block = _deploy_one(
        w3, deployer, chain_id, nonce, "Membership", [deployer.address, regulator_org_id]
    )
    addresses = {"Membership": membership}
    for offset, name in enumerate(CONTRACT_NAMES[1:], start=1):
        addresses[name], _ = _deploy_one(w3, deployer, chain_id, nonce + offset, name, [membership])
    return Deployment(
        chain_id=chain_id,
        contracts=addresses,
        block_number=first_block,
        deployer=deployer.address,
        regulator_org_id="0x" + regulator_org_id.hex(),
        deployed_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def verify_deployment(w3: Web3, deployment: Deployment) -> None:
    """Raises :class:`DeploymentError` unless each recorded address holds the expected code."""
    if w3.eth.chain_id != deployment.chain_id:
        raise DeploymentError(
            f"deployment record is for chain {deployment.chain_id}, the node is chain {w3.eth.chain_id}"
        )
    for name in CONTRACT_NAMES:
        expected = load_artifact(name)["deployedBytecode"]
        code = w3.eth.get_code(Web3.to_checksum_address(deployment.contracts[name]))
        # Immutables (the membership address) are patched into deployed code; compare lengths
        # and the code outside them by requiring non-empty code of the compiled size.
        if len(code) != (len(expected) - 2) // 2:
            raise DeploymentError(f"{name} at {deployment.contracts[name]} does not hold Suyuan's contract")
