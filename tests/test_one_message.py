"""One message, built once: what `send` fills is merge.eml as built, refused if settings drifted."""

from __future__ import annotations

import re
import threading
from email import policy
from email.parser import BytesParser
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.config import load_settings
from newsletter.errors import ConfigError
from newsletter.issue.build_record import SettingsDriftError
from newsletter.mail.personalize import Recipient
from newsletter.send.composer import prepare_issue
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]

PER_READER = {"to", "message-id", "date", "list-unsubscribe", "list-unsubscribe-post"}


@pytest.fixture
def run(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace; returns the Click result."""
    monkeypatch.chdir(send_ws.root)
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def change_from(root) -> None:
    """Edit newsletter.toml's `from` after the build, as an editor might."""
    toml = root / "newsletter.toml"
    toml.write_text(
        toml.read_text().replace(
            'from = "The Test Brief <digest@example.org>"',
            'from = "Changed <changed@example.org>"',
        )
    )


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def test_the_outbox_matches_message_eml_header_for_header(send_ws, run):
    """A dry run's copy has message.eml's headers (bar the per-reader ones) and, for the same values, its bodies."""
    send_ws.add(("digest@example.org", "The Test Brief"))  # message.eml's reader: the list itself
    result = run("send", str(send_ws.issue), "--dry-run")
    assert result.exit_code == 0, result.output
    [copy] = (send_ws.issue / "outbox").glob("*.eml")
    sent, built = parse(copy.read_bytes()), parse((send_ws.issue / "message.eml").read_bytes())
    shared = [(k, str(v)) for k, v in built.items() if k.lower() not in PER_READER]
    assert [(k, str(v)) for k, v in sent.items() if k.lower() not in PER_READER] == shared
    assert {k.lower() for k in sent} == {k.lower() for k in built}
    assert sent["To"] == built["To"]
    unsubscribe = re.compile(r"https://news\.example\.org/unsubscribe[^\s\"<>]*")
    for kind in ("plain", "html"):  # the reader's token link aside, the same bodies
        ours = sent.get_body(preferencelist=(kind,)).get_content()
        theirs = built.get_body(preferencelist=(kind,)).get_content()
        assert unsubscribe.sub("U", ours) == unsubscribe.sub("U", theirs)
        assert unsubscribe.search(ours)


def test_the_loaded_message_filled_as_message_eml_gives_its_bytes(send_ws, monkeypatch):
    """merge.eml loaded for a send, filled with message.eml's reader, date and id, is message.eml."""
    import calendar
    import datetime as dt

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    composer = prepare_issue(send_ws.issue, send_ws.settings)
    sample = composer.mailing.message_for(
        Recipient("digest@example.org", "The Test Brief"),
        timestamp=calendar.timegm(dt.date(2026, 11, 26).timetuple()),
        web_version=True,
        fixed_id="2026-W48.web",
    )
    assert sample.data == (send_ws.issue / "message.eml").read_bytes()


def test_the_shared_bytes_of_a_sent_message_are_merge_eml_s(send_ws, monkeypatch):
    """Every byte of a copy outside the reader's header lines and merge values comes from merge.eml."""
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    composer = prepare_issue(send_ws.issue, send_ws.settings)
    message = composer.message_for(Recipient("reader@example.org", "Ana", {"city": "Lima"}))
    merge = (send_ws.issue / "merge.eml").read_bytes()
    head, _, body = merge.partition(b"\r\n\r\n")
    assert head + b"\r\n\r\n" in message.data  # From, Reply-To, Subject, List-Id, MIME as built
    # Cut merge.eml at its slots: every piece between them is in the copy, in order.
    pieces = re.split(rb"=\r\n%%[a-z_.]+%%=\r\n", body)
    assert len(pieces) > 2
    at = message.data.index(head)
    for piece in pieces:
        at = message.data.index(piece, at) + len(piece)
    assert message.data.endswith(pieces[-1])


def test_send_refuses_after_from_changed_and_a_rebuild_clears_it(send_ws, run):
    """Changing `from` after the build: send, --dry-run and --to refuse naming it; a rebuild clears it."""
    send_ws.add("reader@example.org")
    change_from(send_ws.root)
    for args in ((), ("--dry-run",), ("--to", "editor@example.org"), ("--yes",)):
        result = run("send", str(send_ws.issue), *args)
        assert result.exit_code == 1, (args, result.output)
        line = result.output.strip().splitlines()[-1]
        assert "from changed" in line and "newsletter build issues/2026-W48" in line, line
        assert "Traceback" not in result.output
    assert not (send_ws.issue / "outbox").exists()
    assert run("build", str(send_ws.issue)).exit_code == 0
    result = run("send", str(send_ws.issue), "--dry-run")
    assert result.exit_code == 0, result.output
    [copy] = (send_ws.issue / "outbox").glob("*.eml")
    assert parse(copy.read_bytes())["From"] == "Changed <changed@example.org>"


def test_the_previews_test_send_refuses_after_settings_changed(send_ws):
    """The preview's Send a test says which settings changed since the build and to rebuild."""
    from newsletter.preview.session import send_test_copy

    change_from(send_ws.root)
    handler = RecordingHandler()
    with smtp_server(handler=handler):
        rebuilder = SimpleNamespace(
            snapshot=SimpleNamespace(folder=send_ws.issue, error=None),
            target=SimpleNamespace(workspace=send_ws.root),
            issue_lock=threading.Lock(),
        )
        with pytest.raises(SettingsDriftError, match=r"from changed.*newsletter build"):
            send_test_copy(rebuilder, "editor@example.org")
    assert handler.by_recipient() == {}


def test_a_bad_list_id_in_the_file_is_refused_naming_the_key(send_ws):
    """`list_id = "a b <c>"` in newsletter.toml is refused with the file and key, not sent as a header."""
    toml = send_ws.root / "newsletter.toml"
    toml.write_text('list_id = "a b <c>"\n' + toml.read_text())
    with pytest.raises(
        ConfigError, match=r"newsletter\.toml:\d+: list_id: 'a b <c>' does not make"
    ):
        load_settings(send_ws.root)


def test_header_settings_are_checked_again_after_flags(send_ws, run):
    """Settings changed after the file was read (as flags do) go through the same header checks."""
    from dataclasses import replace

    from newsletter.config import validated, with_smtp_flags

    bad = replace(send_ws.settings, list_id="a b <c>")
    with pytest.raises(ConfigError, match="list_id"):
        with_smtp_flags(bad, {"host": "127.0.0.1"})
    with pytest.raises(ConfigError, match="name: contains a line break"):
        validated(replace(send_ws.settings, name="Brief\r\nBcc: x@example.org"))
    assert validated(send_ws.settings) is send_ws.settings


def test_the_preview_says_when_the_issue_on_show_was_built_with_other_settings(tmp_path):
    """A failed rebuild after `from` changed keeps the old issue on show, with the send's refusal."""
    from tests.support.browser import make_workspace, running_preview, wait_until

    workspace = make_workspace(tmp_path / "workspace")
    with running_preview(workspace) as running:
        assert running.snapshot.error is None and running.snapshot.warnings == ()
        config = workspace / "newsletter.toml"
        old_from = re.search(r'^from = "[^"]*"', config.read_text("utf-8"), re.M)
        assert old_from
        config.write_text(
            config.read_text("utf-8").replace(old_from.group(0), 'from = "Changed <c@example.org>"')
        )
        template = workspace / "templates" / "digest.txt.j2"
        template.write_text(template.read_text("utf-8") + "{{ broken", "utf-8")
        wait_until(lambda: running.snapshot.error is not None)
        notices = [w for w in running.snapshot.warnings if "built with other settings" in w]
        assert len(notices) == 1 and "from changed" in notices[0], running.snapshot.warnings
        assert "newsletter build" in notices[0]


def test_readers_of_a_built_issue_take_subject_and_preheader_as_built(send_ws):
    """read_built_issue (check, archive, --status) gives the subject and preheader the build filled."""
    import json

    from newsletter.issue.built import read_built_issue

    record = json.loads((send_ws.issue / "built-with.json").read_text("utf-8"))
    built = read_built_issue(send_ws.issue)
    assert built.issue.subject == built.rendered.subject == record["subject"]
    assert built.issue.preheader == built.rendered.preheader == record["preheader"]
    assert record["preheader"] == "The decision comes amid heightened tensions."
    assert record["settings"]["from"] == "The Test Brief <digest@example.org>"


def test_a_merge_eml_not_as_built_is_refused_with_rebuild(send_ws, monkeypatch):
    """A merge.eml whose slots were edited by hand is refused, naming it and `newsletter build`.

    Its hash no longer matches the build's; with the hash forged too, its shape still fails.
    """
    import hashlib
    import json

    from newsletter.errors import ManifestError

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    merge = send_ws.issue / "merge.eml"
    merge.write_bytes(merge.read_bytes().replace(b"=\r\n%%name%%=\r\n", b"%%name%%", 1))
    with pytest.raises(
        ManifestError, match=r"merge\.eml: changed since the build.*newsletter build"
    ):
        prepare_issue(send_ws.issue, send_ws.settings)
    record_file = send_ws.issue / "built-with.json"
    record = json.loads(record_file.read_text("utf-8"))
    record["files"]["merge.eml"] = hashlib.sha256(merge.read_bytes()).hexdigest()
    record_file.write_text(json.dumps(record), "utf-8")
    with pytest.raises(
        ManifestError, match=r"merge\.eml: not as the build wrote it.*newsletter build"
    ):
        prepare_issue(send_ws.issue, send_ws.settings)
    (send_ws.issue / "built-with.json").unlink()
    with pytest.raises(ManifestError, match=r"built-with\.json: missing.*newsletter build"):
        prepare_issue(send_ws.issue, send_ws.settings)
