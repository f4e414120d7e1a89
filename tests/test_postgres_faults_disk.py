"""A full disk on the PostgreSQL server (SQLSTATE 53100) mid-send and mid-import.

Each runs twice where the machine allows it: on a real ENOSPC (a tablespace on a small
tmpfs, filled up) and with the same error raised by the server from a trigger
(tests/support/postgres_disk.py); where mounting is not allowed only the trigger runs.
Either way: one line naming host:port/dbname and saying the server's disk is full, exit 1,
nothing lost and nothing half-written; once space is freed the same command finishes.
"""

from __future__ import annotations

import httpx
import pytest

from newsletter.mail.unsubscribe import sign_token
from tests.support.bounce_messages import dsn, list_message_id, write_mbox
from tests.support.fault_commands import (
    import_readers,
    listed,
    newsletter,
    one_error,
    send,
    write_csv,
)
from tests.support.postgres_disk import full_disk
from tests.support.postgres_server import PASSWORD
from tests.support.send_workspace import ISSUE_ID
from tests.support.serve_process import running_serve
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]

WAYS = ["tmpfs", "trigger"]


def where(url: str) -> str:
    """host:port/dbname of a test URL."""
    return url.split("@", 1)[1].split("?", 1)[0]


@pytest.mark.slow
@pytest.mark.parametrize("way", WAYS)
def test_a_full_disk_mid_send_stops_in_one_line_and_a_rerun_mails_the_rest_once(
    send_ws, postgres_url, postgres_server, way
):
    """The server's disk fills up mid-send: `send` stops before its next message with one
    line saying so, exit 1, what the relay accepted recorded or in the recovery file; with
    space freed, the same command mails every other reader, each exactly once."""
    active = import_readers(send_ws, postgres_url, 400)
    dbname = postgres_url.rsplit("/", 1)[1]
    handler = RecordingHandler()
    with (
        smtp_server(handler=handler) as relay,
        full_disk(postgres_server, dbname, "deliveries", way=way, rows=120) as disk,
    ):
        code, output = send(send_ws, postgres_url, *relay.send_flags)
        line = one_error(output)
        assert code == 1
        assert where(postgres_url) in line and "the server's disk is full" in line, line
        assert "the run stopped" in line, line
        stopped_at = len(handler.received)
        assert 0 < stopped_at < len(active), stopped_at
        disk.free()
        code, output = send(send_ws, postgres_url, *relay.send_flags)
        assert code == 0, f"{output}\nthe server's log:\n{postgres_server.log()[-4000:]}"
    counts = handler.by_recipient()
    assert set(counts) == set(active), "a reader was lost to the full disk"
    assert set(counts.values()) == {1}, [e for e, n in counts.items() if n > 1]


@pytest.mark.parametrize("way", WAYS)
def test_a_full_disk_mid_import_adds_nobody_and_says_so_in_one_line(
    send_ws, postgres_url, postgres_server, way
):
    """The server's disk fills up mid-import: one line, exit 1, the list exactly as it was
    (an import is all or nothing); with space freed the same import adds every row."""
    before = import_readers(send_ws, postgres_url, 3)
    dbname = postgres_url.rsplit("/", 1)[1]
    new = [f"new{i:05d}@example.org" for i in range(6000)]  # more than one COPY batch
    write_csv(send_ws, "big.csv", new)
    with full_disk(postgres_server, dbname, "subscribers", way=way, rows=2000) as disk:
        code, output = newsletter(send_ws, "subscribers", "import", "big.csv", url=postgres_url)
        line = one_error(output)
        assert code == 1
        assert where(postgres_url) in line and "the server's disk is full" in line, line
        assert sorted(listed(send_ws, postgres_url)) == before
        disk.free()
        code, output = newsletter(send_ws, "subscribers", "import", "big.csv", url=postgres_url)
        assert code == 0, output
        assert sorted(listed(send_ws, postgres_url)) == sorted(before + new)


@pytest.mark.parametrize("way", WAYS)
def test_a_full_disk_mid_copy_leaves_the_target_empty_and_says_so_in_one_line(
    send_ws, postgres_url, postgres_server, way
):
    """`db copy newsletter.db URL` onto a server whose disk fills up midway: one line, exit 1,
    the target as it was (one transaction); with space freed the same copy carries every row."""
    readers = send_ws.add_many(3000)  # on the workspace's SQLite file
    dbname = postgres_url.rsplit("/", 1)[1]
    code, output = newsletter(send_ws, "db", "upgrade", url=postgres_url)  # the empty schema
    assert code == 0, output
    copy = ("db", "copy", "newsletter.db", postgres_url, "--force")
    with full_disk(postgres_server, dbname, "subscribers", way=way, rows=1000) as disk:
        code, output = newsletter(send_ws, *copy, url=postgres_url)
        line = one_error(output)
        assert code == 1
        assert where(postgres_url) in line and "the server's disk is full" in line, line
        assert listed(send_ws, postgres_url) == {}
        disk.free()
        code, output = newsletter(send_ws, *copy, url=postgres_url)
        assert code == 0, output
        assert sorted(listed(send_ws, postgres_url)) == readers


def test_serve_on_a_full_disk_answers_503_and_changes_nothing(
    send_ws, postgres_url, postgres_server, monkeypatch
):
    """`serve` whose server refuses writes for a full disk (the trigger way: one status change
    fits in its page, never growing the table) answers a one-click unsubscribe 503 with
    Retry-After, the reader still active; with space freed the same request works."""
    [reader] = import_readers(send_ws, postgres_url, 1)
    dbname = postgres_url.rsplit("/", 1)[1]
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", PASSWORD)
    token = sign_token(reader, b"test-secret-0123456789abcdef", "the-test-brief.example.org")
    with (
        full_disk(postgres_server, dbname, "subscribers", way="trigger", rows=0) as disk,
        running_serve(send_ws.root) as url,
    ):
        link = f"{url}/unsubscribe?token={token}"
        refused = httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=30)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
        assert listed(send_ws, postgres_url) == {reader: "active"}
        disk.free()
        done = httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=30)
        assert done.status_code == 200, done.text
    assert listed(send_ws, postgres_url) == {reader: "unsubscribed"}


def test_bounces_process_on_a_full_disk_keeps_nothing_of_the_batch(
    send_ws, postgres_url, postgres_server
):
    """`bounces process` whose server's disk is full as it marks a reader bounced (the trigger
    way) stops in one line, exit 1, keeping nothing of the batch: with space freed the same
    mailbox is read again and bounces the reader."""
    [reader] = import_readers(send_ws, postgres_url, 1)
    dbname = postgres_url.rsplit("/", 1)[1]
    report = dsn("<r1@mx.example.net>", reader, "5.1.1",
                 original_id=list_message_id(ISSUE_ID, reader))  # fmt: skip
    write_mbox(send_ws.root / "reports.mbox", [report])
    process = ("bounces", "process", "reports.mbox")
    with full_disk(postgres_server, dbname, "subscribers", way="trigger", rows=0) as disk:
        code, output = newsletter(send_ws, *process, url=postgres_url)
        line = one_error(output)
        assert code == 1
        assert where(postgres_url) in line and "the server's disk is full" in line, line
        assert listed(send_ws, postgres_url) == {reader: "active"}
        with postgres_server.connect(dbname) as conn:
            assert conn.execute("SELECT count(*) FROM bounce_reports").fetchone() == (0,)
        disk.free()
        code, output = newsletter(send_ws, *process, url=postgres_url)
        assert code == 0, output
    assert listed(send_ws, postgres_url) == {reader: "bounced"}
