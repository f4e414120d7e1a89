"""Web origins (`https://www.example.org`): one spelling for `allowed_origins` and browsers.

A browser's `Origin` header is scheme, host and port, nothing else: lower case, the default
port left out, the host in ASCII (an IDN as punycode).  `parse_origin` reads a setting into
exactly that form, or says what is wrong with it; `origin_of` gives a `Referer` URL's origin,
to compare the same way when a browser sent no `Origin`.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from newsletter.control_chars import quoted

_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def parse_origin(text: str) -> str:
    """`https://WWW.Example.org:443/` → `https://www.example.org`; ValueError says what is wrong.

    Scheme (http or https), host and an optional port only: a path, a query, a user name or a
    wildcard is refused (the server compares whole origins, so they could never match).
    """
    value = text.strip()
    if "://" not in value:
        raise ValueError(f"{quoted(text)} is not an origin: write it as https://www.example.org")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError(
            f"{quoted(text)} is not an origin (its port is not a number from 1 to 65535)"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(
            f"{quoted(text)}: the scheme must be https:// (or http://), not {scheme}://"
        )
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{quoted(text)}: an origin has no user name; write only scheme and host")
    if parts.path not in ("", "/") or parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValueError(
            f"{quoted(text)}: an origin is scheme, host and port only, no path, query or "
            f"fragment; write {scheme}://{parts.netloc}"
        )
    host = _host(parts.hostname or "", text)
    if port == 0:
        raise ValueError(f"{quoted(text)} is not an origin (port 0)")
    shown_port = f":{port}" if port is not None and port != _DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{shown_port}"


def origin_of(url: str) -> str | None:
    """The origin of a URL as a browser would send it (a `Referer`'s), or None if it has none."""
    try:
        return parse_origin(_without_path(url))
    except ValueError:
        return None


def _without_path(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url


def _host(hostname: str, text: str) -> str:
    """The host in the form a browser's `Origin` carries: lower case, ASCII, IPv6 in brackets."""
    if not hostname:
        raise ValueError(f"{quoted(text)} has no host; write it as https://www.example.org")
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        pass
    else:
        return f"[{address.compressed}]" if address.version == 6 else address.compressed
    try:
        ascii_host = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError(f"{quoted(text)}: {quoted(hostname)} is not a host name") from None
    labels = ascii_host.removesuffix(".").split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(
            f"{quoted(text)}: {quoted(hostname)} is not a host name (letters, digits, hyphens "
            "and dots; "
            "no wildcard: list each site)"
        )
    return ascii_host.removesuffix(".")
