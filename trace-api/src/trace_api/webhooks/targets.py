"""Where webhooks may point: https, to public addresses only, unless settings allow otherwise
(by default they do in the embedded single-machine setup only).

A webhook URL is the caller's, but the request is the server's: without these checks an
organisation could make the trace API post to its database, its metadata service or anything
else on its network. The host is resolved and every address it resolves to must be global;
deliveries check again, since a name can resolve elsewhere by then.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from .._settings import ServiceSettings


class UnsafeTarget(ValueError):
    """The URL may not receive deliveries; the message says why."""


def check_target(url: str, settings: ServiceSettings) -> None:
    """Raises :class:`UnsafeTarget` unless ``url`` may receive deliveries under ``settings``."""
    parts = urlsplit(url)
    schemes = ("https", "http") if settings.webhooks_may_use_http else ("https",)
    if parts.scheme not in schemes:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise UnsafeTarget(f"must be an {allowed} URL (http:// needs SUYUAN_WEBHOOK_ALLOW_HTTP)")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"has an invalid port: {exc}") from exc
    if not host:
        raise UnsafeTarget("has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("may not carry credentials; the delivery's signature authenticates it")
    if settings.webhooks_may_reach_private:
        return
    for address in _addresses(host, port or (443 if parts.scheme == "https" else 80)):
        if not address.is_global or address.is_multicast:
            raise UnsafeTarget(
                f"{host} resolves to {address}, a private, loopback, link-local or reserved address "
                "(allowed only with SUYUAN_WEBHOOK_ALLOW_PRIVATE)"
            )


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget(f"host {host} does not resolve: {exc}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise UnsafeTarget(f"host {host} does not resolve")
    return addresses
