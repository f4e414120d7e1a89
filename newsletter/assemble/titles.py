"""Derive a short headline for an untitled lead from its first sentence.

Wire stories open with the news in one sentence: "Peru is preparing to declare a state of
emergency along its border with Chile as growing numbers of migrants attempt to enter the
country, President José Jerí announced on Friday."  The headline is that sentence's main clause,
written the way an editor writes a headline ("Peru to declare state of emergency on Chile
border"), in these steps:

1. the dateline goes ("MANILA (AP) —", "OSLO —", "JAKARTA:");
2. the main clause is found: a trailing attribution (", President X announced on Friday"), a
   leading "According to X," or "Officials said that", a leading phrase without a main clause
   ("After two weekends of box office domination,", "Amid protests of up to 200,000,") and a
   parenthesis between the subject and its verb (", facing massive protests,", ", battered by
   fears that it would fail,") are dropped;
3. a pronoun left as the subject is replaced by who it stands for ("Lavrov said Friday he
   was optimistic" → "Lavrov is optimistic");
4. headline style: days of the week and "yesterday" go, "is preparing to"/"will" become "to",
   a passive "were killed" becomes "killed", articles go;
5. when still too long: a long title + name subject becomes the surname, then the title is cut
   at the last phrase boundary that keeps the verb (before a subordinate clause, a comma, a
   second predicate "and handed it to …", a preposition), never inside a quotation and
   never leaving an article, preposition, conjunction or adjective at the end.

6. complete over short (round 8 of issue 20): a cut within 80 characters stands only when it
   drops a whole part (`_phrase_cuts`), else the clause runs whole up to `TITLE_LIMIT`; every
   candidate is read back by `printable_problems` (with `title_check.headline_faults`) and a
   failing one gives way to the first sentence itself (at most `FALLBACK_WORDS` words), its
   main clause whole, then a cut that passes (`chosen_title` says which was chosen).

`title_problems` states the rules a derived title must pass; the tests and the labelled set in
tests/data/titles/ hold the function to them.  Everything is regular expressions and small word
lists: no model, nothing fetched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsletter.assemble.headline_grammar import (
    ARTICLES,
    AUXILIARIES,
    DEMONSTRATIVES,
    IRREGULAR_LEMMA,
    POSSESSIVES,
    PRONOUNS,
    TOKEN,
    TRAILING_PUNCT,
    VERB_LEMMAS,
    Lazy,
    base_form,
    ends_incomplete,
    ends_on_open_verb,
    is_adverb,
    lemma_of_ing,
    lemma_of_s,
    plural_subject,
    reduced_relative,
    split_punctuation,
    third_person,
    verb_index,
    word_set,
)
from newsletter.assemble.terms import concept_pairs, is_place, zipf
from newsletter.assemble.title_check import headline_faults
from newsletter.sources.text import sentences

_TITLE_WORDS = word_set(
    """
    president minister secretary governor gov. mayor senator sen. chancellor premier chief
    commissioner
    general gen. ambassador director chairman chairwoman leader spokesman spokeswoman king queen
    prince pope judge coach captain ceo
    """
)
# Verbs whose "that" a headline drops ("rules that" → "rules").
_REPORTING = word_set(
    """
    say said rule ruled announce announced warn warned claim claimed find found show showed
    report reported decide decided argue argued insist insisted confirm confirmed reveal
    revealed suggest suggested believe believed think thought admit admitted deny denied
    """
)
_DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# "late on Friday", "on Thursday night", "yesterday", "this morning", "effective tonight": what a
# headline leaves out.
_TIME = Lazy(
    rf"(?:,\s*)?\s(?:(?:late|early|effective)\s)?(?:(?:on|last|this)\s)?(?:{_DAYS}(?:\s(?:morning|afternoon|"
    r"evening|night))?|yesterday|today|tonight|this\s(?:morning|afternoon|evening)|last\snight)"
    # "on Thursday, his 83rd birthday," : what the day was goes with it
    r"(?:,\s(?:his|her|its|their|the)\s[\w’'-]+(?:\s[\w’'-]+){0,3},(?=\s[a-z]))?"
    r"(?=[\s,.;:!?]|$)"
)
# "OSLO —", "MANILA (AP) —", "WELLINGTON, New Zealand —", "JAKARTA:", "VIENNA, Feb 28 (Reuters) -",
# "CANIÇO:" (a place's capitals may carry accents), "March 12 (Reuters) -" (the date first)
_CAPITAL = "A-ZÀ-ÖØ-Þ"
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATELINE = Lazy(
    rf"^(?:(?:[{_CAPITAL}][{_CAPITAL}.'’-]+(?:\s[{_CAPITAL}][{_CAPITAL}.'’-]+){{0,3}})"
    r"(?:,\s*(?:[A-Z][\w.'’-]*\.?\s?){0,3}(?:\d{1,2}\s?)?)?\s*(?:\([A-Za-z .&-]{1,30}\)\s*)?"
    rf"|(?:[A-Z][a-z]+(?:\s[A-Z][a-z]+)?,\s)?{_MONTHS}\s\d{{1,2}}\s*\([A-Za-z .&-]{{1,30}}\)\.?\s*"
    rf"|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?,\s{_MONTHS}\s\d{{1,2}}\s*(?=:)"
    # "Washington, April 18 (IANS) A US passenger plane …": place, date and agency, no dash
    rf"|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?,\s{_MONTHS}\s\d{{1,2}}\s\([A-Z]{{2,10}}\)\s(?=[A-Z])"
    r"|\([A-Za-z .&-]{1,30}\)\s*"
    # "Brussels: The European Central Bank …": a place and a colon
    r"|[A-Z][a-z]+(?=:\s(?:The|A|An)\s))(?:[—–:]|-{1,2}\s|-|(?<=\)\s)(?=[A-Z]))\s*"
)
# Any dateline: a place of a few capitalised words, maybe a date, maybe an agency in
# parentheses, then a separator (a dash, a colon, ".-", or the agency itself) before a capital:
# "Colombo : Sri Lanka's …", "New Delhi, July 17: Tennis star …", "Brussels: The ECB …".
_ANY_DATELINE = Lazy(
    r"^(?:[A-Z][\w.'’-]*(?:,?\s[A-Z][\w.'’-]*){0,3})"
    rf"(?:,\s{_MONTHS}\s\d{{1,2}})?(?:\s?\([A-Za-z .&-]{{1,30}}\))?"
    r"\s?(?:\.?[—–:]|\s-{1,2}|\.-)\s*(?=[A-Z“\"])"
)
# "faced a federal judge on Nov. 2": the date, which a headline leaves out as it does the day.
_ON_DATE = Lazy(rf"\son\s{_MONTHS}\s\d{{1,2}}(?:,\s\d{{4}})?(?=[\s,.;:!?]|$)")
# "Oct 11 Canadian telecom services provider EXFO Inc posted …": a date, then the sentence.
_DATE_FIRST = Lazy(rf"^{_MONTHS}\s\d{{1,2}}\s+(?=[A-Z])")
_SPEECH = (
    r"(?:said|says|announced|announces|told|tells|reported|reports|stated|states|confirmed|"
    r"confirms|declared|warned|wrote|added|according to)"
)
# ", President José Jerí announced on Friday." / ", officials said." / ", according to AP."
_TRAILING_ATTRIBUTION = Lazy(
    rf",\s+(?P<who>(?:[^,]{{0,80}}?\s)?){_SPEECH}\b(?:\s(?:{_DAYS}|yesterday|today|(?:on|late|"
    rf"early|this|last|in|to|at|during|after|from|via|through|over)\b[^,]{{0,50}}))?$"
    r"|,\s+according to [^,]{1,80}$",
    re.IGNORECASE,
)
# "…has resigned, state television announced on Saturday, hours after…": who said it, inside.
_MIDDLE_ATTRIBUTION = Lazy(
    rf",\s(?P<who>(?:[\w’'.-]+\s){{1,6}}?){_SPEECH}(?:\s(?:on\s)?(?:{_DAYS}|this\s\w+|"
    r"yesterday|today))?,"
)
_LEADING_ACCORDING = Lazy(r"^according to [^,]{1,100},\s*", re.IGNORECASE)
# "Officials said on Friday that ..." / "Lavrov said Friday he was ..." / "groups say ..."
_LEADING_SAID = Lazy(
    r"^(?P<who>[^,]{1,100}?)\s(?P<verb>said|says|say|told reporters|announced|confirmed|stated)"
    r"(?P<that>\sthat)?\s(?P<rest>.+)$"
)
_SUBORDINATORS = (
    r"(?:as|after|amid|while|following|because|since|despite|before|when|where|which|who|"
    r"although|though|even as|even though|unless|until|prompting|saying|meaning|whereas|once|if|"
    r"in connection with|in response to|on suspicion of|on charges of|but|yet)"
)
_SUBORDINATE = Lazy(rf"\s{_SUBORDINATORS}\s", re.IGNORECASE)
# The subordinators that only ever open a clause (not "as", "after", "since": "resigns as
# prime minister", "after eight months" are phrases, not clauses).
_CONJUNCTION = Lazy(
    r"\s(?:because|when|while|although|though|whereas|unless|if|which|who|where|that)\s",
    re.IGNORECASE,
)
# A sentence opening on a phrase with no main clause of its own: "After two weekends of box
# office domination, ..." / "Three days after X came ashore, ..." / "Facing protests, ...".
_LEADING_PHRASE = Lazy(
    r"^(?:(?:\w+\s){0,4}(?:after|before|since)|as|amid|while|despite|following|when|although|"
    r"though|because|with|for|in|on|at|during|over|under|unlike|like|once|if|until|facing|"
    r"from|to\s[a-z]+|hours|days|weeks|months|years|\w+ing)\b(?:[^,]|,(?=\d)){0,140},\s+"
    r"(?P<rest>.+)$",
    re.IGNORECASE,
)
_PREPOSITION = Lazy(
    r"\s(?:and|to|in|on|at|over|for|with|from|into|near|along|across|under|by|during|against|"
    r"about|after|amid|between|toward|towards|through|among|within|outside|inside)\s",
    re.IGNORECASE,
)
_OF = Lazy(r"\sof\s")
# Not where a clause ends: "such as", "as well as", … and "as" before a quotation, the
# complement of "described the shooting | as “the most devastating day …”".
_NOT_A_CLAUSE = Lazy(
    r"\s(?:such as|as well as|as of|as many as|as much as|as few as)\s|\sas\s(?=[“\"])", re.I
)
# "A fire that tore through towers in Hong Kong's Tai Po district has killed at least 44
# people": a subject of a few words, a relative clause, then the main verb.
_RELATIVE_SUBJECT = Lazy(
    r"^(?P<subject>(?:\S+\s){1,8}?)(?:that|which|who)\s(?P<clause>.+?)\s"
    r"(?P<verb>(?:has|have|had|is|are|was|were|will|would|could|may|might|must)\s.+)$",
    re.IGNORECASE,
)
_TO_FUTURE = Lazy(
    r"\s(?:(?:is|are|was|were)\s(?:preparing|planning|set|poised|expected|going|due|about)\s"
    r"to|will|would)\s(?=[a-z])"
)
_COORDINATED_PASSIVE = Lazy(
    r"(\sand\s(?:\S+\s){1,3}?)(?:is|are|was|were)\s(?=(?:\w+ly\s)?[a-z]+ed\b)"
)
# Irregular participles a passive may take ("was shot", "were hit"), from IRREGULAR_LEMMA.
_IRREGULAR_PARTICIPLES = "|".join(
    sorted(
        {"shot", "hit", "struck", "brought", "taken", "given", "held", "caught", "found", "sent"}
        | {"shown", "thrown", "sold", "built", "cut", "left", "seen", "beaten", "torn", "swept"}
        | {"sworn", "chosen", "driven", "written", "stolen", "known", "drawn"},
        key=len,
        reverse=True,
    )
)
_PASSIVE = Lazy(
    r"\s(?:is|are|was|were|has been|have been)(?:\sbeing)?\s"
    rf"(?=(?:\w+ly\s)?(?:[a-z]+ed|{_IRREGULAR_PARTICIPLES})\b)"
)
# "Services were in disarray when a software update caused computers to crash worldwide": the
# main clause is only a state ("were in disarray", "was at a standstill"); the news is the
# event after "when"/"as"/"after" that caused it, a clause with its own subject and verb.
_STATE_THEN_EVENT = Lazy(
    r"^(?P<subject>.+?)\s(?:is|are|was|were)\s(?:in|at|under)\s(?:[\w-]+\s){1,2}?"
    r"(?:when|as|after)\s(?P<event>.+)$"
)
_TO_BE_DOING = Lazy(r"\sto\sbe\s(?P<verb>[a-z]+ing)\b")


def _to_do(m: re.Match[str]) -> str:
    """ "would be raising" → "to raise" (the verb's base form, when it is known)."""
    lemma = lemma_of_ing(m["verb"])
    return f" to {lemma}" if lemma else m.group()


_PERCENT = Lazy(r"(?<=\d)\s(?:percent|per\scent)\b")
_BORDER_WITH = Lazy(
    r"\s(?:along|on|at|near)\s(?:its|the|their)\s(border|frontier)\swith\s([A-Z]\w+)"
)


def first_sentence(paragraph: str) -> str:
    """The first sentence of a paragraph."""
    return next(iter(sentences(paragraph)), paragraph.strip())


def without_dateline(paragraph: str) -> str:
    """The paragraph without its dateline ("MANILA (AP) — ", "OSLO — ", "JAKARTA: ")."""
    m = _DATELINE.match(paragraph) or _DATE_FIRST.match(paragraph) or _ANY_DATELINE.match(paragraph)
    return paragraph[m.end() :] if m and m.end() < len(paragraph) else paragraph


# The longest derived title: a title cut inside its clause is never printable and a long one
# is, so a title runs up to this length rather than drop an object, a complement or a claim.
TITLE_LIMIT = 120
# The first sentence itself is a headline when it is no longer than this (and TITLE_LIMIT).
FALLBACK_WORDS = 25


def derive_title(paragraphs: Sequence[str], max_chars: int = 80, limit: int = TITLE_LIMIT) -> str:
    """A headline from the first sentence's main clause: `max_chars` characters when a cut
    there keeps the clause whole, else up to `limit` (see the module docstring for the steps).

    Every candidate is read back (`printable_problems`) before it is returned: a short cut that
    keeps its clause whole, then a longer one, then the first sentence itself when it is short
    enough to print, then the main clause whole, then a cut one that passes.  Returns "" when
    there is no text at all.
    """
    return chosen_title(paragraphs, max_chars, limit)[0]


def chosen_title(
    paragraphs: Sequence[str], max_chars: int = 80, limit: int = TITLE_LIMIT
) -> tuple[str, str]:
    """`derive_title`'s title and which candidate it is: "score line", "short" (a cut within
    `max_chars` that keeps the clause whole), "long" (the same within `limit`), "sentence" (the
    first sentence itself), "clause" (its main clause whole), "cut" (a cut that passes the
    checks, none whole did) or "unchecked" (nothing passed: the short cut as it is)."""
    paragraph = next((p.strip() for p in paragraphs if p and p.strip()), "")
    if not paragraph:
        return "", "short"
    text = _without_kicker(without_dateline(" ".join(_opening(paragraph).split())))
    result = _result_from_score_line(text)
    if result and len(result) <= max_chars:
        return result, "score line"
    first, short, whole = news_sentence(text, max_chars)
    return _checked_title(first, short, whole, max_chars, limit)


# The most of a paragraph a title is derived from: its first two sentences fit many times over
# (a news sentence runs 200-400 characters).  The clause cuts look back from every comma, so a
# feed entry of one 60 KB sentence of commas took 84 s to title; this bound keeps it linear.
OPENING_CHARS = 2_000


def _opening(paragraph: str) -> str:
    """The paragraph's first OPENING_CHARS characters, cut at a space when it is longer."""
    if len(paragraph) <= OPENING_CHARS:
        return paragraph
    cut = paragraph[:OPENING_CHARS]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def news_sentence(text: str, max_chars: int = 80) -> tuple[str, str, bool]:
    """The sentence a title is made from (the first, or the second when the first is a scene),
    its title within `max_chars` and whether that title's clause is whole."""
    found = sentences(text)
    first = found[0] if found else text
    short, whole = _derive(first, max_chars)
    if (_opens_on_it(short) or verb_index(short) is None) and len(found) > 1:
        # "It was a night few will forget. Argentina beat France …", ""One more thing." With
        # that phrase, Apple paid homage …": a scene or a phrase with no verb; the news is next.
        other = _derive(found[1], max_chars)
        if other[0] and not _opens_on_it(other[0]):
            return found[1], other[0], other[1]
    return first, short, whole


def _checked_title(
    sentence: str, short: str, whole: bool, max_chars: int, limit: int
) -> tuple[str, str]:
    """The first candidate title of `sentence` that an editor could print (see `chosen_title`)."""
    if whole and not printable_problems(short, limit):
        return short, "short"
    long, long_whole = _derive(sentence, limit) if limit > max_chars else (short, whole)
    if long_whole and not printable_problems(long, limit):
        return long, "long"
    plain = _as_headline(sentence)
    if len(plain.split()) <= FALLBACK_WORDS and not printable_problems(plain, limit):
        return plain, "sentence"
    clause = _capitalize(_clean(_main_clause(_clean(sentence))))
    if not printable_problems(clause, limit):
        return clause, "clause"
    # No whole clause passes: a cut one that passes, else the short cut as it is (marked
    # title_derived like every derived title, so `check` asks the editor to look).
    passing = next((t for t in (short, long) if not printable_problems(t, limit)), None)
    return (passing, "cut") if passing else (short, "unchecked")


def _as_headline(sentence: str) -> str:
    """The first sentence itself as a headline: leading attribution ("According to X,",
    "Officials said that") gone, its final full stop dropped, a closing quotation kept."""
    text = _clean(_LEADING_ACCORDING.sub("", _clean(sentence)))
    return _capitalize(_clean(_leading_said(text)))


def printable_problems(title: str, limit: int = TITLE_LIMIT) -> list[str]:
    """Why `title` could not be printed as a headline (empty: it could): `title_problems`'
    rules at `limit` characters and the self-check of `title_check.headline_faults`."""
    return title_problems(title, "", limit) + headline_faults(title)


# "CHAMPIONS LEAGUE FINAL Manchester Utd 1 …": a run of capitals before a name, the kicker
# that labels a page's section; its words are plain words in capitals, not acronyms.
_KICKER = Lazy(rf"^(?P<kicker>(?:[{_CAPITAL}]{{3,}}\s){{2,5}})(?=[A-Z][a-z])")
# "Manchester Utd 1 Chelsea 1 (aet: Utd win 6-5 on pens)": a match's result.
_SCORE_LINE = Lazy(
    r"^(?P<a>[A-Z][\w.'’-]*(?:\s[A-Z][\w.'’-]*){0,2})\s(?P<x>\d{1,2})\s"
    r"(?P<b>[A-Z][\w.'’-]*(?:\s[A-Z][\w.'’-]*){0,2})\s(?P<y>\d{1,2})"
    r"(?:\s\((?P<note>[^)]{1,60})\))?(?=\s[A-Z“\"]|$)"
)
_SHOOT_OUT = Lazy(
    r"(?P<winner>[A-Z][\w.'’-]*)\swins?\s(?P<score>\d{1,2}-\d{1,2})\son\s(?:pens|penalties)"
)


def _without_kicker(text: str) -> str:
    """The text without a kicker in capitals ("CHAMPIONS LEAGUE FINAL"), its first words in
    small capitals ("A POPULAR restaurant") in lower case."""
    m = _KICKER.match(text)
    if m is not None and all(zipf(w.lower()) >= 3.5 for w in m["kicker"].split()):
        text = text[m.end() :]
    lead_in = _LEAD_IN.match(text)
    caps = lead_in["caps"].split() if lead_in else []
    # plain words in capitals, not an acronym ("A US passenger plane"): several, or a long one
    if caps and (len(caps) > 1 or len(caps[0]) > 4) and all(zipf(w.lower()) >= 3.5 for w in caps):
        caps = lead_in["caps"]
        text = text[: lead_in.start("caps")] + caps[:1] + caps[1:].lower() + text[lead_in.end() :]
    return text


# "A POPULAR restaurant …", "SO THEY WERE right": a lead-in in capitals before lower case.
_LEAD_IN = Lazy(r"^(?:A\s|An\s|The\s)?(?P<caps>[A-Z]{2,}(?:\s[A-Z]{2,}){0,3})(?=\s[a-z])")


def _result_from_score_line(text: str) -> str | None:
    """A report opening on a score line is titled by its result, written as a headline
    ("Manchester Utd beat Chelsea 6-5 on penalties"); None when it opens on anything else."""
    m = _SCORE_LINE.match(text)
    if m is None:
        return None
    a, b, x, y = m["a"], m["b"], int(m["x"]), int(m["y"])
    shoot_out = _SHOOT_OUT.search(m["note"] or "")
    if x == y and shoot_out:
        winner = shoot_out["winner"]
        if winner in a.split() or winner in b.split():
            won, lost = (a, b) if winner in a.split() else (b, a)
            return f"{won} beat {lost} {shoot_out['score']} on penalties"
        return None
    if x == y:
        return f"{a} and {b} draw {x}-{y}"
    won, lost = (a, b) if x > y else (b, a)
    return f"{won} beat {lost} {max(x, y)}-{min(x, y)}"


def _opens_on_it(title: str) -> bool:
    """A title opening on a bare pronoun and its verb ("It was …", "They are …")."""
    words = TOKEN.findall(title)
    return bool(words) and words[0].lower() in PRONOUNS and verb_index(title) == 1


def _title_from(sentence: str, max_chars: int) -> str:
    """The headline made from one sentence (the steps of `derive_title`)."""
    return _derive(sentence, max_chars)[0]


def _derive(sentence: str, max_chars: int) -> tuple[str, bool]:
    """The headline made from one sentence, and whether its clause is whole: True unless the
    title was cut inside its clause (a cut that drops an object or complement, or a cut at a
    word where no phrase boundary kept one)."""
    sentence = _event_over_state(_STATEMENT_SAYING.sub("said", _clean(sentence)))
    clause = _fitted_clause(sentence, max_chars)
    whole = True
    if len(clause) > max_chars:
        event = _event_over_manner(clause)
        if event:
            return _derive(event, max_chars)
        claim = _claim_without_speaker(sentence, clause, max_chars)
        if claim:
            return claim, True
        before_cut = clause
        clause, whole = _shorten(clause, max_chars)
        clause = _with_place(clause, before_cut[len(clause) :], max_chars)
    title = _clean(clause)
    if len(title) > max_chars:  # a closing quote put back, or nothing to cut at
        title = _tidy(_clean(title[: max_chars - 1].rsplit(" ", 1)[0]))[:max_chars]
        whole = False
    return _capitalize(title), whole


def _fitted_clause(sentence: str, max_chars: int) -> str:
    """The main clause in headline style, shortened without a cut where it is too long."""
    clause = _main_clause(sentence)
    if len(clause) > max_chars:
        clause = _without_reported_relative(_without_relative_clause(clause))
    clause = _headline_style(clause)
    if len(clause) > max_chars:
        clause = _PERCENT.sub("%", clause)  # "62 percent" → "62%", as headlines write it
    if len(clause) > max_chars:
        clause = _short_subject(clause)
    if len(clause) > max_chars:
        # "… arrest warrant for Russian President Vladimir Putin on …": named after the verb too
        # by the surname, so the cut can keep whom the object is about.
        clause = _surnames_after_verb(clause)
    if len(clause) > max_chars:
        clause = _subject_without_place(clause, max_chars)
    if len(clause) > max_chars:
        # "declares the outbreak in West Africa an emergency": the place goes, not the emergency.
        clause = _DECLARED_PLACE.sub(r"\1 ", clause, count=1)
    return clause


def _keeps_complements(clause: str, max_chars: int) -> bool:
    """Some cut of the clause within `max_chars` keeps every complement (a strict cut)."""
    return _best_cut(_Cuts(clause, max_chars, True), clause, max_chars) is not None


def _claim_without_speaker(sentence: str, clause: str, max_chars: int) -> str | None:
    """ "Trump said Kim gave his "unwavering commitment" to work towards denuclearisation
    during …": when no cut keeps the claim whole behind its named speaker, the claim alone, if
    a cut of it keeps it whole (a trailing speaker is dropped the same way)."""
    if _keeps_complements(clause, max_chars):
        return None
    m = _LEADING_SAID.match(_TIME.sub("", sentence))
    if m is None or m["verb"] not in ("said", "says") or not _is_name(m["who"].strip()):
        return None
    rest = m["rest"].strip()
    if _has_own_verb(m["who"]) or rest.split()[0].lower() in PRONOUNS or not _has_own_verb(rest):
        return None
    inner = _fitted_clause(rest, max_chars)
    if len(inner) > max_chars and not _keeps_complements(inner, max_chars):
        return None
    return _title_from(rest, max_chars)


def _event_over_state(sentence: str) -> str:
    """The event a state was caused by, when the main clause is only that state."""
    m = _STATE_THEN_EVENT.match(sentence)
    if m is None or verb_index(m["subject"]) is not None:
        return sentence
    event = m["event"]
    index = verb_index(event.split(",", 1)[0])  # "after the storm, the mayor said": no clause
    if index is None or index == 0 or event.split()[0].lower() in PRONOUNS:
        return sentence
    return str(event)


def _event_over_manner(clause: str) -> str | None:
    """ "Bumrah and Shami impressed yet again as India defeated South Africa by 113 runs": a
    verb with no object, only adverbs ("yet again", "again escalated"), says how, not what; when
    the clause will not fit whole, the news is the clause after "as", "when", "after" or
    "while", if it has its own subject and verb."""
    words = clause.split(" ")
    verb = verb_index(clause)
    if not verb:
        return None
    end = next((j for j in range(verb + 1, len(words)) if words[j] in _EVENT_OPENERS), None)
    if end is None or (end == verb + 1 and not is_adverb(words[verb - 1])):
        return None
    if not all(is_adverb(w) for w in words[verb + 1 : end]):
        return None
    event = " ".join(words[end + 1 :])
    index = verb_index(event)
    if not index or event.split()[0].lower() in PRONOUNS:
        return None
    return event


_EVENT_OPENERS = word_set("as when after while")


def title_problems(title: str, sentence: str = "", max_chars: int = 80) -> list[str]:
    """What keeps a title from being a headline an editor would keep (empty: none).

    The rules: at most `max_chars` characters; no dateline; not opening on a bare pronoun or on
    a phrase without a main clause; a finite verb; a complete phrase at the end (no article,
    preposition, conjunction or adjective last); quotation marks closed; and shorter than the
    story's first `sentence` when that is longer than 60 characters.
    """
    problems = []
    words = TOKEN.findall(title)
    if len(title) > max_chars:
        problems.append(f"longer than {max_chars} characters")
    if not words:
        return [*problems, "empty"]
    first, _last = words[0].lower(), words[-1].lower().strip(".’'")
    if _DATELINE.match(title) or re.search(r"\((?:AP|AFP|Reuters)\)", title):
        problems.append("keeps a dateline")
    if first in PRONOUNS and (first not in DEMONSTRATIVES or verb_index(title) == 1):
        problems.append(f"opens on the pronoun '{words[0]}'")
    if (re.match(rf"^{_SUBORDINATORS}\b", title, re.IGNORECASE) and not words[0].isupper()) or (
        first in {"amid", "despite", "during", "following"}
    ):
        problems.append(f"opens on '{words[0]}', a phrase without a main clause")
    if verb_index(title) is None:
        problems.append("has no finite verb")
    if ends_incomplete(title):
        problems.append(f"ends on '{words[-1]}', an incomplete phrase")
    if title.count("“") != title.count("”") or title.count('"') % 2:
        problems.append("leaves a quotation open")
    plain = TRAILING_PUNCT.sub("", " ".join(sentence.split()))
    if len(plain) > 60 and len(title) >= len(plain):
        problems.append("is not shorter than the first sentence")
    return problems


def _clean(text: str) -> str:
    text = TRAILING_PUNCT.sub("", " ".join(text.split()))
    text = re.sub(r"[,;:]+(?=[”\"]$)", "", text)  # "… is “probably not well founded,”"
    if text.count("“") > text.count("”") and text.rfind("“") > text.rfind("”"):
        text += "”"  # a quotation closed by the punctuation just removed: "… founded,”"
    elif text.count('"') % 2:
        text += '"'
    return text


def _main_clause(sentence: str) -> str:
    """The sentence without attribution, leading phrase or parenthesis, its subject named."""
    speaker = ""
    sentence = _LEADING_ACCORDING.sub("", sentence)
    attribution = _TRAILING_ATTRIBUTION.search(sentence)
    if attribution:
        speaker = (attribution.group("who") or "").strip()
        sentence = TRAILING_PUNCT.sub("", sentence[: attribution.start()])
    middle = _MIDDLE_ATTRIBUTION.search(sentence)
    if middle and verb_index(sentence[: middle.start()]) is not None:
        speaker = speaker or middle.group("who").strip()
        sentence = sentence[: middle.start()] + "," + sentence[middle.end() :]
    # "On September 5, at approximately 5:00 p.m., the LAFD responded": each phrase goes
    while (leading := _LEADING_PHRASE.match(sentence)) and _a_clause(leading["rest"]):
        sentence = leading["rest"]
    sentence = _leading_said(sentence)
    sentence = _without_parenthesis(sentence)
    first = sentence.split(" ", 1)
    if first[0].lower() in PRONOUNS and len(first) > 1 and _is_name(speaker):
        sentence = _resolve(speaker, first[0].lower(), first[1])
    return sentence


def _a_clause(text: str) -> bool:
    """More than two words with a verb: what a leading phrase may give way to."""
    return verb_index(text) is not None and len(text.split()) > 2


def _leading_said(sentence: str) -> str:
    """Drop "Officials said that"; "Lavrov said Friday he was" becomes "Lavrov is"."""
    m = _LEADING_SAID.match(_TIME.sub("", sentence))
    if m is None or _has_own_verb(m["who"]):
        return sentence
    who, rest = m["who"].strip(), m["rest"].strip()
    pronoun, _, after = rest.partition(" ")
    if pronoun.lower() in PRONOUNS and after:
        return _resolve(who, pronoun.lower(), after) if _is_name(who) else sentence
    plain_say = m["verb"] in ("said", "says", "say", "told reporters")
    generic = who.split()[0].islower() or who.split()[0].lower() in ARTICLES
    if m["that"] and _proper_name(who):
        # "Marks & Spencer confirmed that hackers stole …": a named speaker is part of the news.
        return f"{who} {m['verb']} {rest}"
    if m["that"] or (plain_say and generic and len(who.split()) <= 3):
        # "Officials said that ...", "groups say ...": the news is what they said.
        return rest if verb_index(rest) is not None else sentence
    if plain_say and generic and len(who.split()) >= 4 and verb_index(rest) is not None:
        # "The governor of the region hit by the quake says 15 were killed" → "15 were
        # killed, governor says": the news first, a long speaker cut to who they are.
        return f"{rest}, {_speaker_head(who)} says"
    return sentence


def _proper_name(who: str) -> bool:
    """A speaker named by a proper name ("Marks & Spencer", "Sportswear chain JD Sports"), not
    a common noun that opens the sentence ("Officials", "Police", "Health officials")."""
    words = who.split()
    if not _is_name(who) or words[0].lower() in ARTICLES:
        return False
    later = any(w[:1].isupper() for w in words[1:])
    return later or zipf(words[0].lower()) < 3.5


def _has_own_verb(text: str) -> bool:
    """A finite verb, not a participle before "by" ("the region hit by an earthquake")."""
    index = verb_index(text)
    words = text.split()
    return index is not None and not (index + 1 < len(words) and words[index + 1] == "by")


def _speaker_head(who: str) -> str:
    """ "The governor of the central Papua New Guinea region" → "governor"."""
    head = []
    for word in who.split():
        if word.lower() in ("of", "in", "at", "from", "for", "with", "on", "who", "that", "hit"):
            break
        head.append(word)
    head = [w for w in head if w.lower() not in ARTICLES] or who.split()[-1:]
    text = " ".join(head)
    return text if any(w[:1].isupper() for w in head[1:]) else text[:1].lower() + text[1:]


def _resolve(who: str, pronoun: str, rest: str) -> str:
    """Put the named subject in place of its pronoun, in the present tense of a headline."""
    who = re.sub(r"^(?:the|a|an)\s", "", who, flags=re.IGNORECASE)
    if pronoun in POSSESSIVES:
        return f"{who}’s {rest}" if not who.endswith("s") else f"{who}’ {rest}"
    present = _PRESENT_PLURAL if pronoun in ("they", "we") else _PRESENT
    rest = re.sub(r"^(was|were|had|would)\b", lambda m: present[m.group(1)], rest)
    return f"{who} {rest}"


_PRESENT = {"was": "is", "were": "are", "had": "has", "would": "will"}
_PRESENT_PLURAL = {**_PRESENT, "had": "have"}  # "Scientists said they had found" → "… have found"


def _is_name(text: str) -> bool:
    """A subject an editor can name: a capitalised word ("Lavrov", "the Djibouti Government")."""
    return any(w[:1].isupper() for w in text.split()) and len(text) <= 60


def _without_parenthesis(sentence: str) -> str:
    """ "Yanukovych, facing protests, has agreed" → "Yanukovych has agreed"; an apposed name
    after a common noun takes the subject's place ("America's biggest bank, Lehman Bros, has
    filed" → "Lehman Bros has filed"); a place's region ("in Belém, Brazil, agreed") stays."""
    m = re.match(r"^(?P<subject>[^,]{2,80}),\s(?P<aside>[^,]{1,120}),\s(?P<rest>.+)$", sentence)
    if m is None or verb_index(m["subject"]) is not None:
        return _unclosed_apposition(sentence)
    # The rest opens on the main verb: "has agreed", or a past "jumped" (a past at the start of
    # a text is no verb to verb_index, which reads it after a subject: here "It"), maybe after
    # the day ("Andy Murray, on Sunday produced").
    rest = _TIME.sub("", f" {m['rest']}").strip()
    if verb_index(rest) != 0 and verb_index(f"It {rest}") != 1:
        return sentence
    subject_end = m["subject"].split()[-1]
    aside = m["aside"].split()
    if len(aside) <= 4 and all(w[:1].isupper() for w in aside):
        if subject_end[:1].isupper() and subject_end.lower() not in _TITLE_WORDS:
            return sentence  # "in Belém, Brazil, agreed": a region, not an aside
        return f"{m['aside']} {m['rest']}"
    # "battered by fears that it would fail": a participle and its agent describe the subject
    if verb_index(m["aside"]) is not None and not _PARTICIPIAL_ASIDE.match(m["aside"]):
        return sentence  # a clause of its own, not an aside
    return f"{m['subject']} {m['rest']}"


def _unclosed_apposition(sentence: str) -> str:
    """ "Sanjay Kumar, the former chief executive of Computer Associates faced a judge": an
    apposition whose closing comma the writer left out goes whole, up to the verb."""
    plain = re.sub(r"\s\([^()]{1,60}\)(?=\s)", "", sentence)  # "(now known as CA)"
    m = re.match(r"^(?P<name>[A-Z][^,]{1,40}),\s(?P<aside>(?:the|a|an)\s[^,]+)$", plain)
    if m is None or verb_index(m["name"]) is not None or not _is_name(m["name"]):
        return sentence
    aside = m["aside"].split(" ")
    verb = verb_index(m["aside"])
    if not verb or verb < 2:
        return sentence
    return " ".join([m["name"], *aside[verb:]])


_PARTICIPIAL_ASIDE = Lazy(
    r"\w+ing\b|who\b|which\b|[a-z][\w-]*\sby\b|along with\b|together with\b|as well as\b"
)


def _headline_style(clause: str) -> str:
    """Days, "is preparing to", passive auxiliaries and articles out, as a headline has them."""
    clause = _ON_DATE.sub("", _TIME.sub("", clause))
    # "World Health Organization (WHO)" → "WHO"; any other parenthesis, and a short aside
    # between dashes ("— its second highest level —"), goes.
    clause = _ACRONYM.sub(lambda m: m["short"], clause)
    clause = re.sub(r"\s\([^()]{1,60}\)(?=[\s,.;:]|$)", "", clause)
    clause = re.sub(r"\s[—–]\s(?:[^—–\s]+\s){0,11}?[^—–\s]+\s[—–](?=\s)", "", clause)
    changed = False
    for pattern, replacement in ((_TO_FUTURE, " to "), (_PASSIVE, " ")):
        # Only the main verb: "said it would cut" keeps its "would".
        found = pattern.search(clause)
        if found and _quoted(clause, found.start()):
            continue  # a quotation is the speaker's words: never rewritten
        if found and verb_index(clause) == len(clause[: found.start()].split(" ")):
            clause = clause[: found.start()] + replacement + clause[found.end() :]
            clause = clause.replace(" to not ", " not to ", 1)  # "will not seek" → "not to seek"
            clause = _TO_BE_DOING.sub(_to_do, clause, count=1)  # "to be raising" → "to raise"
            changed = True
            if pattern is _PASSIVE:  # "Five killed and a child was injured" → "… child injured"
                clause = _COORDINATED_PASSIVE.sub(r"\1", clause, count=1)
    if not changed:
        clause = _present_tense(clause)
    verb = verb_index(clause)
    if verb is not None:  # "Court rules that couples may marry" → "Court rules couples may marry"
        words = clause.split(" ")
        if (
            verb + 2 < len(words)
            and words[verb + 1] == "that"
            and lemma_of_s(words[verb].lower()) in _REPORTING | {words[verb].lower()} & _REPORTING
        ):
            clause = " ".join([*words[: verb + 1], *words[verb + 2 :]])
    clause = _BORDER_WITH.sub(r" on \2 \1", clause)
    clause = re.sub(r"^(?:the|a|an)\s(?=\S)", "", clause, flags=re.IGNORECASE)
    return _without_articles(clause)


def _without_articles(clause: str) -> str:
    """Articles out ("an Arizona family" → "Arizona family"), but not inside a quotation."""
    spans = _quoted_spans(clause)

    def drop(m: re.Match[str]) -> str:
        return m.group() if any(a <= m.start() < b for a, b in spans) else " "

    clause = re.sub(r"(?<!,)\s(?:the|a|an)\s(?=[a-z0-9$€£])", drop, clause)
    return re.sub(r"(?<!,)\s(?:a|an)\s(?=[A-Z][a-z])", drop, clause)


def _quoted(text: str, at: int) -> bool:
    """Whether the offset lies inside a quotation."""
    return any(a <= at < b for a, b in _quoted_spans(text))


_ACRONYM = Lazy(
    r"(?:[Tt]he\s)?(?P<long>(?:[A-Z][\w.’'&-]*\s(?:(?:of|for|and|the)\s)?){1,6})\((?P<short>[A-Z]{2,6})\)"
)


def _present_tense(clause: str) -> str:
    """A headline's present tense: "has killed" → "kills", "Astronomers unveiled" → "unveil",
    and a verb joined to it by "and" too; only verbs whose base form is known change."""
    words = clause.split(" ")
    verb = verb_index(clause)
    if not verb:
        return clause
    low = words[verb].lower()
    if low in ("is", "are") and verb + 1 < len(words) and words[verb + 1].endswith("ing"):
        return _progressive_present(words, verb) or clause
    if low in ("has", "have") and verb + 1 < len(words):
        changed = _perfect_present(words, verb)
        plural = low == "have"
    else:
        changed = _past_present(words, verb)
        plural = plural_subject(words[:verb])
    if changed is None:
        return clause
    present = _second_verb_present(changed, verb, plural) or clause
    # a present the verb reader cannot read as the verb ("peeks") keeps the tense it had
    read = verb_index(present)
    if read is not None and verb <= read <= verb + 1:
        return present
    listed = [w.lower() for w in present.split(" ")[verb : verb + 2]]
    return (
        present if any(w in VERB_LEMMAS or lemma_of_s(w) in VERB_LEMMAS for w in listed) else clause
    )


def _progressive_present(words: list[str], verb: int) -> str | None:
    """ "Spain is enduring" → "Spain endures"; None when the verb's base form is unknown."""
    word, tail = split_punctuation(words[verb + 1])
    lemma = lemma_of_ing(word.lower())
    if lemma is None:
        return None
    form = (third_person(lemma) if words[verb].lower() == "is" else lemma) + tail
    return " ".join([*words[:verb], form, *words[verb + 2 :]])


def _perfect_present(words: list[str], verb: int) -> list[str] | None:
    """ "has (officially) declared" → "(officially) declares"; None when it cannot."""
    j = verb + 1
    if words[j].lower().endswith("ly") and j + 1 < len(words):
        j += 1  # "has officially declared"
    word, tail = split_punctuation(words[j])
    lemma = base_form(word.lower())
    if lemma is None or lemma == "be":
        return None
    form = (third_person(lemma) if words[verb].lower() == "has" else lemma) + tail
    return [*words[:verb], *words[verb + 1 : j], form, *words[j + 1 :]]


def _past_present(words: list[str], verb: int) -> list[str] | None:
    """ "Astronomers unveiled" → "unveil"; None for a participle or an unknown verb."""
    word, tail = split_punctuation(words[verb])
    low = word.lower()
    lemma = base_form(low) if words[verb].lower() not in AUXILIARIES else None
    if lemma is None or (not word.endswith("ed") and low not in IRREGULAR_LEMMA):
        return None
    if verb + 1 < len(words) and words[verb + 1] == "by":
        return None  # "region hit by an earthquake": a participle
    plural = plural_subject(words[:verb])
    return [*words[:verb], (lemma if plural else third_person(lemma)) + tail, *words[verb + 1 :]]


def _second_verb_present(words: list[str], verb: int, plural: bool) -> str | None:
    """A past verb joined to the main one by "and" takes the present too ("killed … and
    injured"); None when it cannot ("kills … and trapped": both as written, not one of each)."""
    for i in range(verb + 1, min(len(words) - 1, verb + 10)):
        if words[i] == "and":
            word, tail = split_punctuation(words[i + 1])
            if word in ("was", "were") and i + 2 < len(words):
                words[i + 1] = "are" if plural else "is"  # "… and was sentenced" → "and is"
            elif word.endswith("ed") or word in IRREGULAR_LEMMA:
                lemma = base_form(word.lower())
                if lemma is None:
                    return None
                words[i + 1] = (lemma if plural else third_person(lemma)) + tail
            break
    return " ".join(words)


def _without_relative_clause(sentence: str) -> str:
    """Drop a relative clause between a short subject and its verb, keeping where it happened.

    Cutting such a sentence before a subordinate clause would leave a title without a verb
    ("A fire that tore through several high-rise residential towers").
    """
    m = _RELATIVE_SUBJECT.match(sentence)
    if m is None or verb_index(m["subject"].strip()) is not None:
        return sentence
    place = re.search(r"\s(in|at|near|outside)\s(?!.*\s(?:in|at|near|outside)\s)(.+)$", m["clause"])
    where = f"{place.group(1)} {place.group(2)} " if place else ""
    return f"{m['subject']}{where}{m['verb']}"


# "rules 5-4 a Louisiana law that would have left one clinic in the state is unconstitutional":
# a relative clause between what was reported and its verb.
_REPORTED_RELATIVE = Lazy(
    r"^(?P<head>.+?\s(?:rules?|ruled|says?|said|finds?|found|warns?|warned|decides?|decided)\s"
    r"[^,]+?)"
    r"\s(?:that|which|who)\s[^,]+\s(?P<verb>(?:is|are|was|were|has|have|had|will)\s[^,]+)$"
)


def _without_reported_relative(clause: str) -> str:
    """The reported subject without its relative clause, so the reported verb stays: "Supreme
    Court rules a Louisiana law (that would have left one clinic) is unconstitutional"."""
    m = _REPORTED_RELATIVE.match(clause)
    if m is None or verb_index(m["head"].split(" ", 1)[-1]) is None:
        return clause
    return f"{m['head']} {m['verb']}"


def _short_subject(clause: str) -> str:
    """What a headline shortens first: "Russian Foreign Minister Sergei Lavrov is …" → "Lavrov
    is …", "World Health Organization" → "WHO", "officially declares" → "declares"."""
    clause = _SHORT_NAMES.sub(lambda m: _SHORT_NAME[m.group().lower()], clause)
    verb = verb_index(clause)
    if not verb:
        return clause
    words = clause.split(" ")
    subject = words[:verb]
    if subject and subject[-1].lower() in _SPARE_ADVERBS:
        words.pop(verb - 1)
        subject, verb = subject[:-1], verb - 1
    titled = any(w.lower() in _TITLE_WORDS for w in subject[:-1])
    named = all(w[:1].isupper() or w == "of" or w.lower() in _TITLE_WORDS for w in subject)
    if len(subject) >= 3 and titled and named and subject[-1][:1].isupper():
        last_title = max(i for i, w in enumerate(subject) if w.lower() in _TITLE_WORDS)
        name = subject[last_title + 1 :]
        if len(name) > 2 and name[0] == "of":
            name = name[2:]  # "Secretary of State Antony Blinken": the office, then the name
        # "Sergei Lavrov" → "Lavrov"; "Kim Jong Un" stays whole (the family name comes first)
        name = name[-1:] if len(name) == 2 else name
        if name:
            return " ".join([*name, *words[verb:]])
    return " ".join(words)


def _surnames_after_verb(clause: str) -> str:
    """After the verb, an office with a first name and surname ("Russian President Vladimir
    Putin") becomes the surname ("Putin"), as `_short_subject` does for the subject."""
    verb = verb_index(clause)
    if verb is None:
        return clause
    words = clause.split(" ")
    out = words[: verb + 1]
    i = verb + 1
    while i < len(words):
        if words[i].lower() in _TITLE_WORDS and words[i][:1].isupper() and i + 2 < len(words):
            first, last = words[i + 1], words[i + 2]
            after = words[i + 3] if i + 3 < len(words) else ""
            # Not a clause's subject ("after President Hosni Mubarak said"): that clause goes
            # whole at the cut, the name with it.
            named = not after or verb_index(f"It {after}") != 1
            if first[:1].isupper() and last[:1].isupper() and not after[:1].isupper() and named:
                while out and out[-1][:1].isupper() and len(out) > verb + 1:
                    out.pop()  # "Russian" before "President"
                out.append(last)
                i += 3
                continue
        out.append(words[i])
        i += 1
    return " ".join(out)


_PLACE_PREPOSITIONS = word_set("at in near outside inside")


def _subject_without_place(clause: str, max_chars: int) -> str:
    """A subject so long that a cut after the verb cannot fit loses where it was: "Assange's
    nearly seven-year stay at Ecuador's embassy in London comes to an end" → "Assange's nearly
    seven-year stay comes to an end" (a cut would otherwise keep the subject alone)."""
    verb = verb_index(clause)
    if verb is None:
        return clause
    words = clause.split(" ")
    if len(" ".join(words[: verb + 1])) <= max_chars * 3 // 4:
        return clause
    place = next((i for i in range(2, verb) if words[i] in _PLACE_PREPOSITIONS), None)
    if place is not None and not any(_verb_form(w) for w in words[place:verb]):
        if words[place - 1].endswith("ed") and place > 2:
            place -= 1  # "35 individuals interred in a tomb in …": the participle goes too
        return " ".join([*words[:place], *words[verb:]])
    # "a Texas man imprisoned for more than 35 years despite … found guilty": the participle's
    # phrase goes whole; "Garcia died in hospital … as police were about": a verb in between
    described = next((i for i in range(2, verb) if reduced_relative(words, i, words[i])), None)
    if described is None:
        return clause
    return " ".join([*words[:described], *words[verb:]])


def _verb_form(word: str) -> bool:
    """A word that may be a verb, so a span holding it may hold the sentence's verb."""
    low = word.lower().strip(",;:.!?")
    return low in AUXILIARIES or low in IRREGULAR_LEMMA or low.endswith(("ed", "ing"))


# The short forms headlines use for long names, when a title is too long.
_SHORT_NAME = {
    "world health organization": "WHO",
    "united nations": "UN",
    "european union": "EU",
    "food and drug administration": "FDA",
    "international monetary fund": "IMF",
    "federal reserve": "Fed",
    "federal bureau of investigation": "FBI",
    "north atlantic treaty organization": "NATO",
    "united states": "US",
    "united kingdom": "UK",
}
_SHORT_NAMES = Lazy(
    r"\b(?:World Health Organization|United Nations|European Union|Food and Drug Administration|"
    r"International Monetary Fund|Federal Reserve|Federal Bureau of Investigation|"
    r"North Atlantic Treaty Organization|United States|United Kingdom)\b(?!\s\()",
    re.IGNORECASE,
)
_SPARE_ADVERBS = word_set("officially formally finally now also today")


def _shorten(sentence: str, max_chars: int) -> tuple[str, bool]:
    """Cut at the best phrase boundary that fits and keeps the verb: before a subordinate
    clause or at a comma, else before a preposition, else before "of", else at a word.  A cut
    that keeps every complement is preferred; failing one, the cut is as before.  True with
    the text when that cut removed only a whole part (`_phrase_cuts`)."""
    for strict in (True, False):
        cut = _best_cut(_Cuts(sentence, max_chars, strict), sentence, max_chars)
        if cut is not None:
            # "has resigned, hours | after …": the measure belongs to the clause cut off.
            kept = _tidy(_TRAILING_MEASURE.sub("", TRAILING_PUNCT.sub("", sentence[:cut])))
            return kept, strict and cut in _phrase_cuts(sentence)
    cut = sentence.rfind(" ", 0, max_chars + 1)
    return _tidy(sentence[: cut if cut > 0 else max_chars]), False


def _phrase_cuts(sentence: str) -> set[int]:
    """The cuts that drop a whole part: a clause (`_clause_cuts`) or a phrase opened by a
    preposition other than "of" (a cut before "of" or at a bare word may split a noun from its
    complement: "the Kingdom | of Benin", "damage | done to a yard sign")."""
    phrases = {m.start() for m in _PREPOSITION.finditer(sentence) if _opens_phrase(sentence, m)}
    return set(_clause_cuts(sentence)) | phrases


def _opens_phrase(sentence: str, m: re.Match[str]) -> bool:
    """A preposition that opens a phrase of its own: not "and" ("credit | and debit cards"),
    not "to" before a verb after "the first …" ("the first person in the state | to test")."""
    word = m.group().strip().lower()
    following = sentence[m.end() :].split(" ", 1)[0].lower()
    if word == "to" and following in VERB_LEMMAS:
        # "the first person in the state | to test positive": the complement of "first"
        return not _FIRST_TO.search(sentence[: m.start()])
    return word != "and"


_FIRST_TO = Lazy(r"\b(?:first|last|only)\s(?:\S+\s){0,4}\S+$", re.IGNORECASE)


class _Cuts:
    """Which cut points of one sentence a title may end at."""

    def __init__(self, sentence: str, max_chars: int, strict: bool) -> None:
        self.sentence, self.max_chars, self.strict = sentence, max_chars, strict
        self.verb = verb_index(sentence)
        self.after_verb = _end_of_word(sentence, self.verb) if self.verb is not None else 0
        self.quoted = _quoted_spans(sentence)
        self.blocked = {m.start() for m in _NOT_A_CLAUSE.finditer(sentence)}

    def usable(self, cuts: list[int]) -> list[int]:
        """The cuts that fit, keep the verb and leave a complete phrase."""
        return [c for c in cuts if self.fits(c) and self.complete(c)]

    def fits(self, c: int) -> bool:
        """Within the length, after the verb, outside quotations and "such as"."""
        return (
            self.after_verb <= c <= self.max_chars
            and c not in self.blocked
            and not any(a < c < b for a, b in self.quoted)
        )

    def complete(self, c: int) -> bool:
        """The words kept end a phrase: not an article or preposition, not an open verb, and
        (strict) never between a verb and its object or a noun and its complement."""
        kept, rest = self.sentence[:c], self.sentence[c:]
        if ends_incomplete(kept) or ends_on_open_verb(kept, rest, self.verb):
            return False
        if self._clause_without_verb(kept) or self._ends_on_participle(kept):
            return False
        if self._splits_amount(kept):
            return False
        if not self.strict:
            return True
        if _SECOND_CLAUSE.search(kept, self.after_verb):
            return False  # one main verb: "… reports higher profit, | but its shares dropped"
        # Right after the main verb only where a clause ends ("Spain wins, …"), never between
        # the verb and its object ("Kim gave | his commitment").
        at_verb = c == self.after_verb and self.verb is not None
        if at_verb and rest.lstrip()[:1] not in (",", ";", ""):
            return False
        return not (
            cuts_complement(kept, rest) or _cuts_object(kept, rest) or self._mute_report(kept)
        )

    def _clause_without_verb(self, kept: str) -> bool:
        """ "… effective because airline |": a subordinate clause opened after the main verb
        and cut before its own verb."""
        opened = [m for m in _CONJUNCTION.finditer(kept) if m.start() >= self.after_verb]
        if not opened:
            return False
        clause = kept[opened[-1].end() :]
        return verb_index(f"{opened[-1].group().strip()} {clause}") is None

    def _ends_on_participle(self, kept: str) -> bool:
        """ "… wins first parliamentary elections held | on Sunday": a participle after a noun
        ends no title unless it is the title's verb ("Venice hit by …" is)."""
        words = kept.rstrip().split(" ")
        last = words[-1].lower().strip(",;:.!?")
        if len(words) - 1 == self.verb or len(words) < 2:
            return False
        participle = (last.endswith("ed") and len(last) > 4) or (
            last in IRREGULAR_LEMMA and last not in ("cut", "hit", "set", "put", "let")
        )
        before = words[-2].lower()
        linking = before in AUXILIARIES or before in _LINKING or is_adverb(before)
        return participle and not linking  # "remain closed", "critically injured" end a title

    def _splits_amount(self, kept: str) -> bool:
        """ "… proposed $618 | million budget", "forces 6,000 | people to flee": a number the
        part-of-speech tagger reads as a cardinal (CD) is never cut from the number or noun it
        counts."""
        at = len(kept.rstrip().split(" ")) - 1
        words = self.sentence.split(" ")
        if at + 1 >= len(words) or not any(ch.isdigit() for ch in words[at]):
            return False
        from newsletter.assemble import pos_tagger  # the weights load on first use only

        tags = pos_tagger.word_tags(self.sentence)
        return tags[at] == "CD" and tags[at + 1] in _COUNTED

    def _mute_report(self, kept: str) -> bool:
        """ "Trump says North Korean leader Kim Jong Un |": what was said lost its verb."""
        if self.verb is None:
            return False
        words = kept.split()
        said = words[self.verb].lower() if self.verb < len(words) else ""
        if lemma_of_s(said) not in _REPORTING and said not in _REPORTING:
            return False
        reported = " ".join(words[self.verb + 1 :])
        return bool(reported) and verb_index(reported) is None


_COUNTED = frozenset({"CD", "NN", "NNS", "JJ"})  # "$618 million", "6,000 people", "20-year-old"
_LINKING = word_set("and or remain remains remained become becomes became seem seems stay stays")
_SECOND_CLAUSE = Lazy(r",\s(?:but|yet)\s|;\s")
_DETERMINERS = word_set("a an the his her its their our my your this these")


def _cuts_object(kept: str, rest: str) -> bool:
    """A verb left without its object: "… Kim Jong Un gave | his commitment"."""
    words, following = TOKEN.findall(kept), rest.split()[:1]
    if not words or not following or following[0].lower() not in _DETERMINERS:
        return False
    last = words[-1].lower()
    return last in IRREGULAR_LEMMA or (last.endswith("ed") and len(last) > 4)


def _clause_cuts(sentence: str) -> list[int]:
    """Where a clause may end: before a subordinator or "that", at a comma, a semicolon, a
    colon or a dash (not a thousands comma, not a place in apposition)."""
    cuts = [m.start() for m in _SUBORDINATE.finditer(sentence)]
    cuts += [m.start() for m in re.finditer(r"\sthat\s", sentence)]
    cuts += [
        m.start()
        for m in re.finditer(r",(?!\d)|[;:—–]|\s--?\s", sentence)  # not "1,700"
        if not _in_apposition(sentence, m.start())
    ]
    # A second predicate: "close Silicon Valley Bank | and hand it to the FDIC".
    cuts += [m.start() for m in _COORDINATED_PREDICATE.finditer(sentence)]
    return cuts + _second_clauses(sentence)


_SUBJECT_OPENERS = ARTICLES | POSSESSIVES | PRONOUNS | word_set("some many most several all both")


def _second_clauses(sentence: str) -> list[int]:
    """Where "and" opens a second main clause with its own subject and verb ("… watched rivers
    | and New Jersey's governor declared a state of emergency"): a whole clause a title may
    drop, unlike the second object of "kills 75 and injures hundreds" (no subject of its own)."""
    verb = verb_index(sentence)
    if verb is None:
        return []
    after_verb = _end_of_word(sentence, verb)
    cuts = []
    for m in re.finditer(r"\sand\s", sentence):
        if m.start() < after_verb:
            continue
        rest = sentence[m.end() :]
        index = verb_index(rest)
        words = rest.split(" ")
        if not index or index > 6 or words[index].lower() == "to":
            continue
        first = words[0]
        if not (first[:1].isupper() or first[:1].isdigit() or first.lower() in _SUBJECT_OPENERS):
            continue  # "kills 75 and traps thousands under collapsed buildings": no subject
        before_verb = " ".join(rest.split(" ")[:index])
        if not _SUBORDINATE.search(f" {before_verb} ") and not re.search(r"[,;:—–]", before_verb):
            cuts.append(m.start())
    return cuts


# "and" then a verb and its object: a word followed by an object pronoun or a determiner is a
# verb ("and handed it to", "and closed the border"), so the cut keeps the first predicate
# whole instead of the second one cut short ("… and hand it").
_COORDINATED_PREDICATE = Lazy(r"\sand\s(?=[a-z][\w'’-]*\s(?:it|them|him|us|the|its|their|his)\s)")


def _best_cut(cuts: _Cuts, sentence: str, max_chars: int) -> int | None:
    """The last usable clause boundary, else preposition, "of" or word boundary."""
    clause_cuts = _clause_cuts(sentence)
    # A word boundary may stand in for a phrase boundary that keeps too little, if it crosses
    # no clause and ends on a plural or a number ("… to resettle 160,000 refugees").
    first_clause = min((c for c in clause_cuts if c >= cuts.after_verb), default=len(sentence))
    words = [
        c
        for c in cuts.usable([m.start() for m in re.finditer(r"\s", sentence)])
        if c <= first_clause and _ends_on_plural_or_number(sentence[:c])
    ]
    for candidates in (
        clause_cuts,
        [m.start() for m in _PREPOSITION.finditer(sentence) if not _joins_names(sentence, m)],
        [m.start() for m in _OF.finditer(sentence)],
        [m.start() for m in re.finditer(r"\s", sentence)],
    ):
        fitting = cuts.usable(candidates)
        if fitting and (max(fitting) >= max_chars // 3 or candidates is not clause_cuts):
            cut = max(fitting)
            if cut < max_chars // 2 and words and max(words) > 1.5 * cut:
                cut = max(words)  # a phrase boundary that keeps too little: a word boundary
            return cut
    return None


# "Barcelona released a statement saying that the clause had been paid": Barcelona said so.
_STATEMENT_SAYING = Lazy(
    r"\b(?:released|issued|put out|published) (?:a|an) (?:statement|communiqu[ée]|note) "
    r"saying(?: that)?\b"
)
# A declaring verb, its object, a place, then what the object is declared: the place can go.
_DECLARED_PLACE = Lazy(
    r"\b((?:declare|declares|names|appoints)\s(?:the\s)?[\w'’-]+(?:\s[\w'’-]+){0,3}?)"
    r"\s(?:in|across)\s[A-Z][\w'’-]*(?:\s[A-Z][\w'’-]*){0,2}\s"
    r"(?=(?:an?\s)?(?!(?:after|as|on|in|at|for|to|and|but|over|with|amid|by|from|following)\b)"
    r"[a-z])"
)
# Nouns that say little without what follows them: "massive amounts | of debris", "released a
# statement | saying …", "gave his commitment | to work towards …".
_NEEDS_COMPLEMENT = word_set(
    """
    amount amounts number numbers lot lots part parts kind kinds type types sort series
    commitment commitments statement statements promise pledge vow bid attempt attempts
    decision plan plans call calls right rights rest majority half share connection
    """
)
# Nouns whose content is a clause: "after a report | that female students were harassed".
_NEEDS_CONTENT = word_set(
    """
    report reports claim claims fear fears concern concerns news warning warnings sign signs
    evidence allegation allegations suggestion suggestions hope hopes belief rumours rumors
    """
)
# A change and what changed: "a 62 percent fall | in quarterly profit".
_NOMINAL_ENDINGS = ("tion", "sion", "ment", "ance", "ence")
_CHANGE_NOUNS = word_set("fall rise drop increase decrease jump decline gain slump surge")
# Verbs whose object takes a complement: "declares the outbreak | … an emergency".
_OBJECT_COMPLEMENT = word_set("declare declares name names appoint appoints elect elects deem")


def cuts_complement(kept: str, rest: str) -> bool:
    """A cut that leaves a noun without the complement that gives it its sense: before a
    restrictive relative clause ("vaccine for people | who are 16 and older"), after a noun
    that needs its "of"/"to"/"saying" ("amounts | of debris"), or between a declaring verb's
    object and what it is declared ("WHO declares the outbreak | in West Africa an emergency")."""
    following = rest.split()[:1]
    if not following:
        return False
    words = TOKEN.findall(kept)
    last = words[-1].lower().strip("”\"'’") if words else ""
    nxt = following[0].lower()
    if nxt in ("who", "whose") and not kept.rstrip().endswith(","):
        return True
    if _noun_without_complement(last, nxt, words):
        return True
    if nxt in ("to", "on", "into") and any(w.lower() in ("put", "puts") for w in words):
        return True  # "puts the skills of a special team | to the test"
    clause = re.split(r"[,;:—–]", rest, maxsplit=1)[0]
    return any(w.lower() in _OBJECT_COMPLEMENT for w in words) and bool(
        re.search(r"\s(?:a|an)\s", clause)
    )


def _noun_without_complement(last: str, nxt: str, words: Sequence[str]) -> bool:
    """A noun cut from what it needs: "amounts | of debris", "a report | that …", "a 62% fall
    | in profit", "the hybridization | of grapes", "insights | into", "the first state | to"."""
    if last in _NEEDS_COMPLEMENT and nxt in ("of", "to", "saying", "that", "for", "with"):
        return True
    if (last in _NEEDS_CONTENT and nxt == "that") or (last in _CHANGE_NOUNS and nxt == "in"):
        return True
    if nxt == "of" and last.endswith(_NOMINAL_ENDINGS) and len(last) > 6:
        return True
    if last in ("insight", "insights") and nxt == "into":
        return True
    return nxt == "to" and len(words) > 1 and words[-2].lower() in ("first", "last", "only")


_TRAILING_MEASURE = Lazy(
    r"(?:,?\s(?:just|only|shortly|barely|about|some))?"
    r"(?:,?\s(?:[\d,.]+|a|an|few|several|many|two|three|four|five|six|seven|eight|nine|ten))?"
    r"\s(?:hours|days|weeks|"
    r"months|years|minutes|moments)$|,?\s(?:shortly|soon|just|moments|only)$"
)


def _with_place(title: str, cut_off: str, max_chars: int) -> str:
    """ "Five people killed … | when an earthquake struck off northern Indonesia" → "… in
    Indonesia": a title that names no place gets the first place the cut took where it says
    where ("in central Turkey", "off the coast of northern Indonesia"), if it fits."""

    if any(is_place(concept) for _, concept in concept_pairs(title)):
        return title
    # Only the first clause of what was cut: "… as unrest spread from Egypt" is elsewhere.
    boundary = re.search(r"[,;:—–]|\s--\s", cut_off)
    clause_end = boundary.start() if boundary else len(cut_off)
    later = _SUBORDINATE.search(cut_off, 1)
    if later and later.start() > 0:
        clause_end = min(clause_end, later.start())
    for m in _LOCATIVE.finditer(cut_off[:clause_end]):
        run = m.group("place")
        pairs = concept_pairs(run)
        if len(pairs) == 1 and is_place(pairs[0][1]) and not run.endswith(_DEMONYM_ENDINGS):
            placed = f"{title} in {run}"
            return placed if len(placed) <= max_chars else title
    return title


# "in central Turkey", "off the coast of northern Indonesia": a place named as where it was.
_LOCATIVE = Lazy(
    r"\b(?:in|at|near|off|across|throughout|outside|inside)\s(?:the\s)?"
    r"(?:(?:coast|city|capital|region|province|state|island|town|village|north|south|east|"
    r"west)\sof\s)?(?:(?:northern|southern|eastern|western|central|remote|north|south|east|"
    r"west|northwest|northeast|southwest|southeast|rural)\s)*"
    r"(?P<place>[A-Z][\w’'-]+(?:\s[A-Z][\w’'-]+){0,2})"
)
_DEMONYM_ENDINGS = ("an", "ans", "ese", "ish", "i")


def _joins_names(sentence: str, m: re.Match[str]) -> bool:
    """ "the US and North Korea": an "and" between two names is no phrase boundary."""
    if m.group().strip().lower() != "and":
        return False
    before = sentence[: m.start()].rsplit(" ", 1)[-1]
    after = sentence[m.end() :].split(" ", 1)[0]
    return before[:1].isupper() and after[:1].isupper()


def _ends_on_plural_or_number(text: str) -> bool:
    last = text.rstrip(",;: ").rsplit(" ", 1)[-1]
    if last.replace(",", "").replace(".", "").isdigit():
        return True
    return (
        last.islower()
        and last.endswith("s")
        and not last.endswith(("ss", "us", "is"))
        and lemma_of_s(last) not in VERB_LEMMAS
    )


def _tidy(text: str) -> str:
    text = TRAILING_PUNCT.sub("", text)
    while text and ends_incomplete(text) and " " in text:
        text = TRAILING_PUNCT.sub("", text.rsplit(" ", 1)[0])
    return text


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in re.finditer(r"“[^”]*(?:”|$)", text)]
    return spans + [(m.start(), m.end()) for m in re.finditer(r'"[^"]*(?:"|$)', text)]


def _end_of_word(text: str, index: int) -> int:
    """The offset just past the index-th space-separated word, without its punctuation."""
    words = text.split(" ")
    return len(" ".join(words[: index + 1]).rstrip(",;:.!?—–"))


def _in_apposition(sentence: str, comma: int) -> bool:
    """A comma around a place's region ("in Belém, Brazil, agreed") cuts no clause."""
    if sentence[comma] != ",":
        return False
    before = sentence[:comma]
    after = sentence[comma + 1 :]
    region = re.match(r"\s*((?:[A-Z][\w.'’-]*\s?){1,3}),", after)
    if region:  # the first comma of ", Brazil,"
        return True
    return bool(re.search(r",\s*(?:[A-Z][\w.'’-]*\s?){1,3}$", before))  # its second comma


def _capitalize(text: str) -> str:
    """Capital first letter, unless that would lengthen the title ("ß" → "SS")."""
    upper = text[:1].upper()
    if len(upper) != 1:
        return text
    return upper + text[1:]
