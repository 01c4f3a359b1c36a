"""A Mosquitto of one's own, configured exactly as :mod:`ingest.mosquitto` renders it.

Password file, ACL and persistence on a free port, with restarts that keep the port and the
persistence database. ``suyuan bench ingest`` measures on one; the tests restart one.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from .mosquitto import acl_text, broker_config, passwd_file, password_hash

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalBroker:
    """Mosquitto with ``users`` (user name -> password) in its password file and
    ``service_users`` granted the service ACL; every other user is a device.

    Files live in ``tmp_dir``: ``mosquitto.conf``, ``passwd``, ``acl``, ``data/`` (the
    persistence database) and ``mosquitto.log`` (appended to across restarts).
    """

    def __init__(
        self,
        tmp_dir: Path,
        users: Mapping[str, str],
        service_users: Sequence[str],
        *,
        port: int | None = None,
    ) -> None:
        if not Path(MOSQUITTO).exists():
            raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
        self.dir = tmp_dir
        self.port = port if port is not None else free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.data_dir = tmp_dir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.passwd_path = tmp_dir / "passwd"
        self.acl_path = tmp_dir / "acl"
        self.config_path = tmp_dir / "mosquitto.conf"
        self.log_path = tmp_dir / "mosquitto.log"
        self.passwd_path.write_text(passwd_file((user, password_hash(pw)) for user, pw in users.items()))
        self.acl_path.write_text(acl_text(service_users))
        # Started as root, Mosquitto would switch to its own user, which cannot reach a
        # private tmp_dir; as anyone else the setting has no effect.
        self.config_path.write_text(
            broker_config(
                self.port,
                self.data_dir,
                self.passwd_path,
                self.acl_path,
                run_as_user=pwd.getpwuid(os.geteuid()).pw_name,
            )
        )
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start Mosquitto and return once its port accepts connections."""
        if self.running:
            raise RuntimeError("mosquitto is already running")
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(
                [MOSQUITTO, "-c", str(self.config_path)], stdout=log, stderr=subprocess.STDOUT
            )
        self._process = process
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"mosquitto did not listen within {START_TIMEOUT_S} s:\n{self.log()}")
            try:
                # Polling the port until it listens, bounded; waiting on the process doubles
                # as the pause between tries and notices an early exit (a bad config).
                rc = process.wait(timeout=0.02)
            except subprocess.TimeoutExpired:
                continue
            raise RuntimeError(f"mosquitto exited with {rc}:\n{self.log()}")

    def stop(self) -> None:
        """Stop gracefully (SIGTERM): Mosquitto writes its persistence database on the way out."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            rc = process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RuntimeError(f"mosquitto ignored SIGTERM for {STOP_TIMEOUT_S} s:\n{self.log()}") from None
        if rc != 0:
            raise RuntimeError(f"mosquitto exited with {rc} on SIGTERM:\n{self.log()}")

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash would: nothing since the last autosave is saved."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> LocalBroker:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.stop()
        else:
            self.kill()

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False
