"""``suyuan up``: the embedded default, its services started in one fixed order.

1. the chain: the node (embedded anvil unless ``SUYUAN_RPC_URL`` names one), contracts deployed once;
2. the anchorer: the evidence ledger's checkpoints committed on chain;
3. the trace API, the regulator console at ``/console``, the phone scanner at ``/scan``, and the
   API's workers: the chain worker, EPCIS deliveries, recall notices, the other notices owed
   (alerts of every domain, ingest's cold-chain alerts and kitchen incidents included), chain
   reconcile (and, with ``--demo``, the demo network seeded through it);
4. cold-chain ingest, when a broker is configured;
5. with ``--demo``, the kitchen-camera feed.

Each service is a function that starts it and returns the function that stops it; ``suyuan up``
stops them in the reverse order, the chain last.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from chain import ChainError, ChainSession, Settings, ensure_deployed, open_chain
from chain.cli import chain_errors, cli_settings, fail, out, print_status, wait_for_signal
from evidence import Leadership, LedgerError, LoopHealth, make_anchorer, open_ledger, start_thread
from ingest import IngestSettings
from ingest.cli import cli_errors, open_ingestor, worker_options
from ingest.worker import IngestWorker
from regulator_console import ConsoleSettings, mount_console
from scanners.pwa import mount_scanner
from trace_api.app import create_app
from trace_api.chainops import ChainWorker
from trace_api.devices import TOPIC_ROOT, alert_topic
from trace_api.errors import DomainError
from trace_api.reconcile.service import reconcile_loop
from trace_api.server import start_server
from trace_api.services import build_services
from trace_api.settings import ServiceSettings

from .demo.markets import start_market_feed

Stop = Callable[[], None]
#: The demo member whose sign-in ``suyuan up --demo`` prints for the phone scanner: the retailer the
#: demo story ships the split lot to (it sells some of its items; the others are left to scan).
DEMO_TRADER = "demo-shop-a"


@dataclass
class Up:
    """What the services of one ``suyuan up`` share."""

    session: ChainSession
    demo: bool
    #: The health of every background loop (the anchorer, the trace API's workers), read by ``/readyz``.
    health: list[LoopHealth] = field(default_factory=list)


def start_anchorer(up: Up) -> Stop:
    """The anchorer; with several processes on one database, one leads and the others stand by."""
    config = cli_settings(ServiceSettings)
    anchorer = make_anchorer(config, up.session, open_ledger(config))
    leadership = Leadership(anchorer.ledger.engine, "anchorer")
    out.print(
        f"anchorer: log {anchorer.ledger.origin!r}, every {config.anchor_every_records} records "
        f"or {config.anchor_every_seconds:g} s"
    )

    def changed(leading: bool) -> None:
        out.print(f"anchorer: {'leads' if leading else 'stands by'} (pid {os.getpid()})")

    return anchorer.loop(leadership=leadership, on_change=changed).start(up.health)  # gives it up on stop


def start_trace_api(up: Up) -> Stop:
    """The API server, then its workers; on stop the server goes before the chain worker, and
    anything still owed stays in the outbox for the next start."""
    from trace_api.credit import CreditGrader
    from trace_api.epcis.subscriptions import DeliveryWorker
    from trace_api.equipment import EquipmentSweeper
    from trace_api.equipment.cli import rules_from_environment
    from trace_api.notices import NoticeSender
    from trace_api.recalls.notify import NoticeWorker
    from trace_api.risk import RiskEvaluator, RuleError, load_rules
    from trace_api.selfcheck import PeriodCloser

    config = cli_settings(ServiceSettings)
    services = build_services(config, up.session)
    services.background = up.health
    app = create_app(services)
    web_settings = _console_settings(config)
    mount_console(app, *web_settings)
    mount_scanner(app, *web_settings)
    url, stop_server = start_server(app, config.api_host, config.api_port)
    config.served_at(urlsplit(url).port or config.api_port)
    stop_chain_worker = ChainWorker(services).start()
    loops = [
        DeliveryWorker(services).loop(),
        NoticeWorker(services).loop(),
        NoticeSender(services).loop(),
        reconcile_loop(services),
        EquipmentSweeper(services, rules_from_environment()).loop(),
        CreditGrader(services.ledger).loop(),
        PeriodCloser(services.ledger).loop(),
    ]
    try:
        risk_rules = load_rules(config.risk_rules)
    except RuleError as exc:
        fail(f"invalid risk rules (SUYUAN_RISK_RULES): {exc}")
    loops.append(RiskEvaluator(services, risk_rules).loop())
    # With several replicas on one database each job runs in one of them, the others standing by.
    stop_loops = [loop.led(Leadership(services.engine, loop.name)).start(up.health) for loop in loops]

    def stop() -> None:
        for stop_loop in reversed(stop_loops):
            stop_loop()
        stop_server()
        stop_chain_worker()

    out.print(f"trace API: {url}  (OpenAPI at {url}/docs)")
    out.print(f"regulator console: {url}/console/  (sign in with a regulator's API key)")
    out.print(f"phone scanner: {url}/scan/  (members sign in with their organisation's API key)")
    out.print("chain worker: sends admissions, shipments, splits and recalls on chain after they commit")
    out.print(
        f"chain reconcile: now and every {config.reconcile_every_seconds:g} s "
        "(differences: GET /v1/chain/differences, suyuan chain reconcile)"
    )
    out.print("self-inspection periods: closed as each ends, every 60 s (selfcheck.period_closed)")
    out.print("credit grades: regraded from new evidence every 5 s (GET /v1/credit/grades, suyuan credit)")
    out.print(f"item codes and labels carry: {config.public_url}  (SUYUAN_PUBLIC_URL sets it)")
    if config.mqtt_url:
        out.print(
            f"recall notices and alerts: MQTT broker {config.mqtt_url} (topics {TOPIC_ROOT}/<org>/recalls "
            f"and {alert_topic('<org>')}) and webhooks"
        )
    else:
        out.print(
            "recall notices and alerts: webhooks only; no MQTT broker configured "
            "(set SUYUAN_MQTT_URL=mqtt://host:1883)"
        )
    if up.demo:
        from .demo.credit import seed_credit
        from .demo.markets import seed_market_demo
        from .demo.network import DEMO_FILE, LOT, seed_demo
        from .demo.risk import seed_risk_demo

        try:
            demo = seed_demo(services, url)
            market = seed_market_demo(config.data_dir, url, demo["organisations"][0]["api_key"])
            graded = seed_credit(services)
            risk = seed_risk_demo(services, risk_rules, url, market)
        except (RuntimeError, DomainError, ChainError, LedgerError, OSError) as exc:
            stop()
            fail(f"seeding the demo failed: {exc}")
        out.print(f"demo consumer page: {demo['consumer_url']}")
        regulator = next(org for org in demo["organisations"] if org["type"] == "regulator")
        out.print(f"demo regulator console: {url}/console/  sign in with {regulator['api_key']}")
        trader = next(org for org in demo["organisations"] if org["handle"] == DEMO_TRADER)
        out.print(
            f"demo phone scanner: {url}/scan/  sign in with {trader['api_key']}  "
            f"({DEMO_TRADER}, a retailer holding lot {LOT}A: sell its items)"
        )
        out.print(f"demo organisations and API keys: {config.data_dir / DEMO_FILE}")
        out.print(f"demo market board: {market['board_url']}  (keys: {config.data_dir / 'market-demo.json'})")
        out.print(
            f"demo enforcement (inspector, signed documents): {config.data_dir / 'enforcement-demo.json'}"
        )
        out.print(f"demo risk warnings: {url}/console/risk  ({len(risk['warnings'])} raised)")
        for org in demo["organisations"]:
            out.print(f"  {org['handle']:<16} {org['type']:<11} {org['api_key']}")
        grades = ", ".join(f"{g['org']} {g['grade']}" for g in graded["grades"]) or "none yet"
        out.print(f"demo credit grades: {grades}  (GET /v1/credit/grades, suyuan credit grades)")
    return stop


def _console_settings(config: ServiceSettings) -> tuple[bytes, int, Path | None]:
    """The console's session secret, session length and assets; a bad setting exits with one line."""
    try:
        console = ConsoleSettings()
        return console.session_secret(config.data_dir), console.session_minutes, console.vendor_dir()
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"invalid setting SUYUAN_CONSOLE_{str(first['loc'][0]).upper()}: {first['msg']}")
    except ValueError as exc:  # a secret that is not a Fernet key
        fail(f"invalid setting SUYUAN_CONSOLE_SECRET: {exc} (make one: suyuan console secret)")


def start_ingest(up: Up) -> Stop:
    """One ingest worker when a broker is configured; says so when none is."""
    config = cli_settings(IngestSettings)
    if not config.mqtt_url:
        out.print("cold-chain ingest: off; no MQTT broker configured (set SUYUAN_MQTT_URL=mqtt://host:1883)")
        return lambda: None
    with cli_errors():
        worker = IngestWorker(open_ingestor(config), worker_options(config, config.mqtt_url))
    stop = worker.serve(up.health)  # /readyz names the worker when it stalls
    out.print(f"cold-chain ingest: {worker.options.subscription} on {config.mqtt_url.rsplit('@', 1)[-1]}")
    return stop


def start_kitchen_feed(up: Up) -> Stop:
    """With ``--demo``: the kitchen-camera feed, judged by the shipped model in the background."""
    if not up.demo:
        return lambda: None
    from ingest.vision.offline import VisionError, require_vision

    try:
        require_vision()
    except VisionError as exc:
        out.print(f"kitchen feed: off; {exc}")
        return lambda: None
    from .demo.kitchen import prepare_kitchen_demo, run_kitchen_demo

    config = cli_settings(IngestSettings)
    services = build_services(config, up.session)
    try:
        prepared = prepare_kitchen_demo(services)
    except (DomainError, LedgerError, SQLAlchemyError, OSError) as exc:
        out.print(f"kitchen feed failed: {exc}")
        return lambda: None
    if isinstance(prepared, dict):
        out.print(f"kitchen feed: judged before; see {config.data_dir / 'kitchen-demo.json'}")
        return lambda: None
    api_key = prepared

    def feed(stop: threading.Event) -> None:
        try:
            run_kitchen_demo(services, api_key, report=out.print, stop=stop)
        except (VisionError, DomainError, LedgerError, SQLAlchemyError, OSError) as exc:
            out.print(f"kitchen feed failed: {exc}")

    stop = start_thread("kitchen-demo", feed)
    out.print("kitchen feed: judging the demo canteen's camera with the shipped model (offline)")
    return stop


#: What ``suyuan up`` starts once the chain is up and the contracts deployed, in this order, by
#: the name ``suyuan up --service`` picks them with (a replica of a larger network runs some only).
SERVICES: dict[str, Callable[[Up], Stop]] = {
    "anchorer": start_anchorer,
    "trace-api": start_trace_api,
    "ingest": start_ingest,
    "kitchen-feed": start_kitchen_feed,
    "market-feed": start_market_feed,
}


def run_up(*, demo: bool, services: Sequence[str] = ()) -> None:
    """Starts the chain, then :data:`SERVICES` in order (only those named in ``services``, if any);
    runs until SIGINT or SIGTERM, then stops them in the reverse order (a service that fails to
    start stops those started before it)."""
    unknown = [name for name in services if name not in SERVICES]
    if unknown:
        fail(f"unknown --service {unknown[0]!r}: choose from {', '.join(SERVICES)}")
    with chain_errors(), ExitStack() as running:
        session = running.enter_context(open_chain(cli_settings(Settings)))
        _, new = ensure_deployed(session)
        up = Up(session, demo)
        for name, start in SERVICES.items():
            if not services or name in services:
                running.callback(start(up))
        print_status(session, as_json=False)
        out.print(("deployed contracts" if new else "contracts deployed earlier") + "; running, Ctrl-C stops")
        wait_for_signal()
    out.print("stopped; state kept in " + str(session.settings.data_dir))
