"""The embeddable sign-up form: `serve --print-form`, `[serve] allowed_origins` and the origin check."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from html.parser import HTMLParser

import httpx
import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.config import load_settings
from newsletter.serve.embed import embed_form
from newsletter.subscribers.consent import consent_for
from newsletter.web_origin import origin_of, parse_origin
from tests.conftest import ROOT

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

SITE = "https://www.example.org"
ALLOWED = pytest.mark.parametrize(
    "audience", [{"allowed_origins": (SITE, "http://127.0.0.1:8000")}], indirect=True
)


class _Fields(HTMLParser):
    """The form fields of a page: name → attributes, and the labels' `for` targets."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.labels: set[str] = set()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "input" and values.get("name"):
            self.inputs[str(values["name"])] = values
        if tag == "label" and values.get("for"):
            self.labels.add(str(values["for"]))


def fields_of(html: str) -> _Fields:
    parser = _Fields()
    parser.feed(html)
    return parser


def pending_signups(audience) -> list[tuple[str, str]]:
    """Every sign-up waiting for confirmation: (address, the consent wording it will record)."""
    with audience.ws.store() as store:  # SQLite or PostgreSQL, as the server's
        rows = store.conn.execute("SELECT email, wording FROM signups WHERE used = ''")
        return [(str(email), str(wording)) for email, wording in rows.fetchall()]


def embedded_post(audience, email: str, website: str = "", **headers: str):
    """The snippet's form as another site's page posts it: no form token."""
    data = {"email": email, "name": "Embedded Reader", "first_name": "Ada", "website": website}
    return audience.http.post(f"{audience.url}/subscribe", data=data, headers=headers)


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://www.example.org", "https://www.example.org"),
        ("  HTTPS://WWW.Example.ORG/ ", "https://www.example.org"),
        ("https://www.example.org:443", "https://www.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:80", "http://[::1]"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_an_origin_is_spelled_as_a_browser_sends_it(given, origin):
    """A setting is read into the exact form of an `Origin` header: lower case, no default port."""
    assert parse_origin(given) == origin


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("https://www.example.org/news/", "no path"),
        ("https://www.example.org?x=1", "no path, query"),
        ("www.example.org", "write it as https://"),
        ("https//www.example.org", "write it as https://"),
        ("htps://www.example.org", "the scheme must be https://"),
        ("ftp://www.example.org", "the scheme must be https://"),
        ("https://*.example.org", "no wildcard"),
        ("https://www.example.org:80a", "port is not a number"),
        ("https://editor@www.example.org", "no user name"),
        ("https://", "has no host"),
        ("https://www example.org", "not a host name"),
    ],
)
def test_an_origin_with_a_path_or_a_typo_is_refused(given, why):
    """A path, a query, a wrong or missing scheme, a wildcard or a bad port is refused with why."""
    with pytest.raises(ValueError, match=re.escape(why)):
        parse_origin(given)


def test_a_referer_gives_its_origin():
    """A Referer URL's origin is its scheme, host and port; a value that is no URL has none."""
    assert origin_of("https://www.example.org/about/news?x=1") == "https://www.example.org"
    assert origin_of("http://127.0.0.1:8001/page.html") == "http://127.0.0.1:8001"
    assert origin_of("not a url") is None


def test_a_bad_allowed_origin_in_newsletter_toml_names_the_key_and_line(tmp_path):
    """`allowed_origins` with a path is refused at load with the file, line and key."""
    toml = (ROOT / "newsletter.toml").read_text("utf-8")
    toml = toml.replace(
        "address_limit = 3 ",
        'allowed_origins = ["https://www.example.org/news"]\naddress_limit = 3 ',
    )
    (tmp_path / "newsletter.toml").write_text(toml, "utf-8")
    with pytest.raises(Exception) as raised:
        load_settings(tmp_path)
    message = str(raised.value)
    line = toml.splitlines().index('allowed_origins = ["https://www.example.org/news"]') + 1
    assert f"newsletter.toml:{line}: serve.allowed_origins:" in message
    assert "no path" in message and "write https://www.example.org" in message
    (tmp_path / "newsletter.toml").write_text(
        toml.replace('["https://www.example.org/news"]', "[7]"), "utf-8"
    )
    with pytest.raises(
        Exception, match=r'serve\.allowed_origins: expected a list of text, \["https'
    ):
        load_settings(tmp_path)


def test_print_form_prints_a_labelled_form_posting_to_the_public_subscribe_url(
    tmp_path, monkeypatch
):
    """The snippet posts to the absolute /subscribe, has serve's fields and labels, and no script."""
    toml = (ROOT / "newsletter.toml").read_text("utf-8")
    toml = toml.replace("# allowed_origins =", "allowed_origins =")
    (tmp_path / "newsletter.toml").write_text(toml, "utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["serve", "--print-form"])
    assert result.exit_code == 0, result.output
    snippet = result.stdout
    assert 'action="https://news.example.org/subscribe"' in snippet  # base_url's origin
    assert "(https://www.example.org)" in snippet  # the sites it is allowed on, in its comment
    found = fields_of(snippet)
    assert "script" not in found.tags and "on" not in re.findall(r"\s(on)\w+=", snippet)
    assert set(found.inputs) == {"email", "name", "first_name", "website"}
    for name, attributes in found.inputs.items():
        assert attributes["id"] in found.labels, f"{name} has no label"
    assert found.inputs["website"]["tabindex"] == "-1"  # the honeypot, out of the tab order
    assert 'aria-hidden="true"' in snippet.split('name="website"')[0].rsplit("<div", 1)[1]
    assert "By subscribing you agree to receive The Weekly Brief" in snippet
    assert result.stderr == ""


def test_print_form_without_allowed_origins_warns_that_it_is_refused_elsewhere(
    tmp_path, monkeypatch
):
    """With no allowed origins the snippet is printed and stderr says to add the site's origin."""
    (tmp_path / "newsletter.toml").write_text(
        (ROOT / "newsletter.toml").read_text("utf-8"), "utf-8"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["serve", "--print-form"])
    assert result.exit_code == 0
    assert "<form" in result.stdout and "none yet" in result.stdout
    assert "allowed_origins is empty" in result.stderr


def test_the_snippet_has_the_same_fields_as_serves_own_form(audience):
    """Every field serve's own form sends, the snippet sends too, but the form token."""
    own = fields_of(audience.http.get(f"{audience.url}/subscribe").text)
    embedded = fields_of(embed_form(audience.settings))
    assert set(own.inputs) - {"form_token"} == set(embedded.inputs)


@ALLOWED
def test_a_signup_from_an_allowed_origin_is_pending_without_a_form_token(audience):
    """The allowed site's post (Origin, cross-site) is a pending sign-up with its confirmation mailed."""
    answer = embedded_post(
        audience, "site.reader@example.org", Origin=SITE, **{"Sec-Fetch-Site": "same-site"}
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert "access-control-allow-origin" not in answer.headers  # a page, not a CORS answer
    assert f'<a href="{SITE}/">Back to www.example.org</a>' in answer.text  # a link, no redirect
    ((email, wording),) = pending_signups(audience)
    assert email == "site.reader@example.org"
    assert wording.startswith("form-1:") and wording.endswith(f" embedded at {SITE}")
    (link,) = audience.confirmation_links()
    audience.http.post(audience.local(link).split("?")[0], data={"token": link.split("=")[1]})
    assert audience.status("site.reader@example.org") == "active"
    with audience.ws.store() as store:
        assert consent_for(store.conn, "site.reader@example.org").wording == wording
        assert store.get("site.reader@example.org").first_name == "Ada"


@ALLOWED
def test_an_older_browser_sending_only_a_referer_from_the_allowed_site_is_accepted(audience):
    """Without Origin, the Referer's origin is checked the same way."""
    answer = embedded_post(
        audience, "old.browser@example.org", Referer="http://127.0.0.1:8000/join.html"
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert [email for email, _ in pending_signups(audience)] == ["old.browser@example.org"]


@ALLOWED
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example.com", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://www.example.org"},  # another scheme
        {"Origin": "https://www.example.org:8443"},  # another port
        {"Origin": "http://127.0.0.1:8001"},
        {"Referer": "https://evil.example.com/page"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # a no-referrer or sandboxed page
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_signup_from_any_other_origin_is_refused_with_nothing_written(audience, headers):
    """A site not listed gets 403 and one clear line; no sign-up is stored and no mail sent."""
    answer = embedded_post(audience, "elsewhere@example.org", **headers)
    assert answer.status_code == 403
    assert "can only be sent from The Test Brief's own page or the sites it names" in unescape(
        answer.text
    )
    assert pending_signups(audience) == [] and audience.confirmation_links() == []


@ALLOWED
def test_the_honeypot_holds_for_the_embedded_form(audience):
    """A bot filling the hidden field on the allowed site gets a person's answer; nothing stored."""
    answer = embedded_post(audience, "bot@example.org", website="http://spam.example", Origin=SITE)
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert pending_signups(audience) == [] and audience.confirmation_links() == []
    person = embedded_post(audience, "person@example.org", Origin=SITE)
    assert answer.text == person.text  # the bot cannot tell


@ALLOWED
def test_serves_own_form_still_needs_its_form_token(audience):
    """Allowed origins change nothing for the own form: its token is still required, and works."""
    own = audience.sign_up("own.form@example.org")
    assert own.status_code == 200 and "Back to" not in own.text
    tokenless = audience.http.post(f"{audience.url}/subscribe", data={"email": "x@example.org"})
    assert tokenless.status_code == 400 and "This form has expired" in tokenless.text
    assert [email for email, _ in pending_signups(audience)] == ["own.form@example.org"]


def test_without_allowed_origins_every_other_site_is_refused(audience):
    """No allowed origins: a post from any other site is 403, as before."""
    answer = embedded_post(audience, "a@example.org", Origin=SITE)
    assert answer.status_code == 403
    assert "can only be sent from The Test Brief's own page." in unescape(answer.text)
    assert pending_signups(audience) == []


def docs_page() -> str:
    """The plain page docs/audience.md shows the snippet on."""
    text = (ROOT / "docs" / "audience.md").read_text("utf-8")
    (page,) = [b for b in re.findall(r"```html\n(.*?)```", text, re.S) if "newsletter-signup" in b]
    return page


def test_the_docs_show_the_snippet_exactly_as_print_form_prints_it():
    """docs/audience.md's plain page carries what --print-form prints for the example settings."""
    settings, _ = load_settings(ROOT)
    settings = replace(settings, serve=replace(settings.serve, allowed_origins=(SITE,)))
    assert embed_form(settings) in docs_page()


@pytest.mark.slow
def test_newsletter_serve_reads_allowed_origins_from_newsletter_toml(
    send_ws, tmp_path, monkeypatch
):
    """`newsletter serve` as an editor runs it: the file's origin is taken, another refused."""
    from tests.support.serve_process import serve_process, wait_until_answering

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    toml = send_ws.root / "newsletter.toml"
    toml.write_text(
        toml.read_text("utf-8") + f'\n[serve]\nallowed_origins = ["{SITE}/"]\n', "utf-8"
    )
    outbox = tmp_path / "confirmations"
    process, url = serve_process(send_ws.root, "--outbox", str(outbox))
    try:
        assert process.stdout.readline() != ""  # the paths line
        assert process.stdout.readline().strip() == f"sign-ups also taken from forms on: {SITE}"
        wait_until_answering(url)
        data = {"email": "site.reader@example.org", "website": ""}
        with httpx.Client(timeout=10) as http:
            taken = http.post(f"{url}/subscribe", data=data, headers={"Origin": SITE})
            other = http.post(
                f"{url}/subscribe", data=data, headers={"Origin": "https://www.example.com"}
            )
    finally:
        process.terminate()
        process.wait(20)
        process.stdout.close()
    assert taken.status_code == 200 and other.status_code == 403
    assert len(list(outbox.glob("*.eml"))) == 1
