"""``suyuan scan``: the handheld client for PDAs, USB scanners and folders of photos.

Every scan goes to the local queue first (``--queue``, default ``<data dir>/scanner/queue.db``)
and is synced with the trace API after, unless ``--no-sync``. Codes come as arguments, from
photos (``--images``), or from standard input one per line, as a keyboard-wedge scanner types
them: each line is recorded the moment it arrives and synced in the background.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape

from chain.cli import cli_settings, console, out, progress_bar

from ._codes import ScannedCode, read_scanned
from ._errors import ApiUnreachable, NotACode, ScannerError, UnreadableImage
from ._images import picture_files, read_codes
from ._login import Login, load_login, save_login
from ._queue import STATES, QueuedScan, ScanQueue, new_scan
from ._settings import ScannerSettings
from ._sync import ScanApi, sync_queue
from ._wedge import WedgeSession

scan_app = typer.Typer(
    help="The handheld scanner: scan codes in and out, queued offline, synced exactly once.",
    no_args_is_help=True,
)
_queue_option: dict[str, Path] = {}

Codes = Annotated[
    list[str] | None,
    typer.Argument(help="GS1 Digital Links or element strings; none: read standard input, one per line"),
]
Images = Annotated[
    Path | None, typer.Option("--images", help="A photo, or a folder of photos, of the codes to scan")
]
Batches = Annotated[
    list[str] | None, typer.Option("--batch", help="A whole lot by its batch id (repeatable)")
]
Location = Annotated[str | None, typer.Option("--location", help="Where the scans happen (default: login's)")]
NoSync = Annotated[
    bool, typer.Option("--no-sync", help="Only queue the scans; `suyuan scan sync` sends them")
]


def _say(text: str) -> None:
    """A line of output (codes and places may hold ':x:', which is no emoji here)."""
    out.print(text, emoji=False, highlight=False)


def _note(text: str) -> None:
    """A line on standard error, with markup."""
    console.print(text, emoji=False, highlight=False, soft_wrap=True)


def _fail(message: str) -> NoReturn:
    """A one-line error, exit code 1."""
    _note(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """``suyuan scan``."""
    app.add_typer(scan_app, name="scan")


@scan_app.callback()
def scan_root(
    queue: Annotated[
        Path | None,
        typer.Option(
            "--queue", help="The scan queue file (env SUYUAN_SCAN_QUEUE; default <data dir>/scanner/queue.db)"
        ),
    ] = None,
) -> None:
    _queue_option.clear()
    if queue is not None:
        _queue_option["path"] = queue.expanduser().resolve()


def _settings() -> ScannerSettings:
    settings = cli_settings(ScannerSettings)
    if "path" in _queue_option:
        settings = settings.model_copy(update={"scan_queue": _queue_option["path"]})
    return settings


@contextmanager
def _handheld() -> Iterator[tuple[ScannerSettings, ScanQueue]]:
    """The settings and the open queue; a scanner error anywhere inside becomes a one-line message."""
    settings = _settings()
    try:
        with ScanQueue(settings.queue_path) as queue:
            yield settings, queue
    except ScannerError as exc:
        _fail(str(exc))


@scan_app.command("login")
def login(
    api: Annotated[str | None, typer.Option("--api", help="The trace API's base URL")] = None,
    key: Annotated[
        str | None, typer.Option("--key", help="The member's API key (asked for if left out)")
    ] = None,
    location: Location = None,
) -> None:
    """Store the trace API's address, the member's key and the default location for later scans."""
    with _handheld() as (settings, queue):
        stored = load_login(settings, queue)
        api_url = (api or stored.api_url or "").rstrip("/")
        if not api_url.startswith(("http://", "https://")):
            _fail("give --api URL: the trace API's address, e.g. https://trace.example.cn")
        secret = key or stored.key or typer.prompt("API key", hide_input=True)
        with ScanApi.from_settings(settings, api_url, secret) as client:
            try:
                member = client.member()
            except ApiUnreachable as exc:
                member = None
                _note(f"[yellow]not checked:[/] {escape(str(exc))}")
        save_login(queue, api_url, secret, location)
        place = location or stored.location or "none (give --location to each scan)"
        who = f" as {member['handle']} ({member['name']})" if member else ""
        _say(f"logged in to {escape(api_url)}{escape(who)}; location: {escape(place)}")
        _say(f"queue  {queue.path}")


@scan_app.command("receive")
def receive(
    codes: Codes = None,
    images: Images = None,
    batch: Batches = None,
    location: Location = None,
    no_sync: NoSync = False,
) -> None:
    """Receive goods shipped to you: a scan of any item's code (or the lot's) receives its lot."""
    _record_scans("receive", codes, images, batch, location, no_sync)


@scan_app.command("ship")
def ship(
    to: Annotated[str, typer.Option("--to", help="The receiving organisation's handle")],
    codes: Codes = None,
    images: Images = None,
    batch: Batches = None,
    vehicle: Annotated[str | None, typer.Option("--vehicle", help="The plate of the vehicle")] = None,
    location: Location = None,
    no_sync: NoSync = False,
) -> None:
    """Ship the lots of the scanned codes to another organisation."""
    _record_scans("ship", codes, images, batch, location, no_sync, counterparty=to, vehicle=vehicle)


@scan_app.command("sell")
def sell(
    codes: Codes = None, images: Images = None, location: Location = None, no_sync: NoSync = False
) -> None:
    """Sell items at the till, one scan per item."""
    _record_scans("sell", codes, images, None, location, no_sync)


@scan_app.command("destroy")
def destroy(
    codes: Codes = None,
    images: Images = None,
    batch: Batches = None,
    location: Location = None,
    no_sync: NoSync = False,
) -> None:
    """Record items (by their codes) or whole lots (by --batch or a lot's code) as destroyed."""
    _record_scans("destroy", codes, images, batch, location, no_sync)


@scan_app.command("split")
def split(
    child: Annotated[
        list[str],
        typer.Option(
            "--child", help="A new lot LOT:QUANTITY[:ITEMS] (ITEMS: how many of the parent's items)"
        ),
    ],
    code: Annotated[str | None, typer.Argument(help="A code of the parent lot (or give --batch)")] = None,
    batch: Annotated[str | None, typer.Option("--batch", help="The parent lot's batch id")] = None,
    location: Location = None,
    no_sync: NoSync = False,
) -> None:
    """Split (repack) a lot you hold into new lots, as one scan."""
    children = [_child_lot(text) for text in child]
    if (code is None) == (batch is None):
        _fail("name the parent lot: give one code of it, or --batch ID")
    with _handheld() as (settings, queue):
        place = load_login(settings, queue).place(location)
        subject = _subject("split", code) if code else ScannedCode(batch or "", batch_id=batch)
        body = new_scan("split", place, code=subject.code, batch_id=subject.batch_id, children=children)
        scans = queue.record([body])
        _say(f"1  split  {escape(subject.subject)} into {', '.join(c['lot'] for c in children)}")
        _finish(settings, queue, scans, no_sync)


@scan_app.command("sync")
def sync() -> None:
    """Send the pending scans now (in batches, retrying while the API is unreachable)."""
    with _handheld() as (settings, queue):
        pending = queue.counts()["pending"]
        if not pending:
            _say("nothing to sync: no scan is pending")
            return
        try:
            _sync(settings, queue)
        except ScannerError as exc:
            _fail(f"{exc}; {queue.counts()['pending']} scans stay pending")
        counts = queue.counts()
        _say(f"synced: {counts['synced']} recorded, {counts['refused']} refused, {counts['pending']} pending")


@scan_app.command("status")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    shown: Annotated[int, typer.Option("--refused", min=0, help="How many refused scans to list")] = 20,
) -> None:
    """The queue: how many scans are pending, synced and refused, and why the refused ones were."""
    with _handheld() as (settings, queue):
        counts = queue.counts()
        refused = queue.refused(None if as_json else shown)
        known = load_login(settings, queue)
        if as_json:
            answer: dict[str, Any] = {
                "queue": str(queue.path),
                "api_url": known.api_url,
                "location": known.location,
                **counts,
                "refused_scans": [_refusal(scan) for scan in refused],
            }
            out.print_json(json.dumps(answer, ensure_ascii=False), highlight=False)
            return
        _say(f"queue     {queue.path}")
        _say(f"trace API {escape(known.api_url or 'not configured')}")
        _say(f"location  {escape(known.location or 'not configured')}")
        for state in STATES:
            _say(f"{state:<9} {counts[state]}")
        for scan in refused:
            _say(_refusal_line(scan))
        if counts["refused"] > len(refused):
            _say(f"… and {counts['refused'] - len(refused)} more (--refused N, or --json for all)")


def _record_scans(
    action: str,
    codes: Sequence[str] | None,
    images: Path | None,
    batches: Sequence[str] | None,
    location: str | None,
    no_sync: bool,
    **fields: Any,
) -> None:
    """Records one scan per code, picture code and lot given, or per line of standard input."""
    with _handheld() as (settings, queue):
        login = load_login(settings, queue)
        place = login.place(location)
        if not (codes or images or batches):
            _wedge(settings, queue, login, action, place, no_sync, fields)
            return
        subjects = [_subject(action, text) for text in codes or []]
        subjects += [ScannedCode(b, batch_id=b) for b in batches or []]
        found, unreadable = _pictures(action, images) if images else ([], [])
        subjects += found
        scans = queue.record(
            new_scan(action, place, code=s.code, batch_id=s.batch_id, **fields) for s in subjects
        )
        for n, scan in enumerate(scans, 1):
            _say(f"{n}  {action}  {escape(scan.subject)}")
        _finish(settings, queue, scans, no_sync, login)
        if unreadable:
            _fail(f"{len(unreadable)} of the pictures gave no scan: {', '.join(unreadable)}")


def _subject(action: str, text: str) -> ScannedCode:
    """What a code given on the command line names; a bad one stops the command before any scan."""
    try:
        return _checked(action, read_scanned(text))
    except NotACode as exc:
        _fail(f"{text.strip()}: {exc}")


def _checked(action: str, scanned: ScannedCode) -> ScannedCode:
    if action == "sell" and scanned.code is None:
        raise NotACode(f"names lot {scanned.batch_id}, and a sale is of one item: scan the item's own code")
    return scanned


def _pictures(action: str, images: Path) -> tuple[list[ScannedCode], list[str]]:
    """The codes in the pictures, and the names of those that gave none (each reported as found)."""
    try:
        files = picture_files(images)
    except UnreadableImage as exc:
        _fail(str(exc))
    found: list[ScannedCode] = []
    unreadable: list[str] = []
    for path in files:
        try:
            scanned = [_checked(action, read_scanned(text)) for text in read_codes(path)]
        except (UnreadableImage, NotACode) as exc:
            message = str(exc) if isinstance(exc, UnreadableImage) else f"{path.name}: {exc}"
            _note(f"[yellow]skipped:[/] {escape(message)}")
            unreadable.append(path.name)
            continue
        found += scanned
    if not files:
        _fail(f"{images}: no pictures in this folder (JPEG, PNG, WebP …)")
    return found, unreadable


def _wedge(
    settings: ScannerSettings,
    queue: ScanQueue,
    login: Login,
    action: str,
    place: str,
    no_sync: bool,
    fields: dict[str, Any],
) -> None:
    """One code per line of standard input, each recorded as it arrives (a keyboard-wedge scanner)."""
    if sys.stdin.isatty():
        _note("scan codes, one per line; Ctrl-D to finish")
    connection = None if no_sync else _connection_or_note(login)
    session = WedgeSession(queue, settings, connection, _print_settled, _print_sync_problem)
    with session:
        for line in iter(sys.stdin.readline, ""):
            if not line.strip():
                continue
            try:
                scanned = _checked(action, read_scanned(line))
            except NotACode as exc:
                session.bad_lines += 1
                _note(f"[red]not recorded:[/] {escape(str(exc))}")
                continue
            scan = session.record(
                new_scan(action, place, code=scanned.code, batch_id=scanned.batch_id, **fields)
            )
            _say(f"{session.count}  {action}  {escape(scan.subject)}")
            sys.stdout.flush()
            session.sync_soon()
    _summarise(queue, session.scans, session.failure, bad=session.bad_lines)


def _connection_or_note(login: Login) -> tuple[str, str] | None:
    """The API's address and key to sync with, or None (and a note) while the scanner has no login."""
    try:
        return login.connection()
    except ScannerError as exc:
        _note(f"[yellow]queued only:[/] {escape(str(exc))}")
        return None


def _finish(
    settings: ScannerSettings,
    queue: ScanQueue,
    scans: Sequence[QueuedScan],
    no_sync: bool,
    login: Login | None = None,
) -> None:
    """Syncs after a command recorded ``scans`` (unless ``no_sync``) and says what became of them."""
    failure: ScannerError | None = None
    if not no_sync:
        connection = _connection_or_note(login or load_login(settings, queue))
        if connection is not None:
            with ScanApi.from_settings(settings, *connection) as api:
                try:
                    _sync(settings, queue, api)
                except ScannerError as exc:
                    failure = exc
    _summarise(queue, [scan.scan_id for scan in scans], failure)


def _sync(settings: ScannerSettings, queue: ScanQueue, api: ScanApi | None = None) -> None:
    """Syncs the whole queue, with a progress bar when it takes more than one batch."""
    if api is None:
        url, key = load_login(settings, queue).connection()
        with ScanApi.from_settings(settings, url, key) as own:
            return _sync(settings, queue, own)
    pending = queue.counts()["pending"]
    if pending <= settings.scan_batch_size:
        sync_queue(queue, api, batch_size=settings.scan_batch_size, settled=_print_refused)
        return None
    with progress_bar(pending, "syncing scans") as advance:
        sync_queue(
            queue,
            api,
            batch_size=settings.scan_batch_size,
            progress=lambda done, total: advance("syncing scans", done, total),
            settled=_print_refused,
        )
    return None


def _summarise(
    queue: ScanQueue, scan_ids: Sequence[str], failure: ScannerError | None, *, bad: int = 0
) -> None:
    """One line on the command's scans; an error (and exit 1) when the key was refused, the server
    refused scans, or lines were not codes. Unreachable is no error: the scans wait in the queue."""
    scans = queue.by_id(scan_ids)
    states = {state: sum(1 for s in scans if s.state == state) for state in STATES}
    _say(
        f"{len(scans)} scans: {states['synced']} recorded, {states['refused']} refused, "
        f"{states['pending']} pending"
    )
    if isinstance(failure, ApiUnreachable):
        _note(f"[yellow]offline:[/] {escape(str(failure))}; `suyuan scan sync` sends the pending scans")
    elif failure is not None:
        _fail(f"{failure}; the scans stay pending")
    problems = [f"{states['refused']} refused"] if states["refused"] else []
    problems += [f"{bad} lines were not codes"] if bad else []
    if problems:
        _fail(" and ".join(problems) + " (see above)")


def _print_sync_problem(problem: ScannerError) -> None:
    kind = "offline" if isinstance(problem, ApiUnreachable) else "not synced"
    _note(f"[yellow]{kind}:[/] {escape(str(problem))}; the scans wait in the queue")


def _print_refused(scans: Sequence[QueuedScan]) -> None:
    for scan in scans:
        if scan.state == "refused":
            _say(_refusal_line(scan))


def _print_settled(scans: Sequence[QueuedScan]) -> None:
    for scan in scans:
        if scan.state == "refused":
            _say(_refusal_line(scan))
        elif scan.state == "synced":
            _say(f"recorded  {scan.action}  {escape(scan.subject)}  {scan.record_id}")
    sys.stdout.flush()


def _refusal_line(scan: QueuedScan) -> str:
    """``refused  sell  <code>  sold_twice: <the server's words>`` (the reason once, if its words name it)."""
    reason, detail = scan.reason or "", scan.detail
    why = detail if detail.startswith(reason) else f"{reason}: {detail}"
    return f"refused  {scan.action}  {escape(scan.subject)}  {escape(why)}"


def _refusal(scan: QueuedScan) -> dict[str, Any]:
    return {
        "scan_id": scan.scan_id,
        "action": scan.action,
        "subject": scan.subject,
        "time": scan.scanned_at,
        "reason": scan.reason,
        "detail": scan.detail,
        "problem": scan.problem,
    }


def _child_lot(text: str) -> dict[str, Any]:
    """``LOT:QUANTITY[:ITEMS]`` as a split's child lot (a lot may hold ':', so the numbers are read
    from the right)."""
    parts = text.rsplit(":", 2)
    numbers = [p for p in parts[1:] if _is_number(p)]
    if len(parts) == 3 and len(numbers) == 2 and parts[2].isdigit():
        lot, quantity, items = parts[0], parts[1], int(parts[2])
    else:
        lot, _, quantity = text.rpartition(":")
        items = None
    if not lot or not _is_number(quantity) or float(quantity) <= 0 or items == 0:
        _fail(f"--child {text}: give LOT:QUANTITY or LOT:QUANTITY:ITEMS, e.g. L2026-001A:600:120")
    child: dict[str, Any] = {"lot": lot, "quantity": float(quantity)}
    return child | ({"item_count": items} if items is not None else {})


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower() not in ("nan", "inf", "-inf", "infinity")
