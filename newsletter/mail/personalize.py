"""From a rendered issue to one message per recipient: `Mailing.message_for(recipient)`.

The shared part (From, Subject, List-Id, both bodies) is built once in
`Mailing`; each recipient costs their header lines (To, Date, Message-ID,
List-Unsubscribe) and their merge values.  When the templates test merge fields
(`{% if subscriber.name %}`), the Mailing holds one message template per
combination of those fields being empty, built once; each reader gets the one
that matches their values.

Per copy, the reader's token is signed once for both unsubscribe links, the Date
line is made once a second, and the message comes with its DATA form for SMTP
(template.py, wire.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from newsletter.config import Settings, split_address
from newsletter.control_chars import one_line_text
from newsletter.mail.headers import (
    address_header,
    date_line,
    header_line,
    message_id,
    phrase_header,
)
from newsletter.mail.template import MessageTemplate, build_message_template
from newsletter.mail.unsubscribe import UnsubscribeLinks, unsubscribe_links
from newsletter.models import RenderedIssue
from newsletter.render.merge_tags import empty_keys

ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058
_ONE_CLICK_LINE = header_line("List-Unsubscribe-Post", ONE_CLICK)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who one copy goes to, with their merge fields."""

    email: str
    name: str = ""  # the full name: the To: line
    fields: Mapping[str, str] = field(default_factory=dict)
    first_name: str = ""


@dataclass(frozen=True, slots=True)
class PersonalMessage:
    """One recipient's message, ready for a transport."""

    recipient: str
    message_id: str
    data: bytes  # CRLF line endings, as SMTP wants them
    envelope_from: str = ""  # MAIL FROM for this copy (a VERP return path); "" = the list's


@dataclass(frozen=True, slots=True)
class Mailing:
    """An issue ready to be personalised: the message template plus what every copy shares."""

    issue_id: str
    template: MessageTemplate  # for a reader with every tested field filled in
    links: UnsubscribeLinks
    domain: str
    tested: frozenset[str] = frozenset()  # merge fields the templates test for emptiness
    variants: Mapping[frozenset[str], MessageTemplate] = field(default_factory=dict)

    def template_for(self, values: Mapping[str, str]) -> MessageTemplate:
        """The message template for a reader with these merge values."""
        if not self.tested:
            return self.template
        return self.variants.get(empty_keys(self.tested, values), self.template)

    def message_for(
        self,
        recipient: Recipient,
        *,
        timestamp: float | None = None,
        web_version: bool = False,
        fixed_id: str | None = None,
    ) -> PersonalMessage:
        """The recipient's message; `web_version` links the public unsubscribe page, no token.

        `fixed_id` gives the Message-ID (local part) when it must repeat: a list copy that a
        crash makes go out twice, or the issue folder's message.eml (also dated `timestamp`).
        """
        mid = f"<{fixed_id}@{self.domain}>" if fixed_id else message_id(self.domain, self.issue_id)
        unsubscribe, list_unsubscribe = self.links.links_for("" if web_version else recipient.email)
        head = b"".join(
            (
                date_line(timestamp),
                header_line("Message-ID", mid),
                address_header("To", recipient.name, recipient.email),
                header_line("List-Unsubscribe", list_unsubscribe),
                _ONE_CLICK_LINE,
            )
        )
        # The reader's own values on one line, as the To: line has them: a NUL or ESC kept in
        # an old SQLite list reached the body as `=00` (control_chars.one_line_text).
        values = {f"field.{k}": one_line_text(str(v)) for k, v in recipient.fields.items()}
        values.update(
            email=recipient.email,
            name=one_line_text(recipient.name),
            first_name=one_line_text(recipient.first_name),
            unsubscribe_url=unsubscribe,
        )
        return PersonalMessage(recipient.email, mid, self.template_for(values).fill(head, values))


def prepare_mailing(rendered: RenderedIssue, issue_id: str, settings: Settings) -> Mailing:
    """Build the shared message once from a rendered issue and the workspace settings."""
    name, address = settings.sender
    head = address_header("From", name or settings.name, address)
    if settings.reply_to:
        head += address_header("Reply-To", *split_address(settings.reply_to))
    head += header_line("Subject", rendered.subject)
    head += phrase_header("List-Id", settings.name, settings.list_identifier)
    template = build_message_template(head, rendered.text, rendered.html)
    variants = {
        empty: build_message_template(head, text, html) for empty, html, text in rendered.variants
    }
    return Mailing(
        issue_id=issue_id,
        template=template,
        links=unsubscribe_links(settings),
        domain=settings.from_domain,
        tested=rendered.tested,
        variants=variants,
    )


def web_values(links: UnsubscribeLinks) -> dict[str, str]:
    """Merge values for the web version and archive: nobody's name, the public unsubscribe page."""
    return {"email": "", "name": "", "first_name": "", "unsubscribe_url": links.web_url}
