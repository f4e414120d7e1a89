"""Why a message bounced, in Sisimai's words: `bounce_reason(status, text)` → "userunknown"...

Sisimai (libsisimai.org), the reference bounce analyser, names some thirty
reasons; only a few mean the address itself is gone, and only those are hard
bounces (`Sisimai::SMTP::Error->soft_or_hard`): userunknown, hostunknown,
hasmoved, and notaccept unless its code is 4xx.  Everything else (mailboxfull,
blocked, filtered, policyviolation, spamdetected, securityerror, expired,
toomanyconn, systemerror, onhold, undefined...) is soft: the reader is kept and
`bounce.soft_limit` of them in a row count.

The reasons' text patterns and the status code table come from Sisimai itself
(sisimai_reasons.json, written by tools/gen_sisimai_reasons.pl from Debian's
libsisimai-perl, BSD 2-Clause, Copyright (C) 2014 azumakuniyuki); the order
they are tried in follows `Sisimai::Reason->get`.  Sisimai also has a reader
per mail server that sets some reasons directly, and rules per destination
(Sisimai::Rhost).  Here every report goes through the same text rules, plus
the readers' rules where a report names the server that wrote it: in this
module the code tables keyed by the answering server or the recipient's domain
(`rhost_reason`: au, GoDaddy, Spectrum, Facebook, La Poste/Orange) and those
found in the words (Exchange 2003's MSEXCH codes, InterScan's "Unable to
deliver message to"); in reports.py those keyed by the Reporting-MTA or a
header of the report's own (PowerMTA, MessageLabs, AOL, au, Amazon SES
receiving); in plain_text.py Verizon's formats.  docs/audience.md gives the
agreement with Sisimai on tests/data/bounces/, per half, and on bounces no rule
was written from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

HARD = frozenset({"userunknown", "hostunknown", "hasmoved", "notaccept"})
NOT_BOUNCES = frozenset({"delivered", "feedback", "vacation"})
_RETRY = frozenset(
    {
        "undefined",
        "onhold",
        "systemerror",
        "securityerror",
        "networkerror",
        "hostunknown",
        "userunknown",
    }
)
# `true()` of these reasons in Sisimai adds conditions to "its status code or its text".
_BEFORE_USERUNKNOWN = ("norelaying", "blocked", "mailboxfull", "hasmoved", "rejected", "notaccept")
_LOCAL_MAILER = ("X-UNIX", "X-POSTFIX")  # Diagnostic-Code types of a local mailer's words
_CONTENT_OR_SECURITY = ("5.6", "4.6", "5.7", "4.7")
_BEFORE_DATA = ("CONN", "EHLO", "HELO", "MAIL", "RCPT")
# Sisimai::Lhost::Exchange2003's table: the code in "MSEXCH:IMS:... (000C05A6)" names the reason.
_MSEXCH = re.compile(r"msexch:[^(]{0,200}\(([0-9a-f]{8})\)")
_MSEXCH_CODES = {
    "000b099c": "onhold",
    "000b09aa": "onhold",
    "000b09b6": "onhold",
    "000c05a6": "userunknown",
    "00010256": "systemerror",
    "000d06b5": "systemerror",
    "00120270": "networkerror",
    "00050311": "contenterror",
    "000502cc": "contenterror",
    "000b0981": "securityerror",
    "000c0595": "filtered",
}
# Sisimai::Lhost::InterScanMSS: its "Unable to deliver message to <addr>" is an unknown user
# (MailFoundry's "Unable to deliver message to: <addr>", with a colon, is not).
_INTERSCAN = re.compile(r"unable to deliver message to <")
_ANY_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:@]{1,64}@[^\s<>()\[\]\"',;:@]{1,255}")


@dataclass(frozen=True, slots=True)
class _Reason:
    strings: tuple[str, ...]
    isnot: tuple[str, ...]
    regex: re.Pattern[str] | None

    def match(self, text: str) -> bool:
        if any(s in text for s in self.isnot):
            return False
        if any(s in text for s in self.strings):
            return True
        return self.regex is not None and self.regex.search(text) is not None


@dataclass(frozen=True, slots=True)
class _Tables:
    reasons: dict[str, _Reason]
    order: tuple[tuple[str, ...], ...]
    status: dict[str, str]
    lhost: tuple[tuple[str, _Reason], ...]  # phrases of Sisimai's per-server readers, hard first


@cache
def _tables() -> _Tables:
    data = json.loads(
        resources.files("newsletter.bounces").joinpath("sisimai_reasons.json").read_text("utf-8")
    )
    reasons = {}
    for name, entry in data["reasons"].items():
        pattern = entry["regex"].replace(r"\z", r"\Z")
        flags = re.VERBOSE if entry["verbose"] else 0
        reasons[name] = _Reason(
            tuple(entry["strings"]),
            tuple(entry["isnot"]),
            re.compile(pattern, flags) if pattern else None,
        )
    order = tuple(tuple(names) for names in data["order"])
    lhost = tuple(
        (
            name,
            _Reason(
                tuple(entry.get("strings", [])),
                (),
                re.compile("|".join(entry["regexes"]), re.I) if entry.get("regexes") else None,
            ),
        )
        for name, entry in sorted(data["lhost"].items(), key=lambda e: (e[0] not in HARD, e[0]))
        if name not in ("onhold", "undefined")
    )
    return _Tables(reasons, order, dict(data["status"]), lhost)


@cache
def _anchored_phrases() -> re.Pattern[str] | None:
    """The per-server readers' unknown-user patterns anchored at a line's start."""
    data = json.loads(
        resources.files("newsletter.bounces").joinpath("sisimai_reasons.json").read_text("utf-8")
    )
    anchored = [r for r in data["lhost"]["userunknown"].get("regexes", []) if r"\A" in r]
    return re.compile("|".join(anchored), re.I) if anchored else None


def _anchored_userunknown(text: str) -> bool:
    pattern = _anchored_phrases()
    return pattern is not None and pattern.search(text) is not None


def matches(reason: str, text: str) -> bool:
    """True when lower-cased, space-collapsed `text` reads as `reason` by Sisimai's patterns."""
    found = _tables().reasons.get(reason)
    return found is not None and found.match(text)


def bounce_reason(
    status: str,
    text: str,
    *,
    action: str = "failed",
    command: str = "",
    own_words: bool = False,
    diagnostic_type: str = "",
) -> str:
    """Sisimai's reason for a failure with this status code (`5.1.1`, "") and diagnostic text.

    `command` is the SMTP command the server refused (`RCPT`, `DATA`...) when the report
    says; "" when it does not. `diagnostic_type` is the Diagnostic-Code's type (`SMTP`,
    `X-Unix`...): a local mailer's words (X-Unix, X-Postfix) skip the SMTP-answer rules, and say
    *mailererror* when nothing else names a reason, as `Sisimai::Reason->get` reads them.
    """
    # Addresses out: reports from one server then read alike, and the answer is cached.
    text = _ANY_ADDRESS.sub("x@x", " ".join(text.lower().split())[:20_000])
    return _reason(status, text, action, command, own_words, diagnostic_type.upper())


@lru_cache(maxsize=4096)
def _reason(
    status: str, text: str, action: str, command: str, own_words: bool, diagnostic_type: str
) -> str:
    if status.startswith("2."):
        return "delivered"
    tables = _tables()
    name = tables.status.get(status, "") or _msexch(text)
    smtp = diagnostic_type not in _LOCAL_MAILER  # other types: as SMTP (readers name them)
    for reason in tables.order[0] if smtp else ():
        if _true(reason, name, text, command, status):
            return reason
    if name and name not in _RETRY and name != "expired":
        return name
    for reason in tables.order[1]:
        if matches(reason, text):
            return reason
    if not name and not smtp and status[:3] not in _CONTENT_OR_SECURITY:
        return "mailererror"
    return name or _fallback(status, text, action, command, own_words)


@lru_cache(maxsize=16)  # a report's text is asked once per recipient
def reader_phrase_reason(text: str) -> str:
    """The reason a phrase of one of Sisimai's per-server readers names in `text` ("" for none).

    For a DSN whose fields say nothing (onhold): its human-readable part, which those readers
    search too (G Suite's "because the address couldn't be found"). Only their literal
    sentences: their looser patterns ("No such user") belong to one server's answer field,
    and in a report's prose they misread filters as unknown users.
    """
    text = " ".join(text.lower().split())[:20_000]
    for reason, phrases in _tables().lhost:
        if any(sentence in text for sentence in phrases.strings):
            return reason
    return ""


def _msexch(text: str) -> str:
    found = _MSEXCH.search(text)
    return _MSEXCH_CODES.get(found.group(1), "") if found is not None else ""


def _true(reason: str, name: str, text: str, command: str, status: str) -> bool:
    """Sisimai::Reason::<reason>->true, as far as a report's fields tell it.

    `name` is the reason Sisimai's status table gives the status code ("" for none).
    """
    special = _SPECIAL_TRUE.get(reason)
    if special is not None:
        return special(name, text, command, status)
    if reason == "mailboxfull" and not status:
        return False
    return name == reason or matches(reason, text)


def _userunknown(name: str, text: str, command: str, status: str) -> bool:
    if name == "userunknown":
        return not any(matches(other, text) for other in _BEFORE_USERUNKNOWN)
    # Text alone says "user unknown" only for a refused RCPT: after DATA it is a filter.
    # "RCPT?" and "RCPT??" are the report not saying which (Sisimai's reader of each
    # server's format knows): the guesses below agree with it most on the corpus.
    if command == "RCPT?":  # a server's own words: unless a status code names a reason
        command = "" if name or not status else "RCPT"
    elif command == "RCPT??":  # a DSN's: only with no status, or one Sisimai has no name for
        command = "" if name or status.endswith(".0.0") else "RCPT"
    return name != "suspend" and command == "RCPT" and matches("userunknown", text)


def _filtered(name: str, text: str, command: str, status: str) -> bool:
    if name == "suspend" or (name != "filtered" and command in _BEFORE_DATA):
        return False
    # "User unknown" is a filter's answer when the code says filtered, or the server gave it
    # after DATA (it had accepted the recipient): Sisimai's Filtered->true.
    after_data = name == "filtered" or command == "DATA"
    return matches("filtered", text) or (after_data and matches("userunknown", text))


def _rejected(name: str, text: str, command: str, status: str) -> bool:
    if name == "rejected":
        return True
    if command == "MAIL" or (command == "DATA" and name != "userunknown"):
        return matches("rejected", text)
    vague = name in ("", "onhold", "undefined", "securityerror", "systemerror")
    return vague and matches("rejected", text)


def _hostunknown(name: str, text: str, command: str, status: str) -> bool:
    if name == "hostunknown":
        return not matches("networkerror", text)
    return matches("hostunknown", text)


_SPECIAL_TRUE = {
    "userunknown": _userunknown,
    "filtered": _filtered,
    "rejected": _rejected,
    "hostunknown": _hostunknown,
}


def _fallback(status: str, text: str, action: str, command: str, own_words: bool) -> str:
    if status[:3] in ("5.6", "4.6"):
        return "contenterror"
    if status[:3] in ("5.7", "4.7"):
        return "securityerror"
    if action in ("delayed", "expired"):
        return "expired"
    if command in ("EHLO", "HELO"):
        return "blocked"
    if matches("vacation", text):
        return "vacation"
    # A server's own words (no delivery-status fields): what Sisimai's reader of one
    # server's format knows of them.
    if own_words and _INTERSCAN.search(text):
        return "userunknown"
    for reason, phrases in _tables().lhost if own_words else ():
        if phrases.match(text):
            # Words the general patterns read as an unknown user, with no refused RCPT to
            # say so, are a filter's to Sisimai (Filtered->true), whatever a reader adds.
            # A reader's pattern for its own diagnostic line (anchored: IMail's "Unknown
            # user: ...") is its reader's word, and stands.
            gone = reason == "userunknown" and matches("userunknown", text)
            filtered = gone and command != "RCPT" and not _anchored_userunknown(text)
            return "filtered" if filtered else reason
    return "onhold" if text else "undefined"


# Sisimai::Rhost::GoDaddy: the code GoDaddy's servers end a refusal with, then its phrases.
_GODADDY_HOST = re.compile(r"\A(?:smtp|mailstore1)\.secureserver\.net\Z")
_GODADDY_CODE = re.compile(r"\s(IB\d{3})\b")
_GODADDY_CODES = {
    **dict.fromkeys(("IB103", "IB104", "IB105", "IB106", "IB108"), "blocked"),
    **dict.fromkeys(("IB110", "IB111", "IB112", "IB113"), "blocked"),
    **dict.fromkeys(("IB007", "IB504", "IB510", "IB607"), "toomanyconn"),
    **dict.fromkeys(("IB501", "IB502", "IB506", "IB508"), "rejected"),
    "IB101": "expired",
    "IB212": "spamdetected",
    "IB401": "securityerror",
    "IB705": "virusdetected",
}
_GODADDY_WORDS = (
    ("blocked", "www.spamhaus.org/query/bl?ip="),
    ("blocked", "554 RBL Reject."),
    ("expired", "Delivery timeout"),
    ("expired", "451 Sorry, I wasn't able to establish an SMTP connection."),
    ("suspend", "Account disabled"),
    ("mailboxfull", "Account storage limit"),
    ("userunknown", "Account does not exist"),
    ("userunknown", "550 Recipient not found."),
)


# Sisimai::Rhost::Spectrum: the number in "AUP#In-1310" names the reason (charter.net).
_SPECTRUM_CODE = re.compile(r"AUP#[-A-Za-z]*(\d{4})")
_SPECTRUM_CODES = {
    1000: "blocked",
    1010: "rejected",
    1090: "systemerror",
    1260: "networkerror",
    1500: "rejected",
    1520: "rejected",
    1530: "mesgtoobig",
    1540: "toomanyconn",
    1550: "toomanyconn",
    1560: "policyviolation",
}
_SPECTRUM_RANGES = (
    (1020, 1080, "rejected"),
    (1100, 1150, "blocked"),
    (1160, 1190, "policyviolation"),
    (1200, 1250, "blocked"),
    (1300, 1490, "toomanyconn"),
)


def _spectrum(text: str) -> str:
    found = _SPECTRUM_CODE.search(text)
    number = int(found.group(1)) if found is not None else 0
    named = _SPECTRUM_CODES.get(number, "")
    ranged = (reason for low, high, reason in _SPECTRUM_RANGES if low <= number <= high)
    return named or next(ranged, "")


# Sisimai::Lhost::Facebook: the response code Facebook's servers give (RCP-P2) names the reason.
_FACEBOOK_CODE = re.compile(r"\b([A-Z]{3}-[A-Z]\d)\b")
_FACEBOOK_CODES = {
    **dict.fromkeys(("RCP-P1", "INT-P1", "INT-P3", "INT-P4"), "userunknown"),
    **dict.fromkeys(("RCP-P2", "RCP-P3"), "filtered"),
    **dict.fromkeys(("POL-P1", "POL-P2"), "blocked"),
    **dict.fromkeys(("MSG-P1", "INT-P2"), "mesgtoobig"),
    **dict.fromkeys(("MSG-P2", "MSG-P3", "POL-P6", "POL-P7"), "contenterror"),
    **dict.fromkeys(("POL-P3", "POL-P4", "POL-T1", "POL-T2", "POL-T3"), "notaccept"),
    **dict.fromkeys(("DNS-P1", "DNS-P2", "DNS-T1", "DNS-P3", "DNS-T2"), "rejected"),
    **dict.fromkeys(("CON-T1", "RCP-T1"), "systemerror"),
    **dict.fromkeys(("CON-T2", "CON-T3"), "toomanyconn"),
    "POL-P5": "virusdetected",
    "RCP-T4": "suspend",
}


# Sisimai::Rhost::FrancePTT (laposte.net, orange.fr, wanadoo.fr): the code ending LPN007_416.
_FRANCEPTT_HOST = re.compile(r"(?:\A|[.@])(?:laposte\.net|orange\.fr|wanadoo\.fr)\Z")
_FRANCEPTT_CODE = re.compile(r"\b(?:LPN|LPNAAA|OFR|OUK)(?:_[0-9]{3}|[0-9]{3}[-_][0-9]{3})\b", re.I)
_FRANCEPTT_CODES = {
    **dict.fromkeys(("101", "102", "103", "401", "510", "999"), "blocked"),
    **dict.fromkeys(("305", "402"), "securityerror"),
    **dict.fromkeys(("403", "405", "415", "421"), "rejected"),
    **dict.fromkeys(("416", "418"), "userunknown"),
    **dict.fromkeys(("420", "426"), "suspend"),
    **dict.fromkeys(("517", "630"), "policyviolation"),
    "104": "toomanyconn",
    "417": "mailboxfull",
    "505": "systemerror",
    "506": "spamdetected",
    "514": "mesgtoobig",
}


def _franceptt(text: str) -> str:
    found = _FRANCEPTT_CODE.search(text)
    if found is None:
        return ""
    return _FRANCEPTT_CODES.get(found.group(0)[-3:], "undefined")


def _facebook(text: str) -> str:
    found = _FACEBOOK_CODE.search(text)
    return _FACEBOOK_CODES.get(found.group(1), "") if found is not None else ""


def rhost_reason(recipient: str, rhost: str, text: str) -> str:
    """Sisimai::Rhost's reason for a refusal by one provider's servers ("" for none).

    KDDI (au) is recognised by the recipient's domain, which a report always gives
    (Sisimai: by au's answering server); GoDaddy by the Remote-MTA that answered;
    Spectrum by either naming charter.net, as in Sisimai; Facebook's codes by the
    recipient's facebook.com (Sisimai: by the report's sender, Facebook's mail server);
    La Poste's and Orange's codes by the answering server or the recipient's domain.
    """
    if recipient.endswith(("@ezweb.ne.jp", ".ezweb.ne.jp", "@au.com", ".au.com")):
        if "550 : User unknown" in text:  # au's filter refuses without naming the address
            return "filtered"
        return "userunknown" if ">: User unknown" in text else ""
    if _GODADDY_HOST.match(rhost.strip().lower()):
        code = _GODADDY_CODE.search(text)
        if code is not None:
            return _GODADDY_CODES.get(code.group(1), "")
        return next((reason for reason, words in _GODADDY_WORDS if words in text), "")
    if "charter.net" in recipient.partition("@")[2] or "charter.net" in rhost.lower():
        return _spectrum(text)
    if recipient.endswith("@facebook.com"):
        return _facebook(text)
    if _FRANCEPTT_HOST.search(rhost.strip().lower()) or _FRANCEPTT_HOST.search(recipient):
        return _franceptt(text)
    return ""


def is_hard(reason: str, status: str = "") -> bool:
    """Sisimai's hard bounce: the address is gone (a notaccept with a 4xx code is soft)."""
    if reason == "notaccept":
        return not status.startswith("4")
    return reason in HARD
