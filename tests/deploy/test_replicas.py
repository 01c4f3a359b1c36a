"""Replicas on the real PostgreSQL: two anchorer processes, one leading, the other taking over when
the leader is SIGKILLed, with no checkpoint skipped or anchored twice; appends from two processes
at once forming one log that passes its audit."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from chain import ChainClient, Deployment, LocalNode, connect
from evidence import audit_log, log_id_of, open_ledger
from tests.api.conftest import admission_body, make_uscc
from tests.api.test_cli import _start_up
from tests.api.test_crash import _upload_certificates, _url
from tests.conftest import make_record
from trace_api.settings import ServiceSettings

SUYUAN = [sys.executable, "-m", "suyuan"]
#: How long a standby may take to lead once the leader is gone (it asks every second).
TAKEOVER_S = 30.0


def _leader_lines(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.startswith("anchorer: leads") or "stands by" in line]


def _wait(condition: object, what: str, timeout_s: float = 60.0) -> float:
    """Seconds until ``condition()`` holds; polling other processes' work, bounded by the deadline."""
    start = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - start < timeout_s, what
        time.sleep(0.1)
    return time.monotonic() - start


@pytest.fixture
def shared_env(cli_env: dict[str, str], postgres_url: str, anvil: LocalNode) -> dict[str, str]:
    """The environment of processes sharing one PostgreSQL database and one chain node."""
    return {**cli_env, "SUYUAN_DATABASE_URL": postgres_url, "SUYUAN_RPC_URL": anvil.rpc_url or ""}


def test_one_anchorer_leads_and_another_takes_over_when_it_is_killed(
    shared_env: dict[str, str], anvil: LocalNode
) -> None:
    env = {**shared_env, "SUYUAN_ANCHOR_EVERY_SECONDS": "1"}
    deployed = subprocess.run(
        [*SUYUAN, "chain", "deploy"], env=env, capture_output=True, text=True, timeout=120
    )
    assert deployed.returncode == 0, deployed.stderr
    settings = ServiceSettings(data_dir=Path(env["SUYUAN_DATA_DIR"]), database_url=env["SUYUAN_DATABASE_URL"])
    ledger = open_ledger(settings)
    first, first_lines = _start_up(env, "--service", "anchorer")
    second, second_lines = _start_up(env, "--service", "anchorer")
    processes = {first.pid: (first, first_lines), second.pid: (second, second_lines)}
    try:
        _wait(
            lambda: _leader_lines(first_lines) and _leader_lines(second_lines),
            f"both said where they stand: {first_lines} {second_lines}",
        )
        said = {pid: _leader_lines(lines) for pid, (_, lines) in processes.items()}
        leads = [pid for pid, lines in said.items() if lines[-1].startswith("anchorer: leads")]
        assert len(leads) == 1, said
        leader = processes[leads[0]][0]
        _, standby_lines = next(value for pid, value in processes.items() if pid != leads[0])

        ledger.append_many([make_record(i, tag="before") for i in range(20)])
        _wait(lambda: (ledger.latest_anchored_size() or 0) == ledger.size(), "the leader anchored")
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=30)
        ledger.append_many([make_record(i, tag="after") for i in range(20)])
        took = _wait(
            lambda: _leader_lines(standby_lines)[-1].startswith("anchorer: leads"),
            "the standby leads",
            TAKEOVER_S,
        )
        _wait(lambda: (ledger.latest_anchored_size() or 0) == ledger.size(), "the new leader anchored")

        client = ChainClient(connect(anvil.rpc_url or ""), Deployment.load(settings.deployment_file))
        log_id = log_id_of(ledger.origin)
        on_chain = [client.checkpoint_at(log_id, i) for i in range(client.checkpoint_count(log_id))]
        local = ledger.checkpoints()
        assert [c.tree_size for c in on_chain] == [c.tree_size for c in local]  # none skipped, none twice
        assert [c.root_hash for c in on_chain] == [c.root_hash for c in local]
        assert all(c.anchor_block is not None for c in local)
        assert local[-1].tree_size == 40
        assert took < TAKEOVER_S
    finally:
        for process, _ in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
        ledger.engine.dispose()


def test_appends_from_two_processes_at_once_form_one_log(cli_env: dict[str, str], postgres_url: str) -> None:
    env = {**cli_env, "SUYUAN_DATABASE_URL": postgres_url}
    batches = [
        "\n".join(json.dumps(make_record(i, tag=f"p{p}").model_dump(mode="json")) for i in range(60))
        for p in range(2)
    ]
    appenders = [
        subprocess.Popen(
            [*SUYUAN, "ledger", "append", "-"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in batches
    ]
    answers = [a.communicate(batch, timeout=300) for a, batch in zip(appenders, batches, strict=True)]

    assert [a.returncode for a in appenders] == [0, 0], answers
    ledger = open_ledger(ServiceSettings(data_dir=Path(env["SUYUAN_DATA_DIR"]), database_url=postgres_url))
    try:
        indexes = sorted(json.loads(line)["index"] for out, _ in answers for line in out.splitlines())
        assert indexes == list(range(120))  # every append its own place, none shared or skipped
        assert ledger.checkpoint() is not None
        assert audit_log(ledger, None).records == 120
    finally:
        ledger.engine.dispose()


JOBS = (
    "deliveries", "recall notices", "notices", "chain_reconcile", "equipment_rules", "credit_grades",
    "selfcheck_periods", "risk_rules",
)  # fmt: skip


def _leading(url: str) -> dict[str, bool]:
    parts = httpx.get(f"{url}/readyz", timeout=30).json()["parts"]
    return {job: bool(parts[job].get("leading")) for job in JOBS}


def _deployed_with(env: dict[str, str], *orgs: tuple[str, str]) -> dict[str, str]:
    """Deploys the contracts and admits each (handle, type) with the real command line; their API keys."""
    deployed = subprocess.run(
        [*SUYUAN, "chain", "deploy"], env=env, capture_output=True, text=True, timeout=120
    )
    assert deployed.returncode == 0, deployed.stderr
    keys = {}
    for handle, org_type in orgs:
        added = subprocess.run(
            [
                *SUYUAN,
                *("org", "add", "--handle", handle, "--name", f"{handle} Co.", "--type", org_type),
                *("--uscc", make_uscc(), "--jurisdiction", "Shanghai"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert added.returncode == 0, added.stderr
        key = re.search(r"API key \(shown once\): (\S+)", added.stdout)
        assert key is not None, added.stdout
        keys[handle] = key.group(1)
    return keys


def test_each_background_job_runs_in_one_replica_and_moves_when_it_dies(shared_env: dict[str, str]) -> None:
    env = shared_env
    key = _deployed_with(env, ("haixian", "importer"))["haixian"]
    replicas = [_start_up(env, "--service", "trace-api") for _ in range(2)]
    urls = [_url(lines) for _, lines in replicas]
    try:
        # Admissions through both replicas at once form one log.
        documents = _upload_certificates(urls[0], key)
        admitted: list[int] = []

        def admit(replica: int) -> None:
            with httpx.Client(base_url=urls[replica], timeout=60) as http:
                for n in range(5):
                    response = http.post(
                        "/v1/batches",
                        json=admission_body(f"R{replica}-{n}", documents),
                        headers={"Authorization": f"Bearer {key}"},
                    )
                    admitted.append(response.status_code)

        clients = [threading.Thread(target=admit, args=(r,)) for r in (0, 1)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=300)
        assert admitted == [201] * 10
        data_dir, database_url = Path(env["SUYUAN_DATA_DIR"]), env["SUYUAN_DATABASE_URL"]
        settings = ServiceSettings(data_dir=data_dir, database_url=database_url)
        ledger = open_ledger(settings)
        try:
            assert ledger.checkpoint() is not None
            assert audit_log(ledger, None).records == ledger.size()
            for replica, n in ((r, n) for r in (0, 1) for n in range(5)):
                about = ledger.about("batch", f"09506000134352.R{replica}-{n}")
                assert [s.kind for s in about] == ["batch.admitted"], (replica, n)
        finally:
            ledger.engine.dispose()

        _wait(lambda: all(sum(_leading(u)[job] for u in urls) == 1 for job in JOBS), "one leader per job")
        leading = [_leading(url) for url in urls]
        dying = 0 if leading[0]["recall notices"] else 1
        survivor = urls[1 - dying]
        replicas[dying][0].send_signal(signal.SIGKILL)
        replicas[dying][0].wait(timeout=30)

        took = _wait(
            lambda: all(_leading(survivor).values()),
            f"the survivor leads every job: {_leading(survivor)}",
            TAKEOVER_S,
        )

        assert took < TAKEOVER_S
        assert httpx.get(f"{survivor}/readyz", timeout=30).json()["parts"]["recall notices"]["running"]
    finally:
        for process, _ in replicas:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)


class HeldReceiver:
    """A webhook receiver that holds the first recall notice open until ``release`` is set (its sender
    is killed meanwhile) and answers every other request at once; it keeps each arrival's
    ``Suyuan-Delivery`` header, and whether it was answered."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.first_entered = threading.Event()
        self.arrivals: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Suyuan-Event") != "recall.issued":
                    self.send_response(204)
                    self.end_headers()
                    return
                arrival = {"delivery": self.headers["Suyuan-Delivery"], "answered": "no"}
                receiver.arrivals.append(arrival)
                if len(receiver.arrivals) == 1:
                    receiver.first_entered.set()
                    receiver.release.wait(60)
                with contextlib.suppress(OSError):  # the first one's sender is gone by then
                    self.send_response(204)
                    self.end_headers()
                    arrival["answered"] = "yes"

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_notice_in_flight_when_its_replica_is_killed_is_delivered_by_the_other_with_the_same_id(
    shared_env: dict[str, str],
) -> None:
    env = {**shared_env, "SUYUAN_WEBHOOK_ALLOW_HTTP": "true", "SUYUAN_WEBHOOK_ALLOW_PRIVATE": "true"}
    keys = _deployed_with(env, ("haixian", "importer"), ("samr", "regulator"))
    receiver = HeldReceiver()
    replicas = [_start_up(env, "--service", "trace-api") for _ in range(2)]
    urls = [_url(lines) for _, lines in replicas]
    try:
        _wait(
            lambda: sum(_leading(u)["recall notices"] for u in urls) == 1, "one replica sends recall notices"
        )
        sender = 0 if _leading(urls[0])["recall notices"] else 1
        survivor = urls[1 - sender]
        as_haixian = httpx.Client(
            base_url=survivor, timeout=60, headers={"Authorization": f"Bearer {keys['haixian']}"}
        )
        as_samr = httpx.Client(
            base_url=survivor, timeout=60, headers={"Authorization": f"Bearer {keys['samr']}"}
        )
        with as_haixian, as_samr:
            documents = _upload_certificates(survivor, keys["haixian"])
            admitted = as_haixian.post("/v1/batches", json=admission_body("KILL-1", documents))
            assert admitted.status_code == 201, admitted.text
            hook = as_haixian.post("/v1/webhooks", json={"url": receiver.url})
            assert hook.status_code == 201, hook.text
            recall = as_samr.post(
                "/v1/recalls",
                json={"batch_id": "09506000134352.KILL-1", "reason": "Listeria", "recall_class": "I"},
            )
            assert recall.status_code == 201, recall.text

            assert receiver.first_entered.wait(60), "the leading replica sent the notice"
            replicas[sender][0].send_signal(signal.SIGKILL)  # while the receiver holds its request open
            replicas[sender][0].wait(timeout=30)
            _wait(lambda: len(receiver.arrivals) == 2, "the survivor sent the notice again", TAKEOVER_S)
            receiver.release.set()

            def deliveries() -> list[dict[str, object]]:
                shown = as_samr.get(f"/v1/recalls/{recall.json()['id']}").json()
                return [d for n in shown["notices"] for d in n["deliveries"]]

            _wait(lambda: [d["status"] for d in deliveries()] == ["delivered"], "the delivery is recorded")
            delivered = deliveries()[0]

        first, second = receiver.arrivals
        assert second["answered"] == "yes"
        # At least once: the killed replica's request reached the receiver before it died, and the
        # survivor sent the notice again under the same id, by which the receiver deduplicates.
        assert first["delivery"] == second["delivery"] == str(delivered["id"])
    finally:
        for process, _ in replicas:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
        receiver.close()
