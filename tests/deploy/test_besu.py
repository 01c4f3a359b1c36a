"""``suyuan deploy besu``: a QBFT network's keys, genesis, node configs, allowlists and compose file,
each read back the way Besu and Docker Compose would read it; and the client against interval mining."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import coincurve
import pytest
import rlp
import yaml
from click.testing import Result
from eth_account import Account
from typer.testing import CliRunner
from web3 import Web3

from chain import EVM_VERSION, LocalNode
from evidence import open_ledger
from suyuan.besu import (
    ADMIN_APIS,
    FORKS,
    NetworkError,
    decode_qbft_extra_data,
    qbft_extra_data,
    read_public_key,
)
from suyuan.cli import app
from suyuan.up import SERVICES
from tests.api.test_cli import _start_up
from tests.conftest import REPO_ROOT, make_record
from trace_api.settings import ServiceSettings

SUYUAN = [sys.executable, "-m", "suyuan"]
NAMES = [f"validator-{i}" for i in range(1, 5)]
#: Besu's documentation's QBFT genesis example: four validators and the extraData it gives for them.
PUBLISHED_VALIDATORS = [
    "0x64a702e6263b7297a96638cac6ae65e6541f4169",
    "0x3923390ad55e90c237593b3b0e401f3b08a03185",
    "0xaefdb9a738c9f433e5b6b212a6d62f6370c2f692",
    "0xc7eeb9a4e00ce683cf93039b212648e01c6c6b78",
]
PUBLISHED_EXTRA_DATA = (
    "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f85494"
    "64a702e6263b7297a96638cac6ae65e6541f416994"
    "3923390ad55e90c237593b3b0e401f3b08a0318594"
    "aefdb9a738c9f433e5b6b212a6d62f6370c2f69294"
    "c7eeb9a4e00ce683cf93039b212648e01c6c6b78c080c0"
)


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SUYUAN, *args], capture_output=True, text=True, timeout=120, env=env)


def _besu(out: Path, *args: str) -> Result:
    """``suyuan deploy besu`` in this process (the network fixture runs the real command once)."""
    return CliRunner().invoke(app, ["deploy", "besu", "--out", str(out), *args])


def _generated(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "network"
    result = _besu(out, *args)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A network of four validators written by the real command line, read by the tests below."""
    out = tmp_path_factory.mktemp("besu") / "network"
    result = _run("deploy", "besu", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("(key written)") == 4
    return out


def _config(out: Path, name: str) -> dict[str, Any]:
    return tomllib.loads((out / name / "config.toml").read_text())


def _public(private_key: bytes) -> bytes:
    return bytes(coincurve.PrivateKey(private_key).public_key.format(compressed=False))


def _address_of_key_file(path: Path) -> str:
    return str(Account.from_key(path.read_text().strip()).address)


def test_extra_data_matches_the_published_example_byte_for_byte() -> None:
    assert qbft_extra_data(PUBLISHED_VALIDATORS) == PUBLISHED_EXTRA_DATA
    decoded = decode_qbft_extra_data(PUBLISHED_EXTRA_DATA)
    assert [v.lower() for v in decoded.validators] == PUBLISHED_VALIDATORS


def test_extra_data_decodes_back_to_the_qbft_layout(network: Path) -> None:
    out = network
    genesis = json.loads((out / "genesis.json").read_text())

    decoded = decode_qbft_extra_data(genesis["extraData"])

    assert decoded.vanity == bytes(32)
    assert decoded.validators == [_address_of_key_file(out / name / "key") for name in NAMES]
    assert (decoded.vote, decoded.round, decoded.seals) == ([], 0, [])


def test_extra_data_that_is_not_qbft_is_refused() -> None:
    with pytest.raises(NetworkError, match="five items"):
        decode_qbft_extra_data("0xc0")
    with pytest.raises(NetworkError, match="20-byte"):
        decode_qbft_extra_data("0x" + rlp.encode([bytes(32), [b"\x01"], [], 0, []]).hex())


def test_genesis_is_qbft_with_zero_fees_and_the_compilers_evm(tmp_path: Path) -> None:
    out = _generated(tmp_path, "--chain-id", "4242", "--block-period", "3", "--request-timeout", "8")

    genesis = json.loads((out / "genesis.json").read_text())
    config = genesis["config"]

    assert config["chainId"] == 4242
    assert config["zeroBaseFee"] is True
    assert config["qbft"] == {"blockperiodseconds": 3, "epochlength": 30000, "requesttimeoutseconds": 8}
    assert all(config[fork] == 0 for fork in FORKS[EVM_VERSION])
    assert f"{EVM_VERSION}Time" in config or f"{EVM_VERSION}Block" in config or EVM_VERSION == "paris"
    assert "contractSizeLimit" not in config  # every contract fits EIP-170's limit
    assert genesis["mixHash"] == "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
    assert genesis["difficulty"] == "0x1"


def test_every_node_config_keeps_admin_apis_off_the_application_port(network: Path) -> None:
    out = network
    enodes = json.loads((out / "static-nodes.json").read_text())

    for name in NAMES:
        config = _config(out, name)
        assert config["min-gas-price"] == 0
        assert config["rpc-http-host"] == "0.0.0.0"
        assert set(config["rpc-http-api"]) == {"ETH", "NET", "WEB3"}
        assert config["rpc-ws-host"] == "127.0.0.1"
        assert set(config["rpc-ws-api"]) == set(ADMIN_APIS)
        assert config["rpc-ws-port"] != config["rpc-http-port"]
        assert config["node-private-key-file"] == f"/network/{name}/key"
        assert config["permissions-nodes-config-file-enabled"] is True
        own = next(e for e in enodes if e.endswith(f"@{config['p2p-host']}:30303"))
        assert sorted(config["bootnodes"]) == sorted(e for e in enodes if e != own)
        allowlist = tomllib.loads((out / name / "permissions_config.toml").read_text())["nodes-allowlist"]
        assert sorted(allowlist) == sorted(enodes)  # every validator in every allowlist


def test_enodes_carry_each_validators_own_public_key(network: Path) -> None:
    out = network
    enodes = json.loads((out / "static-nodes.json").read_text())

    for name, enode in zip(NAMES, enodes, strict=True):
        public = bytes.fromhex(enode.removeprefix("enode://").split("@")[0])
        assert Web3.to_checksum_address(Web3.keccak(public)[-20:]) == _address_of_key_file(out / name / "key")
        assert (out / name / "key.pub").read_text().strip() == "0x" + public.hex()
        assert stat.S_IMODE(os.stat(out / name / "key").st_mode) == 0o600


def test_compose_runs_the_whole_network_with_pinned_images_and_health_checks(network: Path) -> None:
    out = network

    compose = yaml.safe_load((out / "compose.yaml").read_text())
    services = compose["services"]

    assert set(services) == {
        *NAMES,
        "postgres",
        "mosquitto",
        "deploy",
        "trace-api-1",
        "trace-api-2",
        "anchorer",
        "ingest",
    }
    for name, service in services.items():
        image = service["image"]
        assert ":" in image, name
        assert not image.endswith(":latest"), name
        if name != "deploy":  # a one-shot job, awaited by the services that need the contracts
            assert service["healthcheck"]["test"], name
    for name in NAMES:
        mounts = services[name]["volumes"]
        assert f"./{name}:/network/{name}" in mounts
        assert not any(m.startswith(f"./{other}:") for other in NAMES if other != name for m in mounts)
    for name in ("trace-api-1", "trace-api-2", "anchorer", "ingest"):
        command = services[name]["command"]
        assert command[:2] == ["up", "--service"], command
        assert command[2] in SERVICES, command
        assert services[name]["depends_on"]["deploy"] == {"condition": "service_completed_successfully"}
        assert services[name]["environment"]["SUYUAN_DATABASE_URL"].startswith("postgresql://")
    for name in ("deploy", "trace-api-1", "trace-api-2", "anchorer", "ingest"):
        genesis = json.loads((out / "genesis.json").read_text())
        period = genesis["config"]["qbft"]["blockperiodseconds"]
        assert services[name]["environment"]["SUYUAN_BLOCK_PERIOD_SECONDS"] == str(period)  # receipt waits
    rpc_nodes = {services[n]["environment"]["SUYUAN_RPC_URL"] for n in ("trace-api-1", "trace-api-2")}
    assert len(rpc_nodes) == 2  # the replicas talk to different validators
    assert (out / "mosquitto" / "mosquitto.conf").read_text().count("listener 1883 0.0.0.0") == 1


def test_parties_may_hand_over_public_keys_only(tmp_path: Path) -> None:
    keys = [Account.create() for _ in range(4)]
    publics = ["0x" + _public(k.key)[1:].hex() for k in keys]  # 64 bytes, without the 04 prefix
    args = [arg for public in publics for arg in ("--public-key", public)]

    out = _generated(tmp_path, *args)

    assert not any((out / name / "key").exists() for name in NAMES)
    genesis = json.loads((out / "genesis.json").read_text())
    assert decode_qbft_extra_data(genesis["extraData"]).validators == [k.address for k in keys]


def test_compressed_public_keys_are_read_as_their_full_form() -> None:
    key = coincurve.PrivateKey()
    full = key.public_key.format(compressed=False)

    assert read_public_key(key.public_key.format(compressed=True).hex()) == full[1:]
    assert read_public_key("0x" + full.hex()) == full[1:]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--validators", "0"], "--validators must be at least 1"),
        (["--block-period", "4", "--request-timeout", "4"], "--request-timeout must be longer than"),
        (["--public-key", "0x1234"], "is not a secp256k1 public key"),
        (["--public-key", "zz"], "is not hex"),
        (["--subnet", "10.0.0.0/30"], "at least /26"),
        (["--validators", "2", "--public-key", "0x" + "11" * 33], "--validators 2 but 1 --public-key given"),
    ],
)
def test_bad_options_get_one_line_and_write_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "network"
    result = _besu(out, *args)

    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_an_existing_network_is_never_overwritten(tmp_path: Path) -> None:
    out = _generated(tmp_path)
    keys = {name: (out / name / "key").read_text() for name in NAMES}

    again = _besu(out)

    assert again.exit_code == 1
    assert "holds a network already" in again.stderr
    assert {name: (out / name / "key").read_text() for name in NAMES} == keys


def test_up_refuses_an_unknown_service(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["up", "--service", "web"], env=cli_env)

    assert result.exit_code == 1
    assert "unknown --service 'web'" in result.stderr


def test_records_reach_the_chain_within_ten_seconds_with_two_second_blocks(cli_env: dict[str, str]) -> None:
    # The closest local stand-in for a QBFT network: anvil mining a block every 2 s, zero base fee.
    env = {**cli_env, "SUYUAN_ANVIL_BLOCK_TIME_SECONDS": "2"}
    up, lines = _start_up(env, "--service", "anchorer")
    ledger = open_ledger(ServiceSettings(data_dir=Path(env["SUYUAN_DATA_DIR"])))
    try:
        delays = []
        for i in range(2):
            receipt = ledger.append(make_record(i, tag="merge"))
            accepted = time.monotonic()
            while (ledger.latest_anchored_size() or 0) <= receipt.index:
                assert up.poll() is None, "".join(lines)
                assert time.monotonic() - accepted < 30, "".join(lines)
                time.sleep(0.1)  # polling the anchorer in the other process, bounded above
            delays.append(time.monotonic() - accepted)
    finally:
        ledger.engine.dispose()
        up.terminate()
        up.wait(timeout=60)

    assert any("anchorer: log" in line for line in lines)
    assert not any(line.startswith("trace API: ") for line in lines)  # only the service asked for
    assert max(delays) < 10, delays


def test_the_image_holds_every_package_and_every_script_the_pages_serve() -> None:
    from regulator_console.web import VENDOR as CONSOLE_VENDOR
    from scanners.pwa.web import VENDOR as SCANNER_VENDOR

    dockerfile = (REPO_ROOT / "deploy" / "Dockerfile").read_text()
    lines = dockerfile.splitlines()
    copied = {line.split()[1] for line in lines if line.startswith("COPY ") and "--from" not in line}
    packages = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]
    served = next(line for line in dockerfile.splitlines() if "cp -r node_modules/" in line)

    for package in packages["wheel"]["packages"]:
        top = package.split("/")[0]
        assert top in copied or "/".join(package.split("/")[:2]) in copied, package
    wanted = {path.split("/")[0] for path in CONSOLE_VENDOR.values()}
    wanted |= {relative.split("/")[0] for relative, _ in SCANNER_VENDOR.values()}
    assert all(f"node_modules/{name}" in served for name in wanted), wanted


def test_admin_calls_go_over_the_nodes_websocket(anvil: LocalNode) -> None:
    node = (anvil.rpc_url or "").replace("http://", "ws://")

    answered = CliRunner().invoke(app, ["deploy", "admin", "--node", node, "eth_chainId"])
    refused = CliRunner().invoke(app, ["deploy", "admin", "--node", node, "qbft_nope", "true"])
    unreachable = CliRunner().invoke(app, ["deploy", "admin", "--node", "ws://127.0.0.1:9", "eth_chainId"])

    assert answered.exit_code == 0, answered.output
    assert int(json.loads(answered.stdout), 16) == anvil.chain_id
    assert refused.exit_code == 1
    assert "qbft_nope refused:" in refused.stderr
    assert unreachable.exit_code == 1
    assert "does not answer" in unreachable.stderr
