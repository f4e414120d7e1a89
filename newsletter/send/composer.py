"""From a built issue to each recipient's final message bytes (DKIM-signed when configured).

The message is the one the build wrote: issues/<id>/merge.eml (and its
merge.empty=*.eml variants), loaded once byte for byte as a template with the
`BuiltIssue` (checked against the build's hashes), with no MIME parsing and
nothing rendered again; each recipient costs their header lines (To, Date,
Message-ID, List-Unsubscribe), their merge values and, with DKIM, a signature.
The shared headers and bodies carry the settings of the build, so an issue whose
shared settings changed since (built-with.json) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsletter.config import Settings
from newsletter.issue.build_record import check_settings_drift
from newsletter.issue.built import BuiltIssue, read_built_issue
from newsletter.mail.dkim import DkimSigner, dkim_signer
from newsletter.mail.personalize import Mailing, PersonalMessage, Recipient
from newsletter.mail.reader_stamp import ReaderStamps, reader_stamps, verp_address
from newsletter.mail.unsubscribe import unsubscribe_links


@dataclass(frozen=True, slots=True)
class Composer:
    """Everything needed to make any recipient's message of one issue."""

    issue_id: str
    subject: str
    folder: Path
    envelope_from: str  # MAIL FROM: bounces come back here
    mailing: Mailing
    stamps: ReaderStamps
    signer: DkimSigner | None = None
    verp: bool = False  # `[bounce] verp`: each list copy's envelope sender carries its stamp

    def message_for(self, recipient: Recipient, *, list_copy: bool = False) -> PersonalMessage:
        """The recipient's message as it goes on the wire.

        A `list_copy` (the send to the list) has a Message-ID made from the issue, the
        address and the workspace key (mail/reader_stamp.py): a bounce quoting it proves it
        is ours, and should a kill -9 make a message in flight go out twice, the reader's
        mail program sees the same message twice and shows it once.  Test copies get fresh
        ids, and bounces of them prove nothing.
        """
        fixed_id = None
        envelope = self.envelope_from
        if list_copy:
            fixed_id = self.stamps.stamp(self.issue_id, recipient.email)
            if self.verp:
                envelope = verp_address(self.envelope_from, fixed_id)
        message = self.mailing.message_for(recipient, fixed_id=fixed_id)
        data = message.data if self.signer is None else self.signer.sign(message.data)
        return PersonalMessage(message.recipient, message.message_id, data, envelope)


def prepare_issue(built: BuiltIssue | Path, settings: Settings) -> Composer:
    """Get a built issue's message ready; errors name the file and what to do.

    `built`: the issue as loaded once for the command, or its folder (read here).
    SettingsDriftError when the shared settings changed since the build.
    """
    if isinstance(built, Path):
        built = read_built_issue(built)
    check_settings_drift(built.folder, settings, built.record)
    variants = built.variants
    links = unsubscribe_links(settings)
    composer = Composer(
        issue_id=built.issue.id,
        subject=built.record.subject,
        folder=built.folder,
        envelope_from=settings.bounce.return_path or settings.sender[1],
        mailing=Mailing(
            issue_id=built.issue.id,
            template=built.template,
            links=links,
            domain=settings.from_domain,
            tested=frozenset().union(*variants),
            variants=variants,
        ),
        stamps=reader_stamps(links.secret, links.list_id),
        signer=dkim_signer(settings),
        verp=settings.bounce.verp,
    )
    # A bad key or header fails here, not mid-send.
    composer.message_for(Recipient(settings.sender[1]))
    return composer
