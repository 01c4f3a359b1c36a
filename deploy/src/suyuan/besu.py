"""A multi-party Besu QBFT network for Suyuan: validator keys, genesis, node configs and a compose file.

``suyuan deploy besu --validators 4 --out DIR`` writes everything a city or province network needs
to start: each validator's node key (or only its public key, when the party keeps its own), the
QBFT genesis with its ``extraData`` (RLP of the 32-byte vanity, the validators' addresses, no vote,
round 0, no seals), one Besu TOML config per validator, the node allowlist and static nodes, the
Mosquitto broker's files and a compose file with the validators, PostgreSQL, Mosquitto, two trace
API replicas, the anchorer and the ingest worker.

The application port of every node answers only ETH, NET and WEB3; QBFT, ADMIN and PERM answer on
a WebSocket port bound to the node's own loopback, for its operator.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import coincurve
import rlp
import typer
import yaml
from web3 import Web3

from chain import CONTRACT_NAMES, EVM_VERSION, load_artifact
from chain.cli import fail, out
from ingest.mosquitto import acl_text, broker_config

#: Pinned images (the compose file names exact versions, never ``latest``).
BESU_IMAGE = "hyperledger/besu:24.12.2"
POSTGRES_IMAGE = "postgres:16.6-bookworm"
MOSQUITTO_IMAGE = "eclipse-mosquitto:2.0.20"
#: Ports inside the network: p2p, the application's JSON-RPC, the operator's loopback WebSocket.
P2P_PORT, RPC_PORT, ADMIN_PORT = 30303, 8545, 8546
APPLICATION_APIS = ("ETH", "NET", "WEB3")
ADMIN_APIS = ("ADMIN", "QBFT", "PERM", "NET", "ETH")
#: QBFT's mixHash, which marks a BFT block ("Istanbul byzantine fault tolerance" in its bytes).
QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
#: Besu's genesis keys that switch each fork on, from the first block; the last one is the fork
#: whose EVM the pinned compiler targets.
FORKS: dict[str, tuple[str, ...]] = {
    "london": ("berlinBlock", "londonBlock"),
    "paris": ("berlinBlock", "londonBlock"),
    "shanghai": ("berlinBlock", "londonBlock", "shanghaiTime"),
    "cancun": ("berlinBlock", "londonBlock", "shanghaiTime", "cancunTime"),
}
#: Ethereum's own limit on deployed code (EIP-170); the genesis raises it only when a contract needs it.
EIP170_LIMIT = 24_576
VANITY = bytes(32)
#: Where the Besu image keeps a node's chain (owned by the image's own user).
DATA_PATH = "/opt/besu/data"
#: The Suyuan image the compose file runs: built from this checkout (``deploy/Dockerfile``).
SUYUAN_IMAGE = "suyuan:0.1.0"


class NetworkError(ValueError):
    """A network that cannot be generated as asked (the message names the option and why)."""


@dataclass(frozen=True)
class Validator:
    """One party's validator: its name in the compose file, node public key and address in the network."""

    name: str
    public_key: bytes  # 64 bytes: X and Y, without the 0x04 prefix
    ip: str
    private_key: bytes | None = None

    @property
    def address(self) -> str:
        return str(Web3.to_checksum_address(Web3.keccak(self.public_key)[-20:]))

    @property
    def enode(self) -> str:
        return f"enode://{self.public_key.hex()}@{self.ip}:{P2P_PORT}"


@dataclass(frozen=True)
class QbftExtraData:
    vanity: bytes
    validators: list[str]
    vote: list[Any]
    round: int
    seals: list[bytes]


def qbft_extra_data(addresses: Sequence[str], vanity: bytes = VANITY) -> str:
    """The genesis ``extraData`` of a QBFT network whose validators are chosen in block headers."""
    if len(vanity) != 32:
        raise NetworkError("the extraData vanity must be 32 bytes")
    validators = [bytes.fromhex(a.removeprefix("0x")) for a in addresses]
    encoded: bytes = rlp.encode([vanity, validators, [], 0, []])
    return "0x" + encoded.hex()


def decode_qbft_extra_data(extra_data: str) -> QbftExtraData:
    """Reads ``extraData`` back, checking the QBFT layout: five items, a 32-byte vanity, 20-byte
    validator addresses, a vote (empty or [address, type]), a round number and a list of seals."""
    items = rlp.decode(bytes.fromhex(extra_data.removeprefix("0x")))
    if not isinstance(items, list) or len(items) != 5:
        raise NetworkError("QBFT extraData is an RLP list of five items")
    vanity, validators, vote, round_, seals = items
    if not isinstance(vanity, bytes) or len(vanity) != 32:
        raise NetworkError("QBFT extraData's vanity is 32 bytes")
    if not isinstance(validators, list) or any(not isinstance(v, bytes) or len(v) != 20 for v in validators):
        raise NetworkError("QBFT extraData's validators are 20-byte addresses")
    if not isinstance(vote, list) or not isinstance(round_, bytes) or not isinstance(seals, list):
        raise NetworkError("QBFT extraData's vote and seals are lists, its round a number")
    return QbftExtraData(
        vanity,
        [str(Web3.to_checksum_address(v)) for v in validators],
        vote,
        int.from_bytes(round_, "big"),
        list(seals),
    )


def new_node_key() -> tuple[bytes, bytes]:
    """A fresh secp256k1 node key: (private key, 64-byte public key)."""
    key = coincurve.PrivateKey()
    return key.secret, key.public_key.format(compressed=False)[1:]


def read_public_key(text: str) -> bytes:
    """A node public key as parties hand it over: hex, 64 bytes (or 65 with 04, or 33 compressed)."""
    try:
        raw = bytes.fromhex(text.strip().removeprefix("0x"))
    except ValueError as exc:
        raise NetworkError(f"public key {text.strip()[:20]!r}… is not hex") from exc
    if len(raw) == 64:
        raw = b"\x04" + raw
    try:
        return coincurve.PublicKey(raw).format(compressed=False)[1:]
    except ValueError as exc:
        raise NetworkError(f"public key {text.strip()[:20]!r}… is not a secp256k1 public key") from exc


@dataclass(frozen=True)
class NetworkPlan:
    chain_id: int = 1_721
    block_period_s: int = 2
    epoch_length: int = 30_000
    request_timeout_s: int = 4
    subnet: str = "172.16.240.0/24"

    def check(self) -> None:
        if self.chain_id < 1:
            raise NetworkError("--chain-id must be a positive integer")
        if self.block_period_s < 1:
            raise NetworkError("--block-period must be at least 1 second")
        if self.request_timeout_s <= self.block_period_s:
            raise NetworkError("--request-timeout must be longer than --block-period")
        if self.epoch_length < 1:
            raise NetworkError("--epoch-length must be a positive number of blocks")
        try:
            network = ipaddress.ip_network(self.subnet)
        except ValueError as exc:
            raise NetworkError(f"--subnet {self.subnet!r} is not an IPv4 network: {exc}") from exc
        if network.version != 4 or network.num_addresses < 64:
            raise NetworkError(f"--subnet {self.subnet!r} must be an IPv4 network of at least /26")

    def address(self, host: int) -> str:
        return str(ipaddress.ip_network(self.subnet)[host])


def plan_validators(plan: NetworkPlan, count: int, public_keys: Sequence[str] = ()) -> list[Validator]:
    """``count`` validators with new keys, or one per given public key (no private key then)."""
    plan.check()
    if public_keys:
        if count and count != len(public_keys):
            raise NetworkError(f"--validators {count} but {len(public_keys)} --public-key given")
        keys: list[tuple[bytes | None, bytes]] = [(None, read_public_key(k)) for k in public_keys]
    else:
        if count < 1:
            raise NetworkError("--validators must be at least 1")
        keys = [new_node_key() for _ in range(count)]
    if len({public for _, public in keys}) != len(keys):
        raise NetworkError("two validators were given the same public key")
    return [
        Validator(f"validator-{i}", public, plan.address(10 + i), private)
        for i, (private, public) in enumerate(keys, start=1)
    ]


def genesis(plan: NetworkPlan, validators: Sequence[Validator]) -> dict[str, Any]:
    """Besu's QBFT genesis: zero base fee (members pay nothing), forks up to the compiler's EVM."""
    config: dict[str, Any] = {"chainId": plan.chain_id}
    for fork in FORKS[EVM_VERSION]:
        config[fork] = 0
    config["zeroBaseFee"] = True
    sizes = [len(load_artifact(name)["deployedBytecode"].removeprefix("0x")) // 2 for name in CONTRACT_NAMES]
    largest = max(sizes)
    if largest > EIP170_LIMIT:
        config["contractSizeLimit"] = largest
    config["qbft"] = {
        "blockperiodseconds": plan.block_period_s,
        "epochlength": plan.epoch_length,
        "requesttimeoutseconds": plan.request_timeout_s,
    }
    return {
        "config": config,
        "nonce": "0x0",
        "timestamp": "0x0",
        "gasLimit": "0x1fffffffffffff",
        "difficulty": "0x1",
        "mixHash": QBFT_MIX_HASH,
        "coinbase": "0x0000000000000000000000000000000000000000",
        "alloc": {},
        "extraData": qbft_extra_data([v.address for v in validators]),
    }


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)  # strings and lists of strings: JSON's forms are TOML's too


def node_config(validator: Validator, peers: Sequence[Validator]) -> str:
    """The validator's Besu config (TOML), with paths inside its container: the genesis and static
    nodes at ``/network``, its own directory at ``/network/<name>``, its chain at :data:`DATA_PATH`."""
    options: dict[str, Any] = {
        "data-path": DATA_PATH,
        "genesis-file": "/network/genesis.json",
        "node-private-key-file": f"/network/{validator.name}/key",
        "min-gas-price": 0,
        "revert-reason-enabled": True,
        "sync-mode": "FULL",
        "p2p-host": validator.ip,
        "p2p-interface": "0.0.0.0",
        "p2p-port": P2P_PORT,
        "bootnodes": [p.enode for p in peers if p.name != validator.name],
        "static-nodes-file": "/network/static-nodes.json",
        "permissions-nodes-config-file-enabled": True,
        "permissions-nodes-config-file": f"/network/{validator.name}/permissions_config.toml",
        "rpc-http-enabled": True,
        "rpc-http-host": "0.0.0.0",
        "rpc-http-port": RPC_PORT,
        "rpc-http-api": list(APPLICATION_APIS),
        "host-allowlist": ["*"],
        "rpc-ws-enabled": True,
        "rpc-ws-host": "127.0.0.1",
        "rpc-ws-port": ADMIN_PORT,
        "rpc-ws-api": list(ADMIN_APIS),
        "logging": "INFO",
    }
    lines = [f"# Besu {validator.name} ({validator.address}), written by suyuan deploy besu"]
    lines += [f"{key}={_toml_value(value)}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


def permissions_config(validators: Sequence[Validator]) -> str:
    enodes = ",\n  ".join(json.dumps(v.enode) for v in validators)
    return f"nodes-allowlist=[\n  {enodes}\n]\n"


def _suyuan_service(command: list[str], rpc_node: str, **extra: Any) -> dict[str, Any]:
    environment = {
        "SUYUAN_DATA_DIR": "/var/lib/suyuan",
        "SUYUAN_RPC_URL": f"http://{rpc_node}:{RPC_PORT}",
        "SUYUAN_DATABASE_URL": (
            "postgresql://suyuan:${SUYUAN_POSTGRES_PASSWORD:?set it in .env}@postgres:5432/suyuan"
        ),
        "SUYUAN_MQTT_URL": "mqtt://suyuan:${SUYUAN_MQTT_PASSWORD:?set it in .env}@mosquitto:1883",
        "SUYUAN_KEYSTORE_PASSWORD": "${SUYUAN_KEYSTORE_PASSWORD:?set it in .env}",
    }
    service: dict[str, Any] = {
        "image": SUYUAN_IMAGE,
        "command": command,
        "environment": environment,
        "volumes": ["suyuan-state:/var/lib/suyuan"],
        "networks": ["suyuan"],
        "restart": "unless-stopped",
        "depends_on": {
            "deploy": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "mosquitto": {"condition": "service_started"},
        },
    }
    service.update(extra)
    return service


def compose(plan: NetworkPlan, validators: Sequence[Validator]) -> dict[str, Any]:
    """The compose file: the validators, PostgreSQL, Mosquitto, the one-shot contract deployment,
    two trace API replicas, the anchorer and the ingest worker, each with a health check."""
    services: dict[str, Any] = {}
    for validator in validators:
        services[validator.name] = {
            "image": BESU_IMAGE,
            "command": [f"--config-file=/network/{validator.name}/config.toml"],
            "volumes": [
                "./genesis.json:/network/genesis.json:ro",
                "./static-nodes.json:/network/static-nodes.json:ro",
                # its own directory only: its key, config and the allowlist it keeps (PERM writes it)
                f"./{validator.name}:/network/{validator.name}",
                f"{validator.name}-data:{DATA_PATH}",
            ],
            "networks": {"suyuan": {"ipv4_address": validator.ip}},
            "restart": "unless-stopped",
            "healthcheck": {
                "test": ["CMD", "curl", "-fsS", f"http://localhost:{RPC_PORT}/liveness"],
                "interval": "5s",
                "timeout": "3s",
                "retries": 60,
            },
        }
    services["postgres"] = {
        "image": POSTGRES_IMAGE,
        "environment": {
            "POSTGRES_USER": "suyuan",
            "POSTGRES_DB": "suyuan",
            "POSTGRES_PASSWORD": "${SUYUAN_POSTGRES_PASSWORD:?set it in .env}",
        },
        "volumes": ["postgres-data:/var/lib/postgresql/data"],
        "networks": ["suyuan"],
        "restart": "unless-stopped",
        "healthcheck": {
            "test": ["CMD", "pg_isready", "-U", "suyuan", "-d", "suyuan"],
            "interval": "5s",
            "timeout": "3s",
            "retries": 30,
        },
    }
    services["mosquitto"] = {
        "image": MOSQUITTO_IMAGE,
        "command": ["mosquitto", "-c", "/etc/mosquitto/suyuan/mosquitto.conf"],
        "volumes": ["./mosquitto:/etc/mosquitto/suyuan:ro", "mosquitto-data:/var/lib/mosquitto"],
        "networks": ["suyuan"],
        "restart": "unless-stopped",
        "healthcheck": {
            "test": ["CMD-SHELL", "nc -z 127.0.0.1 1883"],
            "interval": "5s",
            "timeout": "3s",
            "retries": 30,
        },
    }
    first = validators[0].name
    node_of = [v.name for v in validators]
    services["deploy"] = {
        "image": SUYUAN_IMAGE,
        "command": ["chain", "deploy"],
        "environment": {
            "SUYUAN_DATA_DIR": "/var/lib/suyuan",
            "SUYUAN_RPC_URL": f"http://{first}:{RPC_PORT}",
            "SUYUAN_KEYSTORE_PASSWORD": "${SUYUAN_KEYSTORE_PASSWORD:?set it in .env}",
        },
        "volumes": ["suyuan-state:/var/lib/suyuan"],
        "networks": ["suyuan"],
        "depends_on": {v.name: {"condition": "service_healthy"} for v in validators},
    }
    livez = [
        "CMD",
        "python",
        "-c",
        "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=3)",
    ]
    for i in (1, 2):
        services[f"trace-api-{i}"] = _suyuan_service(
            ["up", "--service", "trace-api"],
            node_of[(i - 1) % len(node_of)],
            ports=[f"{8000 + i}:8000"],
            healthcheck={"test": livez, "interval": "10s", "timeout": "5s", "retries": 30},
        )
        services[f"trace-api-{i}"]["environment"]["SUYUAN_API_HOST"] = "0.0.0.0"
    # No HTTP port: healthy while the ledger's database answers (suyuan ledger status).
    status = {
        "test": ["CMD", "suyuan", "ledger", "status"],
        "interval": "30s",
        "timeout": "20s",
        "retries": 3,
    }
    services["anchorer"] = _suyuan_service(
        ["up", "--service", "anchorer"], node_of[2 % len(node_of)], healthcheck=status
    )
    services["ingest"] = _suyuan_service(
        ["up", "--service", "ingest"], node_of[3 % len(node_of)], healthcheck=status
    )
    for service in services.values():
        if service.get("image") == SUYUAN_IMAGE:  # receipt waits follow the genesis's block period
            service["environment"]["SUYUAN_BLOCK_PERIOD_SECONDS"] = str(plan.block_period_s)
    volumes: dict[str, dict[str, Any]] = {f"{v.name}-data": {} for v in validators}
    volumes |= {"postgres-data": {}, "mosquitto-data": {}, "suyuan-state": {}}
    return {
        "name": "suyuan",
        "services": services,
        "networks": {"suyuan": {"ipam": {"config": [{"subnet": plan.subnet}]}}},
        "volumes": volumes,
    }


def _write(path: Path, text: str, *, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if private:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
    else:
        path.write_text(text)


def write_network(out: Path, plan: NetworkPlan, validators: Sequence[Validator]) -> list[Path]:
    """Writes the network into ``out`` (which must not hold one yet); returns the files written."""
    if (out / "genesis.json").exists():
        raise NetworkError(f"{out} holds a network already (genesis.json): choose another --out")
    written: list[Path] = []

    def put(relative: str, text: str, *, private: bool = False) -> None:
        _write(out / relative, text, private=private)
        written.append(out / relative)

    put("genesis.json", json.dumps(genesis(plan, validators), indent=2) + "\n")
    put("static-nodes.json", json.dumps([v.enode for v in validators], indent=2) + "\n")
    for validator in validators:
        put(f"{validator.name}/config.toml", node_config(validator, validators))
        put(f"{validator.name}/permissions_config.toml", permissions_config(validators))
        put(f"{validator.name}/key.pub", "0x" + validator.public_key.hex() + "\n")
        if validator.private_key is not None:
            put(f"{validator.name}/key", "0x" + validator.private_key.hex() + "\n", private=True)
    broker = broker_config(
        1883,
        Path("/var/lib/mosquitto"),
        Path("/etc/mosquitto/suyuan/passwd"),
        Path("/etc/mosquitto/suyuan/acl"),
        bind="0.0.0.0",
    )
    put("mosquitto/mosquitto.conf", broker)
    put("mosquitto/acl", acl_text(["suyuan"]))
    header = "# Suyuan's network, written by suyuan deploy besu: see docs/operations.md\n"
    put("compose.yaml", header + yaml.safe_dump(compose(plan, validators), sort_keys=False, width=200))
    put(".env.example", "SUYUAN_POSTGRES_PASSWORD=\nSUYUAN_MQTT_PASSWORD=\nSUYUAN_KEYSTORE_PASSWORD=\n")
    return written


deploy_app = typer.Typer(
    help="Production networks: generate a multi-party Besu QBFT network.", no_args_is_help=True
)


@deploy_app.command("besu")
def besu(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Directory to write the network into (must not hold one)")
    ],
    validators: Annotated[
        int | None,
        typer.Option(
            "--validators", help="Validators to make keys for, one per party (default 4: one may be down)"
        ),
    ] = None,
    public_key: Annotated[
        list[str] | None,
        typer.Option(
            "--public-key",
            help="A party's node public key (hex), once per validator, instead of generating its key",
        ),
    ] = None,
    chain_id: Annotated[int, typer.Option("--chain-id")] = NetworkPlan.chain_id,
    block_period: Annotated[
        int, typer.Option("--block-period", help="Seconds between blocks")
    ] = NetworkPlan.block_period_s,
    request_timeout: Annotated[
        int, typer.Option("--request-timeout", help="QBFT round timeout, seconds")
    ] = NetworkPlan.request_timeout_s,
    epoch_length: Annotated[
        int, typer.Option("--epoch-length", help="Blocks between vote resets")
    ] = NetworkPlan.epoch_length,
    subnet: Annotated[
        str, typer.Option("--subnet", help="The compose network's IPv4 subnet")
    ] = NetworkPlan.subnet,
) -> None:
    """Write a QBFT network: keys, genesis, node configs, allowlist, static nodes and compose file."""
    plan = NetworkPlan(chain_id, block_period, epoch_length, request_timeout, subnet)
    try:
        count = validators if validators is not None else (0 if public_key else 4)
        nodes = plan_validators(plan, count, public_key or [])
        written = write_network(out_dir, plan, nodes)
    except NetworkError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write the network into {out_dir}: {exc}")
    for node in nodes:
        kept = "key written" if node.private_key is not None else "public key only: the party places its key"
        out.print(f"{node.name}  {node.address}  {node.ip}  ({kept})")
    if len(nodes) < 4:
        out.print(f"note: {len(nodes)} validators tolerate no validator down; QBFT needs 4 to tolerate one")
    out.print(f"wrote {len(written)} files into {out_dir}; next: docs/operations.md")


def admin_call(node: str, method: str, params: list[Any], timeout_s: float = 30.0) -> Any:
    """One JSON-RPC call over a node's admin WebSocket: its result (NetworkError for an error)."""
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    request = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    try:
        with connect(node, open_timeout=timeout_s, close_timeout=5) as socket:
            socket.send(json.dumps(request))
            answer = json.loads(socket.recv(timeout=timeout_s))
    except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
        raise NetworkError(f"the node's admin port {node} does not answer: {exc}") from exc
    if "error" in answer:
        error = answer["error"]
        raise NetworkError(f"{method} refused: {error.get('message', error)}")
    return answer.get("result")


def _param(text: str) -> Any:
    """A parameter as given: JSON where it reads as JSON (true, 5, [..]), else the string itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


@deploy_app.command("admin")
def admin(
    method: Annotated[
        str, typer.Argument(help="e.g. qbft_getValidatorsByBlockNumber, qbft_proposeValidatorVote")
    ],
    params: Annotated[
        list[str] | None, typer.Argument(help="Its parameters, JSON where they read as JSON")
    ] = None,
    node: Annotated[
        str, typer.Option("--node", help="The validator's admin WebSocket, reachable from its own host only")
    ] = f"ws://127.0.0.1:{ADMIN_PORT}",
) -> None:
    """Call a validator's admin API (QBFT votes, peers, allowlist) and print the result as JSON."""
    try:
        result = admin_call(node, method, [_param(p) for p in params or []])
    except NetworkError as exc:
        fail(str(exc))
    out.print_json(json.dumps(result))
