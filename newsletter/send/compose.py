"""From a built issue folder to each recipient's final message bytes (DKIM-signed when configured).

The MIME message is built once from issues/<id>/merge.eml (nothing is
re-rendered); each recipient costs a few header lines, their merge values
and, with DKIM, a signature.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from newsletter.config import Settings
from newsletter.issue_folder import read_built_issue
from newsletter.mail.personalize import Mailing, PersonalMessage, Recipient, prepare_mailing
from newsletter.send.dkim import DkimSigner, dkim_signer


@dataclass(frozen=True, slots=True)
class Composer:
    """Everything needed to make any recipient's message of one issue."""

    issue_id: str
    subject: str
    folder: Path
    envelope_from: str  # MAIL FROM: bounces come back here
    mailing: Mailing
    signer: DkimSigner | None = None

    def message_for(self, recipient: Recipient, *, list_copy: bool = False) -> PersonalMessage:
        """The recipient's message as it goes on the wire.

        A `list_copy` (the send to the list) has a Message-ID made from the issue and the
        address: should a kill -9 make a message in flight go out twice, the reader's mail
        program sees the same message twice and shows it once.  Test copies get fresh ids.
        """
        fixed_id = None
        if list_copy:
            digest = hashlib.blake2b(recipient.email.lower().encode(), digest_size=8).hexdigest()
            fixed_id = f"{self.issue_id}.{digest}"
        message = self.mailing.message_for(recipient, fixed_id=fixed_id)
        if self.signer is None:
            return message
        return PersonalMessage(
            message.recipient, message.message_id, self.signer.sign(message.data)
        )


def prepare_issue(folder: Path, settings: Settings) -> Composer:
    """Read a built issue folder and get its messages ready; errors name the file and what to do."""
    built = read_built_issue(folder)
    composer = Composer(
        issue_id=built.issue.id,
        subject=built.rendered.subject,
        folder=folder,
        envelope_from=settings.sender[1],
        mailing=prepare_mailing(built.rendered, built.issue.id, settings),
        signer=dkim_signer(settings),
    )
    composer.message_for(
        Recipient(settings.sender[1])
    )  # a bad key or header fails here, not mid-send
    return composer
