"""A relay refusing every reader as an unknown address (`550 5.1.1`), run after run and round
after round: the readers it may have marked bounced are counted over the issue's journal, not
per run (aiosmtpd on 127.0.0.1 scripted to lie, on SQLite and PostgreSQL)."""

from __future__ import annotations

from newsletter.send.sender import send_issue
from newsletter.send.workers import BELIEVED_BOUNCES, SENT_PER_BOUNCE
from tests.support.backend_workspace import send_ws_on_each_backend  # noqa: F401  (send_ws on both)
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]


def test_running_the_send_again_never_marks_more_than_one_run_may(send_ws):
    """80 readers, every other one refused `550 5.1.1` each time it is tried (never 20 in a
    row: no pause), the send run three times as its summary says to: at most BELIEVED_BOUNCES and one per
    SENT_PER_BOUNCE of the issue's 40 sent are marked bounced in all (each run marked ten
    more), and each summary's bounced and unbelieved add up to the run's refusals."""
    emails = send_ws.add_many(80)
    send_ws.refused_earlier(emails[::2])  # the second issue in a row: believed, within bounds
    handler = RecordingHandler()
    for email in emails[::2]:
        handler.fail(
            email, "rcpt", *["550 5.1.1 <x>: Recipient address rejected: User unknown"] * 3
        )
    summaries = []
    with smtp_server(handler=handler) as server:
        settings = send_ws.with_server(server.host, server.port, connections=1)
        for _ in range(3):
            summaries.append(send_issue(send_ws.issue, settings))
    marked = [e for e, status in send_ws.statuses().items() if status == "bounced"]
    shown = [(s.sent, s.failed, s.bounced, s.unbelieved) for s in summaries]
    assert len(marked) <= BELIEVED_BOUNCES + 40 // SENT_PER_BOUNCE, shown
    assert sum(s.bounced for s in summaries) == len(marked), shown
    assert all(e in emails[::2] for e in marked)
    assert [s.sent for s in summaries] == [40, 0, 0], shown
    assert all(s.failed == s.bounced + s.unbelieved for s in summaries), shown
