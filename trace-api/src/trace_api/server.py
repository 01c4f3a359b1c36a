"""Serving the trace API inside ``suyuan up`` (uvicorn in a background thread) and ``suyuan api``."""

from __future__ import annotations

import threading
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from .errors import Defect


class ServerError(Defect):
    """The API server could not start."""


def start_server(
    app: FastAPI, host: str, port: int, timeout_s: float = 30.0
) -> tuple[str, Callable[[], None]]:
    """Starts uvicorn in a thread; returns its base URL and a function that stops it."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="suyuan-api", daemon=True)
    thread.start()
    started = threading.Event()
    while not started.wait(0.02):  # uvicorn reports readiness by a flag, not an event
        if server.started:
            break
        if not thread.is_alive():
            raise ServerError(f"the API could not listen on {host}:{port} (is the port in use?)")
        timeout_s -= 0.02
        if timeout_s <= 0:
            raise ServerError(f"the API did not start on {host}:{port}")
    bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=30)

    return f"http://{host}:{bound}", stop
