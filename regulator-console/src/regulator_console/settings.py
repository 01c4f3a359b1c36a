"""The console's settings: where its session secret comes from and how long a sign-in lasts."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The file, in the data directory, holding the secret that seals session cookies.
SECRET_FILE = "console-session.key"


class ConsoleSettings(BaseSettings):
    """``SUYUAN_CONSOLE_*``. Replicas behind one address share ``SUYUAN_CONSOLE_SECRET`` so that a
    session opened on one is honoured by the others; without it the secret is kept in the data
    directory."""

    model_config = SettingsConfigDict(env_prefix="SUYUAN_CONSOLE_", extra="ignore")

    #: A Fernet key (32 url-safe base64 bytes) sealing the session cookie.
    secret: SecretStr | None = None
    #: How long a sign-in lasts; the regulator signs in again after it.
    session_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60)
    #: Where htmx and cytoscape.js are served from; default: the checkout's node_modules.
    node_modules: Path | None = None

    def vendor_dir(self) -> Path | None:
        """The node_modules folder holding htmx and cytoscape.js: the configured one, else the
        nearest above this package or the working directory (``npm ci`` in the checkout puts it
        there)."""
        if self.node_modules is not None:
            return self.node_modules
        for start in (Path(__file__).resolve(), Path.cwd().resolve()):
            for folder in (start, *start.parents):
                if (folder / "node_modules" / "htmx.org").is_dir():
                    return folder / "node_modules"
        return None

    def session_secret(self, data_dir: Path) -> bytes:
        """The configured secret, else the data directory's (created on first use, owner-only)."""
        if self.secret is not None:
            value = self.secret.get_secret_value().encode()
            Fernet(value)  # a bad key fails here, at start-up, not at the first sign-in
            return value
        path = data_dir / SECRET_FILE
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            draft = data_dir / f".{SECRET_FILE}.{os.getpid()}"
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(Fernet.generate_key())
            try:
                os.link(draft, path)  # whole or absent: a second process starting now keeps the first's
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return path.read_bytes().strip()
