"""``suyuan ingest mqtt``, ``suyuan ingest camera`` and ``suyuan device …``.

The ``suyuan`` root adds them through :func:`register`. These commands act
with the operator's access to the data directory and the database; none needs the chain.
The alerts they record owe their notices in the database (``notices_owed``); ``suyuan ingest mqtt``
and ``suyuan ingest camera`` also run the notice sender, which sends while the process leads the
``notices`` job on its database (under ``suyuan up`` the trace API's process may lead instead).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from chain.cli import cli_settings, fail, failing_on, out, wait_for_signal
from evidence import Ledger, LedgerError, failure_text, open_ledger, start_thread
from trace_api.coldchain import listed_devices
from trace_api.devices import (
    TOPIC_ROOT,
    DeviceIn,
    list_devices,
    register_device,
    retire_device,
)
from trace_api.errors import DomainError
from trace_api.migrate import upgrade
from trace_api.notices import NoticeOutbox, NoticeSender
from trace_api.orgs.models import Organisation

from ._process import Ingestor
from ._settings import IngestSettings
from .mosquitto import passwd_file
from .rules import RulesError, load_rules
from .vision.camera_cli import register_camera
from .worker import IngestError, IngestWorker, WorkerOptions

ingest_app = typer.Typer(help="Take device data into the evidence ledger.", no_args_is_help=True)
device_app = typer.Typer(
    help="The device registry: cold-chain sensors, scales, cameras.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """``suyuan ingest`` and ``suyuan device``; ``suyuan vision`` is added by
    :func:`ingest.vision.cli.register_vision`."""
    app.add_typer(ingest_app, name="ingest")
    app.add_typer(device_app, name="device")
    register_camera(ingest_app)


def settings() -> IngestSettings:
    return cli_settings(IngestSettings)


def cli_errors() -> AbstractContextManager[None]:
    return failing_on(
        DomainError, LedgerError, IngestError, RulesError, SQLAlchemyError, describe=failure_text
    )


def open_ingestor(config: IngestSettings) -> Ingestor:
    """The ingest over the configured database and ledger, its tables brought up to date."""
    ledger: Ledger = open_ledger(config)
    upgrade(ledger.engine)
    rules = load_rules(config.alert_rules)
    return Ingestor(ledger.engine, ledger, rules, config.public_url, mqtt_url=config.mqtt_url)


def start_notice_sender(ledger: Ledger, config: IngestSettings) -> Callable[[], None]:
    """The notice sender over the ingest's database, led (one process of a database sends); returns
    the function that stops it. Notices go to ``config``'s broker and the organisations' webhooks."""
    sender = NoticeSender(NoticeOutbox(ledger.engine, ledger, config))
    return sender.led().start()


def worker_options(config: IngestSettings, url: str) -> WorkerOptions:
    return WorkerOptions(
        url=url,
        client_id=config.mqtt_client_id,
        share_group=config.mqtt_share_group,
        session_expiry_s=config.mqtt_session_expiry_s,
        batch_size=config.ingest_batch_size,
    )


# -- suyuan ingest mqtt ----------------------------------------------------------------------------


@ingest_app.command("mqtt")
def ingest_mqtt(
    report_every: Annotated[float, typer.Option(min=0.5, help="Seconds between progress lines")] = 10.0,
) -> None:
    """Take device readings from the MQTT broker (SUYUAN_MQTT_URL) until Ctrl-C or SIGTERM."""
    config = settings()
    if not config.mqtt_url:
        fail("no MQTT broker configured: set SUYUAN_MQTT_URL=mqtt://[user:password@]host:1883")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with cli_errors():
        worker = IngestWorker(open_ingestor(config), worker_options(config, config.mqtt_url))
    stop_sender = start_notice_sender(worker.ingestor.ledger, config)
    stop_worker = worker.serve()
    out.print(
        f"ingest: {worker.options.subscription} on {worker.address.host}:{worker.address.port} "
        f"as {worker.options.client_id}; Ctrl-C stops"
    )
    stop_reporter = start_thread("ingest-report", lambda stop: _report(worker, stop, report_every))
    try:
        wait_for_signal()
    finally:
        stop_reporter()
        stop_worker()
        stop_sender()
        out.print(f"ingest stopped: {worker.stats.summary()}")


def _report(worker: IngestWorker, stop: threading.Event, every: float) -> None:
    last = ""
    while not stop.wait(every):
        line = worker.stats.summary()
        if line != last:
            out.print(f"ingest: {line}")
            last = line


# -- suyuan device ---------------------------------------------------------------------------------


@contextmanager
def registry(*, write: bool = False) -> Iterator[Session]:
    """A session on the configured database, its tables brought up to date.

    With ``write`` the session holds the writer lock from its first read to its commit, so that
    a write landing meanwhile cannot make its own fail.
    """
    from evidence import make_engine, write_transaction

    config = settings()
    engine = make_engine(config.resolved_database_url)
    try:
        with cli_errors():
            upgrade(engine)
            if not write:
                with Session(engine) as session:
                    yield session
                return
            lock = f"suyuan-ledger:{config.ledger_origin}"  # Ledger.lock_name of this database
            with write_transaction(engine, lock) as conn, Session(bind=conn) as session:
                yield session
    finally:
        engine.dispose()


def org_by_handle(session: Session, handle: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.handle == handle)).first()
    if org is None:
        fail(f"no organisation {handle!r} (suyuan org add admits one)")
    return org


@device_app.command("add")
def device_add(
    org: Annotated[str, typer.Option(help="Handle of the owning organisation")],
    name: Annotated[str, typer.Option(help="Device name, unique within the organisation, e.g. cs-01")],
    kinds: Annotated[
        str, typer.Option(help="Comma-separated: temperature, humidity, door, location, weight, camera")
    ] = "temperature",
    location: Annotated[
        str | None, typer.Option(help="The storage place it watches (GLN/SGLN or name)")
    ] = None,
    vehicle: Annotated[str | None, typer.Option(help="...or the plate of the vehicle it rides in")] = None,
    storage_class: Annotated[str, typer.Option(help="frozen, chilled or ambient")] = "chilled",
) -> None:
    """Register a device and print its MQTT credentials (the password is shown once)."""
    try:
        data = DeviceIn.model_validate(
            {
                "name": name,
                "kinds": [k.strip() for k in kinds.split(",") if k.strip()],
                "location": location,
                "vehicle": vehicle,
                "storage_class": storage_class,
            }
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = str(first["loc"][0]).replace("_", "-")
        fail(f"invalid --{field}: {first['msg'].removeprefix('Value error, ')}")
    with registry(write=True) as session, cli_errors():
        device, password = register_device(session, org_by_handle(session, org), data)
    out.print(
        f"registered {device.username}: publishes {device.kinds} to {TOPIC_ROOT}/{device.username}/<kind>",
        markup=False,
    )
    out.print(f"MQTT username: {device.username}")
    out.print(f"MQTT password (shown once): {password}")


@device_app.command("list")
def device_list(
    org: Annotated[str | None, typer.Option(help="Only this organisation's devices")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List registered devices."""
    with registry() as session:
        scope = None if org is None else [org_by_handle(session, org).id]
        devices = listed_devices(session, list_devices(session, scope))
    if as_json:
        print(json.dumps(devices, ensure_ascii=False, indent=2))
        return
    for d in devices:
        state = "retired" if d["retired_at"] else ", ".join(map(str, d["kinds"]))
        line = f"{d['username']:<32} {d['storage_class']:<8} {d['location'] or d['vehicle']}  ({state})"
        out.print(line, markup=False, highlight=False)


@device_app.command("retire")
def device_retire(
    org: Annotated[str, typer.Option(help="Handle of the owning organisation")],
    name: Annotated[str, typer.Option(help="Device name")],
) -> None:
    """Stop taking a device's readings (rewrite the broker's password file afterwards)."""
    with registry(write=True) as session, cli_errors():
        device = retire_device(session, org_by_handle(session, org), name)
    out.print(f"retired {device.username}")


@device_app.command("passwd-file")
def device_passwd_file(
    path: Annotated[Path, typer.Argument(help="Where to write the Mosquitto password file")],
    service_user: Annotated[
        bool, typer.Option(help="Also write the user of SUYUAN_MQTT_URL (the ingest worker's own)")
    ] = True,
) -> None:
    """Write the Mosquitto password file from the registry (retired devices left out); reload with SIGHUP."""
    from trace_api.devices import password_hash

    from .worker import BrokerAddress

    entries: list[tuple[str, str]] = []
    config = settings()
    if service_user and config.mqtt_url:
        address = BrokerAddress.parse(config.mqtt_url)
        if address.username and address.password:
            entries.append((address.username, password_hash(address.password)))
    with registry() as session:
        entries += [
            (d.username, d.password_hash) for d in list_devices(session, None) if d.retired_at is None
        ]
    try:
        _write_private(path, passwd_file(entries))
    except (OSError, ValueError) as exc:
        fail(f"{path}: {exc}")
    out.print(f"wrote {len(entries)} users to {path}")


def _write_private(path: Path, text: str) -> None:
    """Writes ``text`` to ``path`` readable by its owner only, replacing it atomically."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
