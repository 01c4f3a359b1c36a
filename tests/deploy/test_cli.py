"""The ``suyuan`` root: every component's commands under it, and ``suyuan up``'s start order."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from tests._cli import run_suyuan
from tests.api.test_cli import _start_up

SUYUAN = [sys.executable, "-m", "suyuan"]


def _commands(env: dict[str, str], *group: str) -> list[str]:
    """The command names a help page lists, in its order."""
    result = run_suyuan({**env, "COLUMNS": "200"}, *group, "--help")
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("Commands", 1)[1].splitlines()[1:]
    return [line.split()[1] for line in listed if line.startswith("│ ") and line[2] != " "]


def test_help_lists_every_components_commands(cli_env: dict[str, str]) -> None:
    assert set(_commands(cli_env)) == {
        "up", "chain", "ledger", "org", "codes", "export", "verify", "audit",  # chain, trace API
        "filing", "permit", "equipment", "market", "selfcheck", "credit", "enforcement", "risk",  # domains
        "ingest", "device", "simulate", "vision", "bench",  # ingest
        "deploy", "db",  # a multi-party network, and moving an installation into PostgreSQL
        "console",  # the regulator console
        "scan",  # the handheld scanner
    }  # fmt: skip
    assert set(_commands(cli_env, "bench")) == {
        "chain",
        "ledger",
        "api",
        "console",
        "epcis",
        "ingest",
        "scanners",
        "vision",
        "risk",
        "writers",
    }
    assert "reconcile" in _commands(cli_env, "chain")
    assert "rotate-anchor-key" in _commands(cli_env, "chain")
    assert set(_commands(cli_env, "deploy")) == {"besu", "admin"}


def test_up_starts_its_services_in_the_documented_order(cli_env: dict[str, str]) -> None:
    up, lines = _start_up(cli_env)
    up.send_signal(signal.SIGTERM)
    assert up.wait(timeout=60) == 0, "".join(lines)
    deadline = time.monotonic() + 10
    while not lines[-1].startswith("stopped; state kept in "):  # the reader thread's last line
        assert time.monotonic() < deadline, "".join(lines)
        time.sleep(0.05)

    # suyuan/up.py: the chain, the anchorer, the trace API and its workers, ingest; then the status.
    order = ["anchorer: ", "trace API: ", "chain worker: ", "chain reconcile: ", "cold-chain ingest: "]
    order.append("node  ")
    firsts = [[i for i, line in enumerate(lines) if line.startswith(p)][:1] for p in order]
    assert all(firsts), "".join(lines)
    assert firsts == sorted(firsts), "".join(lines)
    assert "running, Ctrl-C stops" in lines[-2], "".join(lines)


def test_console_secret_makes_a_session_key_and_up_refuses_a_bad_one(cli_env: dict[str, str]) -> None:
    from cryptography.fernet import Fernet

    made = run_suyuan(cli_env, "console", "secret")
    Fernet(made.stdout.strip().encode())  # a usable key
    bad = subprocess.run(
        [*SUYUAN, "up"], env={**cli_env, "SUYUAN_CONSOLE_SECRET": "not-a-key"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    said = (bad.stdout + bad.stderr).strip().splitlines()
    assert bad.returncode == 1
    assert any(line.startswith("error: invalid setting SUYUAN_CONSOLE_SECRET") for line in said), said
