"""The ``suyuan-evidence`` distribution (``evidence/pyproject.toml``) on its own.

Its wheel is built and installed into a fresh virtual environment that holds nothing else but the
distributions its metadata requires (linked from this interpreter's, so no index is needed): there
it verifies a real bundle, refuses a tampered one, and finds no web stack, database library or
chain client to load.
"""

from __future__ import annotations

import base64
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import venv
from email.parser import Parser
from pathlib import Path
from zipfile import ZipFile

import pytest
from packaging.requirements import Requirement

from evidence import Ledger, proof_bundle

ROOT = Path(__file__).resolve().parents[2]
#: The full distribution's libraries that an offline verifier must do without.
HEAVY = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "sqlmodel", "alembic", "web3", "eth_account")


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    """Runs ``command`` outside the worktree, with none of its packages on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, env=env, cwd="/", timeout=120
    )


def build_wheel(out: Path) -> Path:
    # The build backend from this environment when it has one (the dev extra), else from pip's index.
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", out, ROOT / "evidence")
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = out.glob("suyuan_evidence-*.whl")
    return wheel


def required_distributions(wheel: Path) -> set[str]:
    """The wheel's requirements and theirs, as this interpreter has them installed."""
    with ZipFile(wheel) as archive:
        (metadata,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        pending = Parser().parsestr(archive.read(metadata).decode()).get_all("Requires-Dist") or []
    found: set[str] = set()
    while pending:
        requirement = Requirement(pending.pop())
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        if requirement.name.lower() not in found:
            found.add(requirement.name.lower())
            pending.extend(importlib.metadata.distribution(requirement.name).requires or [])
    return found


def link_distributions(names: set[str], site_packages: Path) -> None:
    for name in names:
        dist = importlib.metadata.distribution(name)
        tops = {Path(str(file)).parts[0] for file in dist.files or [] if not str(file).startswith("..")}
        for top in tops - {"__pycache__"}:
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (site_packages / top).exists():
                (site_packages / top).symlink_to(source)


@pytest.fixture(scope="module")
def evidence_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the suyuan-evidence wheel and only what it requires."""
    tmp = tmp_path_factory.mktemp("evidence-dist")
    wheel = build_wheel(tmp / "dist")
    home = tmp / "venv"
    venv.create(home, with_pip=False)
    python = home / "bin" / "python"
    installed = run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    (site_packages,) = home.glob("lib/python*/site-packages")
    link_distributions(required_distributions(wheel), site_packages)
    return home


def saved_bundle(ledger: Ledger, path: Path, tamper: bool = False) -> Path:
    bundle = proof_bundle(ledger, "r-7")
    if tamper:  # one bit of the first inclusion-proof hash
        first = bytearray(base64.b64decode(bundle["inclusion_proof"][0]))
        first[0] ^= 1
        bundle["inclusion_proof"][0] = base64.b64encode(bytes(first)).decode()
    path.write_text(json.dumps(bundle))
    return path


def test_evidence_wheel_verifies_a_bundle_offline_in_a_venv_without_the_web_stack(
    evidence_venv: Path, ledger: Ledger, tmp_path: Path
) -> None:
    key = ledger.signer.verifier_key()

    verified = run(
        evidence_venv / "bin" / "suyuan-evidence",
        "verify",
        saved_bundle(ledger, tmp_path / "b.json"),
        "--key",
        key,
    )
    tampered = run(
        evidence_venv / "bin" / "python",
        "-m",
        "evidence",
        "verify",
        saved_bundle(ledger, tmp_path / "t.json", True),
        "--key",
        key,
    )
    probe = run(
        evidence_venv / "bin" / "python",
        "-c",
        "import importlib.util, sys; print([m for m in sys.argv[1:] if importlib.util.find_spec(m)])",
        *HEAVY,
    )

    assert verified.returncode == 0, verified.stderr
    assert "verified: record 'r-7' (leaf 7)" in verified.stdout
    assert tampered.returncode == 1
    assert "verification failed at step 'inclusion'" in tampered.stderr
    assert (probe.returncode, probe.stdout.strip()) == (0, "[]"), probe.stderr
