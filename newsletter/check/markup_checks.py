"""Checks of the markup and the law: links, images, lang, unsubscribe, postal address, sender.

Each function yields one line per problem, saying where (index.html:line or
the setting); registry.py gives each its id, severity and fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from newsletter.check.email_facts import BuiltEmail, Image, Link, fold, urls_in
from newsletter.check.report import Problem
from newsletter.config import Settings, setting_where
from newsletter.control_chars import quoted
from newsletter.errors import display_path

# Link shorteners hide where a link goes; spam filters score them, readers distrust them.
SHORTENERS = frozenset(
    {
        "bit.ly",
        "bitly.com",
        "tinyurl.com",
        "t.co",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "rebrand.ly",
        "cutt.ly",
        "shorturl.at",
        "tiny.cc",
        "lnkd.in",
        "rb.gy",
        "t.ly",
        "s.id",
        "v.gd",
        "bl.ink",
        "short.io",
        "qr.ae",
    }
)
_PLACEHOLDER_HREFS = ("", "#", "http://", "https://", "http:", "https:", "mailto:", "about:blank")
# Whole words only: "theindependentbd.com" holds "tbd" and "mastodon.social" "todo", both real.
_PLACEHOLDER_WORDS = re.compile(
    r"(?<![a-z0-9])(?:todo|tbd|fixme|xxx|example\.invalid|your[-_]?link)(?![a-z0-9])", re.I
)


def _placeholder(href: str) -> bool:
    return href.strip().lower() in _PLACEHOLDER_HREFS or bool(_PLACEHOLDER_WORDS.search(href))


def _absolute(href: str) -> bool:
    parts = urlsplit(href)
    if parts.scheme in ("http", "https"):
        return bool(parts.hostname) and " " not in href
    return parts.scheme == "mailto" and "@" in parts.path


def links_placeholder(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """A link that is empty or a placeholder: `#`, `http://`, `TODO`…"""
    for link in email.facts.links:
        if _placeholder(link.href):
            yield f"{email.where('index.html', link.line)}: {_link(link)}"


def links_relative(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """A link that is not an absolute http(s) or mailto URL (relative, javascript:, file:…)."""
    for link in email.facts.links:
        if not _placeholder(link.href) and not _absolute(link.href):
            yield f"{email.where('index.html', link.line)}: {_link(link)}"


def _link(link: Link) -> str:
    """A link as a finding names it: its text and its address, each quoted."""
    return f"link {quoted(link.text)} → {quoted(link.href)}"


def links_shortened(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """A link through a URL shortener."""
    for link in email.facts.links:
        host = (urlsplit(link.href).hostname or "").lower().removeprefix("www.")
        if host in SHORTENERS:
            yield f"{email.where('index.html', link.line)}: {link.href} goes through {host}"


def _img(image: Image) -> str:
    return f'<img src="{image.src or ""}">'


def images_without_alt(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """An image with no alt text: screen readers read its file name, a blocked one says nothing.

    An empty alt counts as none (MJML writes alt="" for an mj-image without one) unless the
    image says it is decorative (role="presentation", aria-hidden="true", a 1×1 pixel).
    """
    for image in email.facts.images:
        if image.alt is None:
            yield f"{email.where('index.html', image.line)}: {_img(image)} has no alt"
        elif not image.alt.strip() and not image.decorative:
            yield f"{email.where('index.html', image.line)}: {_img(image)} has an empty alt"


def images_not_absolute(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """An image whose src is missing, relative, data:/cid: or plain http (mail clients block
    those, or warn about the whole message)."""
    for image in email.facts.images:
        src = (image.src or "").strip()
        parts = urlsplit(src)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            yield f'{email.where("index.html", image.line)}: <img src="{src}"> is not absolute'
        elif parts.scheme == "http":
            yield f'{email.where("index.html", image.line)}: <img src="{src}"> is not https://'


def images_without_width(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """An image with no width: Outlook shows it at its full pixel size."""
    for image in email.facts.images:
        if not (image.width or "").strip() and "width" not in image.style.replace("max-width", ""):
            yield f"{email.where('index.html', image.line)}: {_img(image)} has no width"


def lang_missing(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """The HTML does not say its language: screen readers guess the pronunciation."""
    if not email.facts.lang:
        yield f"{email.where('index.html')}: <html> has no lang attribute"
    elif email.facts.lang.lower() == "und":  # what MJML writes when <mjml> has no lang
        yield f'{email.where("index.html")}: <html lang="und">: the language is undetermined'


def _unsubscribe_link(email: BuiltEmail) -> bool:
    return any(
        "unsubscribe" in (link.text + " " + link.href).lower() and _absolute(link.href)
        for link in email.facts.links
    )


def unsubscribe_not_visible(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """No visible unsubscribe link in the HTML, or none in the plain text."""
    if not _unsubscribe_link(email):
        yield f'{email.where("index.html")}: no link saying "Unsubscribe"'
    if email.text is not None:
        lines = email.text.lower().split("\n")
        if not any("unsubscribe" in line and urls_in(line) for line in lines):
            yield f'{email.where("index.txt")}: no "Unsubscribe: <url>" line'


def one_click_missing(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """The RFC 8058 one-click headers are missing, or do not point at an https page."""
    value = email.header("List-Unsubscribe")
    https = [u for u in re.findall(r"<([^>]*)>", value) if u.startswith("https://")]
    if not https:
        shown = value or "absent"
        yield f"{email.where('message.eml')}: List-Unsubscribe has no https URL ({shown})"
    if email.header("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click":
        yield f"{email.where('message.eml')}: no List-Unsubscribe-Post: List-Unsubscribe=One-Click"
    if not settings.base_url.startswith("https://"):
        shown = settings.source or "newsletter.toml"
        yield f"{shown}: base_url {quoted(settings.base_url)} is not https"


def postal_address_missing(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """No postal address (CAN-SPAM requires one), or the email does not show it."""
    address = fold(settings.postal_address)
    if not address:
        yield f"{settings.source or 'newsletter.toml'}: postal_address is not set"
        return
    if address not in email.facts.visible_text:
        yield f"{email.where('index.html')}: does not show the postal address"
    if email.text is not None and address not in fold(email.text):
        yield f"{email.where('index.txt')}: does not show the postal address"


def sender_unsigned(email: BuiltEmail, settings: Settings) -> Iterator[str | Problem]:
    """From is not at a domain this workspace signs (DKIM) for (its key: dkim_key_missing)."""
    sender = email.header("From")
    domain = sender.rpartition("@")[2].strip(" >").lower()
    dkim = settings.dkim
    if not dkim.enabled:
        yield f"From {sender}: DKIM is not configured ([dkim] in newsletter.toml)"
    elif not (domain == dkim.domain.lower() or domain.endswith("." + dkim.domain.lower())):
        yield Problem(
            f"From {sender}: the domain {domain} is not under dkim.domain {dkim.domain}",
            f"set dkim.domain to {domain} (with a key published for it), or send From an "
            f"address at {dkim.domain}",
        )


def dkim_key_missing(email: BuiltEmail, settings: Settings) -> Iterator[str | Problem]:
    """[dkim] is set but its key file is not there: the send would refuse, so it is an error.

    Found by a new user: `check` said "ready to send" with one warning, then `send` stopped
    at "cannot read the DKIM key". The key is read at every send, so the gate says it first.
    """
    dkim = settings.dkim
    if dkim.enabled and not (key := settings.path(dkim.key_file)).is_file():
        shown = display_path(key)
        yield Problem(
            f"{setting_where(settings, 'dkim.key_file')}: dkim.key_file {quoted(dkim.key_file)}: "
            "no such file (the send cannot sign without it)",
            f"put the DKIM private key at {shown}, or point dkim.key_file in newsletter.toml "
            "at the file that holds it",
        )
