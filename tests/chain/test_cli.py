"""The `suyuan chain` and `suyuan bench chain` commands, run as a user runs them (in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer

from chain.cli import fail
from tests._cli import Ran, run_suyuan
from tests.evidence.test_cli import _record


def _run(env: dict[str, str], *args: str, check: bool = True, stdin: str | None = None) -> Ran:
    result = run_suyuan(env, *args, stdin=stdin)
    if check and result.returncode != 0:
        raise AssertionError(f"suyuan {' '.join(args)} failed: {result.stderr}")
    return result


def test_deploy_then_status_reports_contracts_and_roles(cli_env: dict[str, str]) -> None:
    deployed = _run(cli_env, "chain", "deploy")
    again = _run(cli_env, "chain", "deploy")
    status = json.loads(_run(cli_env, "chain", "status", "--json").stdout)

    assert "deployed on chain 31337" in deployed.stdout
    assert "already deployed" in again.stdout
    assert set(status["deployment"]["contracts"]) == {"Membership", "BatchRegistry", "EvidenceAnchor"}
    roles = {a["name"]: a["roles"] for a in status["accounts"]}
    assert roles == {"anchor": ["anchor"], "regulator": ["regulator"]}


def test_global_options_hold_for_their_own_run_only(cli_env: dict[str, str], tmp_path: Path) -> None:
    other = tmp_path / "other"
    _run(cli_env, "--data-dir", str(other), "ledger", "append", "-", stdin=json.dumps(_record(0)))
    there = json.loads(_run(cli_env, "--data-dir", str(other), "ledger", "status", "--json").stdout)
    here = json.loads(_run(cli_env, "ledger", "status", "--json").stdout)  # the next run: no option

    assert (there["size"], here["size"]) == (1, 0)
    assert (other / "suyuan.db").is_file()


def test_grant_admits_a_new_member(cli_env: dict[str, str]) -> None:
    _run(cli_env, "chain", "deploy")
    _run(cli_env, "chain", "grant", "acme-import", "--role", "importer", "--org", "91310000MA1K4XYZ0A")
    status = json.loads(_run(cli_env, "chain", "status", "--json").stdout)

    member = next(a for a in status["accounts"] if a["name"] == "acme-import")
    assert member["roles"] == ["importer"]
    assert member["org_id"] is not None


def test_rotating_the_anchor_key_grants_the_new_key_revokes_the_old_and_anchoring_goes_on(
    cli_env: dict[str, str],
) -> None:
    _run(cli_env, "chain", "deploy")
    before = {a["name"]: a for a in json.loads(_run(cli_env, "chain", "status", "--json").stdout)["accounts"]}
    _run(cli_env, "ledger", "append", "-", stdin=json.dumps(_record(0)))
    _run(cli_env, "ledger", "anchor", "--once")

    rotated = _run(cli_env, "chain", "rotate-anchor-key")
    _run(cli_env, "ledger", "append", "-", stdin=json.dumps(_record(1)))
    anchored = _run(cli_env, "ledger", "anchor", "--once")
    after = {a["name"]: a for a in json.loads(_run(cli_env, "chain", "status", "--json").stdout)["accounts"]}
    status = json.loads(_run(cli_env, "ledger", "status", "--json").stdout)

    old = before["anchor"]["address"]
    retired = f"anchor-retired-{old[2:10].lower()}"
    assert f"{old} revoked, kept as {retired}" in rotated.stdout
    assert after[retired] == {**before["anchor"], "name": retired, "roles": []}
    assert after["anchor"]["address"] != old
    assert after["anchor"]["roles"] == ["anchor"]
    assert "anchor-next" not in after
    assert anchored.returncode == 0
    assert status["latest_anchored"] == 2


def test_grant_with_unknown_role_fails_with_one_line(cli_env: dict[str, str]) -> None:
    result = _run(cli_env, "chain", "grant", "x", "--role", "wizard", "--org", "o", check=False)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: invalid --role 'wizard': choose one of regulator, importer, trader, anchor"
    ]


def test_an_error_prints_what_it_names_as_given(capsys: pytest.CaptureFixture[str]) -> None:
    # A lot or a place may hold ':x:' or '[b]': shown as typed, not as an emoji or markup.
    with pytest.raises(typer.Exit):
        fail("no lot 'A:x:' at [b]dock[/b]")

    assert capsys.readouterr().err.strip() == "error: no lot 'A:x:' at [b]dock[/b]"


def test_status_before_deploy_says_so(cli_env: dict[str, str]) -> None:
    result = _run(cli_env, "chain", "status")

    assert "not deployed" in result.stdout
    assert "suyuan chain deploy" in result.stdout


def test_unreachable_external_node_fails_with_one_line(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "SUYUAN_RPC_URL": "http://127.0.0.1:9"}
    result = _run(env, "chain", "status", check=False)

    assert result.returncode == 1
    assert "no chain node answers at http://127.0.0.1:9" in result.stderr


def test_invalid_setting_names_the_field(cli_env: dict[str, str]) -> None:
    result = _run({**cli_env, "SUYUAN_NODE_PORT": "99999"}, "chain", "status", check=False)

    assert result.returncode == 1
    assert "node_port" in result.stderr


@pytest.mark.timeout(300)
def test_bench_chain_prints_gas_and_throughput_json(cli_env: dict[str, str]) -> None:
    result = _run(cli_env, "bench", "chain", "--json", "--transfers", "20")
    report = json.loads(result.stdout)

    assert set(report["gas"]) >= {
        "register_batch",
        "transfer_custody",
        "split_batch",
        "issue_recall",
        "anchor_checkpoint",
    }
    assert all(isinstance(v, int) and v > 21_000 for v in report["gas"].values())
    assert report["tx_per_s"] > 0
    assert report["baseline_tx_per_s"] > 0
    assert report["ratio"] == pytest.approx(report["tx_per_s"] / report["baseline_tx_per_s"], rel=0.01)
