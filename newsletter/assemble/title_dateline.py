"""A dateline, a byline or an agency credit before a story's first sentence, read by its shape.

Round 16e of the derived titles (issue 20, part 6).  The patterns of `titles` know the datelines
they were written for ("MANILA (AP) —", "New Delhi, July 17:", "Washington, April 18 (IANS)");
every held-out set brought one more form they did not ("LOS ANGELES, Sept 28 The …", "NEW
ORLEANS A federal jury …", "Lagos, Nigeria, Oct 3 The …", "By Jane Smith, Staff Writer …").
Here a dateline is a shape, never a list of places:

    [By NAME[ and NAME][, ROLE]]  PLACE[, REGION][, DATE[, YEAR]][ AGENCY]  [SEPARATOR]  Sentence

- PLACE: one to four capitalised words (upper case or title case: "DHAKA", "ST. LOUIS",
  "PORT-AU-PRINCE", "Port Moresby"), never opening on a function word ("In", "On", "By", "The");
- REGION: one to three capitalised words after a comma ("Bangladesh", "D.C.", "Calif.",
  "Papua New Guinea");
- DATE: a month and a day ("Sept 28", "Oct. 10", "28 September") or a weekday, maybe a year;
- AGENCY: a short parenthesis ("(AP)", "(Reuters)", "(Xinhua)") or a wire's slashes
  ("/PRNewswire/");
- SEPARATOR: a dash, "--", a colon (spaced or not), "»", "•" or ".-"; a date or an agency may
  follow it with a separator of its own ("Tokyo, Japan – May 5, 2021 –", "NEW YORK--(BUSINESS
  WIRE)--");
- a byline's NAME: two to four capitalised words, or one in capitals ("By AFP"), its ROLE words
  up to one naming a role ("Staff Writer", "Associated Press Writers") or one word after a comma
  ("By Jane Smith, Reuters").

A place followed by a separator is a dateline; with no separator the shape must be unmistakable,
because a real headline also opens on capitals ("NASA launches …", "UK inflation …", "EU agrees
…", "US President Joe Biden …"): a date or an agency before a capitalised sentence start, or a
place in capitals of at least four letters before "A", "An" or "The" ("NEW ORLEANS A federal
jury"), which no headline's subject is followed by.

It is a scan of words, not a pattern: importing or calling it compiles nothing.
"""

from __future__ import annotations

from newsletter.assemble.headline_grammar import word_set

_SEPARATORS = frozenset({"—", "–", "-", "--", "---", ":", "»", "•", ".-"})
# Separators a place word may carry at its end ("SYDNEY:", "Colombo.-", "DETROIT—").
_ATTACHED = (".-", "—", "–", "--", ":", "»")
# Words that open a phrase, never a place: "In Sept 2020 …", "By Friday …", "On Oct 10 …".
_FUNCTION_WORDS = word_set(
    "a an the in on at by for from of to with into until since after before during as early "
    "late mid next last this that these those it its his her their our we i he she they "
    "when while if but and or"
)
# Joins the words of one place: "Rio de Janeiro", "Isle of Man", "Dar es Salaam".
_PLACE_JOINERS = word_set("de del da do dos das di du la le el al es of on upon")
_MONTHS = word_set(
    "jan january feb february mar march apr april may jun june jul july aug august sep sept "
    "september oct october nov november dec december"
)
_WEEKDAYS = word_set("monday tuesday wednesday thursday friday saturday sunday")
# The last word of a byline's role: "Staff Writer", "Senior Correspondent", "Sports Editor".
_ROLES = word_set(
    "writer writers reporter reporters correspondent correspondents editor editors staff "
    "contributor columnist producer bureau desk press wire service agency"
)
_SENTENCE_ARTICLES = frozenset({"A", "An", "The"})
# The most characters of a parenthesis or a wire's slashes read as an agency.
_AGENCY_CHARS = 32
_PLACE_WORDS = 4
# How far into a paragraph a separator run into its words ("YORK--(BUSINESS") is set apart.
_SPACED_CHARS = 120
_REGION_WORDS = 3
_NAME_WORDS = 4


def _bare(word: str) -> str:
    """The word without a comma or a separator at its end ("SYDNEY:", "LAGOS,")."""
    return word.rstrip(",:»—–").removesuffix(".-").removesuffix("--")


def _closes(word: str) -> bool:
    """The word ends a part of the shape: a comma or a separator at its end."""
    return word.endswith((",", *_ATTACHED))


def _capitalised(word: str) -> bool:
    """A word of a place or a name: a capital first, letters (with ".", "'", "’", "-") after."""
    word = _bare(word)
    return (
        len(word) >= 2
        and word[0].isupper()
        and word[0].isalpha()
        and all(c.isalpha() or c in ".'’-" for c in word)
    )


def _is_month(word: str) -> bool:
    return _bare(word).rstrip(".").lower() in _MONTHS


def _is_day(word: str) -> bool:
    word = _bare(word)
    return word.isdigit() and 1 <= len(word) <= 2


def _is_year(word: str) -> bool:
    word = _bare(word)
    return word.isdigit() and len(word) == 4


def _starts_sentence(word: str) -> bool:
    """The first word of a sentence: a capital, a digit or an opening quotation mark."""
    return bool(word) and (word[0].isupper() or word[0].isdigit() or word[0] in "“\"‘'")


class _Scan:
    """Reads the words of an opening one part of the dateline's shape at a time."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.at = 0

    def peek(self, ahead: int = 0) -> str:
        at = self.at + ahead
        return self.words[at] if at < len(self.words) else ""

    def place(self, most: int) -> tuple[int, bool, bool]:
        """Reads up to `most` capitalised words (a joiner between two): how many, whether
        all are in capitals, and whether the last ended with a comma."""
        count, upper = 0, True
        while count < most:
            if count and upper and not _bare(self.peek()).isupper():
                break  # "JANE SMITH The …": a place or a name in capitals ends where they do
            word = self.peek()
            if count and word.lower() in _PLACE_JOINERS and _capitalised(self.peek(1)):
                self.at += 1
                continue
            if not _capitalised(word) or _is_month(word) or _bare(word).lower() in _WEEKDAYS:
                break
            if count == 0 and _bare(word).lower() in _FUNCTION_WORDS:
                break
            upper = upper and _bare(word).replace(".", "").replace("-", "").isupper()
            count += 1
            self.at += 1
            if _closes(word):
                return count, upper, word.endswith(",")
        return count, upper and count > 0, False

    def date(self) -> bool:
        """Reads a date: "Sept 28", "Oct. 10,", "28 September", "Monday", maybe a year."""
        word, after = self.peek(), self.peek(1)
        if (_is_month(word) and _is_day(after)) or (_is_day(word) and _is_month(after)):
            self.at += 2
        elif _bare(word).lower() in _WEEKDAYS:
            self.at += 1
        else:
            return False
        if self.words[self.at - 1].endswith(",") and _is_year(self.peek()):
            self.at += 1
        return True

    def agency(self) -> bool:
        """Reads an agency: "(AP)", "(Sputnik News)", "/PRNewswire/", "/CNW/"."""
        word = self.peek()
        if word.startswith("/") and word.rstrip(",").endswith("/") and len(word) > 2:
            self.at += 1
            return True
        if not word.startswith("("):
            return False
        taken = 0
        for count, part in enumerate(self.words[self.at :], start=1):
            taken += len(part) + 1
            if taken > _AGENCY_CHARS + 1:
                return False
            if part.rstrip(",").endswith(")"):
                self.at += count
                return True
        return False

    def separator(self) -> bool:
        """Reads a separator word, or finds one attached to the word just read ("SYDNEY:")."""
        if self.peek() in _SEPARATORS:
            self.at += 1
            return True
        last = self.words[self.at - 1] if self.at else ""
        return last.endswith(_ATTACHED) and len(last.rstrip("".join(_ATTACHED))) >= 2


def _names(scan: _Scan) -> bool:
    """Reads the names of a byline: "Jane Smith", "JANE SMITH and JOHN DOE", "AFP", "Reuters
    Staff" (a name and its role with no comma)."""
    start = scan.at
    names, upper, comma = scan.place(_NAME_WORDS)
    if not comma and not _starts_sentence(scan.peek()) and scan.peek() not in {"and", *_SEPARATORS}:
        # "By Reuters Staff The city …": the words after the last role are the story's
        while names and _bare(scan.words[scan.at - 1]).lower() not in _ROLES:
            scan.at -= 1
            names -= 1
    if names < 2 and not (names == 1 and upper):
        return False  # one word is a name only in capitals, an agency: "By AFP"
    if not comma and scan.peek() == "and":
        scan.at += 1
        return _names(scan)
    return scan.at > start


def _role(scan: _Scan, comma: bool) -> None:
    """Reads a byline's role: words up to one naming a role ("Staff Writer", "Associated Press
    Writers"), else, after a comma, one word before a sentence ("Reuters", "CNN")."""
    start = scan.at
    role, _upper, _comma = scan.place(_NAME_WORDS)
    while role and _bare(scan.words[scan.at - 1]).lower() not in _ROLES:
        scan.at -= 1
        role -= 1
    if not role and comma and _capitalised(scan.peek()) and _starts_sentence(scan.peek(1)):
        scan.at = start + 1


def _byline_end(scan: _Scan) -> bool:
    """Reads "By NAME[ and NAME][, ROLE]" before a sentence or a dateline."""
    if scan.peek() != "By":
        return False
    scan.at = 1
    if not _names(scan):
        return False
    _role(scan, scan.words[scan.at - 1].endswith(","))
    scan.separator()
    return _starts_sentence(scan.peek())


def _place_end(scan: _Scan) -> bool:
    """Reads PLACE[, REGION][, DATE][ AGENCY][ SEPARATOR] before a capitalised sentence start."""
    words, upper, comma = scan.place(_PLACE_WORDS)
    if not words:
        return False
    letters = sum(c.isalpha() for w in scan.words[scan.at - words : scan.at] for c in w)
    dated = scan.date()
    if comma and not dated:
        dated = _region_then_date(scan)
    credited = scan.agency()
    if not credited and scan.peek().startswith("/"):
        return False
    nxt = scan.peek(1) if scan.peek() in _SEPARATORS else scan.peek()
    if scan.separator():
        _date_between_separators(scan)
        nxt = scan.peek()
        # "NEW DELHI: 34 people …" is a dateline; "Red Cross: 50K dead …", "Target: 40M card
        # accounts …", "Aaron Mokoena: ‘Mum …’" name who said it, so a place in title case
        # needs a capital after its separator
        return _starts_sentence(nxt) and (upper or nxt[:1].isupper())
    if dated or (credited and upper):
        # "Washington, April 18 A US …", "NEW ORLEANS (AP) The …"; never "Amazon.com Inc (AMZN)
        # Chief Executive …", a company and its ticker
        return _starts_sentence(nxt)
    return upper and letters >= 4 and nxt in _SENTENCE_ARTICLES and bool(scan.peek(1))


def _region_then_date(scan: _Scan) -> bool:
    """Reads a region, then the date: "Lagos, Nigeria, Oct 3", "SAN JOSE, Calif., Oct. 3,
    2019"; round 30: "CAPE CANAVERAL, Fla. Dec 21 A SpaceX …", an abbreviated region's full
    stop standing for its comma."""
    region, _upper, comma = scan.place(_REGION_WORDS)
    closed = comma or (region > 0 and scan.words[scan.at - 1].endswith("."))
    return bool(region and closed and scan.date())


def _date_between_separators(scan: _Scan) -> None:
    """Reads a date or an agency and its own separator after the place's ("Tokyo, Japan – May 5,
    2021 – …", "NEW YORK--(BUSINESS WIRE)--…")."""
    start = scan.at
    dated = scan.date()
    if not ((scan.agency() or dated) and scan.separator()):
        scan.at = start


def _words(text: str) -> list[str]:
    """The words of an opening, a separator run into them set apart ("NEW
    YORK--(BUSINESS WIRE)--The" → "NEW", "YORK", "--", "(BUSINESS", "WIRE)", "--", "The")."""
    head = text[:_SPACED_CHARS].replace("--", " -- ").split()
    return head + text[_SPACED_CHARS:].split()


def dateline_length(text: str) -> int:
    """How many characters of `text` a byline and a dateline take, with the spaces after them
    (0 when it opens on neither): "By Jane Smith, Staff Writer LOS ANGELES, Sept 28 The …" →
    the length before "The"."""
    words = _words(text) if "--" in text[:_SPACED_CHARS] else text.split(" ")
    if _place_and_agency(words):
        return len(words[0]) + len(text[len(words[0]) :]) - len(text[len(words[0]) :].lstrip())
    scan = _Scan(words)
    end = 0
    if _byline_end(scan):
        end = scan.at
    else:
        scan.at = 0
    if _place_end(scan):
        end = scan.at
    if end == 0 or end >= len(words):
        return 0
    # as many characters of the text as the words read hold, with the spaces after them
    wanted, at = sum(len(w) for w in words[:end]), 0
    while wanted and at < len(text):
        wanted -= not text[at].isspace()
        at += 1
    while at < len(text) and text[at].isspace():
        at += 1
    return at


# Words a hyphen joins to capitals that are no place ("Anti-ICE", "Pro-EU", "Non-NATO").
_PREFIXES = word_set("anti pro non post pre ex mid co sub trans inter")


def _place_and_agency(words: list[str]) -> bool:
    """Round 32: "Baghdad-INA Parliament adjourned …": a place in title case joined by a hyphen
    to an agency of two to five capitals ("INA", "KUNA", "WAM"), as one word before a capital."""
    if len(words) < 3:
        return False
    place, hyphen, agency = words[0].partition("-")
    if not hyphen or not place.isalpha() or not place[:1].isupper() or not place[1:].islower():
        return False
    if place.lower() in _PREFIXES or len(place) < 3:
        return False
    return (
        agency.isalpha() and agency.isupper() and 2 <= len(agency) <= 5 and words[1][:1].isupper()
    )
