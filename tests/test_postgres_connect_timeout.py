"""A dead host in a multi-host URL costs its connect_timeout, not the command's deadline.

libpq (through psycopg, which tries each host itself) waits `connect_timeout` for each host;
without one in the URL it would wait 130 s a host, so connect_postgres sets 10 s
(postgres.CONNECT_TIMEOUT).  The dead hosts here are real sockets on 127.0.0.1: a black hole
(a listening socket whose backlog is full, so the kernel drops the connection's SYN and the
client hears nothing), a mute one (it completes the TCP handshake and never answers the
startup packet: a frozen server or virtual machine) and a closed port.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest

from newsletter.database_url import PostgresUrl
from newsletter.errors import NewsletterError
from newsletter.subscribers import postgres
from tests.support.fault_commands import newsletter, one_error
from tests.support.postgres_server import PASSWORD, postgres_cluster, require_postgres
from tests.support.smtp_server import free_port

pytest_plugins = ["tests.support.send_fixtures"]
pytestmark = pytest.mark.slow  # each test starts a cluster or waits out dead hosts

DBNAME = "letters"


@contextlib.contextmanager
def black_hole() -> Iterator[int]:
    """A port on 127.0.0.1 where a connection is never answered, not even refused: a
    listening socket that accepts nothing, its backlog filled, so further SYNs are dropped."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)  # the handshakes the backlog takes are done
    try:
        yield port
    finally:
        for s in (*fillers, listener):
            s.close()


@contextlib.contextmanager
def mute_server() -> Iterator[int]:
    """A port on 127.0.0.1 that completes the TCP handshake and then never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # never accepted: the kernel holds the connections, nobody answers
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_without_connect_timeout_each_dead_host_is_waited_for_a_bounded_time(monkeypatch):
    """A URL with no connect_timeout whose first two hosts are a black hole and a mute server
    reaches the real server third: each dead host is given up after the default set for it
    (here lowered to 2 s), not psycopg's 130 s a host."""
    require_postgres()
    monkeypatch.setattr(postgres, "CONNECT_TIMEOUT", 2)
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", PASSWORD)
    with postgres_cluster() as server, black_hole() as hole, mute_server() as mute:
        hosts = f"127.0.0.1:{hole},127.0.0.1:{mute},{server.host}:{server.port}"
        began = time.monotonic()
        conn = postgres.connect_postgres(PostgresUrl(f"postgresql://postgres@{hosts}/postgres"))
        waited = time.monotonic() - began
        try:
            assert conn.info.port == server.port
        finally:
            conn.close()
    assert waited < 30, f"the dead hosts held the connection {waited:.0f} s"


def test_the_default_connect_timeout_skips_a_black_holed_first_host_in_a_command(send_ws):
    """`newsletter db upgrade` and `subscribers add` with a black-holed first host and the
    server second, no connect_timeout in the URL: both work, each within its default wait
    for the dead host (10 s), and say which hosts they used."""
    require_postgres()
    with postgres_cluster() as server, black_hole() as hole:
        with server.connect() as conn:
            conn.execute(f"CREATE DATABASE {DBNAME}")
        where = f"127.0.0.1:{hole},{server.host}:{server.port}/{DBNAME}"
        url = f"postgresql://postgres@{where}"
        code, output = newsletter(send_ws, "db", "upgrade", url=url, timeout=90)
        assert code == 0 and f"PostgreSQL {where}: schema upgraded" in output, output
        code, output = newsletter(send_ws, "subscribers", "add", "kim@example.org", url=url,
                                  timeout=90)  # fmt: skip
        assert code == 0, output


def test_every_host_dead_is_one_line_naming_each_with_what_to_do(send_ws):
    """A black hole, a mute server and a closed port, connect_timeout=2: one `error:` line
    naming each host:port with what it did (no answer in 2 s, refused), what to do about
    each (the wait given, the URL's and not a default), exit 1, and never the password."""
    require_postgres()
    closed = free_port()
    with black_hole() as hole, mute_server() as mute:
        hosts = f"127.0.0.1:{hole},127.0.0.1:{mute},127.0.0.1:{closed}"
        url = f"postgresql://news@{hosts}/{DBNAME}?connect_timeout=2"
        code, output = newsletter(send_ws, "subscribers", "add", "kim@example.org", url=url,
                                  timeout=60)  # fmt: skip
    line = one_error(output)
    assert code == 1 and line.startswith(f"error: {hosts}/{DBNAME}: cannot connect ("), line
    for port, said in ((hole, "timeout expired"), (mute, "timeout expired"),
                       (closed, "Connection refused")):  # fmt: skip
        assert f"127.0.0.1:{port}: connection {said}" in line or f"127.0.0.1:{port}: {said}" in line
    assert "no answer within 2 s" in line and "is PostgreSQL running" in line, line
    assert line.count("no answer within") == 1, "one hint per cause, not per host"
    assert PASSWORD not in output


def test_one_dead_host_names_the_wait_the_url_gave():
    """A single black-holed host with connect_timeout=3: one line saying no answer within 3 s
    (the URL's wait, not the 10 s default)."""
    with black_hole() as hole:
        url = PostgresUrl(f"postgresql://news@127.0.0.1:{hole}/{DBNAME}?connect_timeout=3")
        with pytest.raises(NewsletterError) as raised:
            postgres.connect_postgres(url)
    line = str(raised.value)
    assert line.startswith(f"127.0.0.1:{hole}/{DBNAME}: cannot connect ("), line
    assert "no answer within 3 s" in line and "\n" not in line
