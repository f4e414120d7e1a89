"""A server's words with the password hidden: what a login sent, echoed back, is never shown.

A relay or IMAP server may quote what it was sent when it refuses a login (`535 5.7.8 bad
credentials AGVkaXRvcg…`, `* BYE refused: LOGIN user "hunter2"`).  Its words go into the one
line the editor sees, and from there into logs: every form the password was sent in (as
typed, base64 as AUTH LOGIN sends it, the AUTH PLAIN blob) is replaced first.

`SecretForms.of` works those forms out once (a session hides every reply after its login:
three base64 encodings a reply were a send's hot path); `without_secret` is the one-off.

What the forms cannot find, a reply's *skeleton* does: the text unescaped (`\\"`, `\\x41`,
`\\u0041`, `%41`, `&#65;`, `&amp;`, `=41`), its accents taken off, look-alike Cyrillic and
Greek letters (capitals too) read as the Latin ones, case folded and blanks dropped.  A
password of four or more letters found in a reply's skeleton hides the whole reply but its
enhanced code: a relay or an IMAP server quoting `pa\\"ss` (its quoted-string escape),
`h\u00fbnter2`, `hunter 2` or `h\u03c5nter2` (a Greek upsilon) showed the password, one letter
away.  (A Cyrillic `\u0443` is read as the `y` it looks like, as Unicode's confusables have it.)
Half the password (6 to 16 letters of its skeleton) does the same, in the reply or in a base64
run of it: a server cutting what it quotes showed most of it (`PIECE_LEAST`).
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass

from newsletter.control_chars import INVISIBLE_CLASS

HIDDEN = "[password hidden]"
# A reply line's enhanced status code (RFC 3463), repeated on each line of a multi-line reply,
# and the blanks a relay may indent a continuation with.
_ENHANCED_CODE = re.compile(r"^[ \t]*(?:[245]\.[0-9]{1,3}\.[0-9]{1,3})?[ \t]*")


# An enhanced code ends where is_bad_address (status_reasons) ends it, at a word boundary:
# `5.1.1\t…` and `5.1.1: …` are codes too, and a reply hidden whole lost them (a bad address
# read as an ordinary 550, so never marked).
_SHOWN_CODE = re.compile(rb"[245]\.[0-9]{1,3}\.[0-9]{1,3}\b")
# What may stand between two characters of a form and still never show: the invisible ones,
# which the journal drops (stored_text), and control characters, which it makes spaces and
# the terminal escapes.  `hun\u00adter2` (a soft hyphen) reached the journal as `hunter2`.
_UNSEEN = f"[{INVISIBLE_CLASS}\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*"

_LEADING_CODE = re.compile(
    r"[ \t]*(?:[245][0-9][0-9][ -])?[ \t]*(?:[245]\.[0-9]{1,3}\.[0-9]{1,3}\b)?"
)

# The escapes a server may quote what it was sent in: a backslash before a character or a
# code (C, Python, JSON), an HTML or XML reference; and runs of escaped bytes, read as UTF-8:
# a URL's `%C3%A9`, quoted-printable's `=C3=A9`, a bytes literal's `\xc3\xa9`.
# Also JavaScript's `\\u{68}`, C's octal `\\150`, a reference without its `;` (HTML reads
# `&#x68` so), and `%u0068` (the old escape() of JavaScript).
_ESCAPE = re.compile(
    r"\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3})"
    r"|(?!x[0-9a-fA-F]{2})(.))"
    r"|&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?"
    r"|%u([0-9a-fA-F]{4})"
    r"|&((?i:amp|lt|gt|quot|apos));",
    re.DOTALL,
)
# A password escaped twice (`%2568`: the `%` escaped too) is looked for read back through both,
# as well as through one (a password holding a `\\` loses it in a second pass).
# XML's five named references (`hunter&amp;2` from a server quoting what it was sent as XML).
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ESCAPED_BYTES = re.compile(r"(?:%[0-9a-fA-F]{2})+|(?:=[0-9A-F]{2})+|(?:\\x[0-9a-fA-F]{2})+")
# Letters of other scripts drawn as Latin ones (Unicode's confusables), and blanks: both gone
# from a skeleton.  Capitals are read before the text is folded: a Cyrillic `Н` folds to `н`,
# no look-alike of `h`, and a Greek `Ν` (N) to `ν`, read as `v` (`\u041dUNTER2` showed).
_LOOK_ALIKE = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501\u04bb\u0261"
    "\u03b1\u03bf\u03c1\u03c4\u03c5\u03bd\u03b9\u03ba\u03c7\u0251\u0131",
    "aeopcyxijsdhgaoptuvikxai",
)
_LOOK_ALIKE_CAPITAL = str.maketrans(
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0423\u0425"
    "\u0406\u0408\u0405\u0500\u04ba\u051a\u051c"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7",
    "abekmhopctyxijsdhqwabezhikmnoptyx",
)
_BLANKS = re.compile(f"[\\s{INVISIBLE_CLASS}\\x00-\\x1f\\x7f-\\x9f]+")
SKELETON_LEAST = 4  # letters a password's skeleton needs to be looked for (fewer: everywhere)
# A piece of the password shown is part of it given away: a server cutting what it quotes
# (`535 bad Tr0ub4dor...`, or the AUTH PLAIN blob cut after its first 24 letters, which hold
# 10 of a 12-letter password) showed most of it.  Half the password's skeleton, 6 to 16
# letters, found in a reply's skeleton (or in a base64 run of it, read from any of its four
# starts) hides the reply as the whole password does.
PIECE_LEAST, PIECE_MOST = 6, 16
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}")
_ESCAPE_MARK = re.compile(r"[\\%&=]")


def _unescaped(m: re.Match[str]) -> str:
    hex_code = m.group(1) or m.group(2) or m.group(3) or m.group(6) or m.group(8)
    if hex_code:
        return chr(min(int(hex_code, 16), 0x10FFFF))
    if m.group(4):
        return chr(int(m.group(4), 8))
    if m.group(7):
        return chr(min(int(m.group(7)), 0x10FFFF))
    if m.group(9):
        return _NAMED[m.group(9).lower()]
    return m.group(5)


def _bytes_unescaped(m: re.Match[str]) -> str:
    run = m.group(0)
    step = 4 if run.startswith("\\") else 3
    data = bytes(int(run[i + step - 2 : i + step], 16) for i in range(0, len(run), step))
    return data.decode("utf-8", "replace")


def skeleton(text: str, *, escaped: bool = True, passes: int = 1) -> str:
    """`text` as the password is looked for in it: unescaped (when it may be `escaped`: a
    reply, not the password itself), without accents, look-alike letters read as Latin, case
    folded, no blanks or unseen characters (module doc); unescaped `passes` times."""
    for _ in range(passes if escaped else 0):
        if not _ESCAPE_MARK.search(text):
            break
        text = _ESCAPE.sub(_unescaped, _ESCAPED_BYTES.sub(_bytes_unescaped, text))
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    if not text.isascii():
        text = text.translate(_LOOK_ALIKE_CAPITAL)
    text = text.casefold()
    if not text.isascii():
        text = text.translate(_LOOK_ALIKE)
    return _BLANKS.sub("", text)


@dataclass(frozen=True, slots=True, repr=False)
class SecretForms:
    """Every form a login sends `secret` in, the longest first (a blob holds the others)."""

    texts: tuple[str, ...]
    # Any of them, to look once: most replies hold none (one search, not a scan a form).
    any_text: re.Pattern[str] | None
    # The password's skeleton (module doc); "" when too short to look for.
    bones: str = ""

    # Any piece of the skeleton PIECE_LEAST to PIECE_MOST letters long (module doc), or None.
    pieces: re.Pattern[str] | None = None

    def __repr__(self) -> str:  # the forms are the password: never in a repr or traceback
        return "SecretForms(...)"

    @classmethod
    def of(cls, secret: str | None, *, user: str = "") -> SecretForms:
        """The forms of `secret` logged in as `user`; none for no secret."""
        if not secret:
            return cls((), None)
        sent = [secret, f"\0{user}\0{secret}", f"{user}\0{user}\0{secret}"]
        # Its full case mappings too: re's IGNORECASE folds one character to one, so a
        # server's `STRASSE` never matched `Straße`.
        cases = {secret, secret.upper(), secret.lower(), secret.casefold()}
        # And as Unicode's compatibility form: hide() reads a reply that way too, so a server
        # echoing `se\u0301cret` (decomposed) or `ｓｅｃｒｅｔ` (full-width) shows nothing.
        forms = cases | {unicodedata.normalize("NFKC", form) for form in cases}
        for value in sent:
            sent_as = base64.b64encode(value.encode("utf-8")).decode("ascii")
            forms |= {sent_as, sent_as.rstrip("=")}
        forms.add(secret.encode("utf-8").hex())  # a server's debugging line writes bytes so
        texts = tuple(sorted(forms, key=lambda form: (-len(form), form)))
        # Any case: a server may fold what it quotes (`535 BAD PASSWORD HUNTER2`); hiding
        # a base64 form's other cases as well hides nothing else of note.
        pattern = "|".join(_UNSEEN.join(re.escape(c) for c in form) for form in texts)
        bones = skeleton(secret, escaped=False)
        return cls(
            texts,
            re.compile(pattern, re.IGNORECASE),
            bones * (len(bones) >= SKELETON_LEAST),
            _pieces_of(bones),
        )

    def _shown(self, text: str) -> bool:
        """True when `text`'s skeleton holds the password's, or a piece of it, read through
        one unescaping or two; or a base64 run of it decoded holds a piece (module doc)."""
        if not self.bones:
            return False
        # Every piece is in the password's skeleton: a piece found is all that is asked.
        look = self.pieces.search if self.pieces is not None else None
        once = skeleton(text)
        if look(once) if look is not None else self.bones in once:
            return True
        if _ESCAPE_MARK.search(once):
            twice = skeleton(text, passes=2)
            if look(twice) if look is not None else self.bones in twice:
                return True
        if look is None:
            return False
        runs = _BASE64_RUN.findall(text)
        return bool(runs) and any(look(read) for read in _base64_read(runs))

    def hide(self, text: str) -> str:
        """`text` with every form, in any case, replaced by HIDDEN (the longest first),
        invisible or control characters inside it or not; read as NFKC when that finds one;
        all of it but a leading reply code when the password's skeleton is in its skeleton."""
        if self.any_text is None:
            return text
        hidden = self.any_text.sub(HIDDEN, text)
        normal = unicodedata.normalize("NFKC", hidden)
        if normal != hidden and self.any_text.search(normal):
            hidden = self.any_text.sub(HIDDEN, normal)
        if self._shown(hidden):
            code = _LEADING_CODE.match(hidden)
            kept = code.group(0).strip() if code else ""
            return f"{kept} {HIDDEN}" if kept else HIDDEN
        return hidden

    def hide_bytes(self, data: bytes) -> bytes:
        """`data` (a reply as read) with every form, UTF-8, in any case, replaced by HIDDEN.

        Hidden as the text decoded with surrogateescape: a bytes pattern folds the case of
        ASCII letters only, so a relay's `SÉCRET` showed the password `sécret`.
        """
        if self.any_text is None:
            return data
        return self.hide(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")

    def hide_reply(self, lines: list[bytes]) -> bytes:
        """A reply's lines (codes taken off) joined by LF, every form hidden; all of it
        HIDDEN when a form runs on from one line to the next (a relay wrapping what it
        echoes: `535-5.7.8 you sent hunt` `535 5.7.8 er2` showed both halves; so did an
        indented `535    er2`, or a `hunt-` hyphenated)."""
        if self.any_text is None:  # no login: nothing to hide (every reply of a send)
            return b"\n".join(lines)
        hidden = [self.hide_bytes(line) for line in lines]
        if len(lines) > 1:
            bare = [_bare(line) for line in hidden]
            joined = [
                "".join(bare),
                " ".join(bare),
                "".join(line.removesuffix("-") for line in bare),
            ]
            # A piece is looked for in the lines as said: one hidden on its own line left
            # the rest of a wrapped base64 blob shown on the lines either side.
            if (
                any(self.any_text.search(text) for text in joined)
                or self._shown(joined[0])
                or self._shown("".join(_bare(line) for line in lines))
            ):
                # Its enhanced code kept: a `5.1.1` hidden whole was no unknown address.
                code = _SHOWN_CODE.match(hidden[0])
                return (code.group(0) + b" " if code else b"") + HIDDEN.encode("ascii")
        return b"\n".join(hidden)


def _bare(line: bytes) -> str:
    """A reply line as text, its enhanced code and trailing blanks off."""
    return _ENHANCED_CODE.sub("", line.decode("utf-8", "surrogateescape")).rstrip()


def _pieces_of(bones: str) -> re.Pattern[str] | None:
    """A pattern of every piece of `bones` half its length (PIECE_LEAST to PIECE_MOST
    letters), or None when it is shorter than PIECE_LEAST."""
    size = min(PIECE_MOST, max(PIECE_LEAST, (len(bones) + 1) // 2))
    if len(bones) < size:
        return None
    pieces = sorted({bones[i : i + size] for i in range(len(bones) - size + 1)})
    return re.compile("|".join(map(re.escape, pieces)))


def _base64_read(runs: list[str]) -> list[str]:
    """Each base64 run (8 letters or more, standard or URL-safe) decoded from each of its four
    possible starts, as skeletons: a run cut anywhere is read as far as it goes."""
    reads = []
    for run in runs:
        run = run.replace("-", "+").replace("_", "/")
        for start in range(4):
            usable = run[start:][: (len(run) - start) // 4 * 4]
            data = base64.b64decode(usable)  # the run's letters are all base64: never raises
            reads.append(skeleton(data.decode("utf-8", "ignore"), escaped=False))
    return reads


def without_secret(text: str, secret: str | None, *, user: str = "") -> str:
    """`text` with `secret` and the encodings a login sends it in replaced by HIDDEN."""
    if not secret:
        return text
    return SecretForms.of(secret, user=user).hide(text)
