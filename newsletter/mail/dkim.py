"""Optional DKIM signing (dkimpy), when newsletter.toml's [dkim] names a domain, selector and key.

The signature covers the headers receivers check, RFC 8058's
List-Unsubscribe and List-Unsubscribe-Post among them (one-click unsubscribe
is honoured only when they are signed).  dkimpy does RSA in pure Python: about
12 ms a message for a 2048-bit key, which caps a signed send near 80 messages
a second (most relays and ESPs can sign for you instead, at no cost here).
"""

from __future__ import annotations

from newsletter.config import Settings
from newsletter.errors import ConfigError, display_path

SIGNED_HEADERS = (
    b"from",
    b"reply-to",
    b"subject",
    b"date",
    b"message-id",
    b"to",
    b"mime-version",
    b"content-type",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
)


class DkimSigner:
    """Signs messages for one domain and selector with one private key."""

    def __init__(
        self, domain: str, selector: str, private_key: bytes, where: str = "dkim.key_file"
    ) -> None:
        self.domain = domain.encode("ascii")
        self.selector = selector.encode("ascii")
        self._key = private_key
        self.where = where

    def __repr__(self) -> str:  # the key stays out of reprs and tracebacks
        return f"DkimSigner(d={self.domain.decode()}, s={self.selector.decode()})"

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature header on top."""
        import dkim

        present = {
            line.split(b":", 1)[0].strip().lower()
            for line in message.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
            if b":" in line
        }
        try:
            signature: bytes = dkim.sign(
                message,
                self.selector,
                self.domain,
                self._key,
                canonicalize=(b"relaxed", b"relaxed"),
                include_headers=[h for h in SIGNED_HEADERS if h in present],
            )
        except (dkim.KeyFormatError, dkim.UnparsableKeyError, dkim.DKIMException) as e:
            raise ConfigError(
                f"{self.where}: cannot sign with this key ({e}); give a PEM RSA private key"
            ) from None
        return signature + message


def dkim_signer(settings: Settings) -> DkimSigner | None:
    """The workspace's signer, or None when [dkim] is not configured."""
    dkim = settings.dkim
    if not dkim.enabled:
        return None
    path = settings.path(dkim.key_file)
    shown = display_path(path)
    try:
        key = path.read_bytes()
    except OSError as e:
        raise ConfigError(
            f"{shown}: cannot read the DKIM key ({e.strerror}); "
            "fix dkim.key_file in newsletter.toml"
        ) from None
    try:
        domain, selector = dkim.domain.encode("ascii"), dkim.selector.encode("ascii")
    except UnicodeEncodeError:
        raise ConfigError(
            f"{settings.source or 'newsletter.toml'}: dkim: domain and selector must be "
            "ASCII (use the punycode form of the domain)"
        ) from None
    return DkimSigner(domain.decode(), selector.decode(), key, where=shown)
