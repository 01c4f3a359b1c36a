"""``suyuan ingest mqtt``: the MQTT 5 worker that takes device messages into the ledger.

QoS 1 on a persistent session (clean start off, session expiry set) and manual acknowledgement:
a message is acknowledged only once the transaction holding its reading (or its dead letter)
has committed. A worker killed at any moment leaves its unacknowledged messages in its session,
and the broker sends them again when it comes back; the (device, sequence) key makes the second
delivery a recognised duplicate. Workers sharing ``$share/<group>/`` split the load.

Messages delivered before a reconnection are never acknowledged on the new connection: the
broker resends them with their packet ids, and acknowledging a stale id could acknowledge a
different message.

The alerts a batch or a sweep opens or closes owe their notices in its transaction
(``notices_owed``); the worker publishes nothing itself: the notice sender (``suyuan up`` runs it
with the trace API) delivers them after commit and retries them while the broker is away.

The worker is a :class:`evidence.BackgroundLoop`: a pass that fails (a locked or unreachable
database, a failed alert sweep) is logged and retried with backoff, the same batch first, and
the loop's health (``ingest``) is what ``/readyz`` names when it stalls.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Self

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy.exc import DataError, IntegrityError

from evidence import BackgroundLoop, LedgerError, LoopHealth, start_thread
from trace_api.devices import TOPIC_ROOT, BrokerUrlError
from trace_api.devices import BrokerAddress as SharedBrokerAddress

from ._process import Ingestor, IngestResult, Message, Outcome

log = logging.getLogger("suyuan.ingest")

DEVICE_FILTER = f"{TOPIC_ROOT}/+/+/+"


class IngestError(Exception):
    """The worker cannot run as configured."""


@dataclass(frozen=True)
class BrokerAddress(SharedBrokerAddress):
    """The broker of ``SUYUAN_MQTT_URL`` (credentials percent-decoded); :class:`IngestError` if none."""

    @classmethod
    def parse(cls, url: str) -> Self:
        try:
            return super().parse(url)
        except BrokerUrlError as exc:
            raise IngestError(str(exc)) from exc


@dataclass(frozen=True)
class WorkerOptions:
    url: str
    client_id: str = "suyuan-ingest-1"
    share_group: str | None = "suyuan-ingest"
    session_expiry_s: int = 7 * 24 * 3600
    batch_size: int = 500
    sweep_every_s: float = 5.0
    #: The first retry after a failed pass; each further one waits twice as long, up to ``max_backoff_s``.
    retry_after_s: float = 1.0
    max_backoff_s: float = 10.0
    #: A worker that has not completed a pass for this long counts as stalled (``/readyz``).
    stall_after_s: float = 60.0

    @property
    def subscription(self) -> str:
        return f"$share/{self.share_group}/{DEVICE_FILTER}" if self.share_group else DEVICE_FILTER


class _Delivery(NamedTuple):
    """A message as the network thread hands it over (a named tuple: one is made per message)."""

    epoch: int
    mid: int
    topic: str
    payload: bytes


@dataclass
class WorkerStats:
    outcomes: Counter[str] = field(default_factory=Counter)
    dead_reasons: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    #: Alerts opened or closed, their notices owed to the notice sender.
    alerts_owed: int = 0
    connections: int = 0

    def summary(self) -> str:
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(self.dead_reasons.items()))
        dead = self.outcomes[Outcome.dead_letter]
        return (
            f"{self.outcomes[Outcome.recorded]} recorded, {self.outcomes[Outcome.duplicate]} duplicates, "
            f"{dead} dead letters" + (f" ({reasons})" if reasons else "")
        )


class IngestWorker:
    """One worker: an MQTT client feeding batches to an :class:`Ingestor`."""

    def __init__(
        self,
        ingestor: Ingestor,
        options: WorkerOptions,
        on_batch: Callable[[IngestResult], None] | None = None,
    ) -> None:
        self.ingestor, self.options, self.on_batch = ingestor, options, on_batch
        self.address = BrokerAddress.parse(options.url)
        self.stats = WorkerStats()
        self.connected = threading.Event()
        #: Set once the broker has acknowledged the subscription of the current connection.
        self.subscribed = threading.Event()
        self._inbox: queue.SimpleQueue[_Delivery] = queue.SimpleQueue()
        self._epoch = 0
        self._started = False
        self._lock = threading.Lock()
        self._held: list[_Delivery] = []  # the batch a failed pass left, taken again first
        self._next_sweep = 0.0
        self.client = self._client()
        self._loop = BackgroundLoop(
            "ingest",
            self.step,
            tick_s=0.0,  # a pass waits for messages itself
            min_backoff_s=options.retry_after_s,
            max_backoff_s=max(options.retry_after_s, options.max_backoff_s),
            stall_after_s=options.stall_after_s,
        )
        #: The loop's health: ``suyuan up`` adds it to what ``/readyz`` reads.
        self.health: LoopHealth = self._loop.health

    def _client(self) -> mqtt.Client:
        client = self.address.client(self.options.client_id, manual_ack=True)
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    # -- MQTT callbacks (the client's network thread) -------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, _userdata: Any, flags: Any, reason: ReasonCode, _props: Any
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the connection: %s", reason)
            return
        with self._lock:
            self._epoch += 1
        self.stats.connections += 1
        client.subscribe(self.options.subscription, options=SubscribeOptions(qos=1))
        log.info(
            "connected (session present: %s); subscribed to %s",
            flags.session_present,
            self.options.subscription,
        )
        self.connected.set()

    def _on_subscribe(
        self, _client: mqtt.Client, _userdata: Any, _mid: int, codes: list[ReasonCode], _p: Any
    ) -> None:
        if any(code.is_failure for code in codes):
            log.error("the broker refused the subscription %s: %s", self.options.subscription, codes)
            return
        self.subscribed.set()

    def _on_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _p: Any
    ) -> None:
        self.connected.clear()
        self.subscribed.clear()
        if reason.is_failure:
            log.warning("lost the broker (%s); reconnecting", reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:  # brokers refuse such topics; never let one stop the network loop
            topic = "<topic is not UTF-8>"
        self._inbox.put(_Delivery(self._epoch, message.mid, topic, bytes(message.payload)))

    # -- the worker's own thread ----------------------------------------------------------------

    def start(self) -> None:
        """Connects in the background (retrying until the broker answers); :meth:`run` calls it."""
        if self._started:
            return
        self._started = True
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = self.options.session_expiry_s
        properties.ReceiveMaximum = min(65535, max(self.options.batch_size * 2, 100))
        self.client.connect_async(
            self.address.host, self.address.port, keepalive=30, clean_start=False, properties=properties
        )
        self.client.loop_start()

    def serve(self, health: list[LoopHealth] | None = None) -> Callable[[], None]:
        """Runs the worker in a background thread, its health added to ``health`` (what ``/readyz``
        reads) when given; returns the function that stops it."""
        if health is not None:
            health.append(self.health)
        self.health.running = True  # from now: a thread that is yet to be scheduled is not stalled
        return start_thread("ingest", self.run)

    def run(self, stop: threading.Event) -> None:
        """Takes batches until ``stop`` is set, then disconnects: a batch not committed by then was
        not acknowledged, and the broker sends it again."""
        # Everything loaded so far (libraries, settings, the registry's rows) lives as long as the
        # worker: keep it out of the cyclic collector's scans, which otherwise dominate a busy batch.
        gc.freeze()
        self.start()
        self._next_sweep = time.monotonic() + self.options.sweep_every_s
        try:
            self._loop.run(stop)
        finally:
            self.client.disconnect()
            self.client.loop_stop()

    def step(self) -> None:
        """One pass: a batch (the one a failed pass left, else the next, waited for up to 0.5 s),
        acknowledged once committed; then the alert sweep when it is due.

        Raises what the database raises (locked, unreachable): the loop retries after its backoff.
        """
        if not self._held:
            self._held = self._next_batch(timeout=min(0.5, self.options.sweep_every_s))
        current = [d for d in self._held if d.epoch == self._epoch]  # older ones come again
        result = self._ingest(current) if current else None  # raises: the batch stays held
        self._acknowledge(current)
        self._held = []
        if result is not None:
            self._count(result)
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + self.options.sweep_every_s
            self.stats.alerts_owed += len(self.ingestor.sweep())

    def _next_batch(self, timeout: float) -> list[_Delivery]:
        try:
            batch = [self._inbox.get(timeout=timeout)]
        except queue.Empty:
            return []
        while len(batch) < self.options.batch_size:
            try:
                batch.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def _ingest(self, batch: list[_Delivery]) -> IngestResult:
        messages = [Message(d.topic, d.payload) for d in batch]
        try:
            return self.ingestor.ingest(messages)
        except (LedgerError, ValueError, DataError, IntegrityError) as exc:
            # Refusals that depend on the messages, not on the database being up: find the culprit.
            if len(messages) == 1:
                self.ingestor.dead_letter(messages[0], "refused", f"refused by the ledger or database: {exc}")
                return IngestResult([Outcome.dead_letter], dead_reasons=["refused"])
            log.warning("a batch was refused (%s); taking its %d messages one by one", exc, len(messages))
            results = [self._ingest([d]) for d in batch]
            return IngestResult(
                [o for r in results for o in r.outcomes],
                [n for r in results for n in r.notices],
                [x for r in results for x in r.dead_reasons],
            )

    def _acknowledge(self, batch: list[_Delivery]) -> None:
        for delivery in batch:
            if delivery.epoch == self._epoch:
                self.client.ack(delivery.mid, 1)

    def _count(self, result: IngestResult) -> None:
        self.stats.batches += 1
        self.stats.outcomes.update(o.value for o in result.outcomes)
        self.stats.dead_reasons.update(result.dead_reasons)
        self.stats.alerts_owed += len(result.notices)
        if self.on_batch is not None:
            self.on_batch(result)
