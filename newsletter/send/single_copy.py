"""One test copy of an issue to one address: `newsletter send ISSUE --to ADDR`, the preview form.

It goes through the same relay and settings as a list send, personalised for
that address when it is on the list, but it is not journaled: the list send
of the issue is unaffected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from newsletter.config import Settings, smtp_password
from newsletter.errors import ConfigError, DeliveryError, SubscriberError
from newsletter.issue.built import BuiltIssue
from newsletter.mail.personalize import Recipient
from newsletter.send.composer import prepare_issue
from newsletter.send.pacing import backoff
from newsletter.send.setting_names import SettingNames
from newsletter.send.transport import (
    ConnectionLost,
    OutcomeUnknown,
    SendFailure,
    TemporaryFailure,
    Transport,
)
from newsletter.subscribers.addresses import InvalidAddress, normalize_address

ATTEMPTS = 3


class CopyOutcomeUnknown(DeliveryError):
    """The copy went out but the relay's reply was lost: it may have arrived (never resent)."""


# a test copy is interactive: a few quick retries, no long backoff


def send_test_copy(
    built: BuiltIssue | Path,
    address: str,
    settings: Settings,
    *,
    password: str | None = None,
    transport: Transport | None = None,
    setting_names: SettingNames | None = None,
    at_end: Callable[[], None] | None = None,
) -> str:
    """Send one copy of a built issue (or its folder) to `address`; one line says what happened.

    `at_end` runs just before the relay can have the copy (the final `.`), at each attempt:
    where `newsletter run` records a review copy as handed over.
    """
    try:
        email = normalize_address(address)
    except InvalidAddress as e:
        raise ConfigError(f"test copy: {e}; give one address, e.g. editor@example.org") from None
    composer = prepare_issue(built, settings)
    if transport is None:
        from newsletter.send.smtp import SmtpTransport

        transport = SmtpTransport(
            settings.smtp, password=password or smtp_password(), names=setting_names
        )
    message = composer.message_for(_recipient(email, settings))
    for attempt in range(1, ATTEMPTS + 1):
        connection = transport.connect()
        try:
            connection.send(composer.envelope_from, message.recipient, message.data, at_end=at_end)
            break
        except OutcomeUnknown as e:  # never a second copy by itself
            raise CopyOutcomeUnknown(
                f"{transport.where}: test copy to {email} went out but the reply was lost "
                f"({e.reason}); check that inbox before sending another"
            ) from None
        except (TemporaryFailure, ConnectionLost) as e:
            if attempt == ATTEMPTS:
                raise DeliveryError(
                    f"{transport.where}: test copy to {email} not accepted "
                    f"({e.reason}); try again later"
                ) from None
        except SendFailure as e:
            raise DeliveryError(
                f"{transport.where}: test copy to {email} refused ({e.reason})"
            ) from None
        finally:
            connection.close()
        time.sleep(min(2.0, backoff(attempt, settings.smtp.retry_delay)))
    return (
        f"test copy of {composer.issue_id} sent to {email} via {transport.where} "
        f"(Message-ID {message.message_id})"
    )


def _recipient(email: str, settings: Settings) -> Recipient:
    """The name and merge fields the address has on the list, so the copy looks like theirs."""
    from newsletter.subscribers.backends import list_exists, workspace_store

    if not list_exists(settings):  # no list yet: a copy with empty merge values
        return Recipient(email)
    try:
        with workspace_store(settings, create=False, doing="send") as store:
            subscriber = store.get(email)
    except SubscriberError:  # no list yet after all: a copy with empty merge values
        return Recipient(email)
    if subscriber is None:
        return Recipient(email)
    return Recipient(
        subscriber.email, subscriber.name, subscriber.fields, first_name=subscriber.first_name
    )
