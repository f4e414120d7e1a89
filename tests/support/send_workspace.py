"""A workspace with a built issue and a subscriber list, for the sender's tests.

The issue is rendered once per session from a hand-made manifest, with the workspace's
own templates greeting "Dear {{ subscriber.name }} in {{ subscriber.fields.city }}" above
the lead, so personalisation shows in both parts (only templates make merge tags: text
in a manifest or a source is literal); each test gets its own copy of the workspace
(see tests/support/send_fixtures.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from newsletter.cli import app
from newsletter.config import Settings, load_settings
from newsletter.send.journal import DeliveryJournal, open_journal
from newsletter.subscribers.store import SubscriberStore, open_store

ISSUE_ID = "2026-W48"

SETTINGS = """\
name = "The Test Brief"
from = "The Test Brief <digest@example.org>"
reply_to = "editor@example.org"
base_url = "https://news.example.org"
postal_address = "The Test Brief, 1 Example Street, Springfield"

[unsubscribe]
mailto = "unsubscribe@example.org"
url = "https://news.example.org/unsubscribe"
secret_env = "NEWSLETTER_TEST_UNSUBSCRIBE_SECRET"

[smtp]
host = "127.0.0.1"
port = 2525
security = "none"
timeout = 5.0
connections = 2
retry_delay = 0.01
max_attempts = 4
"""

GREETING = (
    "Dear {{ subscriber.name }} in {{ subscriber.fields.city }}, this week the border story leads."
)

LEAD = """\
Peru is preparing to declare a state of emergency along its border with Chile, \
President José Jerí announced on Friday.
"""


@dataclass(frozen=True)
class Workspace:
    """A workspace folder, its settings and its built issue."""

    root: Path
    settings: Settings

    @property
    def issue(self) -> Path:
        return self.root / "issues" / ISSUE_ID

    @property
    def database(self) -> Path:
        return self.settings.path(self.settings.database)

    def store(self) -> SubscriberStore:
        """The subscriber store (close it, or use it in a `with`), on either backend."""
        server = self.settings.database_server
        if server is None:
            return open_store(self.database)
        from newsletter.subscribers.postgres import PostgresConnection, connect_postgres
        from newsletter.subscribers.postgres_schema import upgrade_postgres

        conn = connect_postgres(server)
        upgrade_postgres(conn, server)
        return SubscriberStore(PostgresConnection(conn, server))

    def journal(self, issue_id: str = ISSUE_ID) -> DeliveryJournal:
        """The issue's delivery journal (close it), on either backend; created if missing."""
        server = self.settings.database_server
        if server is None:
            return open_journal(self.database, issue_id)
        from newsletter.send.shared_journal import open_postgres_journal

        journal = open_postgres_journal(server, issue_id, create=True)
        assert journal is not None
        return journal

    def journal_statuses(self, issue_id: str = ISSUE_ID) -> dict[str, str]:
        """{email: status in the issue's delivery journal} (`sent`, `failed`, `unknown`...)."""
        journal = self.journal(issue_id)
        try:
            return dict(journal.conn.execute("SELECT email, status FROM deliveries").fetchall())
        finally:
            journal.close()

    @property
    def send_state(self) -> Path:
        """What the send lock and the recovery file are named after: the SQLite file, or the
        workspace's stand-in for a server (newsletter/send/shared_journal.py)."""
        if self.settings.database_server is None:
            return self.database
        from newsletter.send.shared_journal import local_state

        return local_state(self.settings)

    def on_server(self, url: str) -> Workspace:
        """The same workspace with its database on the PostgreSQL server `url` names."""
        return replace(self, settings=replace(self.settings, database=url))

    def with_server(self, host: str, port: int, **smtp) -> Settings:
        """The settings pointed at a server, with other SMTP settings changed as given."""
        return replace(
            self.settings, smtp=replace(self.settings.smtp, host=host, port=port, **smtp)
        )

    def add(self, *subscribers: tuple[str, str] | str, fields: dict | None = None) -> None:
        """Add subscribers: `"a@example.org"` or `("a@example.org", "Name")`."""
        with self.store() as store:
            for s in subscribers:
                email, name = (s, "") if isinstance(s, str) else s
                store.upsert(email, name, fields or {})

    def statuses(self) -> dict[str, str]:
        """Each subscriber's status on the list (`active`, `bounced`...), by address."""
        with self.store() as store:
            return {s.email: s.status for s in store.iter()}

    def cli(self, monkeypatch, *readers: str) -> Callable[..., Result]:
        """`newsletter ARGS...` run in this workspace (made the current folder) through Typer's
        test runner, with `readers` added to the list first."""
        monkeypatch.chdir(self.root)
        self.add(*readers)
        runner = CliRunner()
        return lambda *args: runner.invoke(app, list(args))

    def refused_earlier(self, emails: list[str], issue_id: str = "2026-W47") -> None:
        """Journal an earlier issue whose relay refused `emails` as unknown (`550 5.1.1`): a
        refusal now is then the second in a row, and marks them bounced (workers._bounced)."""
        journal = self.journal(issue_id)
        try:
            for email in emails:
                journal.record(email, "failed", attempts=1, error="550 5.1.1 User unknown")
        finally:
            journal.close()

    def add_many(self, n: int, domain: str = "example.org") -> list[str]:
        """Add `n` numbered subscribers; return their addresses."""
        emails = [f"reader{i:05d}@{domain}" for i in range(n)]
        with self.store() as store:
            store.conn.execute("BEGIN")
            for i, email in enumerate(emails):
                store.upsert(email, f"Reader {i}", {"city": "Lima"})
            store.conn.execute("COMMIT")
        return emails


def build_sample_issue(
    root: Path, *, subject: str = "Peru prepares a border emergency", lead: str = LEAD
) -> Path:
    """Write newsletter.toml and build issues/<id>/ from a hand-made manifest; return the folder."""
    from newsletter.build import rebuild
    from newsletter.issue.manifest import manifest_text
    from newsletter.models import Headline, Issue, Lead, ScoredHeadline

    (root / "newsletter.toml").write_text(SETTINGS, "utf-8")
    write_greeting_templates(root)
    issue = Issue(
        id=ISSUE_ID,
        date=dt.date(2026, 11, 26),
        subject=subject,
        preheader="The decision comes amid heightened tensions.",
        lead=Lead(title="Peru prepares a border emergency", body=lead),
        related=(
            ScoredHeadline(
                Headline("Border crossings rise", "https://example.org/a"), 1.2, ("border",)
            ),
        ),
    )
    folder = root / "issues" / ISSUE_ID
    folder.mkdir(parents=True)
    (folder / "issue.toml").write_text(manifest_text(issue, f"issues/{ISSUE_ID}"), "utf-8")
    settings, _ = load_settings(root)
    rebuild(folder, settings)
    return folder


def write_greeting_templates(root: Path) -> None:
    """The default templates in the workspace's templates/, with GREETING above the lead."""
    from newsletter.render.templates import HTML_TEMPLATE, TEXT_TEMPLATE, default_templates_dir

    defaults, own = default_templates_dir(), root / "templates"
    own.mkdir(exist_ok=True)
    for name, lead, greeting in (
        (HTML_TEMPLATE, "{{ lead_html }}", f"<p>{GREETING}</p>\n{{{{ lead_html }}}}"),
        (TEXT_TEMPLATE, "{{ lead_text }}", f"{GREETING}\n\n{{{{ lead_text }}}}"),
    ):
        text = (defaults / name).read_text("utf-8")
        assert text.count(lead) == 1, name
        (own / name).write_text(text.replace(lead, greeting), "utf-8")


@pytest.fixture(name="send_ws")
def send_ws_on_each_backend(
    send_ws: Workspace, backend: str, request: pytest.FixtureRequest
) -> Workspace:
    """The send workspace on each backend in turn: its SQLite file, then a fresh PostgreSQL
    database (the journal's semantics are one on both).  A test module imports it to take
    `send_ws` so."""
    if backend == "postgresql":
        return send_ws.on_server(request.getfixturevalue("postgres_url"))
    return send_ws
