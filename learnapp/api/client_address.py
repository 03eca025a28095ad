"""API: the client's address for every limit keyed by it: the peer, or behind a trusted proxy the forwarded client."""

from __future__ import annotations

from ipaddress import ip_address

from starlette.requests import HTTPConnection

from learnapp.settings import Network, trusted_proxies

# A forwarded entry that is no address (a proxy's "unknown" or obfuscated name) is kept, but not at any length.
MAX_ENTRY = 64


def client_address(request: HTTPConnection) -> str:
    """The peer's address; when the peer is a trusted proxy, the right-most X-Forwarded-For entry it did not add.

    Walking from the right, every entry a trusted proxy appended is skipped; the first untrusted one is the
    address that connected to our outermost proxy. Entries to its left came from the client and prove nothing.
    """
    peer = request.client.host if request.client else "unknown"
    proxies = trusted_proxies()
    if not proxies or not _is_trusted(peer, proxies):
        return peer
    hops = [hop.strip() for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    hops = [hop for hop in hops if hop]
    for hop in reversed(hops):
        if not _is_trusted(hop, proxies):
            return hop[:MAX_ENTRY]
    # Only proxies on the way (a health check from the proxy itself): the farthest one is the client.
    return hops[0][:MAX_ENTRY] if hops else peer


def _is_trusted(host: str, proxies: tuple[Network, ...]) -> bool:
    try:
        address = ip_address(host)
    except ValueError:
        return False
    # A dual-stack server sees IPv4 peers as ::ffff:a.b.c.d; the operator lists them as a.b.c.d.
    mapped = getattr(address, "ipv4_mapped", None)
    return any(address in network or (mapped is not None and mapped in network) for network in proxies)
