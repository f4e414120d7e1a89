"""First names: a `first_name` CSV column and option, `subscriber.first_name` in templates, the form's field."""

from __future__ import annotations

import csv
import io
import re
import shutil
import sqlite3
from email import policy
from email.parser import BytesParser

import pytest
from typer.testing import CliRunner

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.cli import app
from newsletter.issue.built import read_built_issue
from newsletter.mail.personalize import Recipient, prepare_mailing
from newsletter.subscribers.csv_export import export_csv
from newsletter.subscribers.csv_import import import_csv
from newsletter.subscribers.database import MIGRATIONS, open_database
from newsletter.subscribers.store import SubscriberStore
from tests.conftest import ROOT, SAMPLE_DATE
from tests.support.smtp_server import smtp_server

OPTIONS = AssembleOptions(today=SAMPLE_DATE)
GREETING = 'Hi {{ subscriber.first_name or "there" }},'


def _parts(data: bytes) -> tuple[str, str]:
    message = BytesParser(policy=policy.default).parsebytes(data)
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


@pytest.fixture
def store(tmp_path):
    """A fresh newsletter.db's subscribers."""
    with SubscriberStore(open_database(tmp_path / "newsletter.db")) as s:
        yield s


@pytest.fixture
def first_name_workspace(workspace):
    """The sample workspace with templates that greet each reader by first name."""
    shutil.copytree(ROOT / "templates", workspace / "templates")
    mjml = workspace / "templates" / "digest.mjml.j2"
    mjml.write_text(
        mjml.read_text("utf-8").replace(
            "<h1>", f'<p class="greeting">{GREETING}</p>\n          <h1>', 1
        ),
        "utf-8",
    )
    text = workspace / "templates" / "digest.txt.j2"
    lines = text.read_text("utf-8").split("\n")
    at = next(n for n, line in enumerate(lines) if not line.startswith(("{#", " ")))
    text.write_text("\n".join([*lines[:at], GREETING, "", *lines[at:]]), "utf-8")
    return workspace


def test_the_first_name_column_is_stored_apart_from_the_full_name(tmp_path, store):
    """`first_name` goes to its own column (not a merge field); `name` stays the full name."""
    path = tmp_path / "list.csv"
    path.write_text(
        "email,name,First Name,city\nana@example.org,Ana Quispe,Ana,Lima\nbo@example.org,Bo,,\n",
        "utf-8",
    )
    report = import_csv(path, store)
    assert report.added == 2 and report.rejected == ()
    ana = store.get("ana@example.org")
    assert (ana.name, ana.first_name, dict(ana.fields)) == ("Ana Quispe", "Ana", {"city": "Lima"})
    assert store.get("bo@example.org").first_name == ""
    assert store.field_names() == ["city"]


def test_an_empty_first_name_cell_keeps_the_stored_one(tmp_path, store):
    """A later import with the cell empty keeps the first name; a filled one replaces it."""
    path = tmp_path / "a.csv"
    path.write_text("email,first_name\nana@example.org,Ana\n", "utf-8")
    import_csv(path, store)
    path.write_text("email,first_name,city\nana@example.org,,Lima\n", "utf-8")
    import_csv(path, store)
    assert store.get("ana@example.org").first_name == "Ana"
    path.write_text("email,first_name\nana@example.org,Anita\n", "utf-8")
    import_csv(path, store)
    assert store.get("ana@example.org").first_name == "Anita"


def test_export_writes_first_name_and_imports_back(tmp_path, store):
    """The export's `first_name` column (after `name`) round-trips through an import."""
    path = tmp_path / "list.csv"
    path.write_text("email,name,first_name\nana@example.org,Ana Quispe,Ana\n", "utf-8")
    import_csv(path, store)
    out = tmp_path / "out.csv"
    out.write_text("email,name,status,created\n", "utf-8")  # an export from before first names
    assert export_csv(store, out) == 1  # replaces an earlier export's file
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert out.read_text("utf-8").startswith("email,name,first_name,status,")
    assert (rows[0]["name"], rows[0]["first_name"]) == ("Ana Quispe", "Ana")
    with SubscriberStore(open_database(tmp_path / "other.db")) as other:
        import_csv(out, other)
        assert other.get("ana@example.org").first_name == "Ana"
        assert other.field_names() == []


def test_subscribers_add_takes_first_name_and_show_prints_it(workspace, monkeypatch):
    """`subscribers add --first-name` stores it; `show` prints it; a re-add without it keeps it."""
    monkeypatch.chdir(workspace)
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["subscribers", "add", "ana@example.org", "--name", "Ana Quispe", "--first-name", "Ana"],
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(app, ["subscribers", "add", "ana@example.org", "--field", "city=Lima"])
    assert again.exit_code == 0, again.output
    shown = runner.invoke(app, ["subscribers", "show", "ana@example.org"]).output
    assert "  name: Ana Quispe\n" in shown and "  first_name: Ana\n" in shown
    too_long = runner.invoke(
        app, ["subscribers", "add", "bo@example.org", "--first-name", "x" * 1001]
    )
    assert too_long.exit_code == 1 and "--first-name: 1,001 characters" in too_long.output


@pytest.mark.parametrize(
    ("recipient", "greeting"),
    [
        (Recipient("ana@example.org", "Ana Quispe", first_name="Ana"), "Hi Ana,"),
        (Recipient("bo@example.org", "Bo Chávez"), "Hi there,"),
        (Recipient("cy@example.org", "", first_name="  "), "Hi there,"),
    ],
    ids=["first-name", "full-name-only", "blank"],
)
def test_first_name_or_there_follows_each_reader_in_both_parts(
    first_name_workspace, settings, recipient, greeting
):
    """`{{ subscriber.first_name or "there" }}` greets by first name, never by the full name."""
    result = build(["seeds"], settings, OPTIONS)
    built = read_built_issue(result.folder)
    mailing = prepare_mailing(built.rendered, built.issue.id, settings)
    text, html = _parts(mailing.message_for(recipient).data)
    for part in (text, html):
        assert re.findall(r"Hi [^<\r\n]*", part) == [greeting]
    assert sorted(p.name for p in result.folder.glob("merge*.eml")) == [
        "merge.eml",
        "merge.empty=first_name.eml",
    ]


def test_the_web_version_says_hi_there(first_name_workspace, settings):
    """The public copy greets nobody by a first name and leaves no merge tag."""
    result = build(["seeds"], settings, OPTIONS)
    for name in ("index.html", "index.txt"):
        page = (result.folder / name).read_text("utf-8")
        assert "Hi there," in page and "%%" not in page, name


def test_a_send_greets_each_reader_by_the_first_name_on_the_list(
    first_name_workspace, settings, monkeypatch
):
    """Through a real send to aiosmtpd: each reader's stored first name reaches their copy."""
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    result = build(["seeds"], settings, OPTIONS)
    path = first_name_workspace / "list.csv"
    path.write_text("email,name,first_name\nana@example.org,Ana Quispe,Ana\nbo@example.org,Bo,\n")
    runner = CliRunner()
    assert runner.invoke(app, ["subscribers", "import", str(path)]).exit_code == 0
    with smtp_server() as server:
        sent = runner.invoke(app, ["send", str(result.folder), *server.send_flags, "--yes"])
        assert sent.exit_code == 0, sent.output
        greetings = {
            r.rcpt_tos[0]: re.findall(r"Hi [^\r\n]*", _parts(r.data)[0]) for r in server.received
        }
    assert greetings == {"ana@example.org": ["Hi Ana,"], "bo@example.org": ["Hi there,"]}


def test_a_version_4_database_gains_first_names_in_place(tmp_path):
    """An older newsletter.db upgrades on open: its readers keep their rows, first names empty."""
    path = tmp_path / "newsletter.db"
    old = sqlite3.connect(path)
    old.executescript("".join(MIGRATIONS[:4]) + "; PRAGMA user_version = 4;")
    old.execute(
        "INSERT INTO subscribers (email, name, created, updated)"
        " VALUES ('kept@example.org', 'Kept Reader', 'x', 'x')"
    )
    old.commit()
    old.close()
    with SubscriberStore(open_database(path)) as store:
        kept = store.get("kept@example.org")
        assert (kept.name, kept.first_name) == ("Kept Reader", "")
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_first_names_and_reasons_hold_on_both_backends(any_store):
    """SQLite and PostgreSQL keep a first name apart from the name, and a bounce's reason."""
    from newsletter.subscribers.status_reasons import StatusReason, reason_for

    assert any_store.upsert("ana@example.org", "Ana Quispe", first_name="Ana") == "added"
    any_store.upsert("ana@example.org", None, {"city": "Lima"})  # None keeps the first name
    ana = any_store.get("ana@example.org")
    assert (ana.name, ana.first_name, dict(ana.fields)) == ("Ana Quispe", "Ana", {"city": "Lima"})
    first = StatusReason(
        "bounce", "5.1.1", "550 5.1.1 no such user", "2026-12-03T07:00:12Z", "<a@x>"
    )
    any_store.set_status("ana@example.org", "bounced", reason=first)
    later = StatusReason("complaint", "", "Feedback-Type: abuse", "2026-12-04T07:00:00Z", "<b@x>")
    any_store.set_status("ana@example.org", "unsubscribed", reason=later)
    assert reason_for(any_store.conn, "ana@example.org") == later  # the latest one, replaced
    any_store.resubscribe("ana@example.org")
    assert reason_for(any_store.conn, "ana@example.org") is None
