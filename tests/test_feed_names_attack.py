"""Two private feeds at one address, told apart only by their tokens: the built issue names
each feed's items with its token masked (sources/__init__.py), and still tells the two apart,
so each [[sections]] entry takes its own feed's items (docs/security.md, *Today's titles,
places, masks and caches*)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.web_address import shown_feed_names

HEADLINES = {
    "P0LITICS": ("Senate passes farm subsidy bill", "Governor vetoes zoning reform"),
    "SP0RTS": ("Rovers win cup final on penalties", "Olympic swimmer breaks relay record"),
}

ECHOED = "3CH0ED5ECRET"
READ_AT = "https://news.example/harbour?token="


class _Feeds(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        token = self.path.partition("token=")[2]
        if token == ECHOED:  # a private feed's server that writes its reader's token in
            items = (
                f"<item><title>Harbour reopens after storm</title><link>{READ_AT}{token}</link>"
                f"<description>&lt;a href='{READ_AT}{token}'&gt;Read&lt;/a&gt; at {token}"
                "</description></item>"
                f"<item><title>Episode one</title><link>ftp://news.example/u/{token}/1</link>"
                "</item>"  # a link no email carries: the build's warning quotes it
            )
        else:
            items = "".join(
                f"<item><title>{t}</title><link>https://news.example/{i}</link></item>"
                for i, t in enumerate(HEADLINES.get(token, ()))
            )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>{items}'
        body += "</channel></rss>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Feeds)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml?token="
    finally:
        server.shutdown()
        server.server_close()


def _build(workspace, sources: list[str], sections: dict[str, str]) -> tuple[dict, bytes]:
    toml = workspace / "newsletter.toml"
    text = toml.read_text("utf-8").replace("private_hosts = false", "private_hosts = true")
    listed = ", ".join(f'"{s}"' for s in sources)
    text = text.replace('sources = ["seeds/"]', f'sources = ["seeds/", {listed}]')
    for name, address in sections.items():
        text += f'\n[[sections]]\nname = "{name}"\nsources = ["{address}"]\n'
    toml.write_text(text, "utf-8")
    built = CliRunner().invoke(app, ["build", "--date", "2026-11-26", "--json", "--no-learn"])
    assert built.exit_code == 0, built.output
    folder = next((workspace / "issues").iterdir())
    written = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    return json.loads(built.stdout), written + built.stdout.encode()


def _sections(data: dict) -> dict[str, set[str]]:
    return {s["name"]: {h["title"] for h in s["headlines"]} for s in data["sections"]}


def test_two_feeds_told_apart_by_their_tokens_keep_their_own_sections(workspace):
    """Each section lists one of two feeds at one address with different tokens: each takes
    its own feed's items (the Sports section took the Politics feed's too, their masked names
    being one), and no token reaches the issue folder or the printed issue."""
    with _server() as base:
        data, written = _build(
            workspace,
            [base + "P0LITICS", base + "SP0RTS"],
            {"Sports": base + "SP0RTS", "Politics": base + "P0LITICS"},
        )
    assert _sections(data) == {
        "Sports": set(HEADLINES["SP0RTS"]),
        "Politics": set(HEADLINES["P0LITICS"]),
    }
    assert b"P0LITICS" not in written and b"SP0RTS" not in written


def test_a_section_naming_a_feed_not_built_takes_nothing_of_one_masked_alike(workspace):
    """A section names a feed the build does not read, at the same address as one it does
    with another token: it takes none of that feed's items (it took them all)."""
    with _server() as base:
        data, _ = _build(
            workspace,
            [base + "P0LITICS"],
            {"Sports": base + "SP0RTS", "Politics": base + "P0LITICS"},
        )
    assert _sections(data) == {"Politics": set(HEADLINES["P0LITICS"])}


def test_feed_names_are_masked_and_distinct():
    """Addresses masked alike get distinct names, in the order given; one written twice is one
    name; a literal address that reads as another's mask is told apart too."""
    a, b = "https://x.example/f?token=AAA", "https://x.example/f?token=BBB"
    literal = "https://x.example/f?token=***"
    names = shown_feed_names([a, b, a, literal, "https://y.example/f"])
    assert names == {
        a: "https://x.example/f?token=***",
        b: "https://x.example/f?token=***(2)",
        literal: "https://x.example/f?token=***(3)",
        "https://y.example/f": "https://y.example/f",
    }


def test_a_feed_that_writes_its_token_into_its_items_never_mails_it(workspace):
    """A private feed's server that writes the editor's token into its items' links and text
    (as tokenised podcast and member feeds do): the build masks it there too, so the token
    never reaches the email, the issue folder or the printed issue (it was in every link
    mailed to the list); the link stays, without the token."""
    with _server() as base:
        data, written = _build(workspace, [base + ECHOED], {})
    assert b"3CH0ED5ECRET" not in written
    line = next(h for h in data["more"] + data["related"] if h["title"].startswith("Harbour"))
    assert line["url"] == READ_AT + "***"


def test_a_feeds_warning_quoting_an_item_link_masks_the_token_in_it(workspace):
    """The build's warning that quotes an item's link it leaves out ("link 'ftp://…/<token>/1'
    is not an absolute http(s) URL") masks the feed's token there too: the items were masked,
    the warnings printed to the terminal and kept in the build record were not."""
    with _server() as base:
        toml = workspace / "newsletter.toml"
        text = toml.read_text("utf-8").replace("private_hosts = false", "private_hosts = true")
        toml.write_text(text, "utf-8")
        built = CliRunner().invoke(app, ["build", "seeds/", base + ECHOED, "--date", "2026-11-26"])
    assert built.exit_code == 0, built.output
    assert "ftp://news.example/u/***/1" in built.output
    assert ECHOED not in built.output
