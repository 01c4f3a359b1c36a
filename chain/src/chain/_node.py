"""A local anvil node: the embedded default chain, started as a subprocess.

anvil runs on 127.0.0.1 with the pinned hardfork, zero gas price and zero base fee, pruned
history, and its state dumped into the data directory (on SIGTERM and every few seconds, so a
restart, even after SIGKILL, resumes the chain).

The node dies with the process that started it: on Linux it is asked (``PR_SET_PDEATHSIG``)
to get SIGTERM when its parent dies, even by SIGKILL. ``node.json`` names the node and its
owner; a node whose owner is gone is never adopted, and the next start stops it first.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from ._errors import NodeError
from ._toolchain import EVM_VERSION, find_anvil

_LISTENING = re.compile(r"Listening on (\S+):(\d+)")
STATE_INTERVAL_S = 2
#: Recent block states anvil keeps in memory (calls at a block a few behind the head still answer).
KEPT_STATES = 256
_PR_SET_PDEATHSIG = 1


class LocalNode:
    """Starts, watches and stops one anvil process whose state lives in ``state_dir``."""

    def __init__(
        self,
        state_dir: Path,
        *,
        chain_id: int,
        host: str = "127.0.0.1",
        port: int = 0,
        anvil_binary: Path | None = None,
        persist: bool = True,
        state_interval_s: int = STATE_INTERVAL_S,
        block_time_s: int | None = None,
    ) -> None:
        self.state_dir = state_dir
        self.chain_id = chain_id
        self.host = host
        self.port = port
        self._binary = anvil_binary
        self.persist = persist  # False: a throwaway chain (tests), no state file written
        #: Seconds between anvil's state dumps: what a SIGKILL may lose.
        self.state_interval_s = state_interval_s
        #: Seconds between blocks (interval mining, as a QBFT network mines); None: a block per transaction.
        self.block_time_s = block_time_s
        self._process: subprocess.Popen[bytes] | None = None
        self.rpc_url: str | None = None

    @property
    def state_file(self) -> Path:
        return self.state_dir / "anvil-state.json"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "anvil.log"

    @property
    def info_file(self) -> Path:
        return self.state_dir / "node.json"

    def command(self, binary: Path) -> list[str]:
        command = [
            str(binary),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            "--hardfork",
            EVM_VERSION,
            "--gas-price",
            "0",
            "--base-fee",
            "0",
            "--disable-min-priority-fee",
            "--prune-history",
            str(KEPT_STATES),
            "--accounts",
            "0",
        ]
        if self.block_time_s is not None:
            command += ["--block-time", str(self.block_time_s)]
        if self.persist:
            command += ["--state", str(self.state_file), "--state-interval", str(self.state_interval_s)]
        return command

    def start(self, timeout_s: float = 15.0) -> str:
        """Starts anvil and returns its RPC URL once it listens. Requires the node not running."""
        if self._process is not None and self._process.poll() is None:
            raise NodeError(f"node already running at {self.rpc_url}")
        binary = find_anvil(self._binary)
        if binary is None:
            raise NodeError("anvil not found: run `npm ci` in the project root or set SUYUAN_ANVIL_BINARY")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        stop_orphan(self.state_dir, timeout_s)
        # anvil's stdout must never be an unread pipe: it stalls once the pipe fills.
        with self.log_file.open("wb") as log:
            self._process = subprocess.Popen(
                self.command(binary),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_dying_with(os.getpid()),
            )
        self.rpc_url = self._wait_listening(timeout_s)
        info = {"pid": self._process.pid, "owner": os.getpid(), "rpc_url": self.rpc_url}
        self.info_file.write_text(json.dumps(info) + "\n")
        return self.rpc_url

    def _wait_listening(self, timeout_s: float) -> str:
        assert self._process is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            match = _LISTENING.search(self.log_file.read_text(errors="replace"))
            if match:
                return f"http://{match.group(1)}:{match.group(2)}"
            if self._process.poll() is not None:
                raise NodeError(f"anvil exited with {self._process.returncode}: {self._log_tail()}")
            time.sleep(0.02)  # polling the log for the listening line, bounded by the deadline
        self.kill()
        raise NodeError(f"anvil did not listen within {timeout_s:.0f} s: {self._log_tail()}")

    def _log_tail(self) -> str:
        lines = self.log_file.read_text(errors="replace").strip().splitlines()
        return " | ".join(lines[-5:]) if lines else "(no output)"

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stops anvil with SIGTERM, which makes it write its state file."""
        process = self._process
        if process is None or process.poll() is not None:
            self._forget()
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise NodeError(f"anvil ignored SIGTERM for {timeout_s:.0f} s and was killed") from None
        finally:
            self._forget()

    def kill(self) -> None:
        """Kills anvil at once (SIGKILL): its state is what the last periodic dump held."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._forget()

    def _forget(self) -> None:
        self._process = None
        self.info_file.unlink(missing_ok=True)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> LocalNode:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def running_node_url(state_dir: Path) -> str | None:
    """The RPC URL recorded by a node that another, living process started in ``state_dir``."""
    info = _recorded_node(state_dir)
    if info is None or not _alive(info.get("owner")):
        return None
    url = info.get("rpc_url")
    return url if isinstance(url, str) else None


def stop_orphan(state_dir: Path, timeout_s: float = 15.0) -> bool:
    """Stops the node recorded in ``state_dir`` if the process that started it is gone.

    SIGTERM first (the node writes its state), SIGKILL after ``timeout_s``. Returns whether
    there was one.
    """
    info = _recorded_node(state_dir)
    if info is None or _alive(info.get("owner")):
        return False
    pid = int(info["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # not our child: polling is the only way to see it exit, bounded
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    (state_dir / "node.json").unlink(missing_ok=True)
    return True


def _recorded_node(state_dir: Path) -> dict[str, Any] | None:
    """The living anvil process ``node.json`` names, if any (a reused pid is not anvil)."""
    try:
        info = json.loads((state_dir / "node.json").read_text())
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(pid):
        return None
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists() and b"anvil" not in cmdline.read_bytes():
        return None
    return dict(info)


def _alive(pid: object) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if sys.platform.startswith("linux"):  # a zombie (exited, not yet reaped) is not alive
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False
    return True


def _dying_with(parent: int) -> Callable[[], None] | None:
    """A preexec function that makes the child get SIGTERM when ``parent`` dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork, not in the child

    def die_with_parent() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return die_with_parent
