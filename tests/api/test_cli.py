"""`suyuan org add` as a user runs it (in process), and `suyuan up` as its own process."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests._cli import Ran, run_suyuan
from tests.api.conftest import make_uscc
from trace_api.settings import ServiceSettings

SUYUAN = [sys.executable, "-m", "suyuan"]


def _run(env: dict[str, str], *args: str) -> Ran:
    return run_suyuan(env, *args)


def test_org_add_admits_an_organisation_with_a_working_key(cli_env: dict[str, str]) -> None:
    uscc = make_uscc()
    added = _run(
        cli_env,
        "org",
        "add",
        "--handle",
        "samr-xh",
        "--name",
        "Xuhui Market Regulation",
        "--type",
        "regulator",
        "--uscc",
        uscc,
        "--jurisdiction",
        "Xuhui",
    )
    again = _run(
        cli_env,
        "org",
        "add",
        "--handle",
        "samr-xh",
        "--name",
        "x",
        "--type",
        "regulator",
        "--uscc",
        uscc,
        "--jurisdiction",
        "Xuhui",
    )

    assert added.returncode == 0, added.stderr
    assert "admitted samr-xh (regulator)" in added.stdout
    assert "chain role: regulator, granted" in added.stdout  # sent before the command returned
    assert re.search(r"API key \(shown once\): sy_[0-9a-f]{16}_\S+", added.stdout)
    assert again.returncode == 1
    assert "exists already" in again.stderr


def test_org_add_with_bad_code_fails_with_one_line(cli_env: dict[str, str]) -> None:
    result = _run(
        cli_env,
        "org",
        "add",
        "--handle",
        "bad",
        "--name",
        "Bad",
        "--type",
        "importer",
        "--uscc",
        "91350100M000100Y44",
        "--jurisdiction",
        "X",
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: invalid --uscc: check character should be '3', not '4'"
    ]


def _start_up(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], list[str]]:
    """`suyuan up [args]`, with its output collected line by line, once it says it is running."""
    up = subprocess.Popen(
        [*SUYUAN, "up", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    assert up.stdout is not None
    threading.Thread(target=lambda: lines.extend(up.stdout or []), daemon=True).start()
    deadline = time.monotonic() + 120
    while not any("running, Ctrl-C stops" in line for line in lines):
        assert up.poll() is None, "".join(lines)
        assert time.monotonic() < deadline, "".join(lines)
        time.sleep(0.1)  # waiting for the command's own words, bounded by the deadline
    return up, lines


def _node_pid(env: dict[str, str]) -> int:
    info = json.loads((Path(env["SUYUAN_DATA_DIR"]) / "chain" / "node.json").read_text())
    return int(info["pid"])


def _exited(pid: int, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)  # another process's exit: polled, bounded by the deadline
    return False


def test_up_killed_takes_its_node_along_and_the_next_up_starts_its_own(cli_env: dict[str, str]) -> None:
    first, _ = _start_up(cli_env)
    first_node = _node_pid(cli_env)
    first.kill()
    first.wait()
    first_node_exited = _exited(first_node)

    second, lines = _start_up(cli_env)
    second_node = _node_pid(cli_env)
    second.send_signal(signal.SIGTERM)
    second.wait(timeout=60)

    assert first_node_exited, "anvil outlived the killed `suyuan up`"
    assert second_node != first_node
    assert "contracts deployed earlier" in "".join(lines)  # the first run's chain state was kept
    assert _exited(second_node)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_up_prints_the_address_codes_carry_and_it_answers(cli_env: dict[str, str]) -> None:
    port = _free_port()
    env = {**cli_env, "SUYUAN_API_PORT": str(port)}
    up, lines = _start_up(env)
    try:
        carried = [line.split()[5] for line in lines if line.startswith("item codes and labels carry: ")]
        assert carried == [f"http://127.0.0.1:{port}"], "".join(lines)
        answer = httpx.get(f"{carried[0]}/livez", timeout=30)
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=60)

    assert answer.status_code == 200


def test_public_url_follows_the_api_port_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUYUAN_API_PORT", "8765")
    derived = ServiceSettings()
    monkeypatch.setenv("SUYUAN_PUBLIC_URL", "https://trace.example.cn")
    explicit = ServiceSettings()
    explicit.served_at(8765)
    monkeypatch.delenv("SUYUAN_PUBLIC_URL")
    monkeypatch.setenv("SUYUAN_API_HOST", "0.0.0.0")
    everywhere = ServiceSettings()
    everywhere.served_at(43210)  # port 0 picked this one

    assert derived.public_url == "http://127.0.0.1:8765"
    assert explicit.public_url == "https://trace.example.cn"
    assert everywhere.public_url == "http://127.0.0.1:43210"
