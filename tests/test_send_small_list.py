"""A small list sent from two hosts: each gets a share (shared_journal.claim_size).

The sample workspace has 12 readers.  A claim used to take at least 20, so whichever host
claimed first took all 12 and the other sent none ("0 sent", with a line naming who did):
a new user trying two folders saw no sharing at all.  A small list's claims are now a
sixteenth of its ids at least (1 for 12), a quarter of what is left at most; a list of 320
ids or more is claimed as before.
"""

from __future__ import annotations

import threading

from newsletter.send.shared_journal import CLAIM_FLOOR, claim_size, open_postgres_journal
from tests.support.send_workspace import ISSUE_ID
from tests.test_send_two_hosts import (  # noqa: F401 (the fixtures)
    add_readers,
    pg_ws,
    send_together,
    two_hosts,
)

pytest_plugins = ["tests.support.send_fixtures"]


def _claims(size: int) -> list[int]:
    last, sizes = 0, []
    while last < size:
        sizes.append(claim_size(200, last, size))
        last += sizes[-1]
    return sizes


def test_a_big_lists_claims_are_as_before_and_a_small_lists_are_split():
    """From 320 ids on, a list is claimed as with the floor of 20 alone; 12 readers are
    claimed 3, 2, then one at a time, never all at once."""
    for size in (320, 1_000, 20_000, 100_000):
        last = 0
        while last < size:
            assert claim_size(200, last, size) == min(200, max(CLAIM_FLOOR, (size - last) // 4))
            last += claim_size(200, last, size)
    assert _claims(12)[:3] == [3, 2, 1] and max(_claims(12)) < 12
    assert max(_claims(150)) == 37


def test_a_second_sender_claims_from_a_twelve_reader_list_the_first_is_sending(pg_ws):  # noqa: F811
    """Two registered senders on 12 readers: after the first claims and sends one, the
    second claims readers of its own at once (not waiting for the first to finish); over
    the two, every reader is given out exactly once."""
    readers = add_readers(pg_ws, 12)
    server = pg_ws.settings.database_server
    assert server is not None
    first, second = (
        open_postgres_journal(server, ISSUE_ID, create=True, lease=60.0) for _ in range(2)
    )
    assert first is not None and second is not None
    given: dict[str, list[str]] = {"first": [], "second": []}
    try:
        first.register()
        second.register()
        row = first.pg.raw.execute("SELECT max(id) FROM subscribers").fetchone()
        assert row is not None
        up_to = int(row[0])  # the list as planned, as a send passes it
        ones = first.unsent(up_to=up_to)
        given["first"].append(next(ones).email)  # its first claim: not the whole list
        first.record(given["first"][0], "sent", attempts=1)
        twos = second.unsent(up_to=up_to)
        got = threading.Thread(target=lambda: given["second"].append(next(twos).email))
        got.start()
        got.join(20)  # before: it waited while the first held all 12 unsent
        assert given["second"], "the second sender found nothing to claim"
        for stream, name in ((ones, "first"), (twos, "second")):
            for recipient in stream:
                given[name].append(recipient.email)
                (first if name == "first" else second).record(recipient.email, "sent", attempts=1)
    finally:
        first.close()
        second.close()
    assert sorted(given["first"] + given["second"]) == readers
    assert given["second"][0] not in given["first"]


def test_two_hosts_sending_a_twelve_reader_list_together_each_send_a_share(two_hosts):  # noqa: F811
    """The sample's size, 12 readers, two hosts started together through the command line at
    a relay's pace: each sends some (before, one sent 12 and the other 0), every reader one
    copy."""
    shares = send_together(two_hosts, add_readers(two_hosts[0], 12), rate=2)
    assert min(shares) >= 2, f"not a share each: {shares}"
