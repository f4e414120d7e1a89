"""The password hidden from a server's words: every form a login sent it in, text or bytes."""

from __future__ import annotations

import base64

from newsletter.hidden_secret import HIDDEN, SecretForms, without_secret
from newsletter.send.smtp import failure

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


def test_a_server_folding_the_case_of_letters_outside_ascii_never_shows_the_password():
    """A relay upper-casing what it quotes: `SÉCRET` for `sécret` in a reply still in bytes
    (a bytes pattern folds ASCII only), `STRASSE` for `Straße` (re folds one character to
    one) in bytes and in text; both were shown."""
    for secret, shout in [("wrong-sécret-42", "WRONG-SÉCRET-42"), ("Straße-42", "STRASSE-42")]:
        forms = SecretForms.of(secret, user=USER)
        for said in (shout, shout.lower(), shout.title()):
            assert forms.hide_bytes(f"550 {said}".encode()) == f"550 {HIDDEN}".encode()
            assert without_secret(f"535 {said}", secret, user=USER) == f"535 {HIDDEN}"


def test_a_password_wrapped_with_an_indent_or_a_hyphen_is_hidden_whole():
    """The halves of a wrapped echo after an indented continuation (`535    et-42`, no
    enhanced code) or a hyphen at the break (`wrong-secr-`): the reply is hidden whole."""
    forms = SecretForms.of("wrong-secret-42", user=USER)
    for first, second in [
        (b"5.7.8 you sent wrong-secr", b"    et-42"),
        (b"5.7.8 you sent wrong-secr", b"\t5.7.8   et-42"),
        (b"5.7.8 you sent wrong-secr-", b"5.7.8 et-42"),
    ]:
        assert forms.hide_reply([first, second]).endswith(HIDDEN.encode())
    assert forms.hide_reply([b"5.1.1 no such", b"5.1.1 user"]) == b"5.1.1 no such\n5.1.1 user"


def test_a_reply_hidden_whole_keeps_its_enhanced_code():
    """A `550 5.1.1` whose two lines carry the password's halves is hidden whole but for its
    enhanced code, so the address is still read as unknown (`550 [password hidden]` was a
    plain refusal, the reader never marked bounced)."""
    forms = SecretForms.of("wrong-secret-42", user=USER)
    reply = forms.hide_reply([b"5.1.1 no such user wrong-secr", b"5.1.1 et-42"])
    assert reply == b"5.1.1 " + HIDDEN.encode()
    assert failure(550, reply, stage="rcpt").bad_address
