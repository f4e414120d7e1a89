"""`newsletter archive`: the static site of past issues, its feeds, and the web-version links."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from email import policy
from email.parser import BytesParser

import feedparser
import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from newsletter.archive import write_archive
from newsletter.cli import app
from newsletter.config import load_settings
from newsletter.errors import ManifestError, OutputError
from tests.support.archive_workspace import add_issues, mark_sent, site_bytes
from tests.support.check_workspace import make_sample_workspace

pytest_plugins = ["tests.support.send_fixtures"]
BASE = "https://news.example.org"


@pytest.fixture(scope="session")
def four_issues(tmp_path_factory):
    """The sample workspace with the sample issue and three earlier weeks built and sent, made once."""
    root = make_sample_workspace(tmp_path_factory.mktemp("archive") / "ws")
    mark_sent(root, "2026-W48", *add_issues(root, 3))
    return root


@pytest.fixture
def ws(four_issues, tmp_path, monkeypatch):
    """A fresh copy of the four-issue workspace, as the working directory."""
    root = tmp_path / "ws"
    shutil.copytree(four_issues, root)
    monkeypatch.chdir(root)
    return root


def settings_of(root):
    return load_settings(root)[0]


def test_index_lists_every_issue_newest_first_with_date_subject_and_preheader(ws):
    """index.html links each issue's page, newest first, with its date, subject and preheader."""
    result = write_archive(settings_of(ws))
    assert result.issues == ("2026-W48", "2026-W47", "2026-W46", "2026-W45")
    soup = BeautifulSoup((ws / "site" / "index.html").read_text("utf-8"), "html.parser")
    items = soup.select("main li")
    assert [li.a["href"] for li in items] == ["2026-W48/", "2026-W47/", "2026-W46/", "2026-W45/"]
    assert items[1].a.get_text().startswith("Week 1: Peru to declare")
    assert (
        items[1].time["datetime"] == "2026-11-19" and items[1].time.get_text() == "19 November 2026"
    )
    assert items[0].p.get_text().startswith("The decision comes amid heightened tensions")
    assert soup.html["lang"] == "en"


def test_each_page_is_the_email_at_the_address_its_web_version_link_gives(ws):
    """Every email's "View this issue in your browser" link is base_url/<id>/, where its page is."""
    write_archive(settings_of(ws))
    for folder in sorted((ws / "issues").iterdir()):
        message = BytesParser(policy=policy.default).parsebytes(
            (folder / "message.eml").read_bytes()
        )
        html = message.get_body(preferencelist=("html",)).get_content()
        link = BeautifulSoup(html, "html.parser").find(
            "a", string="View this issue in your browser"
        )
        assert link["href"].startswith(BASE + "/")
        page = ws / "site" / link["href"].removeprefix(BASE + "/") / "index.html"
        assert page.is_file(), link["href"]
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        assert soup.find("link", rel="canonical")["href"] == link["href"]
        assert soup.h1.get_text() in html  # the email's own headline
        assert soup.find("nav", attrs={"aria-label": "Archive"}).a["href"] == "../"


def test_the_atom_feed_parses_without_complaint(ws):
    """feed.xml parses with feedparser (bozo false): one entry per issue, linking its page."""
    write_archive(settings_of(ws))
    feed = feedparser.parse((ws / "site" / "feed.xml").read_bytes())
    assert feed.bozo is False, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "The Weekly Brief"
    assert [e.link for e in feed.entries] == [f"{BASE}/2026-W{w}/" for w in (48, 47, 46, 45)]
    first = feed.entries[0]
    assert first.title == "Peru to declare state of emergency on Chile border"
    assert first.summary.startswith("The decision comes amid")
    assert "Peru-Chile border" in first.content[0].value
    assert first.published == "2026-11-26T00:00:00Z"


def test_the_json_feed_is_json_feed_1_1(ws):
    """feed.json holds the JSON Feed 1.1 fields, one item per issue, newest first."""
    write_archive(settings_of(ws))
    feed = json.loads((ws / "site" / "feed.json").read_text("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["home_page_url"] == f"{BASE}/" and feed["feed_url"] == f"{BASE}/feed.json"
    assert [i["id"] for i in feed["items"]] == [f"{BASE}/2026-W{w}/" for w in (48, 47, 46, 45)]
    item = feed["items"][0]
    assert set(item) == {"id", "url", "title", "summary", "content_html", "date_published"}
    assert item["date_published"] == "2026-11-26T00:00:00Z"
    assert (
        "<archive-nav" not in item["content_html"] and "All issues of" not in item["content_html"]
    )


def test_two_runs_write_identical_bytes_and_the_second_writes_nothing(ws, tmp_path):
    """Re-running on the same issues writes no file; a fresh folder gets the very same bytes."""
    settings = settings_of(ws)
    first = write_archive(settings)
    before = site_bytes(ws / "site")
    again = write_archive(settings)
    assert again.rendered == () and again.written == ()
    assert site_bytes(ws / "site") == before
    write_archive(settings, out=tmp_path / "elsewhere")
    assert site_bytes(tmp_path / "elsewhere") == before
    assert len(first.rendered) == 4


def test_only_a_changed_issue_is_rendered_again(ws):
    """Editing one issue's manifest and rebuilding it re-renders that page only."""
    from newsletter.build import rebuild

    settings = settings_of(ws)
    write_archive(settings)
    manifest = ws / "issues" / "2026-W46" / "issue.toml"
    manifest.write_text(manifest.read_text("utf-8").replace("Week 2:", "Week two:"), "utf-8")
    rebuild(ws / "issues" / "2026-W46", settings, force=True)  # a correction after its send
    result = write_archive(settings)
    assert result.rendered == ("2026-W46",)
    assert "Week two:" in (ws / "site" / "index.html").read_text("utf-8")
    assert set(result.written) == {
        "2026-W46/index.html",
        "index.html",
        "feed.xml",
        "feed.json",
        ".newsletter-archive.json",
    }


def test_a_page_deleted_or_edited_in_the_site_is_written_again(ws):
    """The archive notices its own page was removed and restores it."""
    settings = settings_of(ws)
    write_archive(settings)
    (ws / "site" / "2026-W47" / "index.html").unlink()
    assert write_archive(settings).rendered == ("2026-W47",)


def test_since_and_limit_choose_the_issues_and_drop_the_pages_left_out(ws):
    """--since keeps issues dated on or after the day; --limit the newest N; others' pages go."""
    settings = settings_of(ws)
    write_archive(settings)
    (ws / "site" / "CNAME").write_text("news.example.org\n")  # the editor's own file stays
    result = write_archive(settings, since=dt.date(2026, 11, 12))
    assert result.issues == ("2026-W48", "2026-W47", "2026-W46")
    assert result.removed == ("2026-W45",) and not (ws / "site" / "2026-W45").exists()
    assert write_archive(settings, limit=1).issues == ("2026-W48",)
    assert sorted(p.name for p in (ws / "site").iterdir()) == [
        ".newsletter-archive.json",
        "2026-W48",
        "CNAME",
        "feed.json",
        "feed.xml",
        "index.html",
    ]
    assert write_archive(settings).rendered == ("2026-W47", "2026-W46", "2026-W45")


def test_a_folder_the_archive_did_not_write_is_refused(ws):
    """--out pointing at someone's files is an error; nothing is written there."""
    (ws / "mine").mkdir()
    (ws / "mine" / "notes.txt").write_text("mine")
    with pytest.raises(
        OutputError, match=r"mine: exists and was not written by `newsletter archive`"
    ):
        write_archive(settings_of(ws), out=ws / "mine")
    assert [p.name for p in (ws / "mine").iterdir()] == ["notes.txt"]


def test_a_first_archive_killed_after_its_pages_is_finished_by_the_next_one(ws, monkeypatch):
    """Stopped (as by kill -9) after the first pages and before the state file: the next archive takes the folder as its own and completes it."""
    from newsletter.archive import site as site_module

    class Killed(BaseException):
        """What a kill -9 leaves: no handler runs after it."""

    real_write = site_module._write_files

    def killed_before_the_state(out, files, removed, warnings):  # the injected crash
        if len(files) > 1:  # the pages and feeds of this run, but not its state file
            real_write(out, {n: b for n, b in files.items() if n != site_module.STATE_NAME}, (), [])
            raise Killed
        return real_write(out, files, removed, warnings)

    monkeypatch.setattr(site_module, "_write_files", killed_before_the_state)
    with pytest.raises(Killed):
        write_archive(settings_of(ws))
    assert (ws / "site" / "2026-W48" / "index.html").is_file()
    monkeypatch.setattr(site_module, "_write_files", real_write)
    result = write_archive(settings_of(ws))
    assert result.issues == ("2026-W48", "2026-W47", "2026-W46", "2026-W45")
    state = json.loads((ws / "site" / site_module.STATE_NAME).read_text("utf-8"))
    assert sorted(state["issues"]) == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]


def test_a_first_archive_killed_while_claiming_its_folder_is_finished_by_the_next_one(ws):
    """Killed between writing the claim's staging file and renaming it: the next archive takes the folder and drops the leftover."""
    from newsletter.archive.site import STATE_NAME

    leftover = ws / "site" / f".{STATE_NAME}.tmp-1a2b3c4d"  # what that kill -9 leaves
    leftover.parent.mkdir()
    leftover.write_bytes(b'{"format"')
    result = write_archive(settings_of(ws))
    assert result.issues == ("2026-W48", "2026-W47", "2026-W46", "2026-W45")
    assert not leftover.exists()
    assert (ws / "site" / STATE_NAME).is_file()


def test_subscribe_link_only_when_configured(ws):
    """With [archive] subscribe = true every page and the index link base_url/subscribe."""
    write_archive(settings_of(ws))
    assert "/subscribe" not in (ws / "site" / "2026-W48" / "index.html").read_text("utf-8")
    config = ws / "newsletter.toml"
    config.write_text(config.read_text().replace("subscribe = false", "subscribe = true"))
    result = write_archive(settings_of(ws))
    assert len(result.rendered) == 4  # a setting every page shows re-renders them all
    for page in ("index.html", "2026-W48/index.html"):
        soup = BeautifulSoup((ws / "site" / page).read_text("utf-8"), "html.parser")
        assert soup.find("a", string="Subscribe")["href"] == f"{BASE}/subscribe"


def test_no_reader_data_reaches_any_page(send_ws, monkeypatch):
    """After a real dry-run send with signed tokens, no address, name, field or token is in the site."""
    from newsletter.send.sender import SendOptions, send_issue

    send_ws.add(("reader.one@example.org", "Reader One"), fields={"city": "Lima"})
    send_ws.add(("reader.two@example.net", "Reader Two"), fields={"city": "Quito"})
    send_issue(send_ws.issue, send_ws.settings, SendOptions(dry_run=True))
    outbox = b"".join(p.read_bytes() for p in (send_ws.issue / "outbox").iterdir())
    assert b"token=" in outbox and b"Reader One" in outbox  # the copies do carry them
    monkeypatch.chdir(send_ws.root)
    write_archive(send_ws.settings, unsent=True)  # a dry run records no send
    site = site_bytes(send_ws.root / "site")
    for name, data in site.items():
        text = data.decode("utf-8")
        for secret in (
            "reader.one",
            "reader.two",
            "Reader One",
            "Reader Two",
            "Lima",
            "Quito",
            "token=",
            "%%",
            "digest@example.org",
        ):
            assert secret not in text, (name, secret)
    page = site["2026-W48/index.html"].decode("utf-8")
    # As on the web version, a field the template does not test is empty in public (a template
    # that wants words there writes `subscriber.name or "there"`: test_public_copies.py).
    assert "Dear  in , this week" in page
    assert 'href="https://news.example.org/unsubscribe"' in page


def test_the_cli_reports_what_it_did_and_where_to_publish(ws):
    """`newsletter archive` prints counts and the next step; a bad --since is one error line."""
    runner = CliRunner()
    result = runner.invoke(app, ["archive", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "Archive site/: 2 issue(s) (2 rendered, 0 unchanged, 0 removed)" in result.output
    assert f"Next: publish site/ at {BASE}/" in result.output
    bad = runner.invoke(app, ["archive", "--since", "last week"])
    assert bad.exit_code == 1
    assert bad.output.strip() == "error: --since 'last week': use YYYY-MM-DD, e.g. 2026-11-01"


def test_an_empty_workspace_gets_an_empty_but_valid_archive(tmp_path, monkeypatch):
    """No issue built yet: an index saying so and feeds that still parse."""
    (tmp_path / "newsletter.toml").write_text('base_url = "https://news.example.org"\n')
    monkeypatch.chdir(tmp_path)
    result = write_archive(settings_of(tmp_path))
    assert result.issues == ()
    assert "No issue yet." in (tmp_path / "site" / "index.html").read_text("utf-8")
    assert feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes()).bozo is False
    assert re.search(r'"items": \[\]', (tmp_path / "site" / "feed.json").read_text("utf-8"))


def test_archiving_nothing_says_to_build_first(tmp_path, monkeypatch):
    """With no issue built (or none since --since) the next step is a build, not publishing."""
    (tmp_path / "newsletter.toml").write_text('base_url = "https://news.example.org"\n')
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["archive"])
    assert result.exit_code == 0, result.output
    assert "Next: no built issue under issues/ to archive; build one" in result.output
    assert "publish" not in result.output
    since = runner.invoke(app, ["archive", "--since", "2027-01-01"])
    assert "Next: no issue dated 2027-01-01 or later to archive" in since.output


def test_a_page_lives_at_its_manifest_id_whatever_the_folder_is_called(ws):
    """An issue built with --out issues/special keeps the id of its manifest, and so its link."""
    from newsletter.build import rebuild

    special = ws / "issues" / "special"
    shutil.copytree(ws / "issues" / "2026-W45", special)
    manifest = special / "issue.toml"
    text = manifest.read_text("utf-8").replace('id = "2026-W45"', 'id = "2026-special"')
    manifest.write_text(text.replace("date = 2026-11-05", "date = 2026-12-03"), "utf-8")
    rebuild(special, settings_of(ws))
    mark_sent(ws, "2026-special")
    write_archive(settings_of(ws))
    page = ws / "site" / "2026-special" / "index.html"
    assert f'href="{BASE}/2026-special/"' in (special / "index.html").read_text("utf-8")
    assert f'<link rel="canonical" href="{BASE}/2026-special/">' in page.read_text("utf-8")
    assert write_archive(settings_of(ws)).issues[0] == "2026-special"


def test_two_folders_with_one_id_are_refused_before_anything_is_written(ws):
    """A copied issue folder that kept its id is an error naming both folders; no site appears."""
    shutil.copytree(ws / "issues" / "2026-W45", ws / "issues" / "copy")
    with pytest.raises(OutputError, match=r"issues/copy: has the id '2026-W45' of issues/2026-W45"):
        write_archive(settings_of(ws))
    assert not (ws / "site").exists()


def test_a_broken_manifest_stops_the_run_and_leaves_the_site_as_it_was(ws):
    """An issue.toml with a bad value is reported with its file and line; no file changes."""
    settings = settings_of(ws)
    write_archive(settings)
    before = site_bytes(ws / "site")
    manifest = ws / "issues" / "2026-W46" / "issue.toml"
    manifest.write_text(manifest.read_text("utf-8").replace("date = 2026-11-12", 'date = "soon"'))
    with pytest.raises(
        ManifestError, match=r"issues/2026-W46/issue.toml:\d+: date: must be a date"
    ):
        write_archive(settings)
    assert site_bytes(ws / "site") == before


def hostile_state(ws, entries: dict) -> None:
    """Add `entries` to site/.newsletter-archive.json, as someone with write access to site/ could."""
    path = ws / "site" / ".newsletter-archive.json"
    state = json.loads(path.read_text("utf-8"))
    state["issues"].update(entries)
    path.write_text(json.dumps(state), "utf-8")


def test_a_hostile_state_file_deletes_nothing_outside_the_site(ws, tmp_path):
    """State keys naming paths elsewhere (a folder on the disk, issues/2026-W48) are ignored with a warning; those files stay."""
    write_archive(settings_of(ws))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_text("keep me", "utf-8")
    page = {"folder": "x", "digest": "0", "date": "2026-11-26", "subject": "s", "preheader": ""}
    hostile_state(
        ws,
        {
            str(elsewhere): {**page, "page": "0"},
            "../issues/2026-W48": {**page, "page": "0"},
            "../../elsewhere": {**page, "page": "0"},
            "2026-W01\n": {**page, "page": "0"},
        },
    )
    result = CliRunner().invoke(app, ["archive"])
    assert result.exit_code == 0, result.output
    assert (elsewhere / "index.html").read_text("utf-8") == "keep me"
    assert (ws / "issues" / "2026-W48" / "index.html").is_file()
    assert result.output.count("is not an issue page this archive wrote; ignored") == 4
    assert "Traceback" not in result.output
    state = json.loads((ws / "site" / ".newsletter-archive.json").read_text("utf-8"))
    assert sorted(state["issues"]) == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]


def test_a_state_entry_with_values_not_as_written_is_ignored(ws):
    """An entry whose id is fine but whose values are not strings the archive wrote is dropped, not trusted."""
    write_archive(settings_of(ws))
    hostile_state(ws, {"2026-W01": {"folder": "../../x", "page": 7}})
    result = write_archive(settings_of(ws))
    assert len(result.warnings) == 1 and "'2026-W01'" in result.warnings[0]
    assert result.removed == ()


def test_a_symlinked_issue_folder_in_the_site_is_never_deleted_through(ws, tmp_path):
    """An issue left out whose site folder is a link to elsewhere: the page there stays, with a warning."""
    write_archive(settings_of(ws))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_text("keep me", "utf-8")
    shutil.rmtree(ws / "site" / "2026-W45")
    (ws / "site" / "2026-W45").symlink_to(elsewhere)
    result = write_archive(settings_of(ws), limit=3)
    assert result.removed == ("2026-W45",)
    assert (elsewhere / "index.html").read_text("utf-8") == "keep me"
    assert any("2026-W45: a symbolic link" in w for w in result.warnings)


def test_a_symlinked_issue_folder_in_the_site_is_never_written_through(ws, tmp_path):
    """A site folder that links elsewhere is refused in one line, and nothing is written there."""
    write_archive(settings_of(ws))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(ws / "site" / "2026-W48")
    (ws / "site" / "2026-W48").symlink_to(elsewhere)
    with pytest.raises(OutputError, match=r"site/2026-W48: is a symbolic link"):
        write_archive(settings_of(ws))
    assert list(elsewhere.iterdir()) == []


def next_weeks_issue(ws) -> str:
    """Next week's issue built (under review, say) and not sent: a copy of 2026-W48 a week on."""
    from newsletter.build import rebuild

    folder = ws / "issues" / "2026-W49"
    shutil.copytree(ws / "issues" / "2026-W48", folder)
    manifest = folder / "issue.toml"
    text = manifest.read_text("utf-8").replace('id = "2026-W48"', 'id = "2026-W49"')
    manifest.write_text(text.replace("date = 2026-11-26", "date = 2026-12-03"), "utf-8")
    rebuild(folder, settings_of(ws))
    return "2026-W49"


def test_a_built_issue_nobody_was_sent_is_left_out_and_named(ws):
    """Next week's issue, built but unsent, gets no page, no index line and no feed entry; the CLI names it."""
    unsent = next_weeks_issue(ws)
    result = CliRunner().invoke(app, ["archive"])
    assert result.exit_code == 0, result.output
    assert "Archive site/: 4 issue(s)" in result.output
    assert (
        f"Left out 1 built issue(s) not sent yet: {unsent} (the archive publishes sent issues; "
        "send it first, or pass --unsent)." in result.output
    )
    assert not (ws / "site" / unsent).exists()
    for name in ("index.html", "feed.xml", "feed.json"):
        assert unsent not in (ws / "site" / name).read_text("utf-8"), name


def test_an_issue_appears_once_the_journal_says_it_was_sent(ws):
    """Left out while the journal has no reader for it; published once it has one."""
    unsent = next_weeks_issue(ws)
    assert write_archive(settings_of(ws)).unsent == (unsent,)
    mark_sent(ws, unsent)
    result = write_archive(settings_of(ws))
    assert result.issues[0] == unsent and result.unsent == ()
    assert (ws / "site" / unsent / "index.html").is_file()


def test_a_send_that_newsletter_run_recorded_counts_as_sent(ws):
    """An issue whose run.json records its send (to a list of nobody) is published."""
    from newsletter.issue.run_state import read_run_state, record_step

    unsent = next_weeks_issue(ws)
    folder = ws / "issues" / unsent
    now = dt.datetime(2026, 12, 3, 7, tzinfo=dt.UTC)
    record_step(read_run_state(folder), "sent", now, sent=0, skipped=0)
    assert write_archive(settings_of(ws)).issues[0] == unsent


def test_unsent_publishes_built_issues_too_and_an_unsent_page_goes_when_dropped(ws):
    """`--unsent` publishes the unsent issue; the next plain run removes its page again."""
    unsent = next_weeks_issue(ws)
    result = CliRunner().invoke(app, ["archive", "--unsent"])
    assert result.exit_code == 0, result.output
    assert "5 issue(s)" in result.output and "Left out" not in result.output
    assert (ws / "site" / unsent / "index.html").is_file()
    again = write_archive(settings_of(ws))
    assert again.removed == (unsent,) and not (ws / "site" / unsent).exists()


def test_a_workspace_that_sent_nothing_says_to_send_first(tmp_path, monkeypatch):
    """Built but never sent: the archive is empty and the next step is the send, not publishing."""
    root = make_sample_workspace(tmp_path / "ws")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["archive"])
    assert result.exit_code == 0, result.output
    assert "Archive site/: 0 issue(s)" in result.output
    assert "Next: send issues/2026-W48 (`newsletter send`), then archive." in result.output
    assert "publish site/" not in result.output


def test_on_postgresql_the_archive_publishes_the_issues_its_journal_sent(ws, postgres_url):
    """On PostgreSQL the archive reads the server's journal: only the issues sent there are
    published, and an unused server (nothing sent, nothing created) publishes none."""
    from dataclasses import replace

    from newsletter.send.shared_journal import open_postgres_journal

    settings = replace(settings_of(ws), database=postgres_url)
    assert write_archive(settings).issues == ()
    journal = open_postgres_journal(settings.database_server, "2026-W48", create=True)
    assert journal is not None
    try:
        journal.record("reader@example.org", "sent", attempts=1, message_id="<w48@example.org>")
    finally:
        journal.close()
    assert write_archive(settings).issues == ("2026-W48",)
    assert len(write_archive(settings, unsent=True).issues) == 4
