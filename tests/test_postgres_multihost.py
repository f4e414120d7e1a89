"""A multi-host URL on real servers: a host that is down is skipped, and so is a standby.

`postgresql://news@db1:5432,db2:5432/news?target_session_attrs=read-write` is how libpq
names a primary and its standby; libpq tries the hosts in order.  Here the first host is a
closed port on 127.0.0.1, or a real hot standby (tests/support/postgres_standby.py: in
recovery, streaming from the primary), and the second the real primary.
"""

from __future__ import annotations

import httpx
import pytest

from newsletter.mail.unsubscribe import sign_token
from tests.support.fault_commands import (
    import_readers,
    listed,
    newsletter,
    no_send_left_running,  # noqa: F401 (autouse: kills a send a failed test left running)
    one_error,
    send,
    start_send,
    wait_for,
)
from tests.support.postgres_server import PASSWORD, postgres_cluster, require_postgres
from tests.support.postgres_standby import primary_and_standby
from tests.support.send_workspace import ISSUE_ID
from tests.support.serve_process import running_serve
from tests.support.smtp_server import RecordingHandler, free_port, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]
pytestmark = pytest.mark.slow  # each test starts a cluster (or a primary and a standby)

DBNAME = "letters"
LIST_ID = "the-test-brief.example.org"
SECRET = b"test-secret-0123456789abcdef"


def test_a_closed_first_host_is_skipped_and_every_command_works_on_the_second(send_ws):
    """With the first host a closed port and the second the server, `db upgrade`, `subscribers
    import`, `send` (to a relay on 127.0.0.1) and `send --status` all work, naming the list of
    hosts; every reader gets exactly one copy."""
    require_postgres()
    with postgres_cluster() as server:
        with server.connect() as conn:
            conn.execute(f"CREATE DATABASE {DBNAME}")
        closed = free_port()
        url = f"postgresql://postgres@127.0.0.1:{closed},{server.host}:{server.port}/{DBNAME}"
        where = f"127.0.0.1:{closed},{server.host}:{server.port}/{DBNAME}"
        code, output = newsletter(send_ws, "db", "upgrade", url=url)
        assert code == 0 and f"PostgreSQL {where}: schema upgraded" in output, output
        active = import_readers(send_ws, url, 40)
        handler = RecordingHandler()
        with smtp_server(handler=handler) as relay:
            code, output = send(send_ws, url, *relay.send_flags)
        assert code == 0, output
        counts = handler.by_recipient()
        assert set(counts) == set(active) and set(counts.values()) == {1}
        code, status = newsletter(send_ws, "send", f"issues/{ISSUE_ID}", "--status", url=url)
        assert code == 0 and where in status, status
        # The same list through the server's own address: the rows are on it.
        assert sorted(listed(send_ws, server.url(DBNAME))) == active


def test_target_session_attrs_read_write_skips_a_standby_listed_first(send_ws):
    """A real hot standby listed first, the primary second: with target_session_attrs=
    read-write every write goes to the primary; without it the standby answers and the write
    is refused in one line naming the host list and the parameter."""
    require_postgres()
    with primary_and_standby() as (primary, standby):
        with primary.connect() as conn:
            conn.execute(f"CREATE DATABASE {DBNAME}")
        assert standby.in_recovery()
        hosts = f"{standby.host}:{standby.port},{primary.host}:{primary.port}"
        url = f"postgresql://postgres@{hosts}/{DBNAME}?target_session_attrs=read-write"
        active = import_readers(send_ws, url, 20)
        code, output = newsletter(send_ws, "subscribers", "add", "late@example.org", url=url)
        assert code == 0, output
        handler = RecordingHandler()
        with smtp_server(handler=handler) as relay:
            code, output = send(send_ws, url, *relay.send_flags)
        assert code == 0, output
        assert set(handler.by_recipient()) == {*active, "late@example.org"}
        assert "late@example.org" in listed(send_ws, primary.url(DBNAME))

        plain = f"postgresql://postgres@{hosts}/{DBNAME}"
        code, output = newsletter(send_ws, "subscribers", "add", "more@example.org", url=plain)
        line = one_error(output)
        assert code == 1 and f"{hosts}/{DBNAME}: " in line and "read-only" in line, line
        assert "target_session_attrs=read-write" in line


def test_no_writable_host_is_one_line_naming_each_host(send_ws):
    """target_session_attrs=read-write with only a standby and a closed port: one line naming
    each host and what it said (the standby's hot standby mode), and what to do."""
    require_postgres()
    with primary_and_standby() as (primary, standby):
        with primary.connect() as conn:
            conn.execute(f"CREATE DATABASE {DBNAME}")
        closed = free_port()
        hosts = f"{standby.host}:{standby.port},127.0.0.1:{closed}"
        url = f"postgresql://postgres@{hosts}/{DBNAME}?target_session_attrs=read-write"
        code, output = newsletter(send_ws, "subscribers", "add", "new@example.org", url=url)
        line = one_error(output)
        assert code == 1 and line.startswith(f"error: {hosts}/{DBNAME}: cannot connect ("), line
        assert f"{standby.host}:{standby.port}: " in line and f"127.0.0.1:{closed}: " in line
        assert "writable primary" in line, line


def test_a_failover_mid_send_goes_on_at_the_promoted_standby_each_reader_once(send_ws):
    """The URL names the primary then its standby with target_session_attrs=read-write: the
    primary dies mid-send (an immediate stop, as a crash) and the standby is promoted; the
    same run reconnects to the new primary through the same URL and finishes, exit 0, every
    reader mailed exactly once."""
    require_postgres()
    with primary_and_standby() as (primary, standby):
        with primary.connect() as conn:
            conn.execute(f"CREATE DATABASE {DBNAME}")
        hosts = f"{primary.host}:{primary.port},{standby.host}:{standby.port}"
        url = f"postgresql://postgres@{hosts}/{DBNAME}?target_session_attrs=read-write"
        active = import_readers(send_ws, url, 300)
        handler = RecordingHandler()
        with smtp_server(handler=handler) as relay:
            sender = start_send(send_ws, url, *relay.send_flags, "--connections", "2",
                                "--rate", "40")  # fmt: skip
            wait_for(lambda: len(handler.received) >= 60)
            primary.stop()  # a crash: every connection drops
            assert len(handler.received) < len(active), "the send ended before the failover"
            standby.promote()
            output, _ = sender.communicate(timeout=240)
            assert sender.returncode == 0, output
        counts = handler.by_recipient()
        assert set(counts) == set(active), "a reader was lost in the failover"
        assert set(counts.values()) == {1}, [e for e, n in counts.items() if n > 1]
        assert not standby.in_recovery()
        assert set(listed(send_ws, standby.url(DBNAME))) == set(active)


def test_serve_on_a_multi_host_url_answers_from_the_host_that_is_up(send_ws, monkeypatch):
    """`serve` whose URL names a closed port first and the server second starts and applies a
    one-click unsubscribe (200), the reader unsubscribed on the server."""
    require_postgres()
    with postgres_cluster() as server:
        with server.connect() as conn:
            conn.execute(f"CREATE DATABASE {DBNAME}")
        url = f"postgresql://postgres@127.0.0.1:{free_port()},{server.host}:{server.port}/{DBNAME}"
        [reader] = import_readers(send_ws, url, 1)
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url)
        monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", PASSWORD)
        with running_serve(send_ws.root) as address:
            link = f"{address}/unsubscribe?token={sign_token(reader, SECRET, LIST_ID)}"
            done = httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=30)
            assert done.status_code == 200, done.text
        assert listed(send_ws, server.url(DBNAME)) == {reader: "unsubscribed"}
