"""Spam wording (a small, documented list) and, on request, a local SpamAssassin score.

The phrases are the ones spam filters and deliverability guides flag most
often in newsletters; a match is a warning, since a news story may quote one.
SpamAssassin runs only with `newsletter check --spamassassin`, only where it
is installed, with network tests off (`-L`): a local run, never required.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsletter.check.email_facts import BuiltEmail
from newsletter.config import Settings

SPAM_PHRASES = (
    "act now",
    "100% free",
    "buy now",
    "cash bonus",
    "click here",
    "click below",
    "double your",
    "earn money",
    "extra income",
    "free money",
    "get paid",
    "100% guaranteed",
    "limited time offer",
    "make money",
    "no obligation",
    "order now",
    "risk-free",
    "risk free",
    "special promotion",
    "this is not spam",
    "you are a winner",
    "you have been selected",
    "$$$",
    "!!!",
)
# One word boundary around all the wordy phrases, not one per phrase: the same matches, seven
# times faster (a per-phrase lookbehind is tried at every character of the body).
_PHRASES = re.compile(
    r"(?<!\w)(?:"
    + "|".join(re.escape(p) for p in SPAM_PHRASES if p[0].isalnum())
    + r")(?!\w)|"
    + "|".join(re.escape(p) for p in SPAM_PHRASES if not p[0].isalnum()),
    re.I,
)
SPAMASSASSIN_SECONDS = 60.0


def spam_wording(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """Phrases spam filters score, in the subject or the body."""
    for name, text in (
        ("Subject", email.subject),
        ("body", email.facts.visible_text),
        ("text part", email.text or ""),
    ):
        found = sorted({m.group(0).lower() for m in _PHRASES.finditer(text)})
        if found:
            yield f"{email.where('message.eml')} ({name}): {', '.join(repr(p) for p in found)}"


def spamassassin_score(message: Path) -> dict[str, Any] | None:
    """SpamAssassin's verdict on message.eml, or None where it is not installed."""
    program = shutil.which("spamassassin")
    if program is None:
        return None
    try:
        done = subprocess.run(
            [program, "-L", "-t", "--cf=report_safe 0"],
            input=message.read_bytes(),
            capture_output=True,
            timeout=SPAMASSASSIN_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return {"error": f"spamassassin did not finish ({e})"}
    return parse_spam_status(done.stdout)


def parse_spam_status(output: bytes) -> dict[str, Any]:
    """Score, threshold and rules from the X-Spam-Status header SpamAssassin adds."""
    head = output.split(b"\n\n", 1)[0].decode("utf-8", "replace")
    m = re.search(
        r"^X-Spam-Status:\s*(Yes|No),\s*score=(-?[\d.]+)\s+required=(-?[\d.]+)"
        r"(?:\s+tests=(.*?))?(?:\s+autolearn|\s+version|$)",
        _unfold(head),
        re.M | re.S,
    )
    if not m:
        return {"error": "spamassassin gave no X-Spam-Status header"}
    tests = [t for t in re.split(r"[,\s]+", m.group(4) or "") if t and t != "none"]
    return {
        "spam": m.group(1) == "Yes",
        "score": float(m.group(2)),
        "required": float(m.group(3)),
        "tests": tests,
    }


def _unfold(head: str) -> str:
    return re.sub(r"\n[ \t]+", " ", head)
