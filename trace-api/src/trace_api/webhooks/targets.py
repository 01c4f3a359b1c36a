"""Where webhooks may point, and connecting there: https, to public addresses only, unless settings
allow otherwise (by default they do in the embedded single-machine setup only).

A webhook URL is the caller's, but the request is the server's: without these checks an
organisation could make the trace API post to its database, its metadata service or anything
else on its network. The host is resolved and every address it resolves to must be global.

Deliveries check again, since a name can resolve elsewhere by then, and connect to exactly the
addresses they checked: a name is resolved once per delivery (:func:`resolve`), never again by
the HTTP client, so a DNS server cannot answer a public address to the check and a private one
to the connection (DNS rebinding). The request keeps the URL's host for the Host header, TLS
server name indication and certificate verification.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from ..settings import ServiceSettings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeTarget(ValueError):
    """The URL may not receive deliveries; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL and the addresses a delivery to it connects to, in order."""

    url: str
    host: str  #: as sent in the Host header and TLS server name (IDNA-encoded)
    port: int
    addresses: tuple[Address, ...]


def check_target(url: str, settings: ServiceSettings) -> None:
    """Raises :class:`UnsafeTarget` unless ``url`` may receive deliveries under ``settings``.

    Where private addresses are allowed the host is not resolved: it may not resolve yet."""
    host, port = _checked_origin(url, settings)
    if not settings.webhooks_may_reach_private:
        _check_addresses(host, resolve(host, port))


def pin_target(url: str, settings: ServiceSettings) -> Target:
    """Checks ``url`` as :func:`check_target` does and returns the addresses it checked."""
    host, port = _checked_origin(url, settings)
    addresses = resolve(host, port)
    if not settings.webhooks_may_reach_private:
        _check_addresses(host, addresses)
    return Target(url, host, port, tuple(addresses))


def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to, in the resolver's order: the one place DNS is asked."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget(f"host {host} does not resolve: {exc}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise UnsafeTarget(f"host {host} does not resolve")
    return list(dict.fromkeys(addresses))


def post_to_target(
    url: str, settings: ServiceSettings, *, content: bytes, headers: dict[str, str], timeout: float
) -> httpx.Response:
    """POSTs to ``url`` at the addresses checked for it; raises UnsafeTarget or httpx.HTTPError.

    Redirects are not followed. A client per delivery: its pool is keyed by address, not name."""
    target = pin_target(url, settings)
    with httpx.Client(transport=PinnedTransport(target), timeout=timeout) as client:
        return client.post(url, content=content, headers=headers)


class PinnedTransport(httpx.HTTPTransport):
    """Connects to the target's checked addresses only, trying each in turn while the connection
    is refused; the request keeps its host for the Host header, SNI and certificate verification.

    An explicit transport also keeps the client off proxies named in the environment, which would
    resolve the name again. The CA bundle is httpx's (``SSL_CERT_FILE`` replaces it)."""

    def __init__(self, target: Target) -> None:
        super().__init__()
        self.target = target

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = (url.raw_host.decode("ascii"), url.port or _default_port(url.scheme))
        if origin != (self.target.host, self.target.port):
            raise httpx.ConnectError(f"{url} is not the target checked, {self.target.url}", request=request)
        refused: httpx.ConnectError | None = None
        for address in self.target.addresses:
            pinned = httpx.Request(
                request.method,
                url.copy_with(host=str(address)),
                headers=request.headers,  # with the Host header of the URL's host
                stream=request.stream,
                extensions={**request.extensions, "sni_hostname": self.target.host},
            )
            try:
                return super().handle_request(pinned)
            except httpx.ConnectError as exc:
                refused = exc
        assert refused is not None, "a target has at least one address"
        raise refused


def _checked_origin(url: str, settings: ServiceSettings) -> tuple[str, int]:
    """The host (IDNA-encoded, as the request sends it) and port of an allowed URL."""
    parts = urlsplit(url)
    schemes = ("https", "http") if settings.webhooks_may_use_http else ("https",)
    if parts.scheme not in schemes:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise UnsafeTarget(f"must be an {allowed} URL (http:// needs SUYUAN_WEBHOOK_ALLOW_HTTP)")
    try:
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"has an invalid port: {exc}") from exc
    if not parts.hostname:
        raise UnsafeTarget("has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("may not carry credentials; the delivery's signature authenticates it")
    try:
        host = httpx.URL(url).raw_host.decode("ascii")
    except httpx.InvalidURL as exc:
        raise UnsafeTarget(f"has an invalid host: {exc}") from exc
    return host, port or _default_port(parts.scheme)


def _check_addresses(host: str, addresses: list[Address]) -> None:
    for address in addresses:
        if not address.is_global or address.is_multicast:
            raise UnsafeTarget(
                f"{host} resolves to {address}, a private, loopback, link-local or reserved address "
                "(allowed only with SUYUAN_WEBHOOK_ALLOW_PRIVATE)"
            )


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
