"""The PostgreSQL that database tests run against.

``SUYUAN_TEST_POSTGRES_URL`` (default: the server on 127.0.0.1:5432, database ``test``) is used
when it answers; otherwise, where the PostgreSQL server binaries are installed, a private
cluster is started in a temporary directory on a free port for the test session.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateCluster:
    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            raise RuntimeError(
                "no PostgreSQL answers at SUYUAN_TEST_POSTGRES_URL and no server binaries are installed "
                "(apt-get install postgresql)"
            )
        self.bin = Path(binaries[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="suyuan-pg-"))
        self.port = _free_port()
        run_as = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        if run_as:  # PostgreSQL refuses to run as root
            shutil.chown(self.dir, "postgres")
        self._run_as = run_as
        data = str(self.dir / "data")
        self._tool("initdb", "-D", data, "-U", "postgres", "-A", "trust")
        options = f"-p {self.port} -k {self.dir} -h 127.0.0.1"
        self._tool("pg_ctl", "-D", data, "-w", "-l", str(self.dir / "log"), "-o", options, "start")
        self._tool("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "test")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/test"

    def _tool(self, name: str, *args: str, check: bool = True) -> None:
        subprocess.run([*self._run_as, str(self.bin / name), *args], check=check, capture_output=True)

    def stop(self) -> None:
        self._tool("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def server_url() -> tuple[str, PrivateCluster | None]:
    url = os.environ.get("SUYUAN_TEST_POSTGRES_URL", DEFAULT_URL)
    if _answers(url):
        return url, None
    cluster = PrivateCluster()
    return cluster.url, cluster
