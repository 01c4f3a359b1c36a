"""A local webhook receiver for tests: records each POST, failing the first ``failures`` (503 unless
``failure_status`` says otherwise); with ``hold``, each request waits for that event before it is
answered, and ``entered`` is released once per request that arrived."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(
        self,
        failures: int = 0,
        path: str = "/hook",
        *,
        failure_status: int = 503,
        hold: threading.Event | None = None,
    ) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.arrived = threading.Event()
        self.entered = threading.Semaphore(0)
        state = {"failures": failures}
        received, arrived, entered = self.received, self.arrived, self.entered

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                entered.release()
                if hold is not None:
                    hold.wait(30)
                if state["failures"] > 0:
                    state["failures"] -= 1
                    self.send_response(failure_status)
                else:
                    received.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()
                if received:
                    arrived.set()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_entered(self, count: int, timeout_s: float = 10) -> bool:
        """Whether ``count`` requests arrived within the timeout."""
        return all(self.entered.acquire(timeout=timeout_s) for _ in range(count))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
