"""A password echoed in part: a server cutting what it quotes (the password's first letters,
or the AUTH PLAIN blob cut after 24 letters, which hold most of it) showed most of the
password; half of it, anywhere in a reply or a base64 run of it, now hides the reply but its
code (`hidden_secret`, docs/security.md), through a real relay (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import base64

import pytest
from aiosmtpd.smtp import AuthResult

from newsletter.hidden_secret import HIDDEN, SecretForms
from tests.support import smtp_server as smtp_support
from tests.support.smtp_server import USER
from tests.support.starttls_relay import send_over_starttls

pytest_plugins = ["tests.support.send_fixtures"]
SECRET = "Tr0ub4dor&3x-horse"


@pytest.mark.parametrize("cut", ["password", "blob"])
def test_a_relay_quoting_part_of_the_password_never_gets_it_printed(
    send_ws, tls_contexts, monkeypatch, cut
):
    """A 535 quoting the password's first two thirds, or the AUTH PLAIN blob's first 28
    letters (`\\0editor\\0Tr0ub4dor&3x-h`): the run's line showed them; now its code only."""

    def echoing(password: str):
        def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
            said = auth_data.password.decode()
            blob = base64.b64encode(b"\0" + auth_data.login + b"\0" + auth_data.password)
            quoted = said[:12] if cut == "password" else blob.decode()[:28]
            return AuthResult(success=False, handled=False, message=f"535 5.7.8 no: {quoted}...")

        return authenticate

    monkeypatch.setattr(smtp_support, "_authenticator", echoing)
    send_ws.add_many(1)
    summary = send_over_starttls(send_ws, tls_contexts, password=SECRET).summary
    assert summary.stopped is not None and "535 5.7.8" in summary.stopped, summary.stopped
    blob = base64.b64encode(f"\0{USER}\0{SECRET}".encode()).decode()
    assert SECRET[:8] not in summary.stopped and blob[:20] not in summary.stopped
    assert HIDDEN in summary.stopped


def test_a_piece_of_the_password_in_a_reply_or_its_lines_is_hidden():
    """Half the password (9 of 18 letters) anywhere, in any case, as a cut base64 run read
    from any start, or a base64 blob split over three lines: the reply's code only; less
    than half stays, so a refusal's reason is still read."""
    forms = SecretForms.of(SECRET, user=USER)
    blob = base64.b64encode(f"\0{USER}\0{SECRET}".encode()).decode()
    for shown in (SECRET[:9], SECRET[-9:].upper(), SECRET[4:13], blob[:24], blob[13:30]):
        assert forms.hide(f"535 5.7.8 you sent {shown}...") == f"535 5.7.8 {HIDDEN}", shown
    lines = [f"5.7.8 {blob[:10]}".encode(), f"5.7.8 {blob[10:20]}".encode(), blob[20:].encode()]
    assert forms.hide_reply(lines) == f"5.7.8 {HIDDEN}".encode()
    # Less than half of it (`horse`, `Tr0ub`), the user name, an ordinary reply: kept.
    for reply in (
        "250 2.0.0 Ok: queued as 4XyZ12",
        "550 5.1.1 <horse@example.org>: unknown user Tr0ub",
        f"535 5.7.8 {USER}: authentication failed, AUTHENTICATIONFAILED",
    ):
        assert forms.hide(reply) == reply


@pytest.mark.parametrize(
    "echoed",
    [
        "\\124\\162\\060\\165\\142\\064\\144\\157\\162\\046\\063\\170-horse",  # C's octal
        "\\u{54}\\u{72}\\u{30}ub4dor\\u{26}3x-horse",  # JavaScript's \\u{..}
        "&#x54&#x72&#48ub4dor&#x263x-horse",  # references without their `;`, as HTML reads them
        "%u0054%u0072%u0030ub4dor%u00263x-horse",  # JavaScript's old escape()
        "%2554%2572%2530ub4dor%25263x-horse",  # escaped twice
        SECRET.encode().hex().upper(),  # its bytes in hexadecimal
    ],
    ids=["octal", "js-braces", "no-semicolon", "percent-u", "twice", "hex"],
)
def test_a_password_in_other_escapes_is_hidden(echoed):
    """Escapes a server may quote a login in that the skeleton did not read (listed open):
    the reply's code only (the hexadecimal form, one of the forms sent, where it stood)."""
    forms = SecretForms.of(SECRET, user=USER)
    shown = forms.hide(f"535 5.7.8 you sent {echoed}")
    assert shown in (f"535 5.7.8 {HIDDEN}", f"535 5.7.8 you sent {HIDDEN}"), shown
