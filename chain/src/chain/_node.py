"""A local anvil node: the embedded default chain, started as a subprocess.

anvil runs on 127.0.0.1 with the pinned hardfork, zero gas price and zero base fee, pruned
history, and its state dumped into the data directory (on SIGTERM and every few seconds, so a
restart, even after SIGKILL, resumes the chain).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

from ._errors import NodeError
from ._toolchain import EVM_VERSION, find_anvil

_LISTENING = re.compile(r"Listening on (\S+):(\d+)")
STATE_INTERVAL_S = 2
#: Recent block states anvil keeps in memory (calls at a block a few behind the head still answer).
KEPT_STATES = 256


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
    ) -> None:
        self.state_dir = state_dir
        self.chain_id = chain_id
        self.host = host
        self.port = port
        self._binary = anvil_binary
        self.persist = persist  # False: a throwaway chain (tests), no state file written
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
        if self.persist:
            command += ["--state", str(self.state_file), "--state-interval", str(STATE_INTERVAL_S)]
        return command

    def start(self, timeout_s: float = 15.0) -> str:
        """Starts anvil and returns its RPC URL once it listens. Requires the node not running."""
        if self._process is not None and self._process.poll() is None:
            raise NodeError(f"node already running at {self.rpc_url}")
        binary = find_anvil(self._binary)
        if binary is None:
            raise NodeError("anvil not found: run `npm ci` in the project root or set SUYUAN_ANVIL_BINARY")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # anvil's stdout must never be an unread pipe: it stalls once the pipe fills.
        with self.log_file.open("wb") as log:
            self._process = subprocess.Popen(
                self.command(binary), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self.rpc_url = self._wait_listening(timeout_s)
        self.info_file.write_text(json.dumps({"pid": self._process.pid, "rpc_url": self.rpc_url}) + "\n")
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
    """The RPC URL recorded by a node that another process started in ``state_dir``, if it is alive."""
    info_file = state_dir / "node.json"
    try:
        info = json.loads(info_file.read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    url = info.get("rpc_url")
    return url if isinstance(url, str) else None
