"""A failover on a real standby: the tool pointed at a server that answers read-only.

A primary and a hot standby streaming from it (tests/support/postgres_standby.py).  Every
write the standby gets is refused with SQLSTATE 25006 (read_only_sql_transaction), as when
the address the workspace names still reaches the demoted old primary, or a standby, after a
failover.  Each command says so in one line naming host:port/dbname and what to do, exits 1
and loses nothing; once the standby is promoted the same command finishes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from newsletter.mail.unsubscribe import sign_token
from tests.support.postgres_server import PASSWORD
from tests.support.postgres_standby import primary_and_standby
from tests.support.send_workspace import ISSUE_ID, Workspace
from tests.support.serve_process import serve_process
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


def newsletter(ws: Workspace, *args: str, url: str, timeout: float = 120) -> tuple[int, str]:
    """`python -m newsletter ARGS` in the workspace with its database at `url`: exit code and
    everything it printed (standard output and error together)."""
    env = {**os.environ, "NEWSLETTER_DATABASE_URL": url, "NEWSLETTER_DATABASE_PASSWORD": PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", *args],
        cwd=ws.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done.returncode, done.stdout + done.stderr


def wait_for(condition, timeout: float = 60.0) -> None:
    """Poll until `condition()` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def error_lines(output: str) -> list[str]:
    """The lines of `output` that report an error."""
    return [line for line in output.splitlines() if line.startswith("error:")]


def add_readers(ws: Workspace, url: str, n: int) -> list[str]:
    """Import `n` numbered readers through `subscribers import`; return their addresses."""
    emails = [f"reader{i:04d}@example.org" for i in range(n)]
    csv = ws.root / "readers.csv"
    csv.write_text("email,name,city\n" + "".join(f"{e},Reader,Lima\n" for e in emails), "utf-8")
    code, output = newsletter(ws, "subscribers", "import", str(csv), url=url)
    assert code == 0, output
    return emails


def assert_read_only_line(output: str, where: str) -> None:
    """One error line naming the server, saying it is a read-only standby and what to do."""
    errors = error_lines(output)
    assert len(errors) == 1, output
    line = errors[0]
    assert where in line and "read-only" in line and "standby" in line, line
    assert "target_session_attrs=read-write" in line, line
    assert "Traceback" not in output and PASSWORD not in output


def test_every_writing_command_pointed_at_a_standby_is_one_line_and_changes_nothing(send_ws, pair):
    """`subscribers add`, `import`, `send` and `bounces process` against a standby each stop
    in one line naming host:port/dbname and saying it is read-only; nobody is mailed, the list
    and journal are as they were; `db upgrade` finds the copied schema up to date."""
    primary, standby = pair
    on_primary, on_standby = primary.url(DBNAME), standby.url(DBNAME)
    active = add_readers(send_ws, on_primary, 5)
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
        code, output = newsletter(
            send_ws, "send", f"issues/{ISSUE_ID}", "--yes", *relay.send_flags, url=on_standby
        )
    assert code == 1
    assert_read_only_line(output, where)
    assert not handler.received, "a standby that cannot journal must mail nobody"
    mbox = send_ws.root / "reports.mbox"
    mbox.write_text("")  # empty: the intake still writes its run's bookkeeping first
    code, output = newsletter(send_ws, "bounces", "process", str(mbox), url=on_standby)
    assert code in (0, 1), output  # an empty mailbox may need no write at all
    if code == 1:
        assert_read_only_line(output, where)

    code, listed = newsletter(send_ws, "subscribers", "list", url=on_standby)
    assert code == 0 and sorted(line.split("\t")[0] for line in listed.splitlines()) == active
    assert not (send_ws.root / "postgresql-send.unjournaled").exists()


def test_serve_on_a_standby_answers_503_with_retry_after_and_changes_nothing(
    send_ws, pair, monkeypatch
):
    """`serve` whose database answers read-only starts (its schema is up to date) and answers a
    one-click unsubscribe 503 with Retry-After, the reader still active; promoted, it works."""
    primary, standby = pair
    [reader] = add_readers(send_ws, primary.url(DBNAME), 1)
    standby.wait_caught_up(primary)
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", standby.url(DBNAME))
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", PASSWORD)
    process, url = serve_process(send_ws.root)
    try:
        link = f"{url}/unsubscribe?token={sign_token(reader, SECRET, LIST_ID)}"
        refused = httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=30)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
        _, listed = newsletter(send_ws, "subscribers", "list", url=standby.url(DBNAME))
        assert listed.split("\t")[-1].strip() == "active", listed
        standby.promote()
        done = httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=30)
        assert done.status_code == 200, done.text
    finally:
        process.terminate()
        process.wait(timeout=20)
        assert process.stdout is not None
        process.stdout.close()
    _, listed = newsletter(send_ws, "subscribers", "list", url=standby.url(DBNAME))
    assert listed.split("\t")[-1].strip() == "unsubscribed", listed


def test_a_failover_mid_send_stops_in_one_line_and_the_promoted_server_finishes_it(send_ws, pair):
    """Mid-send the primary dies and the address now reaches its standby: `send` says in one
    line that the server is read-only, exits 1, keeps what the relay accepted in the recovery
    file; after `pg_ctl promote` the same command mails every other reader, each exactly once."""
    primary, standby = pair
    with tcp_relay(primary.host, primary.port) as address:  # the name the workspace uses
        url = f"postgresql://postgres@127.0.0.1:{address.port}/{DBNAME}"
        active = add_readers(send_ws, url, 300)
        handler = RecordingHandler()
        with smtp_server(handler=handler) as relay:
            command = [sys.executable, "-m", "newsletter", "send", f"issues/{ISSUE_ID}",
                       "--yes", *relay.send_flags, "--connections", "2", "--rate", "100"]  # fmt: skip
            env = {**os.environ, "NEWSLETTER_DATABASE_URL": url,
                   "NEWSLETTER_DATABASE_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1"}  # fmt: skip
            sender = subprocess.Popen(
                command, cwd=send_ws.root, env=env, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
            wait_for(lambda: len(handler.received) >= 60)
            primary.stop()  # a crash: the connections drop
            address.stop()
            address.target = (standby.host, standby.port)  # the address now reaches the standby
            address.start()
            output, _ = sender.communicate(timeout=120)
            assert sender.returncode == 1, output
            assert_read_only_line(output, f"127.0.0.1:{address.port}/{DBNAME}")
            line = error_lines(output)[0]
            assert "the run stopped" in line and "free space" not in line, line
            first = len(handler.received)
            assert first < len(active), "the send went on against a standby"

            standby.promote()  # the failover completes: the address names the new primary
            code, output = newsletter(
                send_ws, "send", f"issues/{ISSUE_ID}", "--yes", *relay.send_flags, url=url
            )
            assert code == 0, output
    counts = handler.by_recipient()
    assert set(counts) == set(active), "a reader was lost in the failover"
    assert set(counts.values()) == {1}, [e for e, n in counts.items() if n > 1]
    assert not (send_ws.root / "postgresql-send.unjournaled").exists()
