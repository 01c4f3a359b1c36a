"""Settings of the ingest workers (environment prefix ``SUYUAN_``), on top of the trace API's."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from trace_api.settings import ServiceSettings


class IngestSettings(ServiceSettings):
    mqtt_client_id: str = Field(
        default="suyuan-ingest-1",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="stable per worker: its persistent session holds what it has not yet acknowledged",
    )
    mqtt_share_group: str | None = Field(
        default="suyuan-ingest",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="MQTT 5 shared-subscription group the workers split the load in; unset: no sharing",
    )
    mqtt_session_expiry_s: int = Field(
        default=7 * 24 * 3600, ge=60, description="how long the broker keeps a stopped worker's messages"
    )
    ingest_batch_size: int = Field(default=500, ge=1, le=10_000, description="messages per transaction")
    alert_rules: Path | None = Field(
        default=None, description="JSON or TOML file of alert rules; unset: GB 31605 defaults"
    )
