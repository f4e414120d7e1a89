"""Headline style and tense (step 4 of `titles`), and the shortening a headline does before
any cut.

Days of the week and "yesterday" go, "is preparing to"/"will" become "to", a passive "were
killed" becomes "killed", a past or perfect becomes the present ("has killed" → "kills"),
articles go where a headline drops them (not after a preposition or a copula, nor in an
amount: "through the night", "about an hour"); when too long, a relative clause goes,
"percent" becomes "%", a title + name subject becomes the surname and a long subject loses
where it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from newsletter.assemble import pos_tagger  # its weights load on the first tag
from newsletter.assemble.headline_grammar import (
    AUXILIARIES,
    IRREGULAR_LEMMA,
    IRREGULAR_PAST,
    PARTICIPLE_ONLY,
    Lazy,
    base_form,
    ing_base,
    known_verb,
    lemma_of_ing,
    lemma_of_s,
    plural_subject,
    reduced_relative,
    split_punctuation,
    third_person,
    verb_index,
    word_set,
)
from newsletter.assemble.title_cuts import _REPORTING, _quoted_spans

_TITLE_WORDS = word_set(
    """
    president minister secretary governor gov. mayor senator sen. chancellor premier chief
    commissioner
    general gen. ambassador director chairman chairwoman leader spokesman spokeswoman king queen
    prince pope judge coach captain ceo
    """
)
_DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# "late on Friday", "on Thursday night", "yesterday", "this morning", "effective tonight", "as
# of Wednesday": what a headline leaves out (with its preposition: "agreed to resign as of
# Wednesday" is "agrees to resign", never "… as of").
_TIME = Lazy(
    rf"(?:,\s*)?\s(?:(?:late|early|midday|effective|as\sof)\s)?(?:(?:on|last|this)\s)?(?:{_DAYS}(?:\s(?:morning|afternoon|"
    r"evening|night))?"
    # round 16e: the date after the day goes with it ("on Sunday (May 11)") when a comma closes it
    # ("voted on Thursday, April 16, to approve"; that comma already gone before "after"), never
    # "on Sunday, August 27 turning streets", whose comma the cuts need; the closing comma goes
    # too unless a clause follows (", killing seven")
    # round 42: or the day before the month ("late on Thursday, 10 November, that it …")
    rf"(?:,\s(?:{_MONTHS}\s\d{{1,2}}|\d{{1,2}}\s{_MONTHS})(?:,?\s\d{{4}})?"
    r"(?=[,.;:!?]|$|\s(?:after|when|following)\s)"
    r"(?:,(?=\s(?!\w+ing\b|which\b|who\b)[a-z]))?"
    rf"|\s\({_MONTHS}\s\d{{1,2}}\))?"
    r"|yesterday|today|tonight|this\s(?:morning|afternoon|evening)|last\snight)"
    # "on Thursday, his 83rd birthday," : what the day was goes with it
    r"(?:,\s(?:his|her|its|their|the)\s[\w’'-]+(?:\s[\w’'-]+){0,3},(?=\s[a-z]))?"
    r"(?=[\s,.;:!?]|$)"
)
# Round 32: "On Tuesday Japan's central bank did …": a day opening the clause goes with its
# preposition (`_TIME` reads a day after a space).
_LEADING_DAY = Lazy(
    rf"^(?:On|By)\s{_DAYS}(?:\s(?:morning|afternoon|evening|night))?,?\s(?=[A-Z0-9])"
)
# "faced a federal judge on Nov. 2": the date, which a headline leaves out as it does the day.
_ON_DATE = Lazy(rf"\son\s{_MONTHS}\s\d{{1,2}}(?:,\s\d{{4}})?(?=[\s,.;:!?]|$)")
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
_TO_BE_DOING = Lazy(r"\sto\sbe\s(?P<verb>[a-z]+ing)\b")


def _to_do(m: re.Match[str]) -> str:
    """ "would be raising" → "to raise" (the verb's base form, when it is known)."""
    lemma = lemma_of_ing(m["verb"])
    return f" to {lemma}" if lemma else m.group()


_PERCENT = Lazy(r"(?<=\d)\s(?:percent|per\scent)\b")
_BORDER_WITH = Lazy(
    r"\s(?:along|on|at|near)\s(?:its|the|their)\s(border|frontier)\swith\s([A-Z]\w+)"
)


Articles = Literal["kept", "headline", "fewest"]


def _headline_style(clause: str, articles: Articles = "headline") -> str:
    """Days, "is preparing to", passive auxiliaries and articles out, as a headline has them:
    `articles` "kept" drops only a leading "A", "An" or "The" (round 15: the whole clause keeps
    its articles), "headline" those a headline drops (`_without_articles`), "fewest" every one
    but an amount's (the last resort of a whole clause over the limit)."""
    clause = _ON_DATE.sub("", _TIME.sub("", _LEADING_DAY.sub("", clause)))
    # "World Health Organization (WHO)" → "WHO"; any other parenthesis, and a short aside
    # between dashes ("— its second highest level —"), goes.
    clause = _ACRONYM.sub(_acronym, clause)
    clause = re.sub(r"\s\([^()]{1,60}\)(?=[\s,.;:]|$)", "", clause)
    # round 39: "pleaded guilty [US DOJ materials] Thursday": an editor's note in brackets
    clause = re.sub(r"\s\[[^\[\]]{1,60}\](?=[\s,.;:]|$)", "", clause)
    clause = re.sub(r"\s[—–]\s(?:[^—–\s]+\s){0,11}?[^—–\s]+\s[—–](?=\s)", "", clause)
    changed = False
    for pattern, replacement in ((_TO_FUTURE, " to "), (_PASSIVE, " ")):
        # Only the main verb: "said it would cut" keeps its "would".
        found = pattern.search(clause)
        if found and clause[found.end() :].startswith(("no longer ", "never ")):
            continue  # "will no longer be left in limbo": the negation keeps its "will"
        if found and _quoted(clause, found.start()):
            continue  # a quotation is the speaker's words: never rewritten
        if found and verb_index(clause) == len(clause[: found.start()].split(" ")):
            clause = clause[: found.start()] + replacement + clause[found.end() :]
            clause = clause.replace(" to not ", " not to ", 1)  # "will not seek" → "not to seek"
            # round 34: "will not be able to secure" → "unable to secure" (not "not to be able")
            clause = clause.replace(" not to be able to ", " unable to ", 1)
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
    # round 26: a leading "A total of", "A number of", "A lot of" keeps its "a" like any other
    # amount ("Total of 13 coaches" was no headline)
    leading = r"^(?:the|a(?!\s(?:total|number|couple|lot)\sof\b)|an)\s(?=\S)"
    clause = re.sub(leading, "", clause, flags=re.IGNORECASE)
    return clause if articles == "kept" else _without_articles(clause, articles == "fewest")


# Round 41: a headline drops an article where it opens a noun phrase of the clause's own
# ("A fire that … kills a man" → "Fire … kills man") and keeps the one a phrase needs: after
# a preposition ("through the night", "across the country", "one of the largest", "for the
# first time", "about an hour"), after a copula ("is a step closer") and in an amount ("slows
# a bit", "a dozen").
_PREPOSITIONS = word_set(
    """about above across after against along amid among around at before behind below
    beneath beside besides between beyond by despite down during except for from in inside
    into like near of off on onto out outside over past per since than through throughout till
    to toward towards under underneath until unlike up upon via with within without"""
)
_KEEPS_ARTICLE = _PREPOSITIONS | word_set(
    "is are was were be been being remain remains become becomes"
)
_ARTICLE = Lazy(r"(?<!,)\s(?:the|an?)\s(?=[a-z0-9$€£])|(?<!,)\s(?:a|an)\s(?=[A-Z][a-z])")
# "a" opening an amount is no article: "kills a dozen", "slows a bit", "lasts a week".
_AMOUNT = Lazy(
    r"\s(?:dozen|quarter|half|third|hundred|thousand|few|bit|row|tonne|ton"
    r"|lot\s(?:of|more|less|fewer)|(?:number|couple|total)\sof"
    r"|second|minute|hour|day|week|fortnight|month|year|decade|century)(?![\w-])"
)


# "in an early Sunday morning crash" without its time: an "an" left before a consonant.
_ORPHAN = Lazy(r"\san\s(?=[b-df-gj-np-tv-z])")


def _without_articles(clause: str, fewest: bool = False) -> str:
    """Articles out where a headline drops them ("an Arizona family" → "Arizona family"), not
    after a preposition or a copula (unless `fewest`), not in an amount, not inside a
    quotation."""
    spans = _quoted_spans(clause)

    def drop(m: re.Match[str]) -> str:
        before = clause[: m.start()].rsplit(" ", 1)[-1].lower()
        if (
            any(a <= m.start() < b for a, b in spans)
            or (before in _KEEPS_ARTICLE and not fewest and not _ORPHAN.match(clause, m.start()))
            or (m.group().strip() != "the" and _AMOUNT.match(clause, m.end() - 1))
        ):
            return m.group()
        return " "

    return str(_ARTICLE.sub(drop, clause))


def with_kept_articles(title: str, clause: str, budget: int) -> str:
    """`title`, cut from its clause with the fewest articles, with those the clause in headline
    style (`clause`) keeps put back from the left while it fits `budget` characters ("… for
    first time" → "… for the first time"); `title` itself when its words are not those of
    `clause` in order."""
    words = clause.split(" ")
    out: list[str] = []
    spare = budget - len(title)
    at = 0
    for word in title.split(" "):
        while (
            at < len(words) and words[at].lower() in _ARTICLES and _bare(words[at]) != _bare(word)
        ):
            if len(words[at]) < spare:
                out.append(words[at])
                spare -= len(words[at]) + 1
            at += 1
        if at == len(words) or _bare(words[at]) != _bare(word):
            return title
        out.append(word)
        at += 1
    return " ".join(out)


_ARTICLES = word_set("a an the")


def _bare(word: str) -> str:
    """`word` lowercased, without the punctuation a cut or `_clean` may have taken off."""
    return word.lower().strip(",;:.!?")


def _quoted(text: str, at: int) -> bool:
    """Whether the offset lies inside a quotation."""
    return any(a <= at < b for a, b in _quoted_spans(text))


_ACRONYM = Lazy(
    r"(?:[Tt]he\s)?(?P<long>(?:[A-Z][\w.’'&-]*\s(?:(?:of|for|and|the)\s)?){1,6})\((?P<short>[A-Z]{2,6})\)"
)


def _acronym(m: re.Match[str]) -> str:
    """ "World Health Organization (WHO)" → "WHO": the capitalised words the acronym spells
    give way to it, and only those ("The Justice Department and the Consumer Financial
    Protection Bureau (CFPB)" → "The Justice Department and CFPB", never "CFPB" alone); a name
    the acronym does not spell stays whole."""
    words = m["long"].split()
    article = m.group()[: m.start("long") - m.start()]
    for k in range(1, len(words) + 1):
        if "".join(w[0] for w in words[-k:] if w[:1].isupper()) != m["short"]:
            continue
        kept = words[:-k]
        while kept and kept[-1] in ("the", "The", "U.S.", "US", "UK", "EU"):
            kept = kept[:-1]  # "the U.S. Food and Drug Administration (FDA)" → "FDA"
        if not kept:
            return m["short"]
        if kept[-1] in ("and", "or", "&"):
            return " ".join([article.strip(), *kept, m["short"]]).strip()
        break
    # round 26: a code that spells nothing of the name ("Finnair (AY)", "Helsinki Airport
    # (HEL)") is no short form a reader knows: the name stays, without the code
    return m.group() if len(words) > len(m["short"]) + 2 else _unspelled(m, words)


def _unspelled(m: re.Match[str], words: list[str]) -> str:
    """The acronym for a short name whose last initials it begins with ("First Solar (FSLR)"),
    else the name itself, with its article and without the code ("Finnair (AY)" → "Finnair")."""
    initials = "".join(w[0] for w in words if w[:1].isupper())
    if any(initials[k:] and m["short"].startswith(initials[k:]) for k in range(len(initials))):
        return m["short"]  # "… Survey Satellite (TESS)", "First Solar (FSLR)"
    return m.group()[: m.start("short") - 1 - m.start()].rstrip()


def _present_tense(clause: str) -> str:
    """A headline's present tense: "has killed" → "kills", "Astronomers unveiled" → "unveil",
    and a verb joined to it by "and" too; only verbs whose base form is known change."""
    words = clause.split(" ")
    verb = _main_verb_after_relative(words, verb_index(clause))
    if not verb:
        return clause
    low = words[verb].lower()
    progressive = _progressive(words, verb)
    if progressive is not None:
        return progressive or clause
    if low in ("has", "have") and verb + 1 < len(words):
        changed = _perfect_present(words, verb)
        plural = low == "have"
    else:
        changed = _past_present(words, verb)
        plural = plural_subject(_subject_of(words, verb)) and not _one_person(words, verb)
    if changed is None:
        return clause
    present = _second_verb_present(changed, verb, plural) or clause
    # a present the verb reader cannot read as the verb ("peeks") keeps the tense it had
    read = _main_verb_after_relative(present.split(" "), verb_index(present))
    if read is not None and verb <= read <= verb + 1:
        return present
    if _subject_of(words, verb) != words[:verb]:
        # round 33b: a plural present after a participle's phrase that the verb reader takes
        # for no verb ("Bombs packed with nails strike Brussels") would let the cuts read a
        # later word as the verb: the past stays
        return clause
    listed = [w.lower() for w in present.split(" ")[verb : verb + 2]]
    # round 10: a verb of no list whose base form and past are English words ("blasts off",
    # "crash-lands") takes the present too
    return present if any(known_verb(w) or known_verb(lemma_of_s(w)) for w in listed) else clause


def _main_verb_after_relative(words: list[str], verb: int | None) -> int | None:
    """Round 30: the main verb when the first finite verb opens a relative clause that runs
    on into the sentence's own predicate ("A powerful earthquake that shook the southern
    Philippines | killed at least one villager …": "killed", not "shook"); `verb` otherwise."""
    if not verb or words[verb - 1].lower() not in ("that", "which", "who"):
        return verb
    clause = words[verb:]
    if not _holds_main_verb(" ".join(clause)):
        return verb
    rest = clause[1:]
    skipped = 0
    while rest and _in_verb_group(rest[0].lower()):
        rest, skipped = rest[1:], skipped + 1
    second = verb_index(" ".join(["it", *rest]))
    return verb + skipped + second if second is not None else verb


def _progressive(words: list[str], verb: int) -> str | None:
    """A progressive's present ("crews are working" → "crews work"; round 28: "Towns … were
    turning their attention" → "turn"): "" when it cannot be put in the present, None when the
    verb is no progressive."""
    low = words[verb].lower()
    after = words[verb + 1] if verb + 1 < len(words) else ""
    if low in ("is", "are") and after.endswith(("ing", "ly")):
        return _progressive_or_adverb(words, verb) or ""
    if low in ("was", "were") and after.endswith("ing"):
        return _readable(_progressive_present(words, verb), verb) or ""
    return None


def _progressive_or_adverb(words: list[str], verb: int) -> str | None:
    """ "crews are working" → "crews work"; "archaeologists are fervently digging" →
    "fervently dig"; None when the present would not be readable as the verb."""
    if words[verb + 1].endswith("ing"):
        return _readable(_progressive_present(words, verb), verb)
    if verb + 2 >= len(words) or not words[verb + 2].endswith("ing"):
        return None
    adverb, rest = words[verb + 1], [*words[: verb + 1], *words[verb + 2 :]]
    present = _progressive_present(rest, verb)
    if present is None:
        return None
    at = present.split(" ")
    return _readable(" ".join([*at[:verb], adverb, *at[verb:]]), verb + 1)


def _readable(present: str | None, verb: int) -> str | None:
    """`present` when the verb reader still finds its verb at `verb` ("Spain endures"), else
    None: a present it cannot read ("spirals", "dig") would cost the title its verb."""
    return present if present is not None and verb_index(present) == verb else None


def _progressive_present(words: list[str], verb: int) -> str | None:
    """ "Spain is enduring" → "Spain endures"; None when the verb's base form is unknown."""
    word, tail = split_punctuation(words[verb + 1])
    lemma = ing_base(word.lower())
    if lemma is None:
        return None
    singular = words[verb].lower() == "is" or (
        words[verb].lower() == "was" and not _plural_was(words[:verb])
    )
    form = (third_person(lemma) if singular else lemma) + tail
    return " ".join([*words[:verb], form, *words[verb + 2 :]])


def _plural_was(subject: list[str]) -> bool:
    """ "I was", "you was" aside, "was" follows a singular subject; "they were" a plural."""
    return bool(subject) and subject[-1].lower() in ("i", "you")


def _perfect_present(words: list[str], verb: int, guess: bool = False) -> list[str] | None:
    """ "has (officially) declared" → "(officially) declares"; None when it cannot (with
    `guess`, a verb of no list by its spelling too: `guessed_base`)."""
    j = verb + 1
    if words[j].lower().endswith("ly") and j + 1 < len(words):
        j += 1  # "has officially declared"
    word, tail = split_punctuation(words[j])
    lemma = base_form(word.lower()) or (guessed_base(word.lower()) if guess else None)
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
    if low in PARTICIPLE_ONLY and verb > 0 and words[verb - 1].lower() not in AUXILIARIES:
        return None  # round 33b: "Patients given the drug …", never "Patients give the drug"
    plural = plural_subject(_subject_of(words, verb)) and not _one_person(words, verb)
    return [*words[:verb], (lemma if plural else third_person(lemma)) + tail, *words[verb + 1 :]]


def _subject_of(words: list[str], verb: int) -> list[str]:
    """Round 33b: the subject whose number the verb takes: the words before the verb up to a
    reduced relative's participle ("Patients given the experimental drug | died" → "Patients":
    "die", not "dies" after "drug").  The participle is a past form ("-ed" or irregular) right
    after a word the tagger reads as a noun, lower-case, no comma between: the main verb comes
    later (`verb`), so a past form before it describes the noun."""
    tags = pos_tagger.word_tags(" ".join(words))
    for q in range(1, min(verb, len(tags))):
        word = split_punctuation(words[q])[0]
        past = word.endswith("ed") or word in IRREGULAR_LEMMA or word in IRREGULAR_PAST
        if (
            past
            and word.islower()
            and word not in AUXILIARIES
            and tags[q - 1].startswith("NN")
            and not words[q - 1].endswith(",")
        ):
            return words[:q]
    return words[:verb]


def _one_person(words: list[str], verb: int) -> bool:
    """Round 26: "Serena Williams won her third-successive WTA Finals title": a name before the
    verb and "his" or "her" after it is one person, whatever the surname's "-s" says."""
    return (
        verb + 1 < len(words)
        and words[verb - 1][:1].isupper()
        and words[verb + 1].lower() in ("his", "her")
    )


# Round 34: the spelling of a past whose base form no list knows, for a verb after "but" only
# ("but acquitted him" → "acquits", "but has deadlocked" → "deadlocks"): a doubled consonant
# other than l, s, f, z goes with its "-ed"; after a cluster no base form ends in "e" only
# "-ed" goes.
_DOUBLED = Lazy(r"^(?P<base>\w+?(?P<c>[bdgkmnprt])(?P=c))ed$")
_CLUSTER = Lazy(r"^(?P<base>\w+(?:ck|sh|ch|nk|rk|lk|ct|pt|nt|rt|lt|ss|ll|wn|rm|rn|er|en))ed$")


def guessed_base(word: str) -> str | None:
    """The base form of a regular past read from its spelling alone; None when unsure."""
    m = _DOUBLED.match(word)
    if m is not None:
        return str(m["base"])[:-1]
    m = _CLUSTER.match(word)
    return str(m["base"]) if m is not None else None


def _joins(words: list[str], i: int) -> bool:
    """Whether `words[i]` joins a second verb: "and", or "but" with no comma before it."""
    return words[i] == "and" or (words[i] == "but" and not words[i - 1].endswith(","))


def _joined_base(word: str, joiner: str) -> str | None:
    """The base form of a joined past: by its spelling too after "but" only (round 34: "and
    skidded" stays past with its "crash-landed", "crash-lands" being read as no verb)."""
    return base_form(word) or (guessed_base(word) if joiner == "but" else None)


def _second_verb_present(words: list[str], verb: int, plural: bool) -> str | None:
    """A past verb joined to the main one by "and" takes the present too ("killed … and
    injured"), and so does a third after another "and" ("shot and killed nine people and
    wounded seven"); None when the first cannot ("kills … and trapped": both as written, not
    one of each)."""
    joined = [i for i in range(verb + 1, min(len(words) - 1, verb + 10)) if _joins(words, i)]
    for n, i in enumerate(joined[:2]):
        word, tail = split_punctuation(words[i + 1])
        if n == 0 and word in ("has", "have") and i + 2 < len(words):
            # round 34: "finds … guilty but has deadlocked on …" → "but deadlocks on …"
            perfect = _perfect_present(list(words), i + 1, True)
            return " ".join(perfect) if perfect is not None else " ".join(words)
        if n == 0 and word in ("was", "were") and i + 2 < len(words):
            words[i + 1] = "are" if plural else "is"  # "… and was sentenced" → "and is"
        elif word.endswith("ed") or word in IRREGULAR_LEMMA:
            lemma = _joined_base(word.lower(), words[i])
            if lemma is None:
                return None if n == 0 else " ".join(words)
            words[i + 1] = (lemma if plural else third_person(lemma)) + tail
        if n == 0 and words[i + 1] == word + tail:
            break  # the first "and" joined no verb: a later one is no chain of verbs
    return _as_clause_present(words, verb)


# Round 34: "scores decisive goal as his side were once again crowned …": the passive of an
# "as" clause (what happened at the same time) takes the headline's present with it.
_AS_PASSIVE = Lazy(r"\sas\s(?:[\w’'-]+\s){1,4}?(?P<aux>was|were)\s(?=(?:[a-z]+\s){0,2}[a-z]+ed\b)")


def _as_clause_present(words: list[str], verb: int) -> str:
    """ "… as his side were once again crowned" → "… as his side are once again crowned"."""
    text = " ".join(words)
    start = len(" ".join(words[: verb + 1]))
    m = _AS_PASSIVE.search(text, start)
    if m is None:
        return text
    return text[: m.start("aux")] + ("is" if m["aux"] == "was" else "are") + text[m.end("aux") :]


# A time, not a place: a month, a weekday or a year ("in March 2020", "in 2020 during …").
_A_TIME = Lazy(
    r"^(?:the\s)?(?:(?:jan|febr)uary|march|april|may|june|july|august|september|october"
    r"|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|(?:19|20)\d\d\b)",
    re.IGNORECASE,
)


def _subjects_relative(words: list[str]) -> tuple[int, int] | None:
    """Round 38: where the subject's relative clause opens ("that") and where the sentence's
    main verb after it is (round 30's `_main_verb_after_relative`), or None."""
    verb = verb_index(" ".join(words))
    main = _main_verb_after_relative(words, verb)
    if verb is None or main is None or main <= verb:
        return None
    # two verbs in the clause's verb group ("who had not been vaccinated died of measles …,
    # officials said": "died" is the main verb, not "said") or a second finite one before
    # `main`: no relative clause is sure
    group = [words[verb].lower()]
    while verb + len(group) < main and _in_verb_group(words[verb + len(group)].lower()):
        group.append(words[verb + len(group)].lower())
    lexical = [w for w in group if w not in AUXILIARIES and w not in ("not", "never", "been")]
    tags = pos_tagger.word_tags(" ".join(words))[verb:main]
    if len(lexical) > 1 or sum(tag in ("VBD", "VBZ", "VBP", "MD") for tag in tags) > 1:
        return None
    return verb - 1, main


def cut_inside_relative(title: str, sentence: str) -> bool:
    """Round 38: whether `title` is its sentence's subject cut inside its relative clause
    ("Wind-blown wildfire that has forced evacuation of hundreds of homes south" from "… south
    of the resort town of Jackson, Wyoming, prompted officials …"): every word of it is the
    sentence's, in order, it holds the clause's "that" and ends before the main verb, so the
    only verb it has is the relative clause's.  A title with a rewritten word is trusted."""
    words = sentence.split(" ")
    span = _subjects_relative(words)
    if span is None:
        return False
    found, at = [], 0
    for word in title.split(" "):
        plain = _plain_word(word)
        k = next((k for k in range(at, len(words)) if _plain_word(words[k]) == plain), None)
        if k is None:
            return False
        found.append(k)
        at = k + 1
    return span[0] in found and found[-1] < span[1]


def without_subjects_relative(sentence: str) -> str | None:
    """Round 38: the sentence without its subject's relative clause ("A wind-blown wildfire
    prompted officials …"), or None when it has none before its main verb."""
    words = sentence.split(" ")
    span = _subjects_relative(words)
    if span is None:
        return None
    return " ".join([*words[: span[0]], *words[span[1] :]])


def _plain_word(word: str) -> str:
    return word.strip("“”\"'‘’(),;:.!?").lower()


def _without_relative_clause(sentence: str) -> str:
    """Drop a relative clause between a short subject and its verb, keeping where it happened.

    Cutting such a sentence before a subordinate clause would leave a title without a verb
    ("A fire that tore through several high-rise residential towers").
    """
    m = _RELATIVE_SUBJECT.match(sentence)
    if m is None or verb_index(m["subject"].strip()) is not None:
        return sentence
    if _holds_main_verb(m["clause"]):
        return sentence
    place = re.search(r"\s(in|at|near|outside)\s(?!.*\s(?:in|at|near|outside)\s)(.+)$", m["clause"])
    if place and _A_TIME.search(place.group(2)):
        place = None  # round 26: "stolen from a Dutch museum in March 2020": a time, no place
    where = f"{place.group(1)} {place.group(2)} " if place else ""
    return f"{m['subject']}{where}{m['verb']}"


def _holds_main_verb(clause: str) -> bool:
    """Round 30: whether what `_RELATIVE_SUBJECT` took for a relative clause runs on past its
    own predicate into the sentence's (a second finite verb after its first one: "that shook
    the southern Philippines | killed at least one villager and injured several others as
    thousands scrambled …" ends on "… was issued"); dropped whole, the title would lose its
    main verb, so nothing is dropped and the cuts choose."""
    own = verb_index(f"it {clause}")
    if own is None:
        return False
    rest = clause.split(" ")[own:]
    while rest and _in_verb_group(rest[0].lower()):
        rest = rest[1:]  # "was not vaccinated": its own verb's group, no second verb
    return bool(rest) and verb_index(" ".join(["it", *rest])) is not None


def _in_verb_group(word: str) -> bool:
    """A word of a verb's group after its first word: an auxiliary, "not", an adverb in
    "-ly", a participle ("has not been fully vaccinated")."""
    return (
        word in AUXILIARIES
        or word in ("not", "never", "been", "being")
        or word.endswith(("ly", "ed", "en"))
        or word in IRREGULAR_LEMMA
    )


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


# A company's name ends on one of these ("General Motors Corp."): no office and a surname.
_COMPANY_SUFFIXES = word_set("corp inc co ltd plc llc ag sa group")


def _short_subject(clause: str) -> str:
    """What a headline shortens first: "Russian Foreign Minister Sergei Lavrov is …" → "Lavrov
    is …", "World Health Organization" → "WHO", "officially declares" → "declares", and
    (round 32) what the subject is described with ("An apartment building with a basement, a
    ground floor and nine storeys above collapsed" → "Apartment building collapsed")."""
    clause = _SHORT_NAMES.sub(lambda m: _SHORT_NAME[m.group().lower()], clause)
    verb = verb_index(clause)
    if verb and _described_with(subject := clause.split(" ")[:verb]):
        return " ".join([*subject[: subject.index("with")], *clause.split(" ")[verb:]])
    return _short_named_subject(clause)


def _short_named_subject(clause: str) -> str:
    """The subject's office and name by the name, and a spare adverb before the verb out."""
    verb = verb_index(clause)
    if not verb:
        return clause
    words = clause.split(" ")
    subject = words[:verb]
    if subject and subject[-1].lower() in _SPARE_ADVERBS:
        words.pop(verb - 1)
        subject, verb = subject[:-1], verb - 1
    if not subject:  # "Now comes the hard part …": no subject to shorten
        return " ".join(words)
    titled = any(w.lower() in _TITLE_WORDS for w in subject[:-1])
    named = all(w[:1].isupper() or w == "of" or w.lower() in _TITLE_WORDS for w in subject)
    company = subject[-1].strip(",").lower().rstrip(".") in _COMPANY_SUFFIXES
    if len(subject) >= 3 and titled and named and subject[-1][:1].isupper() and not company:
        last_title = max(i for i, w in enumerate(subject) if w.lower() in _TITLE_WORDS)
        name = subject[last_title + 1 :]
        if len(name) > 2 and name[0] == "of":
            name = name[2:]  # "Secretary of State Antony Blinken": the office, then the name
        # "Sergei Lavrov" → "Lavrov"; "Kim Jong Un" stays whole (the family name comes first)
        name = name[-1:] if len(name) == 2 else name
        if name:
            return " ".join([*name, *words[verb:]])
    return " ".join(words)


def _described_with(subject: Sequence[str]) -> bool:
    """Whether the subject holds a "with" phrase (among its second to fifth words) that is a
    description a headline drops: four words or more, a list of plain parts (a comma or "and"),
    no name and no number in it, after a noun ("building with a basement, a ground floor and
    …"; not "charged with murder", "plane with 159 passengers", "officer with the Fulton County
    … Office")."""
    at = next((i for i, w in enumerate(subject[1:5], start=1) if w == "with"), None)
    if at is None:
        return False
    phrase = subject[at + 1 :]
    if len(phrase) < 4 or subject[at - 1].lower().endswith("ed"):
        return False
    if any(w[:1].isupper() or any(c.isdigit() for c in w) for w in phrase):
        return False
    return "and" in phrase or any(w.endswith(",") for w in phrase)


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
        if _office_and_name(words, i, out, verb):
            while out and out[-1][:1].isupper() and len(out) > verb + 1:
                out.pop()  # "Russian" before "President"
            out.append(words[i + 2])
            i += 3
            continue
        out.append(words[i])
        i += 1
    return " ".join(out)


def _office_and_name(words: list[str], i: int, out: list[str], verb: int) -> bool:
    """Whether `words[i:i + 3]` is an office, a first name and a surname that the surname can
    stand for: not in apposition after a comma ("of Human Rights, Judge Síofra O’Leary"), not a
    clause's subject, not after a qualifier ("former Detroit Mayor Kwame Kilpatrick")."""
    if (
        words[i].lower() not in _TITLE_WORDS
        or not words[i][:1].isupper()
        or i + 2 >= len(words)
        or (bool(out) and out[-1].endswith(","))
    ):
        return False
    first, last = words[i + 1], words[i + 2]
    after = words[i + 3] if i + 3 < len(words) else ""
    # Not a clause's subject ("after President Hosni Mubarak said"): that clause goes whole at
    # the cut, the name with it.
    named = not after or verb_index(f"It {after}") != 1
    j = len(out) - 1
    while j > verb and out[j][:1].isupper():
        j -= 1  # back over "Detroit" before "Mayor"
    qualified = j > verb and out[j].lower() in _OFFICE_QUALIFIERS
    return (
        first[:1].isupper()
        and last[:1].isupper()
        and not after[:1].isupper()
        and named
        and not qualified
    )


_PLACE_PREPOSITIONS = word_set("at in near outside inside")
_RELATIVES = word_set("that which who whom whose")
_OFFICE_QUALIFIERS = word_set("former ex late then acting outgoing interim incoming deputy")


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
    if words[verb - 1].lower() in _RELATIVES:
        # round 22: "Taiwan struck by its strongest earthquake in 25 years, a 7.4 magnitude
        # tremor that shook …": the verb found is a relative clause's, the subject is not long
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


# Round 37: what an editor shortens when a clause is over the title limit, before a cut drops
# its complement: the subject and the modifiers, never the object.
# A common noun that describes the proper name after it ("tobacco company British American
# Tobacco", "US firm Reynolds American", "Miami tax return preparer Richard Louis").
_DESCRIPTOR_NOUNS = word_set(
    """company companies firm firms giant group maker manufacturer producer retailer carrier
    airline operator lender bank insurer startup start-up conglomerate chain preparer developer
    provider supplier distributor brand platform broadcaster automaker carmaker multinational"""
)
_NOT_DESCRIPTIVE = word_set(
    """of in for to and or but the a an with by at on from as than that which who its his her
    their our is are was were be been has have had"""
)
_SPARE_MODIFIERS = Lazy(
    r"\s(?:unanimously|jointly|largely|successfully|recently|publicly|formally|officially|"
    r"finally|quietly|swiftly|currently|also)(?=\s[a-z])"
)
_FIGURE_WORDS = (
    (Lazy(r"\bmore\sthan\s(?=[$£€\d])"), "over "),
    (Lazy(r"\b(?:an\s)?estimated\s(?=[$£€\d])"), ""),
    (Lazy(r"\bapproximately\s(?=[$£€\d])"), "about "),
    (Lazy(r"\ba\stotal\sof\s(?=[$£€\d])"), ""),
)
# "has been approved by the U.S. FDA": a headline's passive ("approved by FDA").
_PERFECT_PASSIVE = Lazy(r"\s(?:has|have)\sbeen\s(?=[a-z]+ed\sby\s)")
_US_AGENCY = Lazy(r"\bU\.S\.\s(?=[A-Z]{2,5}\b)")
_SECOND_TIME = Lazy(r"\b(?:for\s)?(?:a\s|the\s)?second\stime\b")
_CLOCK_TIME = Lazy(
    r",?\s(?:(?:nearly|almost|about|around|approximately)\s)?(?:at\s)?"
    r"(?:about\s|around\s|approximately\s)?\d{1,2}(?::\d\d)?\s?[ap]\.?m\b\.?"
    r"(?:\s(?:[A-Z][a-z]+\s)?(?:time|[A-Z][DS]?T|GMT|UTC))?(?=[\s,;:]|$)"
)
# Round 38: a named time of day ("just after midnight today", "shortly before dawn") goes like
# a clock time.
_NAMED_TIME = Lazy(
    r",?\s(?:(?:just|shortly|soon|right)\s)?(?:after|before|around|at|about)\s"
    r"(?:midnight|noon|midday|dawn|daybreak|sunrise|sunset|nightfall|dusk)"
    r"(?:\s(?:today|tonight|yesterday))?(?=[\s,;:]|$)"
)
# Where the subject's court or jury sits ("federal grand jury in Houston", "federal jury in
# Pensacola, Florida,", "U.S. Attorney … for the Eastern District of Arkansas"), before its verb.
_SUBJECT_PLACE = Lazy(
    r"^(?P<head>(?:[\w.-]+\s){0,5}?(?:court|jury|judge|Attorney|prosecutors?)\s(?:[A-Z][\w.]*\s){0,3})"
    r"(?:in\s(?:the\s)?[A-Z][\w.’'-]*(?:\s(?:of\s)?[A-Z][\w.’'-]*){0,3}(?:,\s[A-Z][\w.’'-]*,?)?"
    r"|for\sthe\s(?:[A-Z][a-z]+\s)?District\sof\s[A-Z][\w.’'-]*(?:\s[A-Z][\w.’'-]*)?)"
    r"(?=\s(?:has\s|have\s|is\s|was\s)?[a-z]+(?:s|ed)\s)"
)
# An apposition after a name, between commas: an age and where the person lives (", 59, of
# Wesley Chapel, Florida,") or a description (", the former general counsel of 1Malaysia
# Development Berhad,"), when the clause goes on after it.
_NAME_ASIDE = Lazy(
    r"(?<=[A-Za-z][a-z])(?:,\s\d{1,3}(?=,))?"
    r"(?:,\s(?:of\s[A-Z][\w.’'-]*(?:\s[A-Z][\w.’'-]*){0,3}(?:,\s[A-Z][\w.’'-]*(?:\s[A-Z][\w.’'-]*)?)?"
    r"|(?:the|a|an)\s(?:former\s|then\s)?[a-z][^,;:“\"]{5,70}))?,(?=\s[a-z])"
)


def compressed(clause: str) -> str:
    """Round 37: `clause` as an editor shortens it when it is over the title limit, before a
    cut can drop its complement: a common-noun description before a proper name goes ("British
    multinational tobacco company British American Tobacco" → "British American Tobacco"), an
    apposition after a name (an age, a home town, "the former general counsel of …"), a spare
    adverb ("unanimously approves"), a clock time ("at about 11:40 p.m.", round 38: "just
    after midnight"); figures are put
    short ("more than 400" → "over 400", "an estimated 3,000" → "3,000"), "a second time"
    becomes "again" and "has been approved by the U.S. FDA" "approved by the FDA".  The object
    and what completes it are left as they are, and the words of a quotation too."""
    pieces = _QUOTATION.split(clause)
    return "".join(p if i % 2 else _compressed_words(p) for i, p in enumerate(pieces))


_QUOTATION = Lazy(r"(“[^”]*(?:”|$)|\"[^\"]*(?:\"|$))")


def _compressed_words(clause: str) -> str:
    """`compressed` on words outside a quotation."""
    clause = _without_descriptors(clause)
    clause = _SUBJECT_PLACE.sub(lambda m: m["head"].rstrip(), clause, count=1)
    clause = _NAME_ASIDE.sub(lambda m: "" if m.group() != "," else ",", clause)
    clause = _SPARE_MODIFIERS.sub("", clause)
    clause = _NAMED_TIME.sub("", _CLOCK_TIME.sub("", clause))
    for pattern, short in _FIGURE_WORDS:
        clause = str(pattern.sub(short, clause))
    clause = _PERFECT_PASSIVE.sub(" ", clause, count=1)
    return str(_SECOND_TIME.sub("again", _US_AGENCY.sub("", clause)))


def _without_descriptors(clause: str) -> str:
    """The common nouns that describe a proper name right after them go, with the adjectives
    before them and one capitalised word of place or nation ("US firm", "British … company")."""
    words = clause.split(" ")
    if not any(word.lower() in _DESCRIPTOR_NOUNS for word in words):
        return clause
    # Read by the tagger: a verb is never a description's ("Prosecutors say tech firm Acme
    # defrauded …" lost "Prosecutors say": an allegation became the title's fact).
    # Nor is the clause's main verb, however tagged ("Court clears former firm Acme Holdings
    # of fraud charges" was "Acme Holdings of fraud charges").
    tags = pos_tagger.word_tags(clause)
    verb = verb_index(clause)
    out: list[str] = []
    kept: list[str] = []  # the tag of each word of `out`
    for i, word in enumerate(words):
        out.append(word)
        kept.append("MD" if i == verb else tags[i])
        after = words[i + 1] if i + 1 < len(words) else ""
        if word.lower() not in _DESCRIPTOR_NOUNS or not word.islower() or not after[:1].isupper():
            continue
        start = _description_start(out, kept)
        if start == len(out) - 1 and out[start] == word:
            continue  # the noun alone ("company X"): too little to be worth it
        if start > 0 and not _may_precede(out[start - 1]):
            continue  # "Poland's No.2 telecoms group", "chemical and pharmaceutical company"
        del out[start:], kept[start:]
    return " ".join(out)


def _description_start(out: list[str], kept: list[str]) -> int:
    """Where the description ending `out` (a descriptor noun last, `kept` its words' tags)
    starts: up to four describing words before the noun, and one capitalised word of place or
    nation before them; never a finite verb (`_FINITE`)."""
    start = len(out) - 1
    while (
        start > 0
        and start > len(out) - 5
        and _descriptive(out[start - 1])
        and kept[start - 1] not in _FINITE
    ):
        start -= 1
    if (
        start > 0
        and out[start - 1][:1].isupper()
        and kept[start - 1] not in _FINITE
        and (start < 2 or out[start - 2].islower())
    ):
        start -= 1  # "British", "US", "Florida"
    return start


_FINITE = frozenset({"VBP", "VBZ", "VBD", "MD"})  # a finite verb's tags: "say", "says", "said"


def _descriptive(word: str) -> bool:
    """A lowercase word that may describe the noun after it (not a function word or a verb)."""
    return (
        word.islower()
        and word.isalpha()
        and word not in _NOT_DESCRIPTIVE
        and not (word.endswith("ed") and len(word) > 4)
    )


def _may_precede(word: str) -> bool:
    """Whether a description may go after `word`: a lowercase word that is neither an article
    nor a conjunction ("merger of", "sentences"; not "No.2", "and", "the")."""
    return word.islower() and word not in ("and", "or", "the", "a", "an") and word[-1:] not in ",&"
