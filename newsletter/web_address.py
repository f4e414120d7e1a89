"""What a link or an image address in an email may be: one rule for the sources and the manifest.

A source's URL is written into the manifest, then into the `href` and `src` of every
reader's copy.  A feed is not the editor's: its link may hold a quote and a space, a
control character, or `%%email%%`.  `web_address` is applied where a URL is read (feed,
front matter, headline line, Markdown, manifest), so what the build writes into the
manifest is what the manifest reader accepts, and what the email carries is one plain URL:

- absolute `http://` or `https://` with a host; images `https://` only (a mail program
  warns about, or blocks, an image over plain http);
- no control character (a line break in a URL ends a header or a line of the text part), lone
  surrogate or noncharacter (control_chars.py's one-line rule);
- characters a URL cannot hold (space, `"`, `<`, `>`, `\\`, `^`, backtick, `{`, `|`, `}`)
  and a `%` that starts no `%XX` escape are percent-encoded, so `%%email%%` becomes
  `%25%25email%25%25`: nothing a merge step would read as a tag.

Applying it twice gives the same address.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from newsletter.control_chars import control_character, quoted
from newsletter.public_addresses import not_public

# Everything a URL may hold as it is (RFC 3986's reserved and unreserved characters), plus
# non-ASCII letters (an IRI: browsers encode them); everything else is encoded.
_NEEDS_ENCODING = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]|%(?![0-9A-Fa-f]{2})")
# Spaces, format characters (bidi overrides), private, surrogate and unassigned code points.
_INVISIBLE = ("Zs", "Zl", "Zp", "Cf", "Co", "Cs", "Cn")


class AddressError(ValueError):
    """A link or image address that cannot go into an email; the message says why."""


def web_address(url: str, *, image: bool = False) -> str:
    """The address as the email will carry it, or AddressError saying what is wrong with it."""
    url = url.strip()
    found = control_character(url)  # a lone surrogate or a noncharacter too: not text
    if found is not None:
        raise AddressError(f"{quoted(url)} holds the control character {found} (a line break...)")
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    wanted = ("https",) if image else ("http", "https")
    if scheme == "http" and image:
        raise AddressError(
            f"{quoted(url)} is http://: images must be https:// (mail programs block or warn "
            "about images over plain http)"
        )
    if scheme not in wanted or not url[len(scheme) :].startswith("://"):
        kind = "an absolute https:// URL" if image else "an absolute http(s) URL"
        raise AddressError(f"{quoted(url)} is not {kind}")
    encoded = _NEEDS_ENCODING.sub(_encode, url)
    try:
        parts = urlsplit(encoded)
        host, _port = parts.hostname, parts.port  # a bad port or IPv6 literal raises here
    except ValueError:
        host = None
    if not host:
        raise AddressError(f"{quoted(url)} has no valid host name (and port)")
    return encoded


def _encode(m: re.Match[str]) -> str:
    c = m.group(0)
    if c != "%" and ord(c) > 0x7F and unicodedata.category(c) not in _INVISIBLE:
        return c
    return quote(c, safe="")


def reader_address(url: str) -> str:
    """A feed's link or image (already a `web_address`) as a reader's copy may carry it, or
    AddressError: a feed is not the editor's, and the email is opened on readers' machines.

    The host is first made the ASCII name the email will carry (IDNA, which maps full-width
    digits, circled digits and ideographic dots to plain ones: `１９２。１６８。１。１` is
    192.168.1.1); the rules below are checked on that name, and the URL written with it:

    - a host on the reader's own machine or network (loopback, private, link-local…: an IP
      literal in any form a browser reads, `http://2130706433/`, `http://0x7f.1/` and an
      IPv4 address inside an IPv6 one included, or `localhost`) is refused: a link there is a
      request to their router or a local admin page, an image one their mail program makes
      unasked (`public_addresses.not_public`, the rule feeds are fetched by);
    - a percent-encoded host (`loc%61lhost`: browsers decode it) and a user name before the
      host (`https://www.paypal.com@evil.example/`: shows one site, opens another) are refused;
    - a host in another script is written in its ASCII form (`xn--…`), as mail programs and
      browsers show it, so `раураl.com` cannot pass for `paypal.com` in the text part.
    """
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise AddressError(
            f"{quoted(url)} has a user name before its host (what is shown before '@' is not "
            "the site it opens)"
        )
    host = parts.hostname or ""
    if "%" in host:  # a browser decodes it: 127.0.0.1%2e, an encoded invisible character
        raise AddressError(f"{quoted(url)} has a percent-encoded host name (browsers decode it)")
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        raise AddressError(f"{quoted(url)} has a host name no mail program can look up") from None
    if _on_readers_network(ascii_host):
        raise AddressError(f"{quoted(url)} points into the reader's own machine or network")
    if host.isascii():
        return url
    port = f":{parts.port}" if parts.port is not None else ""
    return urlunsplit(parts._replace(netloc=ascii_host + port))


# Names that mean a machine on the reader's own network, never the public internet: RFC 6761's
# localhost, mDNS's .local (RFC 6762), .home.arpa (RFC 8375), ICANN's reserved .internal, and
# the suffixes routers and distributions hand out (.lan, .localdomain, fritz.box's .box ...).
_LOCAL_ONLY = frozenset(
    {"localhost", "local", "internal", "lan", "localdomain", "intranet", "home", "corp", "box"}
)


def _on_readers_network(host: str) -> bool:
    """True for an ASCII host that is this machine or its network, as a reader's browser
    reads it (WHATWG's URL standard: a host ending in a number is an IPv4 address)."""
    host = host.lower()
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        address = _browser_ipv4(host) or ""
    if address:
        return not_public(address) is not None
    name = host.rstrip(".")
    # One label ('router', 'wpad', 'ip6-localhost') or a local-only suffix: the reader's network.
    if "." not in name or name.rsplit(".", 1)[-1] in _LOCAL_ONLY or name.endswith(".home.arpa"):
        return True
    return any(not_public(address) is not None for address in _spelt_addresses(name))


# An IPv4 address spelt inside a name, its parts joined by dots or hyphens: wildcard DNS
# services answer such a name with that address (`127.0.0.1.nip.io`, `app-10-0-0-1.sslip.io`,
# `192.168.1.1.traefik.me`), so a link to it opens the reader's own machine or router though
# its name is public.  And an IPv6 address in one label, `--` for `::` (sslip.io's `--1`).
_SPELT_IPV4 = re.compile(
    r"(?<![^.-])([0-9]{1,3})[.-]([0-9]{1,3})[.-]([0-9]{1,3})[.-]([0-9]{1,3})(?![^.-])"
)


def _spelt_addresses(name: str) -> list[str]:
    """The IP addresses a name spells in its labels, as wildcard DNS services read them (the
    build looks no name up: a lookup of every feed link is a request behind the editor's
    back; a name that resolves into a network without spelling it is not found)."""
    found = []
    for parts in _SPELT_IPV4.findall(name):
        with contextlib.suppress(ValueError):
            found.append(str(ipaddress.IPv4Address(".".join(str(int(p)) for p in parts))))
    for label in name.split("."):
        if "--" in label and not label.startswith("xn--"):
            with contextlib.suppress(ValueError):
                found.append(str(ipaddress.IPv6Address(label.replace("-", ":"))))
    return found


def _browser_ipv4(host: str) -> str | None:
    """The IPv4 address a browser reads `host` as (`2130706433`, `0x7f.1`, `0177.1`, `0x`),
    or None for a name (or a number no browser opens)."""
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if _ipv4_number(labels[-1]) is None:
        return None  # a name: it does not end in a number
    numbers = [_ipv4_number(label) for label in labels]
    if len(numbers) > 4 or any(n is None for n in numbers):
        return None  # a browser refuses it as an invalid address
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    value = values[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(values[:-1]))
    return str(ipaddress.IPv4Address(value))


def _ipv4_number(label: str) -> int | None:
    """One part of a browser's IPv4 address: decimal, `0x` hex or `0` octal; None if not."""
    radix = 10
    if label[:2].lower() == "0x":
        label, radix = label[2:], 16
    elif len(label) > 1 and label.startswith("0"):
        label, radix = label[1:], 8
    if not label:
        return 0 if radix != 10 else None
    digits = "0123456789abcdef"[:radix]
    return int(label, radix) if all(c in digits for c in label.lower()) else None


def address_host(address: str) -> str:
    """The host of an http(s) address, `www.` aside, as an outlet is named by it; "" for
    anything else (another scheme, no host, a malformed address)."""
    try:
        parts = urlsplit(address.strip())
        host = parts.hostname if parts.scheme in ("http", "https") else None
    except ValueError:  # a malformed address names no host
        host = None
    return host.removeprefix("www.") if host else ""


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


def unfetched_source(source: str) -> str | None:
    """Why a source written as an address other than http(s) is not read, or None (a path, or
    an http(s) feed).  Said of the source exactly as written: `file:///etc/passwd` as a path
    would print as `file:/etc/passwd`, a file nobody named."""
    if not _SCHEME.match(source) or source.lower().startswith(("http://", "https://")):
        return None
    why = "only http:// and https:// feeds are fetched"
    if source.lower().startswith("file://"):
        return f"{why}; for a file on this machine give its path ({urlsplit(source).path})"
    return why


# A password before the host (`https://news:hunter2@feeds.example.org/`), and a query value
# whose name says it is a credential (`?token=…`, `&api_key=…`, `&sig=…`): a private feed's
# address carries them, and a message or a report line is read on screen and kept in logs.
# The match starts at the `:/` after a scheme, whatever the scheme (from every `.` of
# `a.a.a…://` a match starting at the scheme was tried again: 16 KB took 4 s), and one slash
# or more follows it (`http:/news:hunter2@…`, a path to a shell, still names the password).
_USER_PASSWORD = re.compile(r"(:/+[^\s/?#@:]*:)[^\s/?#]*@")
# A user name alone before the host is how some private feeds carry their token
# (`https://3f9a…@feeds.example.org/`): shown as `***@`.
_USER_ALONE = re.compile(r"(:/+)[^\s/?#@:]+@")
# ...but not a database's: in `postgresql://news@db/letters` (or a mistyped `postgresq://`,
# `postgresql:/news@…`) the user is a login name, never a credential (libpq takes none
# there), and a message hiding it hid the typo it was about.  Looked for in the 24
# characters before the `:/`, so the mask stays linear.
_DATABASE_SCHEME = re.compile(r"(?i)(?<![a-z0-9+.\-])postgres[a-z0-9+.\-]{0,12}$")
# A parameter's name ends at a separator (`?`, `&`, `;`, `#`), and so does a value that is
# no credential: `?a=1;token=…` is two parameters to a server splitting at `;`, and the
# first's value once hid the second from the mask.  A credential's value runs to the next
# `&`, `#` or space (`token=ab;cd` is one value to a server splitting at `&` only).
_QUERY_PAIR = re.compile(r"([?&;#])([^=&#;?\s]+)=([^&#;\s]*)")
_SECRET_VALUE_STOP = re.compile(r"[&#\s]")
# Punctuation that ends a credential's value when a space (or the end) follows it: the list's
# comma, the message's colon, the sentence's full stop, a closing bracket or quote.
_CLOSING = frozenset(",:;.)]'\"")
_SECRET_WORDS = ("token", "key", "secret", "pass", "pwd", "auth", "sig", "session", "credential")
# Names that are a credential whole, too short to look for inside other names.
_SECRET_NAMES = frozenset({"pw", "sid", "jwt", "bearer", "otp"})
# A name is percent-decoded this many times at most (a server decodes it once; a proxy in
# front may have decoded it once more): `%2525…` 10,000 deep took a pass each.
_DECODINGS = 3
HIDDEN_VALUE = "***"


def without_address_secrets(text: str) -> str:
    """`text` with the password of every address in it (`user:***@`, a user name alone but a
    database's: `***@`) and the value of every query or fragment parameter named as a credential
    (`?token=***`, `api%5Fkey=***`, `;jsessionid=***`, `#auth=***`) masked, as the
    `database` URL is shown (database_url.py): the rest of the address stays, so the editor
    still sees which feed it is.  Linear in the length of `text`."""
    if ":/" not in text and "=" not in text:
        return text
    text = _USER_PASSWORD.sub(rf"\1{HIDDEN_VALUE}@", text)
    text = _USER_ALONE.sub(lambda m: _user_alone_masked(text, m), text)
    if "=" not in text:
        return text
    shown: list[str] = []
    at = 0
    while pair := _QUERY_PAIR.search(text, at):
        shown.append(text[at : pair.start()])
        at = pair.end()
        if pair.group(3) and _is_secret(pair.group(2)):
            stop = _SECRET_VALUE_STOP.search(text, pair.start(3))
            at = stop.start() if stop else len(text)
            while (stop is None or stop.group().isspace()) and (
                at > pair.start(3) and text[at - 1] in _CLOSING
            ):
                at -= 1  # `…?key=X, https://…`, `…?key=X: the server…`: the text's, kept
            shown.append(f"{pair.group(1)}{pair.group(2)}={HIDDEN_VALUE}")
        else:
            shown.append(pair.group(0))
    shown.append(text[at:])
    return "".join(shown)


def _user_alone_masked(text: str, user: re.Match[str]) -> str:
    """`:/***@`, or the user as written after a database's scheme (`postgresql://news@`)."""
    if _DATABASE_SCHEME.search(text, max(0, user.start() - 24), user.start()):
        return user.group()
    return f"{user.group(1)}{HIDDEN_VALUE}@"


def shown_feed_names(addresses: Iterable[str]) -> dict[str, str]:
    """Each feed address's name in the built issue (its items' `source`): masked
    (`without_address_secrets`), and told apart from an earlier one masked alike with `(2)`,
    `(3)`, in the order given: two private feeds at one address with different tokens were
    one name, so a section listing either took both feeds' items."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for address in dict.fromkeys(addresses):
        shown = without_address_secrets(address)
        name, n = shown, 1
        while name in taken:
            n += 1
            name = f"{shown}({n})"
        names[address] = name
        taken.add(name)
    return names


# A secret shorter than this is not looked for in a feed's own text (a password "news"
# would mask the word wherever the feed says it).
_ECHOED_SECRET_CHARS = 8


def address_secret_values(address: str) -> frozenset[str]:
    """The secrets `without_address_secrets` masks in `address` (its password or user name
    before the host, each credential parameter's value), as written and percent-decoded, of
    at least `_ECHOED_SECRET_CHARS` characters: what a private feed's server may write back
    into the items it serves (a tokenised link), to be masked there too."""
    found: set[str] = set()
    if (m := _USER_PASSWORD.search(address)) or (m := _USER_ALONE.search(address)):
        found.add(address[m.end(1) : m.end() - 1])
    at = 0
    while pair := _QUERY_PAIR.search(address, at):
        at = pair.end()
        if pair.group(3) and _is_secret(pair.group(2)):
            stop = _SECRET_VALUE_STOP.search(address, pair.start(3))
            at = stop.start() if stop else len(address)
            found.add(address[pair.start(3) : at])
    found |= {unquote(v) for v in found}
    return frozenset(v for v in found if len(v) >= _ECHOED_SECRET_CHARS)


def _is_secret(name: str) -> bool:
    """Whether a parameter's name (percent-decoded as a server reads it) names a credential."""
    for _ in range(_DECODINGS):
        decoded = unquote(name)
        if decoded == name:
            break
        name = decoded
    else:
        if "%" in name:  # still encoded after as many decodings as any server does: a disguise
            return True
    lowered = name.lower()
    return lowered in _SECRET_NAMES or any(word in lowered for word in _SECRET_WORDS)
