"""Compiling the Solidity contracts with solc-js (npm `solc`) through py-solc-x.

The artifacts (ABI and bytecode) are committed under ``chain/artifacts``; :func:`check_artifacts`
recompiles and fails on any difference, so the committed bytecode always matches the sources.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ._errors import ArtifactsOutOfDate, CompileError, ToolchainError
from ._toolchain import (
    ARTIFACTS_DIR,
    CONTRACT_NAMES,
    EVM_VERSION,
    OPTIMIZER_RUNS,
    SOLC_VERSION,
    project_root,
    solcjs_shim,
)


def _require_root() -> Path:
    root = project_root()
    if root is None:
        raise ToolchainError("contracts/ not found: compile from a source checkout of Suyuan")
    if not (root / "node_modules" / "solc").is_dir():
        raise ToolchainError("solc-js is not installed: run `npm ci` in the project root")
    return root


def _standard_input(root: Path) -> dict[str, Any]:
    sources = {
        f"contracts/src/{path.name}": {"content": path.read_text(encoding="utf-8")}
        for path in sorted((root / "contracts" / "src").glob("*.sol"))
    }
    return {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "evmVersion": EVM_VERSION,
            "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
            "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }


def compile_contracts() -> dict[str, dict[str, Any]]:
    """Compiles ``contracts/src`` and returns one artifact per deployed contract."""
    import solcx

    root = _require_root()
    shim = solcjs_shim(root)
    try:
        output = solcx.compile_standard(
            _standard_input(root), solc_binary=str(shim), base_path=str(root), allow_paths=[str(root)]
        )
    except solcx.exceptions.SolcError as exc:
        raise CompileError(_solc_messages(exc.stdout_data or "") or exc.message) from exc
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("\n".join(e.get("formattedMessage", e["message"]) for e in errors))
    artifacts: dict[str, dict[str, Any]] = {}
    for name in CONTRACT_NAMES:
        compiled = output["contracts"][f"contracts/src/{name}.sol"][name]
        artifacts[name] = {
            "contractName": name,
            "compiler": {"solc": SOLC_VERSION, "evmVersion": EVM_VERSION, "optimizerRuns": OPTIMIZER_RUNS},
            "abi": compiled["abi"],
            "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
        }
    return artifacts


def _solc_messages(stdout: str) -> str:
    try:
        report = json.loads(stdout)
    except (TypeError, ValueError):
        return ""
    return "\n".join(
        e.get("formattedMessage", e.get("message", ""))
        for e in report.get("errors", [])
        if e.get("severity") == "error"
    )


def render_artifact(artifact: dict[str, Any]) -> str:
    return json.dumps(artifact, indent=2, sort_keys=True) + "\n"


def write_artifacts(artifacts: dict[str, dict[str, Any]], directory: Path = ARTIFACTS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, artifact in artifacts.items():
        path = directory / f"{name}.json"
        path.write_text(render_artifact(artifact), encoding="utf-8")
        written.append(path)
    return written


def check_artifacts(directory: Path = ARTIFACTS_DIR) -> None:
    """Recompiles and raises :class:`ArtifactsOutOfDate` naming every artifact that differs."""
    stale = []
    for name, artifact in compile_contracts().items():
        path = directory / f"{name}.json"
        if not path.is_file() or path.read_text(encoding="utf-8") != render_artifact(artifact):
            stale.append(path.name)
    if stale:
        raise ArtifactsOutOfDate(
            f"committed artifacts differ from the sources: {', '.join(stale)}; run `suyuan chain compile`"
        )


def load_artifact(name: str, directory: Path = ARTIFACTS_DIR) -> dict[str, Any]:
    path = directory / f"{name}.json"
    if not path.is_file():
        raise ToolchainError(f"artifact {path} is missing; run `suyuan chain compile`")
    artifact: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return artifact
