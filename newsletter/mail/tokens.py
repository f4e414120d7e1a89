"""A reader's unsubscribe token: the address sealed with the list's key, opaque to everyone else.

A token travels in every copy's links and `List-Unsubscribe` header: through mail servers,
link scanners, forwards, proxy and browser histories.  The first tokens were
`<address, base64url>.<HMAC>`: signed, but anyone who saw one could read whose it was.  A token
is now `2~<base64url of tag, sealed>`, a deterministic authenticated encryption (the SIV
construction, from HMAC-SHA256 alone):

- `tag` = HMAC(mac key, list id, NUL, padded address), 16 bytes: it binds the token to this
  list and this address, and is the seed of the keystream;
- `sealed` = padded address XOR HMAC-SHA256(encryption key, tag, counter) blocks;
- the address is padded with NULs to a multiple of 32 bytes, so a token tells at most the
  address's length to within 32.

Both keys are derived from the unsubscribe key (the variable, or the one kept in the database),
so nothing new is stored, and the token is still checked without a database look-up: the page,
one-click POST and a mailed `unsubscribe TOKEN` each open it with the key and get the address,
or None when a byte is changed, halves of two tokens are spliced, or it was made for another
list or with another key.  Without the key no address can be recovered from it.

Old tokens (with a `.`) are in issues already sent: they are still verified as before, so
those links keep working.  Nothing makes them any more.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

PREFIX = "2~"  # "~" is unreserved in a URI and not in base64url: no old token has it
_TAG_BYTES = 16
_BLOCK = 32  # the address is padded to a multiple of this (and SHA-256's output is this long)
_MAX_SEALED = 256  # an address is at most 254 ASCII characters (mail_address.py): padded, 256
_LEGACY_SIGNATURE_BYTES = 16
_LEGACY_SIGNATURE_CHARS = 22  # base64url of 16 bytes, unpadded
MAX_TOKEN_CHARS = 400  # the longest token is 365 characters; anything longer is not ours


def normalise_for_token(email: str) -> str:
    """The address as tokens hold it: trimmed, lower-cased."""
    return email.strip().lower()


def sign_token(email: str, secret: bytes, list_id: str) -> str:
    """The reader's opaque token: valid for this list and this address only."""
    address = normalise_for_token(email).encode("utf-8")
    plain = address + b"\0" * (-len(address) % _BLOCK)
    mac, seal = _keys(secret)
    tag = mac.digest(list_id.encode() + b"\0" + plain)[:_TAG_BYTES]
    return PREFIX + _b64(tag + _xor(plain, _keystream(seal, tag, len(plain))))


def verify_token(token: str, secret: bytes, list_id: str) -> str | None:
    """The address a token was made for, or None when it is forged, altered or malformed.

    Never raises: a token that is not ASCII, too long, wrongly padded or the wrong length is
    just invalid.  The tag is compared in constant time.  An old signed token (from an issue
    sent before tokens were sealed) is verified as it always was.
    """
    if (
        not secret
        or not isinstance(token, str)
        or len(token) > MAX_TOKEN_CHARS
        or not token.isascii()
    ):
        return None
    if not token.startswith(PREFIX):
        return _verify_legacy(token, secret, list_id)
    raw = _unb64(token[len(PREFIX) :])
    sealed = raw[_TAG_BYTES:] if raw is not None else b""
    if not sealed or len(sealed) % _BLOCK or len(sealed) > _MAX_SEALED:
        return None
    assert raw is not None
    tag = raw[:_TAG_BYTES]
    mac, seal = _keys(secret)
    plain = _xor(sealed, _keystream(seal, tag, len(sealed)))
    expected = mac.digest(list_id.encode() + b"\0" + plain)[:_TAG_BYTES]
    if not hmac.compare_digest(expected, tag):
        return None
    return _address(plain.rstrip(b"\0"))


def sign_legacy_token(email: str, secret: bytes, list_id: str) -> str:
    """An old-style token, `<address, base64url>.<signature>`, as issues sent before carried.

    Only for tests and tools that must stand for such an issue; the mail never gets one now.
    """
    address = normalise_for_token(email).encode()
    return f"{_b64(address)}.{_b64(_legacy_mac(address, secret, list_id))}"


def _verify_legacy(token: str, secret: bytes, list_id: str) -> str | None:
    encoded, dot, signature = token.partition(".")
    if not dot or not encoded or len(signature) != _LEGACY_SIGNATURE_CHARS:
        return None
    raw, given = _unb64(encoded), _unb64(signature)
    if raw is None or given is None:
        return None  # non-canonical encodings would give one address many tokens
    address = _address(raw)
    if address is None:
        return None
    expected = _legacy_mac(raw, secret, list_id)
    return address if hmac.compare_digest(expected, given) else None


def _address(raw: bytes) -> str | None:
    """The address in a token's bytes, if they are one as a token holds it."""
    try:
        address = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    ok = "@" in address and "\0" not in address and address == normalise_for_token(address)
    return address if ok else None


@dataclass(frozen=True, slots=True)
class _Keyed:
    """HMAC-SHA256 under one key, its two padded hash states made once (RFC 2104): a MAC
    costs two hash copies, not a key set-up (a token is made for every copy sent)."""

    inner: Any  # hashlib sha256 states after the key's pads (never printed)
    outer: Any

    def __repr__(self) -> str:  # the key stays out of reprs and tracebacks
        return "_Keyed(...)"

    def digest(self, data: bytes) -> bytes:
        inner = self.inner.copy()
        inner.update(data)
        outer = self.outer.copy()
        outer.update(inner.digest())
        return bytes(outer.digest())


def _keyed(secret: bytes, label: bytes) -> _Keyed:
    key = hmac.digest(secret, label, "sha256").ljust(64, b"\0")  # one SHA-256 block
    return _Keyed(
        hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))
    )


@lru_cache(maxsize=4)
def _keys(secret: bytes) -> tuple[_Keyed, _Keyed]:
    """The MAC and sealing keys, derived from the unsubscribe key (never the key itself)."""
    return (
        _keyed(secret, b"newsletter unsubscribe token 2: mac"),
        _keyed(secret, b"newsletter unsubscribe token 2: seal"),
    )


def _keystream(seal: _Keyed, tag: bytes, size: int) -> bytes:
    blocks = (seal.digest(tag + n.to_bytes(4, "big")) for n in range(-(-size // _BLOCK)))
    return b"".join(blocks)[:size]


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def _legacy_mac(address: bytes, secret: bytes, list_id: str) -> bytes:
    message = list_id.encode() + b"\0" + address
    return hmac.digest(secret, message, "sha256")[:_LEGACY_SIGNATURE_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes | None:
    """base64url without padding, decoded only when it is the one canonical spelling."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None
    return raw if text and _b64(raw) == text else None
