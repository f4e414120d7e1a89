"""The preview server over real HTTP on 127.0.0.1: what it serves and refuses, how it rebuilds."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time

import pytest

from newsletter.preview.server import bind_server, is_loopback
from tests.support.browser import make_workspace, running_preview, wait_until


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """A preview of the sample seeds that no test in this module changes."""
    workspace = make_workspace(tmp_path_factory.mktemp("preview") / "workspace")
    with running_preview(workspace) as running:
        yield running


def request(
    preview,
    path: str,
    *,
    method: str = "GET",
    host: str | None = None,
    headers: dict | None = None,
    body: bytes | None = None,
) -> tuple[int, dict, bytes]:
    """Send one raw request (the path exactly as given, never normalised) and read the answer."""
    connection = http.client.HTTPConnection("127.0.0.1", preview.server.port, timeout=5)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host or f"127.0.0.1:{preview.server.port}")
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/preview.css",
        "/preview.js",
        "/api/state",
        "/issue/index.html",
        "/issue/index.txt",
        "/issue/message.eml",
        "/issue/issue.toml",
        "/frame/light-desktop.html",
        "/frame/dark-phone.html",
    ],
)
def test_serves_its_own_pages_and_the_issues_files(preview, path):
    """Each URL of the page and of the issue answers 200 with a body."""
    status, headers, body = request(preview, path)
    assert status == 200 and body
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_issue_files_are_the_built_files(preview):
    """/issue/ serves the issue folder's files byte for byte, from the last build."""
    for name in ("index.html", "index.txt", "issue.toml"):
        built = (preview.snapshot.folder / name).read_bytes()
        assert request(preview, f"/issue/{name}")[2] == built


@pytest.mark.parametrize(
    "path",
    [
        "/../newsletter.toml",
        "/issue/../../newsletter.toml",
        "/issue/../issue.toml",
        "/%2e%2e/newsletter.toml",
        "/issue/%2e%2e/%2e%2e/newsletter.toml",
        "/issue/..%2f..%2fnewsletter.toml",
        "/issue/%2E%2E%2F%2E%2E%2Fnewsletter.toml",
        "/frame/../../templates/digest.mjml.j2",
        "/preview.js/../../newsletter.toml",
        "/etc/passwd",
        "//etc/passwd",
        "/issue//etc/passwd",
        "/issue/%2fetc%2fpasswd",
        "/newsletter.toml",
        "/seeds/000_42a246ca27ba598a.txt",
        "/templates/digest.mjml.j2",
        "/issue/merge.eml",
        "/page/preview.html",
        "/newsletter/preview/page/preview.js",
    ],
)
def test_path_traversal_and_other_files_are_refused(preview, path):
    """`..` (plain or encoded), absolute paths and any file outside the fixed table get a 404."""
    status, _, body = request(preview, path)
    assert status == 404
    assert body == b"not found\n"


@pytest.mark.parametrize("path", ["/issue/", "/issue", "/frame/", "/page/", "/api/", "/static/"])
def test_directory_listing_is_refused(preview, path):
    """Folder URLs list nothing."""
    status, _, body = request(preview, path)
    assert status == 404 and b"<a href" not in body


def test_absolute_form_request_targets_are_held_to_the_same_table(preview):
    """A request line with a full URL is judged by its path alone."""
    url = f"http://127.0.0.1:{preview.server.port}"
    assert request(preview, f"{url}/issue/index.txt")[0] == 200
    assert request(preview, f"{url}/../newsletter.toml")[0] == 404


def test_other_host_names_are_refused(preview):
    """A request naming another host (DNS rebinding) gets 421 and nothing of the issue."""
    status, _, body = request(preview, "/api/state", host=f"attacker.example:{preview.server.port}")
    assert status == 421 and b"subject" not in body
    assert request(preview, "/api/state", host=f"localhost:{preview.server.port}")[0] == 200


def test_page_forbids_code_from_elsewhere(preview):
    """The page's Content-Security-Policy allows only its own scripts, styles and connections."""
    policy = request(preview, "/")[1]["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    frame_policy = request(preview, "/frame/light-desktop.html")[1]["Content-Security-Policy"]
    assert frame_policy.startswith("sandbox") and "script-src 'none'" in frame_policy


def test_page_uses_nothing_from_the_network(preview):
    """The page and its assets name no other server, so the preview works offline."""
    for path in ("/", "/preview.css", "/preview.js"):
        body = request(preview, path)[2].decode()
        assert "http://" not in body and "https://" not in body and "cdn" not in body.lower()


def test_state_describes_headers_ranking_text_and_size(preview):
    """/api/state has the message headers (key ones first), the ranking, the text and the size."""
    state = json.loads(request(preview, "/api/state")[2])
    issue = state["issue"]
    assert state["error"] is None and state["generation"] >= 1
    assert [name for name, _ in issue["headers"][:4]] == ["Subject", "From", "Reply-To", "To"]
    names = {name for name, _ in issue["headers"]}
    assert {"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"} <= names
    assert issue["ranking"]["related"] and all(
        {"title", "score", "matched"} <= set(item) for item in issue["ranking"]["related"]
    )
    related = len(issue["ranking"]["related"])
    assert issue["ranking"]["lead"]["why"] == f"{related} headlines from 1 source cover this story"
    assert issue["text"].startswith("The Weekly Brief")
    size = issue["size"]
    assert size["limit_bytes"] == 102 * 1024 and 0 < size["share"] < 1


def test_send_test_refuses_requests_from_other_pages(preview):
    """The test-send endpoint wants the page's origin and token: a cross-site post is refused."""
    body = json.dumps({"address": "reader@example.org"}).encode()
    origin = f"http://127.0.0.1:{preview.server.port}"
    cases = [
        {"Content-Type": "application/json"},
        {"Content-Type": "application/json", "Origin": "http://attacker.example"},
        {"Content-Type": "application/json", "Origin": origin, "X-Preview-Token": "guess"},
    ]
    for headers in cases:
        status, _, answer = request(
            preview, "/api/send-test", method="POST", headers=headers, body=body
        )
        assert status == 403 and json.loads(answer)["ok"] is False


def test_event_stream_announces_the_current_build(preview):
    """/events opens with a `build` event naming the current generation."""
    connection = http.client.HTTPConnection("127.0.0.1", preview.server.port, timeout=5)
    connection.request("GET", "/events")
    response = connection.getresponse()
    assert response.getheader("Content-Type").startswith("text/event-stream")
    lines = [response.fp.readline() for _ in range(5)]
    connection.close()
    assert b"event: build\n" in lines
    data = json.loads(next(line for line in lines if line.startswith(b"data:"))[5:])
    assert data == {
        "generation": preview.snapshot.generation,
        "ok": True,
        "session": preview.server.session,
    }


def test_busy_port_falls_back_to_a_free_one(preview):
    """When the requested port is taken the server listens on another one."""
    taken = preview.server.port
    server = bind_server("127.0.0.1", taken, preview.rebuilder, lambda address: "")
    try:
        assert server.port != taken and server.port > 0
    finally:
        server.server_close()


def test_only_loopback_counts_as_local():
    """127.x, ::1 and localhost are loopback; a LAN or wildcard address is not."""
    assert all(map(is_loopback, ["127.0.0.1", "127.0.1.1", "::1", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.20"]))


def test_saves_are_pushed_and_a_burst_makes_few_builds(tmp_path):
    """A burst of saves gives one or two builds, the last save wins, and /events pushes it."""
    workspace = make_workspace(tmp_path / "workspace")
    seed = next((workspace / "seeds").iterdir())
    text = seed.read_text("utf-8")
    with running_preview(workspace) as running:
        before = running.snapshot.generation
        connection = http.client.HTTPConnection("127.0.0.1", running.server.port, timeout=5)
        connection.request("GET", "/events")
        stream = connection.getresponse()
        for n in range(1, 6):
            seed.write_text(text.replace("announced on Friday", f"announced on day {n}"), "utf-8")
            time.sleep(0.01)
        wait_until(lambda: b"announced on day 5" in running.snapshot.files["index.html"])
        time.sleep(0.5)  # any straggling build would land here
        assert 1 <= running.snapshot.generation - before <= 2
        events = []
        while len(events) < running.snapshot.generation - before + 1:
            line = stream.fp.readline()
            if line.startswith(b"data:"):
                events.append(json.loads(line[5:])["generation"])
        connection.close()
        assert events[-1] == running.snapshot.generation


def test_a_save_that_changes_nothing_does_not_rebuild(tmp_path):
    """Writing a template back unchanged triggers no build (and the build's own writes none)."""
    workspace = make_workspace(tmp_path / "workspace")
    template = workspace / "templates" / "digest.txt.j2"
    with running_preview(workspace) as running:
        time.sleep(0.3)
        before = running.snapshot.generation
        template.write_bytes(template.read_bytes())
        time.sleep(0.8)
        assert running.snapshot.generation == before


def test_settings_edit_rebuilds_and_a_bad_one_is_reported_with_its_line(tmp_path):
    """newsletter.toml is watched: a TOML error names its line; a good edit shows in the issue."""
    workspace = make_workspace(tmp_path / "workspace")
    config = workspace / "newsletter.toml"
    good = config.read_text("utf-8")
    with running_preview(workspace) as running:
        name = 'name = "The Weekly Brief"'
        config.write_text(good.replace(name, 'name = "The Weekly Brief'), "utf-8")
        wait_until(lambda: running.snapshot.error is not None)
        assert "newsletter.toml" in running.snapshot.error and "line" in running.snapshot.error
        config.write_text(good.replace(name, 'name = "The Friday Brief"'), "utf-8")
        wait_until(lambda: running.snapshot.error is None)
        assert b"The Friday Brief" in running.snapshot.files["index.html"]


def test_preview_closes_cleanly(tmp_path):
    """close() ends the server, watcher and rebuilder threads and frees the port."""
    workspace = make_workspace(tmp_path / "workspace")
    before = set(threading.enumerate())
    with running_preview(workspace) as running:
        started = set(threading.enumerate()) - before
        port = running.server.port
    assert started and not any(thread.is_alive() for thread in started)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_readers_never_see_a_half_written_issue(tmp_path):
    """While saves rebuild the issue, every response is one whole build: complete and consistent."""
    workspace = make_workspace(tmp_path / "workspace")
    seed = next((workspace / "seeds").iterdir())
    text = seed.read_text("utf-8")
    responses: list[tuple[int, bytes]] = []
    with running_preview(workspace) as running:
        stop = threading.Event()

        def read_repeatedly() -> None:
            while not stop.is_set():
                status, _, body = request(running, "/issue/index.html")
                responses.append((status, body))

        reader = threading.Thread(target=read_repeatedly)
        reader.start()
        try:
            for n in range(1, 6):
                edited = text.replace("announced on Friday", f"announced on day {n}")
                seed.write_text(edited, "utf-8")
                wait_until(
                    lambda n=n: (
                        f"announced on day {n}".encode() in running.snapshot.files["index.html"]
                    )
                )
        finally:
            stop.set()
            reader.join()
    assert len(responses) > 10
    for status, body in responses:
        assert status == 200
        assert body.startswith(b"<!DOCTYPE html>") and body.rstrip().endswith(b"</html>")
        assert len(re.findall(rb"announced on (?:Friday|day \d)", body)) == 1


def test_a_missing_source_is_an_error_before_serving(tmp_path):
    """A source path that does not exist fails at once, naming it, instead of serving an error."""
    from newsletter.errors import SourceError
    from newsletter.preview import open_preview
    from tests.conftest import SAMPLE_DATE

    workspace = make_workspace(tmp_path / "workspace")
    with pytest.raises(SourceError, match=r"sedes: no such file or folder"):
        open_preview([str(workspace / "sedes")], workspace=workspace, today=SAMPLE_DATE, port=0)


def test_every_view_address_the_docs_give_a_headless_browser_is_served(preview):
    """docs/editing.md names, for a browser without a screen, the address of every email view
    and of the built files (the page itself draws only once its script has fetched the state:
    `chromium --headless --screenshot` of / caught "Connecting…"), and each one it names is
    served, as a page of its own."""
    from newsletter.preview.email_frames import FRAME_STEPS
    from newsletter.preview.rebuilder import SERVED_FILES
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "editing.md").read_text("utf-8")
    frames = set(re.findall(r"/frame/([a-z-]+)\.html", text))
    assert frames == set(FRAME_STEPS)
    files = set(re.findall(r"/issue/([a-z]+\.[a-z]+)", text))
    assert files and files <= set(SERVED_FILES)
    for path in [*(f"/frame/{name}.html" for name in frames), *(f"/issue/{f}" for f in files)]:
        status, _, body = request(preview, path)
        assert status == 200 and body, path
