"""A PostgreSQL server that crashes mid-send, on a real server that loses what it acknowledged
without a flush (its WAL writer asleep): the sender writes the accepted outcomes the server
may have lost to this host's disk as soon as it finds the server gone, so that a kill -9
during the outage leaves them there and the re-run records them instead of mailing those
readers again; once the sender fences, the file is gone (send/disk_fence.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.database_url import parse_database
from newsletter.send.claim_statements import EPOCH
from newsletter.send.journaled_run import _apply_recovery
from newsletter.send.recovery import (
    KeptFile,
    RecoveryFile,
    discard_recovery,
    kept_files,
    read_recovery,
    recovery_path,
)
from newsletter.send.shared_journal import PostgresJournal, open_postgres_journal
from tests.support.fault_commands import (
    import_readers,
    no_send_left_running,  # noqa: F401 (autouse: kills a send a failed test left running)
    send,
    start_send,
)
from tests.support.postgres_disk import can_mount
from tests.support.postgres_server import PASSWORD, Postgres, postgres_cluster
from tests.support.send_workspace import ISSUE_ID
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]


@pytest.fixture
def lossy(monkeypatch) -> Iterator[Postgres]:
    """A cluster of its own whose WAL writer sleeps 10 s, so that stopping it at once (as a
    crash does) loses the commits that did not wait for the disk; every other commit is
    durable, as on a production server.  No autovacuum: its durable commits (an ANALYZE of
    the journal mid-send) would flush the WAL at moments no test chooses."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", PASSWORD)
    with postgres_cluster() as server:
        server.stop()
        server.options += " -c wal_writer_delay=10000 -c synchronous_commit=on -c autovacuum=off"
        server.start()
        yield server


def journal_on(server: Postgres, dbname: str, local: Path, **options) -> PostgresJournal:
    url = parse_database(server.url(dbname))
    assert url is not None
    journal = open_postgres_journal(url, ISSUE_ID, create=True, local=local, **options)
    assert journal is not None
    # Its outcomes begin a fresh WAL segment: a page they filled would be written whatever the
    # WAL writer's delay, and keep some of them through a crash (the schema's WAL before them
    # decides where the pages end).
    journal.pg.raw.execute("SELECT pg_switch_wal()")
    return journal


def rows(server: Postgres, dbname: str) -> dict[str, tuple[str, int, str, str]]:
    with server.connect(dbname) as conn:
        found = conn.execute(
            "SELECT email::text, status, attempts, message_id, updated FROM deliveries"
        ).fetchall()
    return {email: (status, attempts, mid, at) for email, status, attempts, mid, at in found}


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_server_gone_the_accepted_outcomes_are_on_this_disk_before_any_waiting(lossy, tmp_path):
    """A crash, then a write that finds the server gone: before it waits, the kept `sent`
    and `unknown` outcomes and the accepted one it was writing are in this sender's kept
    file, each with its Message-ID and stamp (not the `failed`); the server back, the
    fence records again what the crash lost and removes the file."""
    dbname, local = lossy.new_database(), tmp_path / "postgresql-send"
    journal = journal_on(lossy, dbname, local)
    try:
        journal.record("a@example.org", "sent", attempts=1, message_id="<a@x>")
        journal.record("b@example.org", "unknown", attempts=1, message_id="<b@x>")
        journal.record("c@example.org", "failed", attempts=1, error="550 no such user")
        lossy.stop()
        during = threading.Thread(
            target=journal.record,
            args=("d@example.org", "sent"),
            kwargs={"attempts": 1, "message_id": "<d@x>"},
        )
        during.start()
        wait_for(lambda: bool(kept_files(local)))
        saved = {(e.email, e.status, e.message_id) for e in read_recovery(local)}
        assert saved == {
            ("a@example.org", "sent", "<a@x>"),
            ("b@example.org", "unknown", "<b@x>"),
            ("d@example.org", "sent", "<d@x>"),
        }
        assert all(e.recorded for e in read_recovery(local))
        lossy.start()
        during.join(timeout=60)
        assert rows(lossy, dbname).keys() == {"d@example.org"}  # the crash lost a, b, c
        with journal._lock:
            journal._fence()
        assert kept_files(local) == [] and not journal._kept.holding()
        assert {e: r[:2] for e, r in rows(lossy, dbname).items()} == {
            "a@example.org": ("sent", 1),
            "b@example.org": ("unknown", 1),
            "c@example.org": ("failed", 1),
            "d@example.org": ("sent", 1),
        }
    finally:
        journal.close()


def test_an_outcome_handed_over_and_in_no_statement_yet_is_saved_too(lossy, tmp_path):
    """The server found gone while an accepted outcome waits behind the writers (handed
    over, in no statement yet: the committer's lock held here so no writer takes it): it is
    in the kept file with the kept ones, so a kill then does not mail that reader again."""
    dbname, local = lossy.new_database(), tmp_path / "postgresql-send"
    journal = journal_on(lossy, dbname, local)
    try:
        journal.record("a@example.org", "sent", attempts=1, message_id="<a@x>")
        with journal._committer._changed:
            journal.record_soon("q@example.org", "sent", attempts=1, message_id="<q@x>")
            journal._server_gone()  # as a statement that lost its connection does
            saved = {(e.email, e.status, e.message_id) for e in read_recovery(local)}
        assert saved == {("a@example.org", "sent", "<a@x>"), ("q@example.org", "sent", "<q@x>")}
        journal.wait_recorded()
        with journal._lock:
            journal._fence()
        assert kept_files(local) == []
    finally:
        journal.close()


def test_a_kill_during_the_outage_leaves_the_file_and_the_rerun_records_it_once(lossy, tmp_path):
    """The sender gives up its process during the outage (as a kill -9 would leave it: the
    file written, nothing else): the server comes back without the outcomes, and the next
    run records each from the file once, with its stamp, saying nothing twice; the files
    are gone."""
    dbname, local = lossy.new_database(), tmp_path / "postgresql-send"
    journal = journal_on(lossy, dbname, local)
    journal.patience = 1.0
    for n in range(4):
        journal.record(f"r{n}@example.org", "sent", attempts=1, message_id=f"<m{n}@x>")
    journal.record("u@example.org", "unknown", attempts=1, message_id="<u@x>")
    lossy.stop()
    with contextlib.suppress(Exception):  # the server gone: the write gives up
        journal.record("last@example.org", "sent", attempts=1, message_id="<last@x>")
    saved = {e.email: e for e in read_recovery(local)}
    assert set(saved) == {*(f"r{n}@example.org" for n in range(4)), "u@example.org",
                          "last@example.org"}  # fmt: skip
    lossy.start()
    assert rows(lossy, dbname) == {}  # what the crash lost exists only in the file now
    rerun = journal_on(lossy, dbname, local)
    try:
        recovered, twice = _apply_recovery(rerun, local)
    finally:
        rerun.close()
    assert (recovered, twice) == (6, ())
    after = rows(lossy, dbname)
    assert {e: r[:3] for e, r in after.items()} == {
        **{f"r{n}@example.org": ("sent", 1, f"<m{n}@x>") for n in range(4)},
        "u@example.org": ("unknown", 1, "<u@x>"),
        "last@example.org": ("sent", 1, "<last@x>"),
    }
    assert all(after[e][3] == saved[e].recorded for e in after)  # the stamps they were sent at
    assert kept_files(local) == [] and not recovery_path(local).exists()
    with contextlib.suppress(Exception):
        journal.close()


def test_a_kept_line_the_journal_holds_is_recorded_already_and_another_hosts_copy_is_said(
    lossy, tmp_path
):
    """Applying the files: a kept line whose very row the journal has (same status,
    Message-ID and stamp: the server kept it) is counted and left alone, not reported as
    mailed twice; one whose reader has a later row (another host mailed it) is said; one
    the journal lacks is recorded once with its stamp, though two files name it."""
    dbname, local = lossy.new_database(), tmp_path / "postgresql-send"
    journal = journal_on(lossy, dbname, local)
    try:
        at = "2026-11-30T10:00:00Z"
        journal.record("kept@example.org", "sent", attempts=1, message_id="<k@x>", now=at)
        journal.record("other@example.org", "sent", attempts=1, message_id="<o@x>",
                       now="2026-11-30T10:00:40Z")  # fmt: skip
        KeptFile(local, "1-aa").write(
            [
                (ISSUE_ID, "kept@example.org", "sent", "<k@x>", at),
                (ISSUE_ID, "other@example.org", "sent", "<o@x>", at),
                (ISSUE_ID, "lost@example.org", "unknown", "<l@x>", at),
            ]
        )
        recovery_path(local).write_text(f"{ISSUE_ID}\tlost@example.org\tunknown\t<l@x>\n")
        assert _apply_recovery(journal, local) == (3, ("other@example.org",))
    finally:
        journal.close()
    assert rows(lossy, dbname) == {
        "kept@example.org": ("sent", 1, "<k@x>", at),
        "other@example.org": ("sent", 1, "<o@x>", "2026-11-30T10:00:40Z"),
        "lost@example.org": ("unknown", 1, "<l@x>", at),
    }
    assert read_recovery(local) == []


def test_a_kept_sent_line_over_its_own_unknown_row_is_recorded_sent_not_said_twice(lossy, tmp_path):
    """The journal holds `unknown` for a reader and the kept file `sent`, with the same
    Message-ID and stamp (the server lost the later write within that second): the stamp
    alone is not the very row; `sent` is recorded, and nobody is said mailed twice."""
    dbname, local = lossy.new_database(), tmp_path / "postgresql-send"
    journal = journal_on(lossy, dbname, local)
    try:
        at = "2026-11-30T10:00:00Z"
        journal.record("late@example.org", "unknown", attempts=1, message_id="<s@x>", now=at)
        KeptFile(local, "1-aa").write([(ISSUE_ID, "late@example.org", "sent", "<s@x>", at)])
        assert _apply_recovery(journal, local) == (1, ())
    finally:
        journal.close()
    status, _, message_id, stamp = rows(lossy, dbname)["late@example.org"]
    assert (status, message_id, stamp) == ("sent", "<s@x>", at)
    assert read_recovery(local) == []


def test_a_kept_files_spare_left_by_a_kill_mid_write_is_removed_with_the_files(tmp_path):
    """A sender killed -9 inside KeptFile.write (its new file written, not yet renamed)
    leaves `<kept>.tmp`; once the files are applied, discard_recovery removes it too."""
    local = tmp_path / "postgresql-send"
    line = (ISSUE_ID, "a@example.org", "sent", "<a@x>", "2026-11-30T10:00:00Z")
    KeptFile(local, "1-aa").write([line])
    pid = os.fork()
    if pid == 0:  # the sender: stopped between its write and the rename, then killed
        os.replace = lambda *_: time.sleep(60)  # type: ignore[assignment]
        try:
            KeptFile(local, "1-aa").write([line, line])
        finally:
            os._exit(0)
    spare = recovery_path(local).with_name(recovery_path(local).name + ".kept-1-aa.tmp")
    wait_for(spare.exists)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert [p.name for p in kept_files(local)] == ["postgresql-send.unjournaled.kept-1-aa"]
    discard_recovery(local)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@contextlib.contextmanager
def small_disk() -> Iterator[Path]:
    """A folder on a 256 kB tmpfs of its own (a real ENOSPC once filled); without the right
    to mount, a folder where the kept file's name is taken by a folder (a real EISDIR)."""
    folder = Path(tempfile.mkdtemp(prefix="newsletter-small-disk-"))
    mounted = can_mount()
    if mounted:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                       check=True, timeout=10)  # fmt: skip
    try:
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False, timeout=10)
        subprocess.run(["rm", "-rf", str(folder)], check=False, timeout=10)


def fill(folder: Path, journal: PostgresJournal) -> None:
    """Leave no room in `folder` (or, without a tmpfs, no way to write the kept file)."""
    if os.path.ismount(folder):
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * 512)
        finally:
            os.close(fd)
        return
    assert journal._kept._file is not None
    (journal._kept._file.path.parent / (journal._kept._file.path.name + ".tmp")).mkdir()


def test_a_kept_file_that_cannot_be_written_is_one_line_and_nothing_is_lost(lossy, capfd):
    """The disk full when the server goes: one line says how many accepted messages could
    not be saved and what a kill would do, once, through the caller's `warn` (the CLI's
    `warning:` line; the library prints nothing itself, from its committer thread); the
    sender keeps them in memory, and when the server does not come back they go to the run's
    recovery file, whose space was reserved at the start (its lines, with their stamps,
    recorded by the next run)."""
    dbname = lossy.new_database()
    said: list[str] = []
    with small_disk() as folder:
        local = folder / "postgresql-send"
        journal = journal_on(lossy, dbname, local, warn=said.append)
        journal.patience = 2.0
        with RecoveryFile(local) as recovery:  # its space reserved while there is room
            fill(folder, journal)
            journal.record("a@example.org", "sent", attempts=1, message_id="<a@x>")
            journal.record("b@example.org", "unknown", attempts=1, message_id="<b@x>")
            lossy.stop()
            try:
                line = journal.settle(recovery)
            finally:
                lossy.start()
                journal.close()
        printed = capfd.readouterr()
        assert "cannot save" not in printed.err + printed.out  # the CLI says it, not the library
        assert len(said) == 1, said
        assert "cannot save 2 accepted message(s) whose outcome the database server may have" \
            in said[0] and "mailed again" in said[0]  # fmt: skip
        assert line is not None and "cannot confirm deliveries" in line
        assert recovery.saved == 2 and recovery.unsaved == []
        saved = {(e.email, e.status, e.message_id) for e in read_recovery(local)}
        assert saved == {("a@example.org", "sent", "<a@x>"), ("b@example.org", "unknown", "<b@x>")}
        assert all(e.recorded for e in read_recovery(local))


@pytest.mark.slow
def test_a_sender_holding_a_kept_file_keeps_its_run_of_the_server_until_it_fences(lossy, tmp_path):
    """A crash found first by the lease's renewal: the accepted outcomes go to the kept
    file, and the renewals after the server is back keep the sender stamped with the
    server's earlier run, so that killed before its fence its readers are held for this
    workspace (which has the file) and not taken by another host; after the fence the
    next renewal stamps the present run."""
    dbname, local = lossy.new_database(), tmp_path / "postgresql-send"
    # A lease of 12 s (renewed every 2 s): a restart with crash recovery on a loaded machine
    # takes seconds, and a lease run out meanwhile would never be renewed on the new run.
    journal = journal_on(lossy, dbname, local, lease=12.0, merge="m")
    try:
        journal.register()
        journal.record("a@example.org", "sent", attempts=1, message_id="<a@x>")

        def stamped() -> tuple[str, str, object]:
            with lossy.connect(dbname) as conn:
                row = conn.execute(
                    f"SELECT server_epoch, {EPOCH}, lease_until FROM senders"
                ).fetchone()
            return row

        before, _, _ = stamped()
        lossy.stop()  # no write follows: the lease's renewal finds the server gone
        wait_for(lambda: bool(kept_files(local)))
        lossy.start()
        _, now, renewed = stamped()
        wait_for(lambda: stamped()[2] != renewed)  # renewed on the server's new run
        epoch, now, _ = stamped()
        assert now != before and epoch == before, "renewed as if nothing had been lost"
        with journal._lock:
            journal._fence()
        assert kept_files(local) == []
        wait_for(lambda: stamped()[0] == now)
    finally:
        journal.close()


@pytest.mark.slow
def test_a_sender_killed_during_a_crash_of_the_server_mails_nobody_again(send_ws, lossy, tmp_path):
    """`send` mid-way, the server crashes (`pg_ctl stop -m immediate`, its WAL writer asleep,
    so it loses the outcomes acknowledged without a flush) and the sender is killed -9 while
    it is down: the re-run records the kept file and mails none of those readers again
    (before, each lost outcome was a second copy), and says nothing went twice."""
    url = lossy.url(lossy.new_database())
    with (send_ws.root / "newsletter.toml").open("a") as toml:
        # [smtp]: the lease renewed (a durable commit, flushing all) every 5 s; one process,
        # whose fence (also flushing all) comes before each claim of 200
        toml.write("lease = 30\nprocesses = 1\n")
    active = import_readers(send_ws, url, 2000)
    local = send_ws.root / "postgresql-send"
    relay_log = RecordingHandler()
    lost: set[str] = set()
    in_files: set[str] = set()
    crashes = 0
    with smtp_server(handler=relay_log) as relay:
        # A fence just before the stop flushes everything and the crash loses nothing: crash
        # again, on the re-run (which records the kept file first), until one loses some.
        while not lost and crashes < 4:
            crashes += 1
            running = start_send(send_ws, url, *relay.send_flags, "--rate", "400")
            wait_for(lambda n=crashes: len(relay_log.received) >= 300 + 300 * n, timeout=120)
            _until_unwritten_wal(lossy, url)  # outcomes in the server's memory only
            lossy.stop()
            wait_for(lambda: bool(kept_files(local)))
            time.sleep(0.5)
            running.send_signal(signal.SIGKILL)
            running.communicate(timeout=30)
            in_file = {e.email for e in read_recovery(local)}
            lossy.start()
            lost |= in_file - rows_of(lossy, url)  # acknowledged, lost: only in the file
            in_files |= in_file
        code, output = send(send_ws, url, *relay.send_flags, "--rate", "400")
    assert code == 0, output
    print(f"lost in the crashes {len(lost)} ({crashes} crashes), in the kept files {len(in_files)}")
    # The server writes its WAL a page at a time as pages fill, so a crash loses the last
    # page's outcomes or so: 3-22 in the runs so far, unless a fence came just before it.
    assert lost, f"{crashes} crashes lost no outcome: nothing to tell"
    counts = relay_log.by_recipient()
    assert set(counts) == set(active)
    doubles = sorted(e for e, n in counts.items() if n > 1)
    assert not set(doubles) & in_files, f"mailed again: {set(doubles) & in_files}"
    assert len(doubles) <= crashes * send_ws.settings.smtp.connections, doubles  # in flight
    assert "Recorded " in output and "mailed again" not in output, output  # the last crash's
    assert kept_files(local) == []


def _until_unwritten_wal(server: Postgres, url: str) -> None:
    """Wait (2 s at most) until the server holds WAL it has not yet written out: what a stop
    now loses (a fence or a renewal just made writes, and flushes, all of it)."""
    deadline = time.monotonic() + 2.0
    with server.connect(url.rsplit("/", 1)[1]) as conn:
        query = "SELECT pg_current_wal_insert_lsn() > pg_current_wal_lsn()"
        while time.monotonic() < deadline and not conn.execute(query).fetchone()[0]:
            time.sleep(0.005)


def rows_of(server: Postgres, url: str) -> set[str]:
    with server.connect(url.rsplit("/", 1)[1]) as conn:
        found = conn.execute(
            "SELECT email::text FROM deliveries WHERE status IN ('sent', 'unknown')"
        ).fetchall()
    return {email for (email,) in found}


def test_a_server_gone_past_the_patience_leaves_the_kept_file_and_survivors_are_not_twice(
    lossy, tmp_path
):
    """The server does not come back within the patience: the run's stop counts the kept
    accepted outcomes as saved (they are in the kept file, not again in the recovery file);
    the outcomes did survive (on disk before the crash), so the next run counts them as
    recorded and reports no reader mailed twice."""
    dbname, local = lossy.new_database(), tmp_path / "postgresql-send"
    journal = journal_on(lossy, dbname, local)
    journal.patience = 1.0
    journal.record("a@example.org", "sent", attempts=1, message_id="<a@x>")
    journal.record("b@example.org", "unknown", attempts=1, message_id="<b@x>")
    with lossy.connect(dbname) as conn:
        conn.execute("CHECKPOINT")  # on disk: the crash loses none of them
    lossy.stop()
    try:
        with RecoveryFile(local) as recovery:
            line = journal.settle(recovery)
        assert line is not None and "cannot confirm deliveries" in line
        assert recovery.saved == 2 and recovery.kept_beside()
        assert not recovery_path(local).exists()  # nothing in the run's own file
    finally:
        lossy.start()
        journal.close()
    rerun = journal_on(lossy, dbname, local)
    try:
        assert _apply_recovery(rerun, local) == (2, ())
    finally:
        rerun.close()
    assert {e: r[:2] for e, r in rows(lossy, dbname).items()} == {
        "a@example.org": ("sent", 1),
        "b@example.org": ("unknown", 1),
    }
    assert kept_files(local) == []
