"""Typed configuration shared by every Suyuan component (environment prefix ``SUYUAN_``)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ._node import STATE_INTERVAL_S
from ._wait import EXTERNAL_BLOCK_PERIOD_S, MIN_WAIT_PERIOD_S, RECEIPT_TIMEOUT_BLOCKS, ReceiptWait


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/suyuan``, else ``~/.local/share/suyuan``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "suyuan"


class Settings(BaseSettings):
    """Where Suyuan keeps its state and which chain it talks to.

    Everything lives under ``data_dir``: the local chain's state, keystores, the deployment record.
    """

    model_config = SettingsConfigDict(env_prefix="SUYUAN_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    rpc_url: str | None = Field(
        default=None, description="JSON-RPC URL of an external node (Besu); unset: the embedded anvil node"
    )
    chain_id: int = Field(default=31337, gt=0)
    node_host: str = "127.0.0.1"
    node_port: int = Field(default=8545, ge=0, le=65535, description="0 picks a free port")
    anvil_binary: Path | None = None
    anvil_state_interval_seconds: int = Field(
        default=STATE_INTERVAL_S,
        ge=1,
        description="Seconds between the embedded anvil node's state dumps (it also writes its state "
        "when stopped): what a SIGKILL of the node may lose, which the reconciler replays from the ledger",
    )
    anvil_block_time_seconds: int | None = Field(
        default=None,
        ge=1,
        description="Seconds between the embedded anvil node's blocks, as a QBFT network's block period "
        "(unset: a block as soon as a transaction arrives)",
    )
    keystore_password: SecretStr | None = Field(
        default=None, description="unset: a random password is kept in <data_dir>/keys/.password"
    )
    keystore_scrypt_n: int = Field(default=2**14, ge=2**10)
    block_period_seconds: float | None = Field(
        default=None,
        ge=0,
        description="Seconds between the chain's blocks, as the QBFT genesis sets them "
        "(blockperiodseconds); receipt waits follow it. Unset: the embedded node's block time (0 when it "
        f"mines a block per transaction), or {EXTERNAL_BLOCK_PERIOD_S:g} s for an external node "
        "(what `suyuan deploy besu` writes)",
    )
    receipt_timeout_blocks: int = Field(
        default=RECEIPT_TIMEOUT_BLOCKS,
        ge=1,
        description="How many block periods a transaction may wait for its receipt before it counts as "
        f"not mined (periods shorter than {MIN_WAIT_PERIOD_S:g} s count as {MIN_WAIT_PERIOD_S:g} s)",
    )
    receipt_poll_s: float | None = Field(
        default=None, gt=0, description="unset: a tenth of the block period, from 0.01 s to 1 s"
    )
    receipt_timeout_s: float | None = Field(
        default=None, gt=0, description="unset: SUYUAN_RECEIPT_TIMEOUT_BLOCKS block periods"
    )

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def block_period_s(self) -> float:
        """The expected seconds between blocks (0: a block per transaction)."""
        if self.block_period_seconds is not None:
            return self.block_period_seconds
        if self.rpc_url:
            return EXTERNAL_BLOCK_PERIOD_S
        return float(self.anvil_block_time_seconds or 0)

    @property
    def receipt_wait(self) -> ReceiptWait:
        """How a transaction's receipt is waited for on this chain."""
        derived = ReceiptWait.for_block_period(self.block_period_s, self.receipt_timeout_blocks)
        return ReceiptWait(
            poll_s=self.receipt_poll_s or derived.poll_s,
            timeout_s=self.receipt_timeout_s or derived.timeout_s,
        )

    @property
    def chain_dir(self) -> Path:
        return self.data_dir / "chain"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def deployment_file(self) -> Path:
        return self.chain_dir / "deployment.json"
