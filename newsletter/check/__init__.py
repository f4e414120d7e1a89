"""`newsletter check`: what a reader would receive, checked before anyone receives it.

    email_facts.py     the reader's copy read once from the issue folder (message.eml, index.html)
    content_checks.py  size, plain-text parity, subject, preheader, template leftovers
    markup_checks.py   links, images, lang, unsubscribe, postal address, sender
    spam.py            spam wording; SpamAssassin's score where installed (on request)
    registry.py        every check with its id, severity and fix, in the order they run
    link_status.py     `--links`: every link fetched, concurrently, within deadlines
    run.py             `check_issue`: run them all into a `CheckReport`; `send_gate` for `send`

The CLI (`newsletter check`), the send gate and the preview's Checks tab all
call `check_issue`, so they report the same findings.
"""

from __future__ import annotations

from newsletter.check.report import CheckReport, Finding
from newsletter.check.run import ChecksFailed, check_issue, send_gate

__all__ = ["CheckReport", "ChecksFailed", "Finding", "check_issue", "send_gate"]
