"""A derived title's confidence gate: a cut goes first only when what it drops is its own.

Round 19 of issue 20's titles: a policy rather than more rules.

Sixteen rounds of rules passed every labelled lead, yet news never seen came out about half
printable, and most rejects were cuts inside the clause: an object, a complement or a noun cut
off ("… are under orders from their state and local governments | to stay home", "… for
serving | as a money mule", "… for the murder of a pregnant | , 19-year-old …").  A cut is
only as good as the parse that chose it, and the parse of a long sentence is often wrong.

So a cut title is emitted first only when what it drops is certainly a part of its own
(`confident_cut`): a clause opened after a comma, a semicolon or a dash (", which …", ", as
the militants continue …", ", according to …", ", killing …"), a subordinate clause with a
finite verb of its own, a second predicate, a trailing apposition, or a phrase of time or
place.  Otherwise the title is the main clause up to its first certain boundary, whole
(`first_boundary`; `titles._boundary_clause`), when that fits the title limit; only then the
earlier fallbacks.  A whole sentence of eighteen words is printable, a garbled cut of eight is
not.  Pure text: word scans and three patterns, no model.
"""

from __future__ import annotations

import re

from newsletter.assemble.headline_grammar import VERB_LEMMAS, Lazy, verb_index, word_set
from newsletter.assemble.title_cuts import _clause_cuts

# Where a main clause certainly ends: a comma before a clause opener or a participle, a
# semicolon, a dash between spaces.  Not a bare comma (", 19-year-old", "creator, developer,
# and administrator"), not a bare "as" before a phrase ("for serving | as a money mule").
_BOUNDARY = Lazy(
    r",\s(?=(?:which|who|whom|whose|where|while|as|with|after|when|whereas|although|though|"
    r"according\sto|said|says|but|yet|including|prompting|bringing|leaving|killing|forcing|"
    r"officials|police|authorities)\s)"
    r"|,\s(?=[a-z]{3,}(?:ing|ed)\s)|;\s|\s[—–]\s|\s--\s"
)
# ", the largest one-day loss for any U.S. company": a trailing apposition, no comma after it.
_APPOSITION = Lazy(r",\s(?=(?:the|its|a|an|his|her|their)\s[^,]*$)")
# A clause opened without a comma: the opener and a finite verb of its own within a few words
# ("on Chile border | as growing numbers of migrants attempt to enter").
_SUBORDINATORS = word_set(
    "as after when while because since before until once whereas and but which who"
)
_CLAUSE_VERB_WINDOW = 8
# A phrase of time or place that may go from the end of a title: "… in Pennsylvania | in
# connection with …", "… near Yemen | late Monday", "… to Real Madrid | after accepting …".
_ADJUNCTS = word_set(
    "in on at near across during amid over since following before after until throughout under"
)


def first_boundary(clause: str) -> int | None:
    """Where the main clause certainly ends (a comma before an opener or a participle, a
    semicolon, a dash, a trailing apposition): the index of the first such boundary after the
    clause's first three words, or None when it has none."""
    found = [m.start() for m in _BOUNDARY.finditer(clause)]
    found += [m.start() for m in _APPOSITION.finditer(clause)]
    return min((at for at in found if len(clause[:at].split()) >= 3), default=None)


def confident_cut(kept: str, rest: str) -> bool:
    """Whether a title `kept` that drops `rest` (what followed it in its clause, with its
    leading comma or space) dropped only a part of its own: nothing, a clause after a boundary
    or a trailing apposition, a subordinate clause with its own finite verb, a phrase of time or
    place, a role after a noun ("slams into Florida's Big Bend region | as Category 4 storm");
    never a complement ("| to stay home", "serving | as a money mule", "| of 1MDB"), nor what
    follows a bare comma inside a noun phrase (", 19-year-old fellow soldier")."""
    if not rest.strip(" ,.;"):
        return True
    if _BOUNDARY.match(rest) or _APPOSITION.match(rest):
        return True
    words = rest.split()
    if rest[:2] == ", ":
        if any(w.endswith(",") for w in kept.split()[-3:]) and _LIST_CLOSE.match(rest[2:]):
            return False  # round 35: a list under way ("clothes, Rolex watches | , loan …")
        return _bare_comma_ends_clause(rest[2:].split())
    if rest[:1] != " ":
        return False
    first = words[0].lower()
    then = words[1 : 1 + _CLAUSE_VERB_WINDOW]
    if first in _SUBORDINATORS and _opens_clause(then):
        return True
    if first in ("and", "but") and then and _a_predicate(then):
        return True  # a second predicate: "close Silicon Valley Bank | and hand it to the FDIC"
    if first == "as":
        last = kept.split()[-1].lower() if kept.split() else ""
        return rest.lower().startswith(" as part of ") or not last.endswith(("ing", "ed"))
    if rest.lower().startswith((" due to ", " because of ")):
        return True  # round 35: a cause of its own ("… surgery patient | due to …")
    return first in _ADJUNCTS and not _opens_complement(kept, rest)


def _opens_complement(kept: str, rest: str) -> bool:
    """Whether the phrase `rest` opens after a preposition of place or time is the verb's
    claim or complement, not a place or time of its own."""
    words = rest.split()
    if len(words) > 1 and words[1].lower() in ("what", "which", "whom"):
        return True  # "ran the Chicago Marathon | in what once would have been …": the claim
    # round 39: "arrested a 16-year-old | in connection with the shooting"; after a place of
    # its own ("arrest 26-year-old man in Pennsylvania") the title says where
    return _COMPLEX_PREPOSITION.match(rest) is not None and not _adjunct_after_verb(kept)


def _adjunct_after_verb(kept: str) -> bool:
    """Whether the title holds a phrase of place or time after its main verb."""
    verb = verb_index(kept)
    words = kept.lower().split()
    return verb is not None and any(w in _ADJUNCTS for w in words[verb + 1 :])


# Round 39: a preposition of place or time that opens a complex preposition ("in connection
# with", "on behalf of", "in exchange for") opens no phrase of place or time: what follows says
# what the verb's object is about, its complement.
_COMPLEX_PREPOSITION = Lazy(
    r"^\s(?:in|on|at|under)\s(?:connection|response|relation|regard|exchange|addition|"
    r"favou?r|return|place|lieu|search|support|protest|memory|honou?r|violation|breach|"
    r"pursuit|defiance|charge|charges|behalf|suspicion|the\scase)\s(?:with|to|of|for)\b",
    re.IGNORECASE,
)


_PHRASE_START = Lazy(r"\s(?=(?:due\sto|because\sof)\s)")


# The last items of a list: "loan payments and cash …", "or selling …".
_LIST_CLOSE = Lazy(r"^[a-z]+(?:\s[a-z]+)?\s(?:and|or)\s")


def completions(kept: str, clause: str, limit: int) -> list[str]:
    """Round 30, complete over cut: when `kept`, a cut of `clause` (its start), dropped what
    may be its own phrase's complement (`confident_cut` is false: "approve new treatment …
    for patients | with chronic lymphocytic leukemia who have not …"), the clause up to each
    later clause boundary where what is left is certainly a part of its own ("… for patients
    with chronic lymphocytic leukemia | who have not …"), shortest first, within `limit`
    characters; none when `kept` is not a start of `clause` or dropped only a part of its own.
    The caller reads each back (the self-check) and takes the first that passes."""
    if not clause.lower().startswith(kept.lower()) or confident_cut(kept, clause[len(kept) :]):
        return []
    cuts = set(_clause_cuts(clause))
    # round 35: before a phrase of time, place or cause too ("… of gastric sleeve surgery
    # patient | due to malpractice, saying …"), when what it leaves is a part of its own
    cuts |= {m.start() for m in _PHRASE_START.finditer(clause)}
    ends = sorted({c for c in cuts if len(kept) < c <= limit})
    if len(clause) <= limit:
        ends.append(len(clause))
    return [clause[:c] for c in ends if confident_cut(clause[:c], clause[c:])]


# What a clause's subject never holds before its verb: "as a “money mule” | for someone she met".
_PHRASE_WORDS = word_set("for to with by into against")


def _opens_clause(words: list[str]) -> bool:
    """Whether the words after an opener hold a finite verb of their own before any of
    `_PHRASE_WORDS` ("as growing numbers of migrants attempt …", not "as a money mule for
    someone she met online")."""
    at = verb_index(" ".join(words))
    return at is not None and not any(w.lower() in _PHRASE_WORDS for w in words[:at])


_MONTHS = word_set(
    "january february march april may june july august september october november december"
)


def _bare_comma_ends_clause(words: list[str]) -> bool:
    """A comma with no opener after it ends the clause kept before it ("flee their homes, out of
    the path of the cyclone", "in Houston, August 27 …", "sinks off Haiti, and hundreds were
    missing") unless a number, a name or the rest of a list follows it, the rest of a noun
    phrase: "Ping Li, 59, of …", "a pregnant, 19-year-old fellow soldier", "Pensacola,
    Florida", "the creator, developer, and administrator"."""
    nxt = words[0] if words else ""
    if nxt.lower().strip(",") in _MONTHS:
        return True
    if nxt in ("and", "but"):
        # "…, and hundreds of passengers were missing", "…, killing eight, and injuring seven"
        then = words[1 : 1 + _CLAUSE_VERB_WINDOW]
        return bool(then and then[0].endswith("ing")) or verb_index(" ".join(then)) is not None
    listed = (
        nxt == "or"
        or nxt.endswith(",")
        or (len(words) > 1 and words[1] in ("and", "or") and nxt.islower())
    )
    return not (listed or any(c.isdigit() for c in nxt) or nxt[:1].isupper())


def _a_predicate(words: list[str]) -> bool:
    """Whether the words open a predicate of their own: a verb first ("hand it to the FDIC",
    "walk off with works")."""
    return words[0].lower() in VERB_LEMMAS or verb_index(" ".join(["they", *words])) == 1
