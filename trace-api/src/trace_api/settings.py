"""Settings of the trace-api side of Suyuan (environment prefix ``SUYUAN_``), on top of the chain's."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, PrivateAttr, model_validator

from evidence import LedgerSettings

#: How much longer than a receipt wait the chain worker's lease lasts when none is configured.
LEASE_OVER_WAIT_S = 30.0


class ServiceSettings(LedgerSettings):
    """The trace API's settings, on top of the evidence ledger's and the chain's."""

    reconcile_every_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How often the service compares on-chain custody with the database and replays "
        "what the chain lost (also at start, and again once the chain answers after an outage)",
    )

    chain_lease_seconds: float = Field(
        default=90.0,
        gt=0,
        le=3600,
        description="How long the chain worker's lease lasts without renewal: another replica (or a "
        "restarted process) takes over sending chain calls once it expires. Longer than the "
        "receipt wait (SUYUAN_RECEIPT_TIMEOUT_BLOCKS block periods, or SUYUAN_RECEIPT_TIMEOUT_S), "
        "so a worker's lease outlives its wait for a receipt; unset: 90 s, or the wait and "
        f"{LEASE_OVER_WAIT_S:g} s",
    )
    chain_outbox_bound_seconds: float = Field(
        default=120.0,
        gt=0,
        description="How long a committed fact may wait for its chain call before /readyz counts "
        "the service as not ready (chain_outbox)",
    )
    epcis_max_events: int = Field(
        default=50_000,
        ge=1,
        description="The most events one EPCIS capture document may carry (413 above)",
    )
    epcis_max_document_bytes: int = Field(
        default=64 * 2**20,
        ge=1024,
        description="The largest EPCIS capture document, in bytes (413 above, refused as soon as "
        "its Content-Length or what has arrived is over)",
    )
    epcis_rollback_max_events: int = Field(
        default=5_000,
        ge=1,
        description="The most events a rollback capture (GS1-Capture-Error-Behaviour: rollback, the "
        "default) may carry: it is written in one transaction, holding the writer lock throughout. "
        "Larger documents are captured with proceed, in chunks",
    )
    api_host: str = Field(default="127.0.0.1", description="Address the trace API listens on")
    api_port: int = Field(default=8000, ge=0, le=65535)
    public_url: str = Field(
        default="",
        pattern=r"^(https?://[^/\s]+)?$",
        description="Base of every item code's GS1 Digital Link URI (the resolver consumers reach); "
        "unset: where the API listens, http://<api_host>:<api_port>",
    )
    gs1_company_prefix_length: int = Field(
        default=7,
        ge=6,
        le=12,
        description="Where the GS1 company prefix ends in GTINs/GLNs, for answering Digital Link "
        "identifiers as EPC URNs (GS1-EPC-Format: Always_EPC_URN)",
    )
    mqtt_url: str | None = Field(
        default=None, description="mqtt://host:port for recall notifications; unset: none"
    )
    risk_rules: Path | None = Field(
        default=None,
        description="A TOML file of risk rules added to the shipped ones (trace_api/risk/"
        "default_rules.toml); a rule of the same id replaces the shipped one",
    )
    webhook_allow_http: bool | None = Field(
        default=None,
        description="Let webhooks and EPCIS subscriptions use http:// URLs; unset: only in the "
        "embedded setup (the embedded chain, the API on a loopback address)",
    )
    webhook_allow_private: bool | None = Field(
        default=None,
        description="Let webhooks reach private, loopback and link-local addresses (a receiver on "
        "this machine or network); unset: only in the embedded setup. Off, every address the "
        "host resolves to must be public",
    )

    @property
    def embedded_loopback(self) -> bool:
        """The single-machine setup: the embedded anvil node and the API reachable from here only."""
        return self.rpc_url is None and self.api_host in ("127.0.0.1", "::1", "localhost")

    @property
    def webhooks_may_use_http(self) -> bool:
        return self.embedded_loopback if self.webhook_allow_http is None else self.webhook_allow_http

    @property
    def webhooks_may_reach_private(self) -> bool:
        return self.embedded_loopback if self.webhook_allow_private is None else self.webhook_allow_private

    _public_url_derived: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _lease_outlives_receipt_wait(self) -> Self:
        # A worker renews its lease when it marks a call `sending`, then waits for the receipt: a
        # lease that ran out during the wait would let another replica send the same call.
        wait_s = self.receipt_wait.timeout_s
        if "chain_lease_seconds" not in self.model_fields_set:
            # A long block period lengthens the receipt wait: the default lease follows it.
            self.chain_lease_seconds = max(self.chain_lease_seconds, wait_s + LEASE_OVER_WAIT_S)
        if self.chain_lease_seconds <= wait_s:
            raise ValueError(
                f"chain_lease_seconds ({self.chain_lease_seconds:g}) must be longer than "
                f"receipt_timeout_s ({wait_s:g}): a chain worker's lease must "
                "outlive its wait for a receipt"
            )
        return self

    @model_validator(mode="after")
    def _derive_public_url(self) -> Self:
        if not self.public_url:
            self.public_url = serving_url(self.api_host, self.api_port)
            self._public_url_derived = True
        return self

    def served_at(self, port: int) -> None:
        """The API listens on ``port`` (0 picks one): codes carry it unless SUYUAN_PUBLIC_URL is set."""
        if self._public_url_derived:
            self.public_url = serving_url(self.api_host, port)

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"


def serving_url(host: str, port: int) -> str:
    """The base URL of a server listening on ``host:port``; a wildcard address is reached on loopback."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
