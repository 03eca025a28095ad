"""Services: which webhook URLs may be posted to: https (http only to loopback in development), public addresses."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from learnapp.services.errors import InvalidRequest
from learnapp.services.operations.deployment import is_local
from learnapp.settings import allowed_origins, get_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedUrl(InvalidRequest):
    code = "webhook_url_refused"


@dataclass(frozen=True)
class Target:
    """Where a post goes: the URL as configured, and the address checked for it (connect there, not elsewhere)."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def check_url(url: str) -> str:
    """The URL as it will be used, or RefusedUrl saying why (when it is added: the address is checked again later)."""
    resolve_target(url)
    return url


def resolve_target(url: str) -> Target:
    """Parse, resolve and check: every address the name resolves to must be allowed (no DNS answer picks a bad one)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise RefusedUrl(f"Not a URL: {error}") from error
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise RefusedUrl("Use an https:// URL with a host name")
    if parts.username or parts.password:
        raise RefusedUrl("Credentials in the URL are refused: the signature authenticates the sender")
    addresses = _resolve(host, port)
    if parts.scheme == "http" and not (_development() and all(a.is_loopback for a in addresses)):
        raise RefusedUrl("Plain http is allowed only to a loopback address while the app's origin is local; use https")
    if not get_settings().webhooks_allow_private:
        for address in addresses:
            if _internal(address):
                raise RefusedUrl(
                    f"{host} resolves to {address}, a private, loopback or link-local address "
                    "(LEARNAPP_WEBHOOKS_ALLOW_PRIVATE=true allows it)"
                )
    return Target(url, parts.scheme, host, port, str(addresses[0]))


def _resolve(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise RefusedUrl(f"{host} does not resolve: {error}") from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not addresses:
        raise RefusedUrl(f"{host} does not resolve")
    return list(dict.fromkeys(addresses))


def _internal(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _internal(address.ipv4_mapped)
    return not address.is_global or address.is_multicast


def _development() -> bool:
    return is_local(allowed_origins()[0])
