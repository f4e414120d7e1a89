"""The password hidden from a server's words: every form a login sent it in, text or bytes."""

from __future__ import annotations

import base64

from newsletter.hidden_secret import HIDDEN, SecretForms, without_secret

SECRET = "pässwörd-€42"
USER = "editor"


def b64(text: str) -> str:
    """`text` as a login sends it: base64 of its UTF-8."""
    return base64.b64encode(text.encode()).decode()


ECHOES = [
    f"535 5.7.8 no: {SECRET}",
    f"535 5.7.8 bad credentials {b64(SECRET)}",
    f"535 bad {b64(SECRET).rstrip('=')} (no padding)",
    f"535 blob {b64(chr(0) + USER + chr(0) + SECRET)} and {b64(USER + chr(0) + USER + chr(0) + SECRET)}",
]


def test_every_form_a_login_sends_is_hidden():
    """The password as typed, base64 with and without padding, and both AUTH PLAIN blobs."""
    for echo in ECHOES:
        hidden = without_secret(echo, SECRET, user=USER)
        assert HIDDEN in hidden and SECRET not in hidden, hidden
        assert b64(SECRET).rstrip("=") not in hidden, hidden


def test_forms_worked_out_once_hide_as_the_one_off_does():
    """SecretForms.hide gives without_secret's text, and hide_bytes the same bytes, even with
    undecodable bytes around the password (a reply as read, before any decoding)."""
    forms = SecretForms.of(SECRET, user=USER)
    for echo in [*ECHOES, "250 2.0.0 Ok: queued", ""]:
        assert forms.hide(echo) == without_secret(echo, SECRET, user=USER)
        raw = b"\xff\xc3" + echo.encode() + b"\xe2\x82"
        text = raw.decode("utf-8", "surrogateescape")
        expected = without_secret(text, SECRET, user=USER).encode("utf-8", "surrogateescape")
        assert forms.hide_bytes(raw) == expected


def test_no_password_hides_nothing_and_the_forms_never_show_in_a_repr():
    """Without a password the words pass unchanged; the forms' repr names none of them."""
    assert without_secret(ECHOES[0], None) == ECHOES[0]
    assert SecretForms.of("", user=USER).hide_bytes(b"535 no") == b"535 no"
    shown = repr(SecretForms.of(SECRET, user=USER))
    assert SECRET not in shown and b64(SECRET)[:8] not in shown
