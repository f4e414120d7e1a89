"""A login refused while a send reconnects: the server still up, but the role's password
changed (or the role may no longer log in) and every connection of the send ended, as a
failover to a server whose password differs, or an administrator's rotation, does.

The send cannot get back in however long it waits: it stops in one line naming host:port
and the login's own fix, exit 1, with what the relay accepted kept for the re-run, which
(the password set right) mails the rest, each reader once.
"""

from __future__ import annotations

import pytest

from tests.support.fault_commands import (
    import_readers,
    no_send_left_running,  # noqa: F401 (autouse: kills a send a failed test left running)
    one_error,
    start_send,
    wait_for,
)
from tests.support.postgres_server import PASSWORD
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("refusal", ["password", "nologin"])
def test_a_login_refused_mid_send_stops_in_one_line_and_loses_nobody(
    send_ws, postgres_server, refusal
):
    """300 readers at 40 a second; after 40 the role's password is changed (or its LOGIN
    taken away) and the send's connections are ended: the send stops, exit 1, one line
    naming host:port/dbname and the fix (the password variable, or ALTER ROLE … LOGIN),
    never the password; once the login works again the re-run mails every reader once."""
    dbname = postgres_server.new_database()
    role = f"news_{refusal}"  # the cluster is the session's: a role of this test's own
    with postgres_server.connect() as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(f'ALTER DATABASE "{dbname}" OWNER TO {role}')
    url = postgres_server.url(dbname, user=role)
    where = f"{postgres_server.host}:{postgres_server.port}/{dbname}"
    active = import_readers(send_ws, url, 300)
    handler = RecordingHandler()
    try:
        with smtp_server(handler=handler) as relay:
            sender = start_send(send_ws, url, *relay.send_flags, "--rate", "40")
            wait_for(lambda: len(handler.received) >= 40)
            with postgres_server.connect() as conn:
                change = "PASSWORD 'rotated elsewhere'" if refusal == "password" else "NOLOGIN"
                conn.execute(f"ALTER ROLE {role} {change}")
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                    (role,),
                )
            output, _ = sender.communicate(timeout=240)
            line = one_error(output)
            assert sender.returncode == 1, output
            assert f"{where}: " in line, line
            hint = "NEWSLETTER_DATABASE_PASSWORD" if refusal == "password" else "LOGIN"
            assert hint in line, line
            assert len(handler.received) < len(active), "the send ended before the refusal"
            with postgres_server.connect() as conn:
                conn.execute(f"ALTER ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
            rerun = start_send(send_ws, url, *relay.send_flags)
            out, _ = rerun.communicate(timeout=180)
            assert rerun.returncode == 0, out
    finally:
        with postgres_server.connect() as conn:
            conn.execute(f"ALTER ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
    counts = handler.by_recipient()
    assert set(counts) == set(active), "a reader was lost to the refused login"
    assert set(counts.values()) == {1}, [e for e, n in counts.items() if n > 1]
