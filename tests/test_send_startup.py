"""What a send loads before its first message: the fixed cost of `newsletter send`.

The send benchmark times the whole process (bench/README.md, "Sending"), so what the
command imports counts against every send.  A send reads the built message; it never
renders, so the renderer's libraries stay unloaded, and neither does the email
package's MIME parser (the built message is read in the build's own shape).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest_plugins = ["tests.support.send_fixtures"]

# Modules a send must not load, and why each would be there.
NOT_LOADED = {
    "jinja2": "the renderer's templates (newsletter.render imports them only to render)",
    "premailer": "the renderer's CSS inliner",
    "mjml": "the renderer's MJML compiler",
    "cssutils": "premailer's CSS parser",
    "lxml": "premailer's HTML tree",
    "email.feedparser": "the email package's MIME parser (the gate reads message.eml directly)",
    "email.policy": "the email package's header classes",
    "http.client": "only `check --links` fetches anything",
    "rich": "the progress bar, on a terminal only",
}

# Run the CLI as `python -m newsletter` does, and write what it loaded when it exits.
_SCRIPT = (
    "import atexit, json, runpy, sys\n"
    "out = sys.argv.pop(1)\n"
    "atexit.register(lambda: open(out, 'w').write(json.dumps(sorted(sys.modules))))\n"
    "sys.argv[0] = 'newsletter'\n"
    "runpy.run_module('newsletter', run_name='__main__', alter_sys=True)\n"
)


def loaded_by(send_ws, tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run `newsletter ARGS` as its own process in the workspace; its result and its modules."""
    out = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if k != "NEWSLETTER_SMTP_PASSWORD"}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(out), *args],
        cwd=send_ws.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, set(json.loads(out.read_text()))


@pytest.mark.slow
def test_a_send_to_the_list_loads_no_renderer_and_no_mime_parser(send_ws, smtpd, tmp_path):
    """A real `newsletter send ISSUE --yes`, gate included, mails the list without importing
    Jinja2, premailer, mjml or the email package's parser."""
    send_ws.add(("reader.one@example.org", "Reader One"), "reader.two@example.com")
    done, modules = loaded_by(
        send_ws, tmp_path, "send", "issues/2026-W48", "--yes", *smtpd.send_flags
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(r.rcpt_tos[0] for r in smtpd.received) == [
        "reader.one@example.org",
        "reader.two@example.com",
    ]
    assert "newsletter.check.run" in modules  # the gate ran in this process
    assert {name: why for name, why in NOT_LOADED.items() if name in modules} == {}


def test_a_dry_run_loads_no_renderer_either(send_ws, tmp_path):
    """`newsletter send ISSUE --dry-run` writes the outbox without importing the renderer."""
    send_ws.add("reader.one@example.org")
    done, modules = loaded_by(send_ws, tmp_path, "send", "issues/2026-W48", "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list((send_ws.issue / "outbox").glob("*.eml"))) == 1
    assert {name: why for name, why in NOT_LOADED.items() if name in modules} == {}
