"""The handheld client's settings (environment prefix ``SUYUAN_``), on top of the chain's data dir."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from chain import Settings

#: The most scans one request to ``POST /v1/scans:batch`` carries (the server takes up to 2,000).
SYNC_BATCH = 500


class ScannerSettings(Settings):
    """Where the scan queue lives, which trace API it syncs with, and how patiently."""

    api_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s]+(/\S*)?$",
        description="The trace API's base URL; unset: the one stored by `suyuan scan login`",
    )
    api_key: SecretStr | None = Field(
        default=None, description="The member's API key; unset: the one stored by `suyuan scan login`"
    )
    scan_queue: Path | None = Field(
        default=None, description="The scan queue (SQLite); unset: <data_dir>/scanner/queue.db"
    )
    scan_batch_size: int = Field(default=SYNC_BATCH, ge=1, le=2000, description="Scans per sync request")
    scan_retries: int = Field(
        default=5, ge=0, le=100, description="Tries after the first when the API is unreachable or fails"
    )
    scan_backoff_seconds: float = Field(
        default=0.5, ge=0, description="The wait before the first retry; doubled before each next one"
    )
    scan_backoff_max_seconds: float = Field(default=30.0, ge=0, description="The longest wait between tries")
    scan_timeout_seconds: float = Field(default=60.0, gt=0, description="How long one sync request may take")

    @field_validator("scan_queue")
    @classmethod
    def _expand_queue(cls, value: Path | None) -> Path | None:
        return value.expanduser().resolve() if value is not None else None

    @property
    def queue_path(self) -> Path:
        return self.scan_queue or self.data_dir / "scanner" / "queue.db"
