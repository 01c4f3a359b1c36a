"""`suyuan org add` and `suyuan codes issue` as a user runs them."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.api.conftest import make_uscc

SUYUAN = [sys.executable, "-m", "chain.cli"]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SUYUAN, *args], env=env, capture_output=True, text=True, timeout=120)


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
        "error: invalid --uscc: Value error, check character should be '3', not '4'"
    ]
