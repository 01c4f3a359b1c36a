"""Mosquitto 2.0 deployment pieces for cold-chain device ingest: password hashes, the
password file, the ACL and ``mosquitto.conf``.

Topic scheme (MQTT 5)::

    suyuan/v1/{org_handle}/{device_name}/{kind}   a device's readings (temperature, door, ...)
    suyuan/v1/{org_handle}/alerts                 alerts raised by the ingest worker
    suyuan/v1/{org_handle}/recalls                recall notices from the recall notifier

Org handles and device names match ``^[a-z0-9][a-z0-9-]{1,62}$``, so they hold neither
``/`` nor the wildcards ``+`` and ``#``.

Identities: a device logs in as ``{org_handle}/{device_name}`` with a random secret; the
broker keeps only its hash in the ``$7$`` format of ``mosquitto_passwd`` (PBKDF2-HMAC-SHA512).
Service accounts (the ingest worker, the recall notifier) are plain user names.

ACL (Mosquitto's ``acl_file``):

- ``pattern write suyuan/v1/%u/+``: Mosquitto substitutes ``%u`` textually, so the ``/`` in a
  device's user name spans the org and device levels and a device may publish only under its
  own ``suyuan/v1/{org}/{device}/``. A publish anywhere else is refused (PUBACK 135, Not
  authorized, at QoS 1 over MQTT 5; Mosquitto 2.0 then drops the connection) and reaches no
  subscriber. A device may read nothing.
- each service user reads ``suyuan/v1/#`` (also through shared subscriptions such as
  ``$share/ingest/suyuan/v1/+/+/+``) and writes ``suyuan/v1/+/alerts`` and
  ``suyuan/v1/+/recalls``.

Limits of Mosquitto 2.0's ``acl_file``: it does not check SUBSCRIBE at all (every SUBACK
grants); read access is checked per message at delivery. So a device subscribed to another
device's topic simply receives nothing, but a device that joins the ingest workers' share
group takes its turn in the round robin, fails the read check there, and that reading is
dropped for the whole group. Keep the share group name out of devices' reach (configured,
not guessable) until subscriptions are checked (the dynamic-security plugin does).

Mosquitto denies every ACL check to a client whose user name or client id contains ``+`` or
``#`` once pattern ACLs exist; user names here never do, and client ids must not either.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from trace_api.devices import TOPIC_ROOT
from trace_api.devices.passwords import DEFAULT_ITERATIONS, password_hash, verify_password

__all__ = [
    "DEFAULT_ITERATIONS",
    "TOPIC_ROOT",
    "acl_text",
    "broker_config",
    "passwd_file",
    "password_hash",
    "verify_password",
]


def passwd_file(entries: Iterable[tuple[str, str]]) -> str:
    """Render a Mosquitto ``password_file``: one ``user:hash`` line per entry, sorted by user."""
    lines: dict[str, str] = {}
    for username, encoded in entries:
        # Mosquitto splits each line at the first ':', trims blanks around the name and skips
        # lines that start with '#'.
        if not username or ":" in username or _has_line_break(username) or username != username.strip():
            raise ValueError(f"user name {username!r} cannot be written to a password file")
        if username.startswith("#"):
            raise ValueError(f"user name {username!r} would be read as a comment")
        if _has_line_break(encoded) or not encoded.startswith("$"):
            raise ValueError(f"password hash for user {username!r} is not a mosquitto hash")
        if username in lines:
            raise ValueError(f"user name {username!r} appears twice")
        lines[username] = f"{username}:{encoded}\n"
    return "".join(lines[username] for username in sorted(lines))


def acl_text(service_users: Sequence[str]) -> str:
    """Render the ``acl_file``: devices write their own prefix, service users read all and alert."""
    blocks = [
        "# Suyuan cold-chain ingest ACL, rendered by ingest.mosquitto.acl_text.\n"
        "# Devices log in as <org>/<device> and may publish only under their own prefix.\n"
        f"pattern write {TOPIC_ROOT}/%u/+\n"
    ]
    for user in sorted(set(service_users)):
        _check_service_user(user)
        blocks.append(
            f"user {user}\n"
            f"topic read {TOPIC_ROOT}/#\n"
            f"topic write {TOPIC_ROOT}/+/alerts\n"
            f"topic write {TOPIC_ROOT}/+/recalls\n"
        )
    return "\n".join(blocks)


def broker_config(
    port: int,
    data_dir: Path,
    passwd_path: Path,
    acl_path: Path,
    *,
    bind: str = "127.0.0.1",
    run_as_user: str = "mosquitto",
) -> str:
    """Render ``mosquitto.conf``: authenticated only, persistent, never dropping queued QoS 1/2.

    Started as root, Mosquitto switches to ``run_as_user``, which must be able to write
    ``data_dir`` (and reach it); started as anyone else, it stays that user.
    """
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range")
    if not run_as_user or any(c.isspace() for c in run_as_user):
        raise ValueError(f"run_as_user {run_as_user!r} is not a system user name")
    for path in (data_dir, passwd_path, acl_path):
        if _has_line_break(str(path)) or not path.is_absolute():
            raise ValueError(f"{path} must be an absolute path on one line")
    return (
        "# Suyuan cold-chain ingest broker, rendered by ingest.mosquitto.broker_config.\n"
        f"user {run_as_user}\n"
        f"listener {port} {bind}\n"
        "allow_anonymous false\n"
        f"password_file {passwd_path}\n"
        f"acl_file {acl_path}\n"
        "\n"
        "# Sessions and their queued messages survive restarts: saved every second and on exit.\n"
        "persistence true\n"
        f"persistence_location {str(data_dir).rstrip('/')}/\n"
        "autosave_interval 1\n"
        "autosave_on_changes false\n"
        "persistent_client_expiration 14d\n"
        "\n"
        "# A readings queue for an offline ingest session is never cut: past either limit\n"
        "# Mosquitto drops QoS 1/2 messages silently, so both are unlimited (0). Size the host's\n"
        "# memory for the longest ingest outage to be ridden out.\n"
        "max_queued_messages 0\n"
        "max_queued_bytes 0\n"
        "max_inflight_messages 100\n"
        "\n"
        "log_type error\n"
        "log_type warning\n"
        "log_type notice\n"
    )


def _has_line_break(text: str) -> bool:
    # Mosquitto reads its files line by line with fgets.
    return "\n" in text or "\r" in text


def _check_service_user(user: str) -> None:
    # Mosquitto reads the rest of a "user " line as the name, trimmed, and refuses every ACL
    # check for a user name with a wildcard once pattern ACLs exist.
    if not user or user != user.strip() or _has_line_break(user) or any(c in user for c in "+#:"):
        raise ValueError(f"service user name {user!r} cannot be used in the ACL")
