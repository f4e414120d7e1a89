"""`newsletter subscribers …`: the mailing list in newsletter.db (import, add, remove, list…)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from newsletter.cli.app import app, json_safe, on_this_machine, terminal_safe, workspace_settings
from newsletter.control_chars import ECHOED, quoted, shown_safely

if TYPE_CHECKING:
    from newsletter.config import Settings
    from newsletter.subscribers.store import Status, SubscriberStore

subscribers_app = typer.Typer(
    help="The mailing list (newsletter.db, or the PostgreSQL server `database` names): "
    "import, add, remove, unsubscribe, list, export...",
    no_args_is_help=True,
)
app.add_typer(subscribers_app, name="subscribers")

_NOT_UTF8 = re.compile("[\ud800-\udfff]")  # how Python hands over argv bytes that are not UTF-8
STATUS_HELP = "Only subscribers with this status: active, unsubscribed or bounced."


@subscribers_app.command("import")
def import_(
    csv_file: Path = typer.Argument(
        ...,
        metavar="FILE",
        help="A CSV file whose first line names "
        "the columns: email (required), name, any others as merge fields.",
        callback=on_this_machine("a CSV file, downloaded first"),
    ),
    resubscribe: bool = typer.Option(
        False,
        "--resubscribe",
        help="Make unsubscribed or bounced "
        "addresses in the file active again (only if they asked to).",
    ),
    encoding: str = typer.Option(
        "utf-8", "--encoding", help="The file's encoding if not UTF-8, e.g. latin-1 or cp1252."
    ),
    email_column: str = typer.Option(
        None,
        "--email-column",
        metavar="NAME",
        help="The column holding the addresses, when it is not called email, e-mail, "
        "email address or mail.",
    ),
) -> None:
    """Import subscribers from CSV: valid rows added or updated, each bad row reported by line.

    Exit code 1 when every row of the file was rejected (nothing imported); 0 otherwise.
    """
    from newsletter.errors import SubscriberError, display_path
    from newsletter.subscribers.csv_import import import_csv

    with _store() as store:
        report = import_csv(
            csv_file, store, resubscribe=resubscribe, encoding=encoding, email_column=email_column
        )
    shown = display_path(csv_file)
    counts = [
        (report.added, "added"),
        (report.updated, "updated"),
        (report.unchanged, "unchanged"),
        (report.suppressed, "kept unsubscribed or bounced"),
        (report.resubscribed, "re-subscribed"),
    ]
    done = ", ".join(f"{n} {what}" for n, what in counts if n) or "nothing added"
    typer.echo(
        f"Imported {shown}: {report.rows} row(s); {done}; {report.rejected_count} rejected"
        + (":" if report.rejected else ".")
    )
    for reject in report.rejected:
        typer.echo(f"  {shown}:{reject.line}: {reject.reason}")
    if report.rejected_count > len(report.rejected):
        typer.echo(f"  ... and {report.rejected_count - len(report.rejected)} more")
    if report.fields:
        typer.echo(
            f"Merge fields: {', '.join(report.fields)} "
            f"(templates use {{{{ subscriber.fields.{report.fields[0]} }}}})"
        )
    if report.rows and report.rejected_count == report.rows:  # a cron job must notice
        raise SubscriberError(
            f"{shown}: all {report.rows} row(s) rejected, nothing imported; fix the lines "
            "listed above (is it the right file, the right --encoding?) and import it again"
        )
    if report.rejected:
        typer.echo(
            f"Next: fix the rejected lines in {shown} and import it again (nothing is added twice)."
        )
    else:
        typer.echo(
            "Next: `newsletter subscribers count`, then `newsletter send issues/<id> --dry-run`."
        )


@subscribers_app.command()
def add(
    email: str = typer.Argument(..., metavar="EMAIL", help="The address to add."),
    name: str = typer.Option(
        None, "--name", help="The subscriber's full name (the To header, {{ subscriber.name }})."
    ),
    first_name: str = typer.Option(
        None,
        "--first-name",
        help='The first name, for a greeting: {{ subscriber.first_name or "there" }}.',
    ),
    field: list[str] = typer.Option(
        None,
        "--field",
        metavar="KEY=VALUE",
        help="A merge field, e.g. --field city=Lima; repeat for more.",
    ),
) -> None:
    """Add one subscriber (or update their names and fields); an unsubscribed one stays so."""
    from newsletter.errors import SubscriberError
    from newsletter.subscribers.csv_import import MAX_FIELD, clean_cell, column_key

    address = _address(email)
    given_names = {"--name": name or "", "--first-name": first_name or ""}
    for option, given in (*given_names.items(), *(("--field", f) for f in field or ())):
        if len(given) > MAX_FIELD:  # the import's limit: no cell it would refuse
            raise SubscriberError(
                f"{option}: {len(given):,} characters, past the limit of {MAX_FIELD:,}; shorten it"
            )
        if _NOT_UTF8.search(given):  # bytes the shell passed that are not UTF-8: unstorable
            raise SubscriberError(
                f"{option} {quoted(given)}: holds bytes that are not UTF-8 text; write it in UTF-8"
            )
    fields = {}
    for item in field or ():
        key, sep, value = item.partition("=")
        shown = quoted(item)
        if not sep or not column_key(key):
            raise SubscriberError(f"--field {shown}: write it as KEY=VALUE, e.g. --field city=Lima")
        if column_key(key) != key:  # what import makes of a column named so; templates need it
            raise SubscriberError(
                f"--field {shown}: a merge-field name is lower-case letters, digits and _ "
                f"(templates use {{{{ subscriber.fields.{shown_safely(column_key(key), ECHOED)} "
                f"}}}}); write it as --field {shown_safely(column_key(key), ECHOED)}=…"
            )
        fields[column_key(key)] = clean_cell(value)
    with _store() as store:
        change = store.add(
            address,
            clean_cell(name) if name is not None else None,
            fields,
            first_name=clean_cell(first_name) if first_name is not None else None,
        )
        if change == "added":
            from newsletter.subscribers.consent import record_consent

            record_consent(store.conn, address, "cli")
    if change == "suppressed":
        raise SubscriberError(
            f"{address} unsubscribed earlier (or bounced) and stays so, unchanged; if they "
            f"asked to come back, run `newsletter subscribers resubscribe {address}`"
        )
    said = {"added": "Added", "updated": "Updated", "unchanged": "Already on the list, unchanged:"}
    typer.echo(f"{said[change]} {address}.")


@subscribers_app.command()
def remove(
    email: str = typer.Argument(..., metavar="EMAIL", help="The address to delete from the list."),
) -> None:
    """Delete a subscriber (an unsubscribe is remembered: imports keep them out)."""
    from newsletter.errors import SubscriberError

    address = _listed_address(email)
    with _store() as store:
        suppressed = store.is_suppressed(address)
        if not store.remove(address):
            raise SubscriberError(
                f"{address} is not on the list; `newsletter subscribers list` shows it"
            )
    kept = " (they unsubscribed: no import will add them back)" if suppressed else ""
    typer.echo(f"Removed {address}{kept}.")


@subscribers_app.command()
def unsubscribe(
    email: str = typer.Argument(..., metavar="EMAIL", help="The address that asked to leave."),
) -> None:
    """Unsubscribe an address: no issue goes to it again, and no import brings it back."""
    address = _listed_address(email)
    with _store() as store:
        subscriber = store.set_status(address, "unsubscribed")
    if subscriber is None:
        typer.echo(f"{address} is not on the list; recorded as unsubscribed, so no import adds it.")
    else:
        typer.echo(f"Unsubscribed {subscriber.email}: no issue will be sent to it.")


@subscribers_app.command()
def resubscribe(
    email: str = typer.Argument(..., metavar="EMAIL", help="The address that asked to come back."),
) -> None:
    """Make an unsubscribed or bounced address active again (only when they asked to)."""
    from newsletter.errors import SubscriberError

    address = _address(email)
    with _store() as store:
        subscriber = store.resubscribe(address)
    if subscriber is None:
        raise SubscriberError(
            f"{address} is not on the list (nothing changed); add it with "
            f"`newsletter subscribers add {address}`"
        )
    typer.echo(f"{subscriber.email} is active again.")


@subscribers_app.command("list")
def list_(
    status: str = typer.Option(None, "--status", help=STATUS_HELP),
    limit: int = typer.Option(None, "--limit", min=1, help="At most this many lines."),
) -> None:
    """Print subscribers, one per line: email, name, status (tab-separated)."""
    wanted = _status(status)
    with _store(create=False) as store:
        for i, subscriber in enumerate(store.iter(wanted)):
            if limit is not None and i >= limit:
                break
            fields = (subscriber.email, subscriber.name, subscriber.status)
            typer.echo("\t".join(_shown(f) for f in fields))


@subscribers_app.command()
def count() -> None:
    """Count subscribers by status."""
    from newsletter.subscribers.backends import list_exists

    settings = workspace_settings()
    if not list_exists(settings):  # a count creates nothing: no file, no tables on a server
        typer.echo(
            "0 active, 0 unsubscribed, 0 bounced (no list yet: "
            "`newsletter subscribers import list.csv`)"
        )
        return
    with _store(settings=settings) as store:
        counts = store.counts()
    typer.echo(
        ", ".join(f"{n} {status}" for status, n in counts.items())
        + f" ({sum(counts.values())} in all)"
    )


@subscribers_app.command()
def export(
    out: str = typer.Argument(..., metavar="FILE", help="The CSV file to write, or - for stdout."),
    status: str = typer.Option(None, "--status", help=STATUS_HELP),
) -> None:
    """Export subscribers to CSV (email, name, status, dates, merge fields); it imports back."""
    from newsletter.errors import display_path
    from newsletter.subscribers.csv_export import export_csv

    wanted = _status(status)
    path = None if out == "-" else Path(out)
    with _store(create=False) as store:
        n = export_csv(store, path, status=wanted)
    where = "stdout" if path is None else display_path(path)
    typer.echo(f"Exported {n} subscriber(s) to {where}.", err=path is None)


@contextlib.contextmanager
def _store(*, create: bool = True, settings: Settings | None = None) -> Iterator[SubscriberStore]:
    """The workspace's store (SQLite or PostgreSQL); a database error becomes one line."""
    from newsletter.subscribers.backends import workspace_store

    with workspace_store(settings or workspace_settings(), create=create) as store:
        yield store


def _address(email: str) -> str:
    from newsletter.errors import SubscriberError
    from newsletter.subscribers.addresses import InvalidAddress, normalize_address

    try:
        return normalize_address(email)
    except InvalidAddress as e:
        raise SubscriberError(str(e)) from None


def _listed_address(email: str) -> str:
    """The address to look up, remove, unsubscribe or forget: `_address`, except that one an
    earlier version let onto the list and the rule now refuses (an RFC 2047 encoded-word, from
    a sign-up) is taken as written but for its domain's case (stored lower-cased), so the
    editor can still take it off."""
    from newsletter.mail_address import has_encoded_word

    value = email.strip()
    if has_encoded_word(value) and value.isascii() and value.isprintable() and " " not in value:
        local, at, domain = value.rpartition("@")
        return f"{local}{at}{domain.lower()}"
    return _address(email)


def _status(value: str | None) -> Status | None:
    from newsletter.errors import ConfigError
    from newsletter.subscribers.store import STATUSES

    if value is None or value == "all":
        return None
    if value not in STATUSES:
        raise ConfigError(f"--status {quoted(value)}: use one of {', '.join(STATUSES)}")
    return cast("Status", value)


# Issue 9 (GDPR basics): access and erasure requests.


@subscribers_app.command()
def show(
    email: str = typer.Argument(..., metavar="EMAIL", help="The address to look up."),
    as_json: bool = typer.Option(
        False, "--json", help="Everything held about the address, as one JSON object."
    ),
) -> None:
    """Show one subscriber: status, fields, consent, why they bounced or complained (code,
    diagnostic, date, report), last deliveries (an access request)."""
    import json

    from newsletter.subscribers.profile import subscriber_profile

    address = _listed_address(email)
    with _store(create=False) as store:
        profile = subscriber_profile(store.conn, address)
    if as_json:
        typer.echo(json_safe(json.dumps(profile, ensure_ascii=False, indent=2)))
        return
    if profile["status"] == "absent":
        typer.echo(f"{address}: not on the list" + (" (forgotten)" if profile["forgotten"] else ""))
        return
    _say(f"{profile['email']}: {profile['status']}")
    for key in ("name", "first_name", "created", "updated"):
        _say(f"  {key}: {profile[key]}")
    for key, value in profile["fields"].items():
        _say(f"  field {key}: {value}")
    consent = profile["consent"]
    _say(
        "  consent: "
        + (
            f"{consent['source']} at {consent['at']}"
            + (f" from {consent['client']}" if consent["client"] else "")
            + (f" (wording {consent['wording']})" if consent["wording"] else "")
            if consent
            else "not recorded"
        )
    )
    if profile["reason"]:
        _say(f"  reason: {_reason_line(profile['reason'])}")
    _say(f"  soft bounces in a row: {profile['soft_bounces']}")
    for d in profile["deliveries"]:
        _say(f"  {d['issue_id']}: {d['status']} {d['updated']} {d['last_error']}".rstrip())


_REASON_WORDS = {
    "bounce": ("bounce", "report"),
    "complaint": ("complaint", "report"),
    "refused": ("refused by the relay at sending", "message"),
}


def _shown(text: str) -> str:
    """A reader's own words (a name, a field, a server's diagnostic) as one field on one line:
    control characters (tab and line break too), bidi and invisible ones escaped (`\\x1b`).
    A name `serve` stored before it cleaned names can hold a terminal's escape sequences."""
    return terminal_safe(text).replace("\t", "\\x09").replace("\n", "\\x0a")


def _say(line: str) -> None:
    """One line of `show`, its values escaped as `_shown` escapes them."""
    typer.echo(_shown(line))


def _reason_line(reason: dict[str, str]) -> str:
    """`bounce 5.1.1 on 2026-12-03T07:00:12Z: "no such user" (report <id>)`."""
    kind, whose = _REASON_WORDS.get(reason["kind"], (reason["kind"], "message"))
    code = f" {reason['code']}" if reason["code"] else ""
    said = f': "{reason["diagnostic"]}"' if reason["diagnostic"] else ""
    ref = f" ({whose} {reason['message_id']})" if reason["message_id"] else ""
    return f"{kind}{code} on {reason['at']}{said}{ref}"


@subscribers_app.command()
def forget(
    email: str = typer.Argument(..., metavar="EMAIL", help="The address to erase."),
) -> None:
    """Erase an address, its name, fields, consent and journal rows; keep only a keyed hash."""
    from newsletter.send.outbox import delete_outbox_files_of
    from newsletter.subscribers.suppression import forget as forget_address

    address = _listed_address(email)
    with _store() as store:
        erased = forget_address(store.conn, address)
    files = delete_outbox_files_of(workspace_settings().workspace / "issues", address)
    typer.echo(
        f"Forgot {address}: {erased} record(s) erased"
        + (f" and {files} dry-run outbox file(s) named after it deleted" if files else "")
        + "; only a keyed hash is kept, so no import or add brings it back (their own "
        "sign-up can)."
    )
