"""A password echoed by a server with something unseen inside it or in another Unicode form:
a soft hyphen or zero-width space (which the journal drops), a NUL (which it makes a space,
which the terminal escapes), decomposed accents, full-width letters. Hidden all the same
(`hidden_secret.SecretForms`), through a real relay (aiosmtpd on 127.0.0.1) and alone."""

from __future__ import annotations

import pytest

from newsletter.hidden_secret import HIDDEN, SecretForms
from tests.support.smtp_server import PASSWORD, USER
from tests.support.starttls_relay import send_through_refusing_relay

pytest_plugins = ["tests.support.send_fixtures"]
SOFT_HYPHEN = "\u00ad"


@pytest.mark.parametrize(
    "echoed",
    [
        "hunter\u00ad2-s\u00e9cret",  # a soft hyphen: dropped when stored, the rest joined
        "hun\u200bter2-s\u00e9cret",  # a zero-width space
        "hun\u2060ter2-s\u00e9cret",  # a word joiner
        "hun\x00ter2-s\u00e9cret",  # a NUL: a space stored, `\x00` on the terminal
        "hunter2-se\u0301cret",  # the accent decomposed (NFD)
        "\uff48\uff55\uff4e\uff54\uff45\uff52\uff12-\uff53\u00e9\uff43\uff52\uff45\uff54",
        "HUN\u00adTER2-S\u00c9CRET",  # upper-cased with a soft hyphen
    ],
    ids=["soft-hyphen", "zero-width", "word-joiner", "nul", "nfd", "full-width", "upper"],
)
def test_a_password_with_something_unseen_inside_is_hidden(echoed):
    """The server's words keep every other word and lose the password, however it wrote it
    (each was shown, or stored readable)."""
    forms = SecretForms.of("hunter2-s\u00e9cret", user=USER)
    assert (
        forms.hide(f"535 5.7.8 you sent {echoed}, wrong") == f"535 5.7.8 you sent {HIDDEN}, wrong"
    )
    ordinary = "550 5.7.1 \ufb01ne: \uff46\uff55\uff4c\uff4c width"  # a ligature, full-width
    assert forms.hide(ordinary) == ordinary  # no form in it: left as written


def test_a_relay_quoting_the_password_with_soft_hyphens_never_gets_it_journaled(
    send_ws, tls_contexts
):
    """After AUTH, a relay refusing a reader with the password in its words, a soft hyphen
    between each two letters: the journal dropped them and kept the password whole."""
    summary, error = send_through_refusing_relay(
        send_ws, tls_contexts, "550 5.7.1 denied to " + SOFT_HYPHEN.join(PASSWORD)
    )
    assert (summary.sent, summary.failed) == (1, 1)
    assert error.startswith("550 5.7.1 denied to"), error
    assert PASSWORD.replace(" ", "") not in error.replace(" ", ""), error
    assert all(PASSWORD not in reason.replace(SOFT_HYPHEN, "") for reason, _ in summary.reasons)
