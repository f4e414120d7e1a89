"""The SMTP client's reading of replies on a real socket pair: a relay that says more than it
was asked is seen before the next command, and a long reply is cut with stored_text's marker."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from newsletter.send.smtp import _PipeliningClient, reply_text
from newsletter.stored_text import CUT
from newsletter.subscribers.status_reasons import MAX_DIAGNOSTIC


@pytest.fixture
def session() -> Iterator[tuple[_PipeliningClient, socket.socket]]:
    """A client on one end of a socket pair (past EHLO, as after connect()); the relay's end."""
    ours, theirs = socket.socketpair()
    client = _PipeliningClient(timeout=5)
    client.sock = ours
    ours.settimeout(5)
    try:
        yield client, theirs
    finally:
        client.close()
        theirs.close()


def test_a_reply_read_alone_leaves_no_hang_up_to_see(session):
    """The 354 read on its own: the relay is there and silent, so the message goes on."""
    client, theirs = session
    theirs.sendall(b"354 go ahead\r\n")
    assert client.getreply() == (354, b"go ahead")
    assert not client._hung_up()


def test_a_reply_that_came_in_the_same_read_is_seen_without_asking_the_socket(session):
    """`354` and `250` in one write: the 250 is in the client's buffer, not the socket's,
    and the look before the `.` still sees the relay running ahead."""
    client, theirs = session
    theirs.sendall(b"354 go ahead\r\n250 2.0.0 queued early\r\n")
    assert client.getreply()[0] == 354
    assert client._hung_up()


def test_a_reply_that_arrives_after_the_read_is_seen(session):
    """A `250` written after the 354 was read (a second write) is seen, as is a hang-up."""
    client, theirs = session
    theirs.sendall(b"354 go ahead\r\n")
    assert client.getreply()[0] == 354
    theirs.sendall(b"250 2.0.0 queued early\r\n")
    assert client._hung_up()
    assert client.getreply()[0] == 250 and not client._hung_up()
    theirs.shutdown(socket.SHUT_WR)
    assert client._hung_up()


def test_the_last_line_of_a_pipelined_batch_leaves_nothing_ahead(session):
    """Three pipelined replies in one write, read one by one: only the last leaves none behind."""
    client, theirs = session
    theirs.sendall(b"250 2.1.0 ok\r\n250-2.1.5 ok\r\n250 more\r\n354 go\r\n")
    assert client.getreply() == (250, b"2.1.0 ok")
    assert client._hung_up()  # the RCPT's and DATA's replies are still to be read
    assert client.getreply() == (250, b"2.1.5 ok\nmore")
    assert client.getreply() == (354, b"go")
    assert not client._hung_up()


def test_a_long_reply_is_cut_with_stored_texts_one_marker():
    """A relay's 2,000-character refusal is kept at MAX_DIAGNOSTIC ending in stored_text's `...`."""
    said = reply_text(550, b"5.7.1 " + b"x" * 2000)
    assert len(said) == MAX_DIAGNOSTIC and said.startswith("550 5.7.1 xxx") and said.endswith(CUT)
    assert reply_text(-1, b"") == "no reply" and reply_text(250, b"") == "250"
    assert reply_text(451, b"4.3.0 try\0again") == "451 4.3.0 try again"
