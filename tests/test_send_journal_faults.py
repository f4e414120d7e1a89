"""The journal under a busy, shared or full database: no accepted message is lost or sent twice."""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from newsletter.config import load_settings
from newsletter.errors import DeliveryError
from newsletter.send.journal import DeliveryJournal, JournalWriteError, open_journal, send_lock
from newsletter.send.recovery import read_recovery, recovery_path
from newsletter.send.sender import SendOptions, send_issue
from newsletter.send.status import delivery_status
from newsletter.subscribers.csv_import import import_csv
from newsletter.subscribers.keys import UNSUBSCRIBE_KEY, stored_key
from newsletter.subscribers.store import open_store
from tests.support.bounce_messages import dsn, write_mbox
from tests.support.send_workspace import SETTINGS
from tests.support.smtp_server import RecordingHandler, smtp_server
from tests.test_send_resume import start_send, wait_for

pytest_plugins = ["tests.support.send_fixtures"]


def statuses(database: Path) -> dict[str, str]:
    """{email: journal status} for the sample issue."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        return dict(db.execute("SELECT email, status FROM deliveries").fetchall())


def test_a_symlinked_database_shares_the_send_lock(send_ws, smtpd, tmp_path):
    """A workspace whose database is a symlink to another's is refused while that one sends."""
    send_ws.add_many(3)
    other = tmp_path / "other"
    other.mkdir()
    (other / "newsletter.toml").write_text(SETTINGS, "utf-8")
    (other / "newsletter.db").symlink_to(send_ws.database)
    settings, _ = load_settings(other)
    settings = replace(settings, smtp=replace(settings.smtp, host=smtpd.host, port=smtpd.port))
    with (
        send_lock(send_ws.database, "2026-W48"),
        pytest.raises(DeliveryError, match="another `newsletter send` is running"),
    ):
        send_issue(send_ws.issue, settings)
    assert smtpd.received == []


def test_a_hard_linked_database_is_refused_so_no_second_send_mails_the_list(
    send_ws, smtpd, tmp_path, monkeypatch
):
    """A database with a second name (a hard link) is refused, by both names, before any mail.

    SQLite keeps a write-ahead log per name, so two sends through two names each saw
    an empty journal and mailed the whole list (2,000 readers got two copies each).
    """
    from typer.testing import CliRunner

    from newsletter.cli import app

    send_ws.add_many(3)
    other = tmp_path / "other"
    shutil.copytree(send_ws.root, other, ignore=shutil.ignore_patterns("newsletter.db*"))
    os.link(send_ws.database, other / "newsletter.db")
    for workspace in (other, send_ws.root):
        monkeypatch.chdir(workspace)
        result = CliRunner().invoke(app, ["send", "issues/2026-W48", "--yes", *smtpd.send_flags])
        assert result.exit_code == 1, result.output
        assert "newsletter.db: this database file has 2 hard links" in result.output
        assert "Traceback" not in result.output
    assert smtpd.received == []
    os.unlink(other / "newsletter.db")  # one name again: the send goes ahead
    result = CliRunner().invoke(app, ["send", "issues/2026-W48", "--yes", *smtpd.send_flags])
    assert result.exit_code == 0, result.output
    assert sorted(smtpd.handler.by_recipient().values()) == [1, 1, 1]


def test_a_journal_write_waits_while_another_process_holds_the_database(send_ws):
    """A write finding the database locked for 1.5 s waits and succeeds; nothing is lost."""
    send_ws.add("a@example.org")
    journal = open_journal(send_ws.database, "2026-W48")
    holder = sqlite3.connect(send_ws.database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    releaser = threading.Timer(1.5, lambda: holder.execute("COMMIT"))
    releaser.start()
    try:
        journal.conn.execute("PRAGMA busy_timeout = 100")  # so the retry loop does the waiting
        journal.record("a@example.org", "sent", attempts=1, message_id="<x@example.org>")
    finally:
        releaser.join()
        holder.close()
        journal.close()
    assert statuses(send_ws.database) == {"a@example.org": "sent"}


def test_a_journal_write_busy_past_its_patience_is_one_clear_error(send_ws):
    """A database held past the journal's patience gives a JournalWriteError naming it."""
    send_ws.add("a@example.org")
    journal = open_journal(send_ws.database, "2026-W48")
    journal.patience = 0.3
    journal.conn.execute("PRAGMA busy_timeout = 50")
    holder = sqlite3.connect(send_ws.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(JournalWriteError, match=r"newsletter\.db: cannot record deliveries"):
            journal.record("a@example.org", "sent", attempts=1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        journal.close()


@pytest.mark.slow
def test_an_import_hammering_the_database_during_a_send_loses_nothing(send_ws, tmp_path):
    """A big import into the same database while a send runs: all journaled, each mailed once."""
    emails = send_ws.add_many(300)
    big = tmp_path / "big.csv"
    with big.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["email", "name"])
        writer.writerows([f"new{i:06d}@example.net", f"New {i}"] for i in range(60_000))
    done: dict = {}

    def run_import():
        with open_store(send_ws.database) as store:
            done["report"] = import_csv(big, store)

    handler = RecordingHandler(pipelining=True)
    with smtp_server(handler=handler) as server:
        settings = send_ws.with_server(server.host, server.port, rate=150.0)
        importer = threading.Thread(target=run_import)
        importer.start()
        summary = send_issue(send_ws.issue, settings, SendOptions(limit=len(emails)))
        importer.join()
    assert done["report"].added == 60_000
    assert summary.stopped is None and summary.sent == 300
    assert handler.by_recipient() == {e: 1 for e in emails}
    assert set(statuses(send_ws.database).values()) == {"sent"}


@pytest.mark.parametrize("connections", [1, 4], ids=["one process", "worker processes"])
def test_ctrl_c_twice_while_the_journal_waits_for_a_busy_database_mails_nobody_twice(
    send_ws, connections
):
    """Ctrl-C twice while a write batch holds the database: accepted messages kept, none resent."""
    emails = send_ws.add_many(300)
    handler = RecordingHandler()
    with smtp_server(handler=handler) as server:
        process = start_send(send_ws, server, "--rate", "100", "--connections", str(connections))
        wait_for(lambda: len(server.received) >= 30)
        holder = sqlite3.connect(send_ws.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # an import's batch, say: every journal write waits
        try:
            accepted = len(server.received)
            # Answered, not yet journaled: the next message, or (one connection) the one whose
            # journal write already waits on the lock, in which case nothing more arrives.
            deadline = time.monotonic() + 2.0
            while len(server.received) <= accepted and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.3)
            process.send_signal(signal.SIGINT)
            time.sleep(0.5)
            process.send_signal(signal.SIGINT)  # stop waiting for the messages in flight
            output, _ = process.communicate(timeout=30)
        finally:
            holder.execute("COMMIT")
            holder.close()
        assert process.returncode == 130, output
        assert "Traceback" not in output and "internal error" not in output
        saved = read_recovery(send_ws.database)
        assert saved and {entry.status for entry in saved} == {"sent"}
        readers = {entry.email for entry in saved}  # one saved twice (Ctrl-C, then the write)
        resumed = start_send(send_ws, server)
        output, _ = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, output
    assert f"Recorded {len(readers)} delivery(ies) from the last run's recovery file" in output
    assert handler.by_recipient() == {e: 1 for e in emails}


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs filesystem (root only), or skip: the full-disk test needs a real full disk."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True
    )
    if result.returncode != 0:
        pytest.skip("cannot mount a tmpfs here; the injected-error test covers this path")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path, fillers: list[Path]) -> None:
    """Fill the filesystem of `folder` to the last byte; the filler file goes into `fillers`."""
    filler = folder / f"filler-{uuid.uuid4().hex}"
    fillers.append(filler)
    with contextlib.suppress(OSError), filler.open("wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 4096)


def test_a_full_disk_stops_the_run_and_the_next_run_records_what_was_accepted(send_ws, small_disk):
    """Disk full mid-send: one line naming the database, a recovery file, a re-run mails once."""
    settings = replace(send_ws.settings, database=str(small_disk / "newsletter.db"))
    with open_store(small_disk / "newsletter.db") as store:
        emails = [f"reader{i:03d}@example.org" for i in range(40)]
        for email in emails:
            store.upsert(email, "Reader")
    fillers: list[Path] = []
    handler = RecordingHandler(
        on_accept=lambda kept: fill(small_disk, fillers) if kept == 10 else None
    )
    with smtp_server(handler=handler) as server:
        point = replace(settings, smtp=replace(settings.smtp, host=server.host, port=server.port))
        first = send_issue(send_ws.issue, point)
        assert first.journal_failed and first.stopped
        assert "newsletter.db: cannot record deliveries (database or disk is full)" in first.stopped
        assert "saved in" in first.stopped and "Traceback" not in first.stopped
        saved = recovery_path(small_disk / "newsletter.db").read_text()
        assert saved.count("\tsent\t") >= 1
        state = delivery_status(send_ws.issue, point)  # what --status shows meanwhile
        assert state.recovering == saved.count("\n")
        assert state.counts.sent == first.sent  # the recovery file's count as sent, not "not sent"
        assert state.counts.unsent == len(emails) - first.sent - first.unknown
        for filler in fillers:
            filler.unlink()
        second = send_issue(send_ws.issue, point)
    assert second.recovered >= 1 and second.stopped is None
    assert handler.by_recipient() == {e: 1 for e in emails}
    assert not recovery_path(small_disk / "newsletter.db").exists()


def test_a_rerun_on_a_disk_still_full_is_one_error_line_and_mails_nobody(
    send_ws, small_disk, monkeypatch
):
    """Re-run while the disk is still full: one `error:` line, no traceback, nobody mailed.

    With the database open elsewhere (its WAL kept), the send lock's note (`pid …, issue …`)
    could not be written to the full disk, and that OSError ended the re-run in a traceback.
    Freed, the next run mails each once.
    """
    from typer.testing import CliRunner

    from newsletter.cli import app

    toml = send_ws.root / "newsletter.toml"
    toml.write_text(f'database = "{small_disk / "newsletter.db"}"\n' + toml.read_text("utf-8"))
    with open_store(small_disk / "newsletter.db") as store:
        emails = [f"reader{i:03d}@example.org" for i in range(30)]
        for email in emails:
            store.upsert(email, "Reader")
    fillers: list[Path] = []
    handler = RecordingHandler(
        on_accept=lambda kept: fill(small_disk, fillers) if kept == 10 else None
    )
    monkeypatch.chdir(send_ws.root)
    with smtp_server(handler=handler) as server:
        flags = ["send", "issues/2026-W48", "--yes", *server.send_flags]
        first = CliRunner().invoke(app, flags)
        assert first.exit_code == 1 and "cannot record deliveries" in first.output
        kept = len(handler.received)
        reader = sqlite3.connect(small_disk / "newsletter.db")  # `serve`, say: the WAL stays
        reader.execute("SELECT count(*) FROM subscribers").fetchone()
        fill(small_disk, fillers)  # what the run freed on its way out (its recovery file's reserve)
        again = CliRunner().invoke(app, flags)  # the disk is still full
        reader.close()
        assert again.exit_code == 1, again.output
        assert isinstance(again.exception, SystemExit), again.exception  # not an OSError
        assert "Traceback" not in again.output and "internal error" not in again.output
        assert [line for line in again.output.splitlines() if line.startswith("error: ")]
        assert len(handler.received) == kept
        for filler in fillers:
            filler.unlink()
        last = CliRunner().invoke(app, flags)
    assert last.exit_code == 0, last.output
    assert handler.by_recipient() == {e: 1 for e in emails}


def test_an_injected_write_error_saves_the_accepted_address_for_the_next_run(
    send_ws, smtpd, monkeypatch
):
    """An I/O error on a journal write stops the run; the accepted address is applied next run."""
    emails = send_ws.add_many(8)
    settings = send_ws.with_server(smtpd.host, smtpd.port, connections=1)
    real_record = DeliveryJournal.record
    calls = {"n": 0}

    def failing_record(self, email, status, **kw):
        calls["n"] += 1
        if calls["n"] == 4:
            raise self._cannot("record deliveries", sqlite3.OperationalError("disk I/O error"))
        return real_record(self, email, status, **kw)

    monkeypatch.setattr(DeliveryJournal, "record", failing_record)
    first = send_issue(send_ws.issue, settings)
    assert "newsletter.db: cannot record deliveries (disk I/O error)" in first.stopped
    assert first.sent == 4 and first.left == 4  # the fourth: accepted, in the recovery file
    monkeypatch.setattr(DeliveryJournal, "record", real_record)
    second = send_issue(send_ws.issue, settings)
    assert (second.recovered, second.sent, second.left) == (1, 4, 0)
    assert smtpd.handler.by_recipient() == {e: 1 for e in emails}


def test_cli_full_disk_path_prints_no_traceback(send_ws, monkeypatch, smtpd):
    """Through the CLI, a journal that cannot be written is an `error:` line and exit code 1."""
    send_ws.add_many(3)
    env = {**os.environ, "NEWSLETTER_TEST_FAIL_JOURNAL": "1"}
    script = (
        "import sqlite3, sys\n"
        "from newsletter.send.journal import DeliveryJournal\n"
        "def record(self, *a, **k):\n"
        "    raise self._cannot('record deliveries', sqlite3.OperationalError("
        "'database or disk is full'))\n"
        "DeliveryJournal.record = record\n"
        "from newsletter.cli import app\n"
        "sys.argv = ['newsletter'] + sys.argv[1:]\n"
        "app()\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "send",
            "issues/2026-W48",
            "--yes",
            *smtpd.send_flags,
        ],
        cwd=send_ws.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "database or disk is full" in errors[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert "internal error" not in result.stderr + result.stdout


def assert_one_database_error_line(root: Path, command: list[str], fragment: str) -> None:
    """`newsletter <command>` exits 1: one error line naming the database and `fragment`."""
    result = subprocess.run(
        [sys.executable, "-m", "newsletter", *command],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "internal error" not in output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "newsletter.db" in errors[0] and fragment in errors[0], output


@pytest.mark.parametrize(
    "command", [["send", "issues/2026-W48", "--dry-run"], ["bounces", "process", "box.mbox"]]
)
def test_a_full_disk_before_the_unsubscribe_key_exists_is_one_error_line(
    send_ws, small_disk, monkeypatch, command
):
    """No secret set and a full disk: making the stored unsubscribe key fails as one line, no traceback."""
    monkeypatch.delenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET")
    database = small_disk / "newsletter.db"
    with open_store(database) as store:
        store.upsert("reader@example.org", "Reader")
    toml = send_ws.root / "newsletter.toml"
    toml.write_text(f'database = "{database}"\n' + toml.read_text())
    (send_ws.root / "box.mbox").write_text("From MAILER-DAEMON Mon Nov 30 10:00:00 2026\n\nhi\n")
    fillers: list[Path] = []
    fill(small_disk, fillers)
    os.truncate(fillers[0], fillers[0].stat().st_size - 40_960)  # room to open, not to write a key
    assert_one_database_error_line(send_ws.root, command, "disk is full")


def test_a_full_disk_while_bounces_are_recorded_is_one_error_line(send_ws, small_disk):
    """A disk that fills while `bounces process` commits: one line naming the database, no traceback."""
    database = small_disk / "newsletter.db"
    emails = [f"reader{i:03d}@example.org" for i in range(200)]
    with open_store(database) as store:
        for email in emails:
            store.upsert(email, "Reader")
        stored_key(store.conn, UNSUBSCRIBE_KEY)
    toml = send_ws.root / "newsletter.toml"
    toml.write_text(f'database = "{database}"\n' + toml.read_text())
    reports = [dsn(f"<r{i}@mx.example.net>", email) for i, email in enumerate(emails)]
    write_mbox(send_ws.root / "box.mbox", reports)
    fillers: list[Path] = []
    fill(small_disk, fillers)
    os.truncate(fillers[0], fillers[0].stat().st_size - 32_768)  # room to open, not to commit
    assert_one_database_error_line(send_ws.root, ["bounces", "process", "box.mbox"], "disk")
