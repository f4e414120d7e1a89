"""A failover on a real standby: the tool pointed at a server that answers read-only.

A primary and a hot standby streaming from it (tests/support/postgres_standby.py).  Every
write the standby gets is refused with SQLSTATE 25006 (read_only_sql_transaction), as when
the address the workspace names still reaches the demoted old primary, or a standby, after a
failover.  Each command says so in one line naming host:port/dbname and what to do, exits 1
and loses nothing; once the standby is promoted the same command finishes.
"""

from __future__ import annotations

import re
import shutil
import time

import httpx
import pytest

from newsletter.config import load_settings
from newsletter.mail.unsubscribe import sign_token
from tests.support.bounce_messages import dsn, list_message_id, write_mbox
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
from tests.support.postgres_server import PASSWORD
from tests.support.postgres_standby import primary_and_standby
from tests.support.send_workspace import ISSUE_ID, Workspace
from tests.support.serve_process import running_serve
from tests.support.smtp_server import RecordingHandler, smtp_server
from tests.support.tcp_relay import tcp_relay

pytest_plugins = ["tests.support.send_fixtures"]
pytestmark = pytest.mark.slow  # each test starts a primary and a standby of its own

DBNAME = "letters"
LIST_ID = "the-test-brief.example.org"
SECRET = b"test-secret-0123456789abcdef"


@pytest.fixture
def pair():
    """A primary with the database `letters`, and a synchronous hot standby of it."""
    with primary_and_standby() as (primary, standby):
        with primary.connect() as conn:
            conn.execute(f"CREATE DATABASE {DBNAME}")
        yield primary, standby


def assert_read_only_line(output: str, where: str) -> None:
    """One error line naming the server, saying it is a read-only standby and what to do."""
    line = one_error(output)
    assert where in line and "read-only" in line and "standby" in line, line
    assert "target_session_attrs=read-write" in line, line


def test_every_writing_command_pointed_at_a_standby_is_one_line_and_changes_nothing(send_ws, pair):
    """`subscribers add`, `import`, `send` against a standby each stop in one line naming
    host:port/dbname and saying it is read-only; nobody is mailed, the list and journal are
    as they were; `db upgrade` finds the copied schema up to date."""
    primary, standby = pair
    on_standby = standby.url(DBNAME)
    active = import_readers(send_ws, primary.url(DBNAME), 5)
    standby.wait_caught_up(primary)
    where = f"{standby.host}:{standby.port}/{DBNAME}"

    code, output = newsletter(send_ws, "db", "upgrade", url=on_standby)
    assert code == 0 and "up to date" in output, output
    code, output = newsletter(send_ws, "subscribers", "add", "new@example.org", url=on_standby)
    assert code == 1
    assert_read_only_line(output, where)
    (send_ws.root / "more.csv").write_text("email\nmore1@example.org\nmore2@example.org\n")
    code, output = newsletter(send_ws, "subscribers", "import", "more.csv", url=on_standby)
    assert code == 1
    assert_read_only_line(output, where)
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        code, output = send(send_ws, on_standby, *relay.send_flags)
    assert code == 1
    assert_read_only_line(output, where)
    assert not handler.received, "a standby that cannot journal must mail nobody"
    assert sorted(listed(send_ws, on_standby)) == active
    assert not (send_ws.root / "postgresql-send.unjournaled").exists()


def test_serve_on_a_standby_answers_503_with_retry_after_and_changes_nothing(
    send_ws, pair, monkeypatch
):
    """`serve` whose database answers read-only starts (its schema is up to date) and answers a
    one-click unsubscribe 503 with Retry-After, the reader still active; promoted, it works."""
    primary, standby = pair
    [reader] = import_readers(send_ws, primary.url(DBNAME), 1)
    standby.wait_caught_up(primary)
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", standby.url(DBNAME))
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", PASSWORD)
    with running_serve(send_ws.root) as url:
        link = f"{url}/unsubscribe?token={sign_token(reader, SECRET, LIST_ID)}"
        refused = httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=30)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
        assert listed(send_ws, standby.url(DBNAME)) == {reader: "active"}
        standby.promote()
        done = httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=30)
        assert done.status_code == 200, done.text
    assert listed(send_ws, standby.url(DBNAME)) == {reader: "unsubscribed"}


def test_a_failover_mid_send_stops_in_one_line_and_the_promoted_server_finishes_it(send_ws, pair):
    """Mid-send the primary dies and the address now reaches its standby: `send` says in one
    line that the server is read-only, exits 1, keeps what the relay accepted in the recovery
    file; after `pg_ctl promote` the same command mails every other reader, each exactly once."""
    primary, standby = pair
    with tcp_relay(primary.host, primary.port) as address:  # the name the workspace uses
        url = f"postgresql://postgres@127.0.0.1:{address.port}/{DBNAME}"
        active = import_readers(send_ws, url, 300)
        handler = RecordingHandler()
        with smtp_server(handler=handler) as relay:
            sender = start_send(send_ws, url, *relay.send_flags, "--connections", "2",
                                "--rate", "40")  # fmt: skip
            wait_for(lambda: len(handler.received) >= 60)
            primary.stop()  # a crash: the connections drop
            address.stop()
            address.target = (standby.host, standby.port)  # the address now reaches the standby
            address.start()
            output, _ = sender.communicate(timeout=120)
            assert sender.returncode == 1, output
            assert_read_only_line(output, f"127.0.0.1:{address.port}/{DBNAME}")
            line = one_error(output)
            assert "the run stopped" in line and "free space" not in line, line
            assert len(handler.received) < len(active), "the send went on against a standby"

            standby.promote()  # the failover completes: the address names the new primary
            code, output = send(send_ws, url, *relay.send_flags)
            assert code == 0, output
    counts = handler.by_recipient()
    assert set(counts) == set(active), "a reader was lost in the failover"
    assert set(counts.values()) == {1}, [e for e, n in counts.items() if n > 1]
    assert not (send_ws.root / "postgresql-send.unjournaled").exists()


def test_a_failover_while_two_hosts_send_stops_both_in_one_line_and_loses_nobody(
    send_ws, pair, tmp_path
):
    """Two hosts send one issue, one waiting for the other's share when the primary dies and
    the address reaches the standby: both stop in one read-only line within seconds (not the
    120 s kept for a server that is gone).  After `pg_ctl promote` the waiting host re-runs
    first: it does not take the other's readers (cut off by the failover, that host may hold
    accepted messages in its recovery file; before, they went twice) and says so in one line,
    exit 1; the other host's re-run records its file and sends the rest: nobody lost, nobody
    twice."""
    primary, standby = pair
    with (send_ws.root / "newsletter.toml").open("a") as toml:
        toml.write("lease = 2\n")  # [smtp] is the file's last table
    second_root = tmp_path / "second-host"
    shutil.copytree(send_ws.root, second_root)
    second = Workspace(second_root, load_settings(second_root)[0])
    with tcp_relay(primary.host, primary.port) as address:
        url = f"postgresql://postgres@127.0.0.1:{address.port}/{DBNAME}"
        # More than the slow host's processes claim at once (200 each): a share for the other.
        active = import_readers(send_ws, url, 1000)
        fast, slow = RecordingHandler(), RecordingHandler()
        with smtp_server(handler=fast) as one, smtp_server(handler=slow) as two:
            # The slow host first, so that it holds a batch of claims when the fast one comes.
            busy = start_send(second, url, *two.send_flags, "--rate", "5")
            wait_for(lambda: len(slow.received) >= 3)
            waiting = start_send(send_ws, url, *one.send_flags, "--rate", "300")
            wait_for(lambda: len(fast.received) >= 1)
            settled = 0
            while settled < 3:  # the fast host has sent its share: it waits for the slow one
                before = len(fast.received)
                time.sleep(0.5)
                settled = settled + 1 if len(fast.received) == before else 0
            assert len(fast.received) + len(slow.received) < len(active)
            primary.stop()
            address.stop()
            address.target = (standby.host, standby.port)
            address.start()
            stopped_at = time.monotonic()
            outputs = [sender.communicate(timeout=150)[0] for sender in (waiting, busy)]
            assert time.monotonic() - stopped_at < 60, "a sender waited as for a server gone"
            for sender, output in zip((waiting, busy), outputs, strict=True):
                assert sender.returncode == 1, output
                assert_read_only_line(output, f"127.0.0.1:{address.port}/{DBNAME}")

            standby.promote()
            at_promote = len(fast.received) + len(slow.received)
            code, output = send(send_ws, url, *one.send_flags)
            line = one_error(output)
            assert code == 1 and "held for the host(s)" in line, output
            assert "recovery file" in line and f"/{DBNAME}" in line, line
            assert len(fast.received) + len(slow.received) == at_promote  # nobody taken
            held = int(re.search(r"(\d+) reader\(s\) held", line).group(1))  # type: ignore[union-attr]
            status = newsletter(second, "send", f"issues/{ISSUE_ID}", "--status", url=url)[1]
            assert re.search(r"(?m)^    \S.*  held  ", status), status
            code, output = send(second, url, *two.send_flags)
            assert code == 0, output
            assert held > 0 and not (second.root / "postgresql-send.unjournaled").exists()
            code, output = send(send_ws, url, *one.send_flags)
            assert code == 0 and "Nothing to send" in output, output
    ids: dict[str, set[bytes]] = {}
    for received in (*fast.received, *slow.received):
        found = re.search(rb"(?im)^Message-ID: (\S+)", received.data)
        assert found is not None
        ids.setdefault(received.rcpt_tos[0].lower(), set()).add(found.group(1))
    counts = fast.by_recipient()
    for email, n in slow.by_recipient().items():
        counts[email] = counts.get(email, 0) + n
    assert set(counts) == set(active), "a reader was lost in the failover"
    # A message one host's relay accepted as the primary died is in that host's recovery
    # file, and its reader is held for that host's re-run: nobody gets a second copy.
    assert [e for e, n in counts.items() if n > 1] == []
    assert all(len(found) == 1 for found in ids.values())


def test_bounces_process_on_a_standby_is_one_line_and_counts_nothing(send_ws, pair):
    """`bounces process` with a hard bounce against a standby stops in one read-only line and
    the reader stays active; after `pg_ctl promote` the same mailbox bounces the reader."""
    primary, standby = pair
    [reader] = import_readers(send_ws, primary.url(DBNAME), 1)
    standby.wait_caught_up(primary)
    report = dsn("<r1@mx.example.net>", reader, "5.1.1",
                 original_id=list_message_id(ISSUE_ID, reader))  # fmt: skip
    write_mbox(send_ws.root / "reports.mbox", [report])
    on_standby = standby.url(DBNAME)
    code, output = newsletter(send_ws, "bounces", "process", "reports.mbox", url=on_standby)
    assert code == 1, output
    assert_read_only_line(output, f"{standby.host}:{standby.port}/{DBNAME}")
    assert listed(send_ws, on_standby) == {reader: "active"}
    standby.promote()
    code, output = newsletter(send_ws, "bounces", "process", "reports.mbox", url=on_standby)
    assert code == 0, output
    assert listed(send_ws, on_standby) == {reader: "bounced"}
