"""A send plan: what a send of an issue will do, built once, shown to the editor, then run.

`plan_send` reads the built issue (its message, ready to fill per reader: the composer) and
the delivery journal (who has it, who does not, the list's highest subscriber id) once.
The confirmation prompt shows the plan's numbers and `send_issue` runs that same plan: the
list is cut at the plan's `last_id`, so a reader who joins while the prompt waits is left
for the next run, and the message is the one the prompt named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.config import Settings
from newsletter.errors import SubscriberError, display_path
from newsletter.issue.built import BuiltIssue
from newsletter.send.composer import Composer, prepare_issue
from newsletter.send.setting_names import SettingNames
from newsletter.send.status import IssueStatus, journal_status
from newsletter.send.transport import Transport
from newsletter.send.workers import SendProgress
from newsletter.subscribers.backends import list_exists

ProgressCallback = Callable[[SendProgress], None]


@dataclass(frozen=True, slots=True)
class SendOptions:
    """How to send: the caller's choices (the `send` command's flags)."""

    dry_run: bool = False  # write ISSUE/outbox/*.eml instead; record nothing
    limit: int | None = None  # the first N not yet sent only
    resend_unknown: bool = False  # also those whose outcome is unknown (the editor checked)
    password: str | None = None  # the SMTP password; None: NEWSLETTER_SMTP_PASSWORD
    transport: Transport | None = None  # None: the relay of settings.smtp (files for a dry run)
    on_progress: ProgressCallback | None = None  # called as messages go, for a progress bar
    #: what the send says while it runs, from any of its threads (an outcome kept but not
    #: saved to disk): the CLI shows it as a `warning:` line; None: nothing is said
    on_warning: Callable[[str], None] | None = None
    #: journal each message `unknown` from its final `.` until the relay's reply: a kill -9
    #: then leaves the message in flight unknown (never re-sent by itself), not pending
    #: (sent again). `newsletter run` sets it; `send` keeps one journal write a message.
    in_flight_unknown: bool = False
    #: how relay errors name what to change: newsletter.toml's [smtp] (run), or send's flags
    setting_names: SettingNames = field(default_factory=SettingNames)
    #: on PostgreSQL: also send the readers held for hosts cut off by a database restart or
    #: failover (docs/postgresql.md, "A host cut off by the database"): the editor's choice
    take_over: bool = False


@dataclass(frozen=True, slots=True)
class SendPlan:
    """One send, decided: the issue's message, the journal's counts, the options."""

    settings: Settings
    options: SendOptions
    composer: Composer
    status: IssueStatus  # the journal as read for the plan (counts, last_id, recovery file)

    @property
    def folder(self) -> Path:
        """The issue folder (its outbox, for a dry run)."""
        return self.composer.folder

    @property
    def issue_id(self) -> str:
        return self.composer.issue_id

    @property
    def subject(self) -> str:
        return self.composer.subject

    @property
    def last_id(self) -> int:
        """The list's highest subscriber id when planned: the run goes no further."""
        return self.status.last_id

    @property
    def todo(self) -> int:
        """Active subscribers without the issue (and the unknown ones, when re-sending them)."""
        counts = self.status.counts
        return counts.unsent + (counts.unknown if self.options.resend_unknown else 0)

    @property
    def recipients(self) -> int:
        """How many this run will mail: `todo`, capped by the limit."""
        limit = self.options.limit
        return self.todo if limit is None else min(limit, self.todo)

    @property
    def nothing_to_send(self) -> bool:
        """Nobody left to mail and no recovery file to record."""
        return self.todo == 0 and not self.status.recovering

    @property
    def relay(self) -> str:
        """Where the messages go, as the prompt names it: `host:port (security)`."""
        if self.options.transport is not None:
            return self.options.transport.description
        smtp = self.settings.smtp
        return f"{smtp.where} ({smtp.security_shown})"


def plan_send(
    built: BuiltIssue | Path, settings: Settings, options: SendOptions | None = None
) -> SendPlan:
    """The issue (as loaded once for the command, or read from its folder) and its journal,
    read once: the plan a prompt shows and a run runs.

    SettingsDriftError when the shared settings changed since the build; SubscriberError
    when a real send finds no list (no database yet) or an empty one: every caller (`send`,
    `newsletter run`, `send_issue`) refuses it the same way. Nothing is created either way
    (a dry run without a database plans a send to nobody).
    """
    options = options or SendOptions()
    if not options.dry_run:
        _refuse_without_a_list(settings)
    composer = prepare_issue(built, settings)
    status = journal_status(settings, composer.issue_id, composer.subject, first=0)
    if not options.dry_run:
        _refuse_without_a_list(settings, status)
    return SendPlan(settings, options, composer, status)


def _refuse_without_a_list(settings: Settings, status: IssueStatus | None = None) -> None:
    """One line, and no database made, when the workspace has no list to send to (before the
    plan), or the journal finds it empty: a second folder whose `database` still names its
    own (absent) file used to get an empty newsletter.db and "Nothing to send: 0 active
    subscriber(s) already have issue …", exit 0, as if the send were done."""
    if status is None:
        if list_exists(settings):
            return
    else:
        c = status.counts
        if c.sent or c.unsent or c.unknown or c.inactive:
            return
    server = settings.database_server
    where = server.where if server is not None else display_path(settings.database_file())
    what = "no list yet" if status is None else "the list is empty"
    raise SubscriberError(
        f"{where}: {what}, so nobody to send to; import it (`newsletter subscribers "
        "import list.csv`), or, to send from a list another host keeps on PostgreSQL, set "
        "`database` in newsletter.toml (or NEWSLETTER_DATABASE_URL) to its URL"
    )
