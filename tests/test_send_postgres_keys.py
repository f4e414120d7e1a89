"""Two folders sending one issue through a shared PostgreSQL server must sign unsubscribe
links with the same key (a new user's trial: one folder with its own
NEWSLETTER_UNSUBSCRIBE_SECRET drew no warning).  The send workspace names its variable
NEWSLETTER_TEST_UNSUBSCRIBE_SECRET (`unsubscribe.secret_env`); the fixture sets it.

The key signs each reader's unsubscribe token and makes each list copy's Message-ID
(mail/reader_stamp.py): a reader mailed from a folder with another key gets a link the other
hosts' `serve` cannot open.  So the send's shared state on the server keeps a keyed
fingerprint of the first sender's key (never the key), and a sender whose key differs is
refused in one line before it claims anyone, as one whose merge.eml differs is.
"""

from __future__ import annotations

import email
import email.policy
import re

import pytest

from newsletter.mail.tokens import verify_token
from newsletter.subscribers.backends import server_key
from newsletter.subscribers.keys import UNSUBSCRIBE_KEY
from tests.support.smtp_server import RecordingHandler, smtp_server
from tests.test_send_postgres import add_readers, start_send
from tests.test_send_postgres import two_ws as two_ws  # the fixture: two folders, one server

pytest_plugins = ["tests.support.send_fixtures"]

VARIABLE = "NEWSLETTER_TEST_UNSUBSCRIBE_SECRET"  # the send workspace's secret_env
KEY_A = "first-folder-key-3f9a1c2b8d7e6f50"
KEY_B = "second-folder-key-77d0c4e1a9b2c3d4"


def _key(ws, value: str | None) -> bytes:
    """The key a folder signs with: the variable's value, else the one kept on the server."""
    if value is not None:
        return value.encode()
    return server_key(ws.settings.database_server, UNSUBSCRIBE_KEY)


def _use(monkeypatch, value: str | None) -> None:
    """The next command's environment: the variable set to `value`, or unset."""
    if value is None:
        monkeypatch.delenv(VARIABLE, raising=False)
    else:
        monkeypatch.setenv(VARIABLE, value)


def _token(data: bytes) -> str:
    """The reader's unsubscribe token in a message as the relay received it."""
    header = email.message_from_bytes(data, policy=email.policy.default)["List-Unsubscribe"]
    found = re.search(r"[?&]token=([A-Za-z0-9_~.-]+)>", str(header))
    assert found is not None, header
    return found.group(1)


@pytest.mark.parametrize(
    ("first_key", "second_key"),
    [(KEY_A, KEY_B), (None, KEY_B), (KEY_A, None)],
    ids=["two-variables", "database-then-variable", "variable-then-database"],
)
def test_a_second_folder_signing_with_another_unsubscribe_key_is_refused(
    two_ws, monkeypatch, first_key, second_key
):
    """A folder whose unsubscribe key differs from the one the issue's send started with is
    refused in one line naming the server, the key's setting and what to do, exit 1, nobody
    mailed from it, and neither key in the output; the links the first folder mailed indeed
    do not verify under the second one's key."""
    first, second = two_ws
    add_readers(first, 20)
    relays = RecordingHandler(), RecordingHandler()
    with smtp_server(handler=relays[0]) as one, smtp_server(handler=relays[1]) as two:
        _use(monkeypatch, first_key)
        done = start_send(first, one, "--limit", "5").communicate(timeout=60)[0]
        _use(monkeypatch, second_key)
        refused = start_send(second, two)
        output, _ = refused.communicate(timeout=60)
    assert len(relays[0].received) == 5, done
    token = _token(relays[0].received[0].data)
    list_id = first.settings.list_identifier
    assert verify_token(token, _key(first, first_key), list_id)  # the first folder's serve
    assert verify_token(token, _key(second, second_key), list_id) is None  # the second's
    assert refused.returncode == 1, output
    assert not relays[1].received, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    where = first.settings.database_server.where
    assert where in errors[0] and "unsubscribe" in errors[0], errors[0]
    assert "unsubscribe.secret_env" in errors[0] and "every host" in errors[0], errors[0]
    assert KEY_A not in output and KEY_B not in output
    assert "Traceback" not in output


def test_folders_with_the_same_unsubscribe_key_share_the_send(two_ws, monkeypatch):
    """The same key in both folders' environment: the second sends the rest, every reader
    once over the two relays."""
    first, second = two_ws
    active = add_readers(first, 20)
    monkeypatch.setenv(VARIABLE, KEY_A)
    relays = RecordingHandler(), RecordingHandler()
    with smtp_server(handler=relays[0]) as one, smtp_server(handler=relays[1]) as two:
        start_send(first, one, "--limit", "5").communicate(timeout=60)
        rest = start_send(second, two)
        output, _ = rest.communicate(timeout=60)
    assert rest.returncode == 0, output
    assert len(relays[0].received) == 5 and len(relays[1].received) == 15, output
    counts = {}
    for relay in relays:
        for address, n in relay.by_recipient().items():
            counts[address] = counts.get(address, 0) + n
    assert set(counts) == set(active) and set(counts.values()) == {1}
