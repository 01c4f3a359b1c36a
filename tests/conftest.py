"""Shared fixtures: one real anvil node per test session, a fresh deployment per test."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain import ChainClient, LocalNode, Role, connect, deploy_contracts, id_hash
from tests._templates import MigratedTemplates

if TYPE_CHECKING:
    from playwright.sync_api import Browser as PwBrowser

    from evidence import Ledger, Record

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"

#: Where the machine has a roomy tmpfs, tests keep their files (and their subprocesses and the
#: browser theirs) in RAM: the ledger's SQLite commits (synchronous=FULL) then wait on no fsync
#: of a disk shared with other work. Setting ``PYTEST_DEBUG_TEMPROOT`` or ``TMPDIR`` chooses
#: another place; a machine without such a tmpfs keeps the system's temporary folder.
RAM_TEMP = Path("/dev/shm")
RAM_TEMP_MIN_FREE_BYTES = 8 * 2**30


def _roomy_tmpfs(path: Path) -> bool:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
        free = os.statvfs(path)
    except OSError:
        return False
    is_tmpfs = any(line.split()[1:3] == [str(path), "tmpfs"] for line in mounts if line.strip())
    return is_tmpfs and free.f_bavail * free.f_frsize >= RAM_TEMP_MIN_FREE_BYTES


def pytest_configure(config: pytest.Config) -> None:
    if {"PYTEST_DEBUG_TEMPROOT", "TMPDIR"} & os.environ.keys() or not _roomy_tmpfs(RAM_TEMP):
        return
    root = RAM_TEMP / f"suyuan-tests-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    os.environ["PYTEST_DEBUG_TEMPROOT"] = os.environ["TMPDIR"] = str(root)
    tempfile.tempdir = str(root)


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNode]:
    # A throwaway chain: dumping the state of thousands of test deployments every few seconds
    # would cost more than the tests themselves.
    node = LocalNode(tmp_path_factory.mktemp("anvil"), chain_id=31337, persist=False)
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="session")
def w3(anvil: LocalNode) -> Web3:
    assert anvil.rpc_url is not None
    return connect(anvil.rpc_url)


@dataclass
class Network:
    """A fresh deployment with one member per role and an outsider without any role."""

    client: ChainClient
    regulator: LocalAccount
    importer: LocalAccount
    trader_a: LocalAccount
    trader_b: LocalAccount
    anchorer: LocalAccount
    outsider: LocalAccount

    REGULATOR_ORG = id_hash("org:regulator")
    IMPORTER_ORG = id_hash("org:importer")
    TRADER_A_ORG = id_hash("org:trader-a")
    TRADER_B_ORG = id_hash("org:trader-b")


@pytest.fixture
def network(w3: Web3) -> Network:
    accounts = [Account.create() for _ in range(6)]
    regulator, importer, trader_a, trader_b, anchorer, outsider = accounts
    client = ChainClient(w3, deploy_contracts(w3, regulator, Network.REGULATOR_ORG))
    client.grant_member(regulator, importer.address, Role.IMPORTER, Network.IMPORTER_ORG)
    client.grant_member(regulator, trader_a.address, Role.TRADER, Network.TRADER_A_ORG)
    client.grant_member(regulator, trader_b.address, Role.TRADER, Network.TRADER_B_ORG)
    client.grant_member(regulator, anchorer.address, Role.ANCHOR, Network.REGULATOR_ORG)
    return Network(client, regulator, importer, trader_a, trader_b, anchorer, outsider)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the real `suyuan` CLI against a private data directory and a free port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUYUAN_")}
    env.update({"SUYUAN_DATA_DIR": str(tmp_path / "data"), "SUYUAN_NODE_PORT": "0", "SUYUAN_API_PORT": "0"})
    return env


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    from tests._postgres import server_url

    url, cluster = server_url()
    yield url
    if cluster is not None:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections use a fresh schema of their own, dropped after the test."""
    import uuid

    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{postgres_server}?options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs once on a fresh SQLite file and once on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'suyuan.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def migrated_templates(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> MigratedTemplates:
    """The session's migrated template databases (see tests/_templates.py)."""
    return MigratedTemplates(
        tmp_path_factory.mktemp("templates"), lambda: str(request.getfixturevalue("postgres_server"))
    )


@pytest.fixture
def migrated_database_url(database_url: str, migrated_templates: MigratedTemplates) -> str:
    """The test's database (:func:`database_url`) already at the latest migration, ledger and trace
    API, with no ledger identity yet: what a service opens as if it had migrated it itself."""
    migrated_templates.fill(database_url)
    return database_url


@pytest.fixture
def make_ledger(database_url: str) -> Iterator[Callable[..., Ledger]]:
    """Opens a ledger on the test's database; the same signer for every ledger of one test."""
    from evidence import Ledger, NoteSigner, generate_signing_key, make_engine

    signer = NoteSigner(generate_signing_key(), "test.suyuan.local/log")
    opened: list[Ledger] = []

    def open_ledger(origin: str = "test.suyuan.local/log") -> Ledger:
        key = signer if origin == signer.name else NoteSigner(generate_signing_key(), origin)
        opened.append(Ledger(make_engine(database_url), origin, key))
        return opened[-1]

    yield open_ledger
    for ledger in opened:
        ledger.engine.dispose()


def make_record(i: int, *, tag: str = "r", payload: dict[str, object] | None = None) -> Record:
    """A valid record numbered ``i`` about batch ``b{i % 3}``."""
    from evidence import Record

    return Record.model_validate(
        {
            "kind": "scan.receive",
            "record_id": f"{tag}-{i}",
            "time": "2026-11-27T08:00:00.000Z",
            "actor": {"org": "org-1", "key_id": "key-1"},
            "subjects": [{"type": "batch", "id": f"b{i % 3}"}],
            "payload": payload if payload is not None else {"n": i},
        }
    )


def wait_for_state_dump(node: LocalNode, block: int, timeout_s: float = 15.0) -> None:
    """Waits until anvil's periodic dump holds ``block`` (it dumps every few seconds)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            state = json.loads(node.state_file.read_text())
            if int(state["block"]["number"], 16) >= block:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.1)  # polling the file anvil writes, bounded by the deadline
    raise AssertionError(f"anvil did not dump block {block} within {timeout_s} s")


@pytest.fixture(scope="session")
def mqtt_url() -> Iterator[str]:
    from tests._mqtt import broker_url

    url, broker = broker_url()
    yield url
    if broker is not None:
        broker.stop()


#: Debian's Chromium, which `make test` installs: every page test drives it through Playwright.
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Iterator[PwBrowser]:
    """One headless Chromium for the whole run: Playwright's sync API runs one instance per
    process, so every page test opens its own context (its own cookies) in this browser. No skip
    when Chromium is missing: a skipped page test is a missing one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()
