"""A lossy link for tests: a TCP proxy that passes HTTP/1.1 requests on to a server and loses a share
of them, some before the server sees them and some after it has answered.

Each request that arrives meets one fate, drawn from a seeded random sequence:
- ``passed``: forwarded, and the answer passed back;
- ``dropped``: read, never forwarded; the scanner's connection is closed;
- ``cut``: half of it forwarded, then both connections closed (the server sees a broken request);
- ``answer_lost``: forwarded, the server's whole answer read (so it committed), then the scanner's
  connection is closed without the answer;
- ``busy``: answered by the link itself, 503 with ``Retry-After: 2``, as a proxy in front of a
  loaded server does (only when scripted).
Requests on one link come one at a time (one scanner), so a seed gives the same fates every run.
A ``script`` of fates, if given, decides the first requests. With ``lossy`` (a test of a request's
bytes) only the requests it picks meet a fate; the others (a browser's page and assets, which it
loads several at a time) pass, uncounted.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Self

#: Shares of the fates that lose a request (20% together).
LOSSES = (("dropped", 0.07), ("cut", 0.06), ("answer_lost", 0.07))
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 2\r\n"
    b'Content-Length: 58\r\n\r\n{"status": 503, "title": "Busy", "detail": "try it later"}'
)


class LossyLink:
    """A proxy in front of ``upstream`` (``host, port``) on a port of its own; use as a context manager."""

    def __init__(
        self,
        upstream: tuple[str, int],
        seed: int,
        script: Sequence[str] = (),
        lossy: Callable[[bytes], bool] | None = None,
    ) -> None:
        self.upstream = upstream
        self._lossy = lossy
        self._script = list(script)
        self.fates: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lossy-link", daemon=True)
        self._server: asyncio.Server | None = None
        #: The connections being served (a browser keeps some open after its last request).
        self._open: set[asyncio.Task[None]] = set()
        self.url = ""

    def __enter__(self) -> Self:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        port = started.result(timeout=10)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        assert self._server is not None
        self._server.close()
        serving = list(self._open)
        for task in serving:
            task.cancel()
        await asyncio.gather(*serving, return_exceptions=True)
        await self._server.wait_closed()

    def _fate(self) -> str:
        if self._script:
            return self._script.pop(0)
        draw, bound = self._random.random(), 0.0
        for fate, share in LOSSES:
            bound += share
            if draw < bound:
                return fate
        return "passed"

    async def _connection(self, scanner_in: asyncio.StreamReader, scanner_out: asyncio.StreamWriter) -> None:
        server: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        task = asyncio.current_task()
        assert task is not None
        self._open.add(task)
        try:
            while (request := await _read_message(scanner_in)) is not None:
                if self._lossy is None or self._lossy(request):
                    fate = self._fate()
                    self.fates[fate] += 1
                else:
                    fate = "passed"
                if fate == "dropped":
                    return
                if fate == "busy":
                    scanner_out.write(BUSY)
                    await scanner_out.drain()
                    continue
                if server is None:
                    server = await asyncio.open_connection(*self.upstream)
                server_in, server_out = server
                if fate == "cut":
                    server_out.write(request[: len(request) - max(1, len(request) // 4)])
                    await server_out.drain()
                    return
                server_out.write(request)
                await server_out.drain()
                answer = await _read_message(server_in)
                if answer is None or fate == "answer_lost":
                    return
                scanner_out.write(answer)
                await scanner_out.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._open.discard(task)
            for writer in (scanner_out, server[1] if server else None):
                if writer is not None:
                    writer.close()


async def _read_message(stream: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 message (its head and a Content-Length body); None when the peer closed first."""
    try:
        head = await stream.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        assert name.strip().lower() != b"transfer-encoding", "the proxy reads Content-Length bodies only"
    return head + await stream.readexactly(length)
