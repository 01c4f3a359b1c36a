"""The pinned chain toolchain: compiler, EVM version and the contracts Suyuan deploys.

This is the one place where the Solidity compiler and the EVM hardfork are pinned. The
hardfork must be one that the production Hyperledger Besu genesis runs; the local anvil node
is started with the same one (see docs/adr/0001-evm-version.md).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SOLC_VERSION = "0.8.37"
EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 200

#: Contracts deployed by Suyuan, in deployment order.
CONTRACT_NAMES: tuple[str, ...] = ("Membership", "BatchRegistry", "EvidenceAnchor")

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"

_ANVIL_RELATIVE = Path("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
_SOLCJS_SHIM_RELATIVE = Path("contracts/tools/solcjs-standard-json.js")


def project_root() -> Path | None:
    """The source checkout this package runs from, if any (it holds `contracts/` and `node_modules/`)."""
    for candidate in (Path(__file__).resolve(), Path.cwd().resolve()):
        for parent in (candidate, *candidate.parents):
            if (parent / "contracts" / "src").is_dir() and (parent / "package.json").is_file():
                return parent
    return None


def find_anvil(explicit: Path | None = None) -> Path | None:
    """The anvil binary itself (not npm's node shim, which loses signals and exit codes)."""
    if explicit is not None:
        return explicit if explicit.is_file() else None
    root = project_root()
    if root is not None and (root / _ANVIL_RELATIVE).is_file():
        return root / _ANVIL_RELATIVE
    found = shutil.which("anvil")
    return Path(found) if found else None


def solcjs_shim(root: Path) -> Path:
    """The solc command-line stand-in over solc-js used by py-solc-x."""
    shim = root / _SOLCJS_SHIM_RELATIVE
    if not os.access(shim, os.X_OK):
        shim.chmod(0o755)
    return shim
