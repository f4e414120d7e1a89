"""What the welcome says and the message that carries it, made as a list copy of the digest is.

The facts are read when the welcome goes out, not when the reader confirmed: a welcome
left for the next `newsletter run` links the issue that is the latest then.  The message
is the digest's kind of message (mail/personalize.py): one rendering with merge tags, a
keyed Message-ID `<welcome.STAMP@domain>` per reader (a bounce of it proves itself, and a
copy a crash sends twice shows once), List-Unsubscribe, DKIM when configured.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from newsletter.cadence import WEEKDAYS, Cadence
from newsletter.config import Settings
from newsletter.errors import OutputError, display_path
from newsletter.issue.freshness import previous_sent_issue
from newsletter.mail.dkim import dkim_signer
from newsletter.mail.personalize import Recipient, prepare_mailing
from newsletter.mail.reader_stamp import reader_stamps
from newsletter.mail.unsubscribe import unsubscribe_page
from newsletter.models import RenderedIssue
from newsletter.out_folder import require_parent_folder
from newsletter.render.merge_tags import empty_keys, fill_merge_tags
from newsletter.render.welcome import LatestIssue, WelcomeFacts, render_welcome
from newsletter.send.composer import Composer

# The welcome's name in the delivery journal (one row per reader: exactly once) and in its
# Message-IDs.  An issue may not take it (issue/manifest.py).
WELCOME_ID = "welcome"


def cadence_words(plan: Cadence | None) -> str:
    """`every Thursday at 07:00 (Europe/Lisbon)`, `every day at …`; "" without a schedule."""
    if plan is None:
        return ""
    when = {
        "weekly": f"every {WEEKDAYS[plan.anchor.weekday()].capitalize()}",
        "daily": "every day",
        "days": f"every {plan.every} days",
    }[plan.kind]
    return f"{when} at {plan.at.strftime('%H:%M')} ({plan.zone.key})"


def welcome_facts(settings: Settings) -> WelcomeFacts:
    """Who writes, how often, and the newest issue that went out (by run.json or the journal)."""
    latest = previous_sent_issue(settings, dt.date.max)
    return WelcomeFacts(
        name=settings.name,
        writer=settings.sender[0] or settings.name,
        cadence=cadence_words(settings.schedule.plan()),
        latest=LatestIssue(latest[0], latest[1], settings.web_url(latest[0])) if latest else None,
        archive=settings.base_url.rstrip("/") + "/",
    )


def welcome_rendered(settings: Settings) -> RenderedIssue:
    """The welcome as it would go out now, the reader's values left as merge tags."""
    return render_welcome(welcome_facts(settings), settings)


def welcome_composer(settings: Settings, rendered: RenderedIssue | None = None) -> Composer:
    """Everything needed to make any reader's welcome; a bad DKIM key fails here."""
    rendered = rendered or welcome_rendered(settings)
    mailing = prepare_mailing(rendered, WELCOME_ID, settings)
    composer = Composer(
        issue_id=WELCOME_ID,
        subject=rendered.subject,
        folder=settings.workspace,
        envelope_from=settings.bounce.return_path or settings.sender[1],
        mailing=mailing,
        stamps=reader_stamps(mailing.links.secret, mailing.links.list_id),
        signer=dkim_signer(settings),
        verp=settings.bounce.verp,
    )
    composer.message_for(Recipient(settings.sender[1]))
    return composer


def write_welcome_preview(settings: Settings, out: Path, first_name: str = "") -> tuple[Path, ...]:
    """The welcome as a reader named `first_name` ("": none) sees it, written to
    `out`/welcome.html and welcome.txt (each whole or not at all); nothing goes on the network.

    Its unsubscribe link is the public page, without anyone's token (as the web version's).
    """
    rendered = welcome_rendered(settings)
    values = {"email": "", "name": "", "first_name": first_name}
    values["unsubscribe_url"] = unsubscribe_page(settings)
    html, text = rendered.variant(empty_keys(rendered.tested, values))
    files = {
        "welcome.html": fill_merge_tags(html, values, escape_html=True),
        "welcome.txt": fill_merge_tags(text, values, escape_html=False),
    }
    require_parent_folder(out, "--out")
    try:
        out.mkdir(exist_ok=True)
    except OSError as e:
        raise OutputError(f"{display_path(out)}: cannot create ({e.strerror})") from None
    written = []
    for name, content in files.items():
        path = out / name
        partial = out / f".{name}.partial"
        try:
            partial.write_text(content, "utf-8")
            partial.replace(path)
        except OSError as e:
            partial.unlink(missing_ok=True)
            raise OutputError(f"{display_path(path)}: cannot write ({e.strerror})") from None
        written.append(path)
    return tuple(written)
