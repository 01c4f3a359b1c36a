"""The ``suyuan`` command run in this process, answering as the spawned command does.

Spawning ``python -m suyuan`` imports the whole CLI again (seconds a run); tests that check what
a command prints and how it exits run it here instead, with the environment they would give the
process. Tests about processes (``suyuan up``, crashes, replicas, lock races) still spawn it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from typer.testing import CliRunner

from suyuan.cli import app


@dataclass(frozen=True)
class Ran:
    """What a run printed and its exit status, named as in ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


def run_suyuan(env: dict[str, str], *args: str, stdin: str | None = None) -> Ran:
    """Runs ``suyuan *args`` in process under exactly ``env``'s ``SUYUAN_*`` settings (the others
    this process has are hidden for the run); an unexpected exception propagates to the test."""
    hidden: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SUYUAN_") and k not in env}
    result = CliRunner().invoke(app, list(args), input=stdin, env={**env, **hidden}, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)
