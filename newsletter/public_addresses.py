"""Which IP addresses are on the public internet: one judgement for what is fetched
(public_hosts.py, after resolving) and for the links an email may carry (web_address.py).

Refused: loopback, private (RFC 1918, unique local), link-local, shared (100.64/10), multicast,
unspecified (0.0.0.0 reaches this machine) and reserved or documentation ranges; in IPv6 also
an IPv4 address carried inside one (::ffff:127.0.0.1, 6to4, Teredo, NAT64).  Standard library
only, and no http.client: a send links web_address and must not load the MIME parser.
"""

from __future__ import annotations

import ipaddress

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def not_public(address: str) -> str | None:
    """What kind of address this is when it is not on the public internet, else None."""
    ip = ipaddress.ip_address(address.partition("%")[0])  # fe80::1%eth0: the scope is no part
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return not_public(str(inner))
    if ip.is_loopback:
        return "a loopback address (this machine)"
    if ip.is_unspecified:
        return "the unspecified address (it reaches this machine)"
    if ip.is_link_local:
        return "a link-local address (169.254.169.254 is a cloud machine's metadata)"
    if ip.is_multicast:
        return "a multicast address"
    if any(ip in network for network in _PRIVATE if network.version == ip.version):
        return "a private address (the local network)"
    if not ip.is_global or ip.is_reserved or ip.is_private:
        return "a reserved address (shared, documentation or future use)"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address, as a relay would deliver to it
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None
