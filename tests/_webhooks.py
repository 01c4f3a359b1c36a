"""A local webhook receiver for tests: records each POST, failing the first ``failures`` (503 unless
``failure_status`` says otherwise); with ``hold``, each request waits for that event before it is
answered, and ``entered`` is released once per request that arrived. With ``tls`` it answers
https on 127.0.0.1, its URL naming ``host`` (which the test resolves to 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class Receiver:
    def __init__(
        self,
        failures: int = 0,
        path: str = "/hook",
        *,
        failure_status: int = 503,
        hold: threading.Event | None = None,
        tls: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
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
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_entered(self, count: int, timeout_s: float = 10) -> bool:
        """Whether ``count`` requests arrived within the timeout."""
        return all(self.entered.acquire(timeout=timeout_s) for _ in range(count))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def self_signed(directory: Path, name: str) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context with a self-signed certificate for ``name`` (a host name or an IP
    address), and the certificate's file, for a client to trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        alternative: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        alternative = x509.DNSName(name)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([alternative]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file
