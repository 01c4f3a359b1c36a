"""Contract artifacts: committed, reproducible from the sources, checked for drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chain import CONTRACT_NAMES, EVM_VERSION, ArtifactsOutOfDate, check_artifacts, compile_contracts
from chain._compile import write_artifacts


@pytest.fixture(scope="module")
def fresh() -> dict[str, dict[str, object]]:
    return compile_contracts()


def test_committed_artifacts_match_a_fresh_compile(fresh: dict[str, dict[str, object]]) -> None:
    from chain._toolchain import ARTIFACTS_DIR

    for name in CONTRACT_NAMES:
        committed = json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())
        assert committed == fresh[name], f"{name} artifact is stale: run `suyuan chain compile`"


def test_artifacts_pin_compiler_and_evm_version(fresh: dict[str, dict[str, object]]) -> None:
    for artifact in fresh.values():
        assert artifact["compiler"] == {"solc": "0.8.37", "evmVersion": EVM_VERSION, "optimizerRuns": 200}


def test_check_names_the_artifact_that_drifted(tmp_path: Path, fresh: dict[str, dict[str, object]]) -> None:
    write_artifacts(fresh, tmp_path)
    tampered = json.loads((tmp_path / "BatchRegistry.json").read_text())
    tampered["bytecode"] = tampered["bytecode"][:-2] + "00"
    (tmp_path / "BatchRegistry.json").write_text(json.dumps(tampered))

    with pytest.raises(ArtifactsOutOfDate, match=r"BatchRegistry\.json") as caught:
        check_artifacts(tmp_path)
    assert "Membership" not in str(caught.value)


def test_check_fails_when_an_artifact_is_missing(tmp_path: Path, fresh: dict[str, dict[str, object]]) -> None:
    write_artifacts(fresh, tmp_path)
    (tmp_path / "EvidenceAnchor.json").unlink()

    with pytest.raises(ArtifactsOutOfDate, match=r"EvidenceAnchor\.json"):
        check_artifacts(tmp_path)
