"""The import contracts (pyproject.toml, checked by import-linter) cover what they say they cover:
contracts that list modules by name are checked here against the modules that exist."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from typing import Any

import grimp

from tests.conftest import REPO_ROOT


def _contract(name: str) -> dict[str, Any]:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"] == name)


def _matching(graph: grimp.ImportGraph, expressions: list[str]) -> set[str]:
    return set().union(*(graph.find_matching_modules(e) if "*" in e else {e} for e in expressions))


def test_ingest_is_forbidden_every_private_module_of_trace_api() -> None:
    graph = grimp.build_graph("trace_api")
    private = {
        module
        for module in graph.modules
        if any(part.startswith("_") and not part.startswith("__") for part in module.split("."))
    }
    contract = _contract("ingest uses trace-api's public surface, not its web layer or private modules")

    forbidden = _matching(graph, contract["forbidden_modules"])

    assert {"trace_api._exports", "trace_api._paging", "trace_api.orgs._uscc"} <= private
    assert sorted(private - forbidden) == []


def test_trace_api_names_its_entry_points_without_loading_the_web_stack_for_a_domain() -> None:
    script = (
        "import sys, trace_api, trace_api.facts\n"
        "web = sorted({'fastapi', 'starlette', 'trace_api.app'} & set(sys.modules))\n"
        "from trace_api import ServiceSettings, Services, build_services, create_app\n"
        "print(web, create_app.__module__, Services.__module__)\n"
    )
    command = [sys.executable, "-c", script]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["[]", "trace_api.app", "trace_api.services"]


def _layer_modules(layer: str) -> set[str]:
    return {name.strip() for name in layer.split(":")}


def _documented_modules(row_start: str) -> set[str]:
    """The modules named in the first cell of docs/architecture.md's allowed-imports row."""
    text = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    (row,) = [line for line in text.splitlines() if line.startswith(row_start)]
    return set(re.findall(r"`([^`]+)`", row.split(" | ")[0])) - {"trace_api"}


def test_architecture_doc_names_each_trace_api_layer_as_the_layers_contract_does() -> None:
    web, domains, shared = _contract(
        "inside trace-api, the web layer over the domains over the shared facts and services"
    )["layers"]

    assert _documented_modules("| `trace_api`'s domains (") == _layer_modules(domains)
    assert _documented_modules("| `trace_api`'s shared modules (") == _layer_modules(shared)
    assert _layer_modules(web) <= _documented_modules("| `trace_api`'s web layer (")
