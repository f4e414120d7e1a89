"""A password echoed by a server one step away from how it was sent: escaped (a quoted
string's `\\"`, `\\u00e9`, `%C3%A9`, `=C3=A9`, `&#104;`), with its accents changed, a look-alike
Cyrillic or Greek letter, or spaced out. Each showed the password to whoever reads the line;
now the reply's skeleton finds it and the whole reply but its code is hidden
(`hidden_secret.skeleton`), through a real relay (aiosmtpd on 127.0.0.1) and alone."""

from __future__ import annotations

import pytest

from newsletter.hidden_secret import HIDDEN, SecretForms, without_secret
from tests.support.smtp_server import PASSWORD, USER
from tests.support.starttls_relay import send_through_refusing_relay

pytest_plugins = ["tests.support.send_fixtures"]
SECRET = "hunter2-s\u00e9cret"


@pytest.mark.parametrize(
    "echoed",
    [
        "hunter2-s\\u00e9cret",  # JSON's or Python's escape
        "hunter2-s\\xc3\\xa9cret",  # a bytes literal
        "%68unter2-s%C3%A9cret",  # a URL's
        "=68unter2-s=C3=A9cret",  # quoted-printable
        "&#104;unter2-s&#xe9;cret",  # HTML's references
        "h\u00fbnter2-secret",  # the accents moved
        "hunt\u0435r2-s\u00e9cr\u0435t",  # Cyrillic e for e
        "hun\u03c4er2-s\u00e9cre\u03c4",  # Greek tau for t
        "h u n t e r 2 - s \u00e9 c r e t",  # spaced out
        "HUNTER2-S\\u00C9CRET",  # upper-cased and escaped
        "\u041dUNTER2-S\u00c9CRET",  # upper-cased, a Cyrillic capital En for H
        "HUN\u0422ER2-S\u00c9CRE\u0422",  # upper-cased, a Cyrillic capital Te for T
        "\u0397UNTER2-S\u00c9CRET",  # upper-cased, a Greek capital Eta for H
    ],
    ids=[
        "json",
        "bytes",
        "url",
        "quoted-printable",
        "html",
        "accents",
        "cyrillic",
        "greek",
        "spaced",
        "upper-escaped",
        "cyrillic-capital-en",
        "cyrillic-capital-te",
        "greek-capital-eta",
    ],
)
def test_a_password_one_step_from_how_it_was_sent_is_hidden(echoed):
    """The reply's code stays, the password in any of these spellings does not."""
    forms = SecretForms.of(SECRET, user=USER)
    assert forms.hide(f"535 5.7.8 you sent {echoed}, wrong") == f"535 5.7.8 {HIDDEN}"


def test_ordinary_replies_and_short_passwords_are_left_as_written():
    """No skeleton of the password in them: every word stays (and a password of three
    letters is looked for as sent only, or every reply holding `abc` would be hidden)."""
    forms = SecretForms.of(SECRET, user=USER)
    for reply in [
        "250 2.0.0 Ok: queued as 4XyZ12",
        "550 5.1.1 <h\u00fbnter@example.org>: unknown user %41",
        "451 4.7.1 greylisted, try again in 300 s = 5 min \\o/",
    ]:
        assert forms.hide(reply) == reply
    short = SecretForms.of("abc")
    assert short.hide("550 5.1.1 <a.b.c@example.org> unknown") == (
        "550 5.1.1 <a.b.c@example.org> unknown"
    )


def test_a_password_echoed_with_xmls_named_references_is_hidden():
    """A server quoting what it was sent as XML or HTML writes `&` `<` `>` `"` `'` as named
    references (`hunter&amp;2`): read back, the password is hidden, the code kept."""
    secret = "hunter&2<go>"
    forms = SecretForms.of(secret, user=USER)
    for echoed in ["hunter&amp;2&lt;go&gt;", "HUNTER&AMP;2&LT;GO&GT;"]:
        assert forms.hide(f"535 5.7.8 you sent {echoed}") == f"535 5.7.8 {HIDDEN}"


def test_a_password_with_quotes_echoed_as_an_imap_quoted_string_is_hidden():
    """IMAP's LOGIN sends it quoted (`\\` and `"` escaped); a server quoting it back."""
    secret = 'pa"ss\\word9'
    said = 'NO [AUTHENTICATIONFAILED] LOGIN editor "pa\\"ss\\\\word9" refused'
    assert secret not in without_secret(said, secret)
    assert "ss" not in without_secret(said, secret).replace("[password hidden]", "")


def test_a_relay_quoting_the_password_escaped_never_gets_it_journaled(send_ws, tls_contexts):
    """After AUTH, a relay refusing a reader with the password in its words as a URL
    escapes it: the journal, the run's reasons and the summary show the code, not it."""
    escaped = "".join(f"%{b:02X}" if c == " " else c for c in PASSWORD for b in c.encode())
    assert escaped != PASSWORD and "%20" in escaped
    summary, error = send_through_refusing_relay(
        send_ws, tls_contexts, f"550 5.7.1 denied for login {escaped}"
    )
    assert (summary.sent, summary.failed) == (1, 1)
    assert error.startswith("550 5.7.1"), error
    assert "horse" not in error and "%20" not in error, error
    assert all("horse" not in reason for reason, _ in summary.reasons)
