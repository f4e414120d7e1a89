"""One tense in a derived title (round 39 of issue 20's titles).

docs/ranking-measurements.md, *Derived titles …*, has the round's cases.

A headline tells its news in the present ("Jury finds …", "Four skiers killed …", "Amazon to
cut …").  The tense steps (`title_style`) put the main verb in the present, and a past joined to
it by a bare "and"; a second clause of its own kept its writer's past: "38 people die and two
were seriously injured", "Atkore reports its earnings, and results fell short", "More companies
announce layoffs as employment picture continued to dim", "Amazon announces it was cutting 9,000
jobs".  Rounds 19-38's readers rejected such titles as mixed tenses, whatever else they held.

So once a title is chosen, every finite past of a clause coordinated with its present main
verb ("and", "but", "as", "while" with a subject of their own), and a reported progressive
("says it was cutting"), takes the present too: "were seriously injured" → "seriously injured"
(a headline's passive), "was in critical condition" → "is", "fell" → "fall", "was cutting" →
"is cutting".  A clause of what came before ("after avalanches hit", "when …"), a relative
clause ("who was …") and a reported past ("say they arrested") keep their past: they tell an
earlier time, not a second tense.  When a past cannot be put in the present (its base form is
unknown, "had"), the title keeps its writer's tenses as they were.  Pure text: the verb reader,
the part-of-speech tagger and the base forms the tense steps use.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsletter.assemble.headline_grammar import (
    base_form,
    plural_subject,
    split_punctuation,
    third_person,
    verb_index,
    word_set,
)
from newsletter.assemble.pos_tagger import word_tags

# What opens a clause that happens at the same time as the main one.
_SAME_TIME = word_set("and but as while")
# What opens a clause of another time, or no clause of the main one: its past stays.
_OTHER_TIME = word_set(
    "after before when since until because once who whom whose which that where if though "
    "although whether"
)
# Reporting verbs whose reported progressive is told in the present ("says it was cutting").
_REPORTS = word_set("says say announces announce reports report confirms confirm tells tell")
_REPORTED_SUBJECTS = word_set("it they he she we")
# How far after its opener a clause's verb may stand (its subject in between).
_SUBJECT_WORDS = 6
_PRESENT_TAGS = ("VBZ", "VBP")


def harmonized(title: str) -> str:
    """`title` with every past of a clause joined to its present main verb put in the present
    (module docstring); `title` as it was when its main verb is no present or nothing mixes."""
    words = title.split(" ")
    verb = verb_index(title)
    if verb is None or verb >= len(words) - 2 or '"' in title or "“" in title:
        return title
    if not _may_mix(words, verb):
        return title  # the tagger's weights stay unread for most titles
    tags = word_tags(title)
    if not _present_main(words, tags, verb):
        return title
    main = split_punctuation(words[verb])[0].lower()
    # round 45: after a present "is"/"are" a bare participle shares that "be", as after a
    # headline's passive ("four people are dead and 23 others injured": not "injure")
    passive = base_form(main) is not None or main in _SHARED_BE
    out = list(words)
    at = verb + 1
    while at < len(words) - 1:
        word = words[at].lower().strip(",")
        if word in _OTHER_TIME:
            break  # the rest belongs to another time or to a noun
        if word in _SAME_TIME and not _idiom(words, at):
            past = _clause_past(words, tags, at, passive)
            if past is not None:
                changed = _present(words, tags, at + 1, past)
                if changed is None:
                    return title  # a past with no present: the writer's tenses whole
                out[past] = " ".join(changed)
                at = past
        elif at == verb + 1 and words[verb].lower() in _REPORTS:
            reported = _reported_progressive(words, tags, at)
            if reported is not None:
                out[reported] = "is" if out[reported].lower() == "was" else "are"
        at += 1
    return " ".join(w for w in out if w)


def _may_mix(words: list[str], verb: int) -> bool:
    """Whether a second tense may follow the main verb, read without the tagger: an opener of a
    clause of the same time and a past after it, or a reporting verb."""
    rest = [split_punctuation(w)[0].lower() for w in words[verb + 1 :]]
    if words[verb].lower() in _REPORTS:
        return True
    opened = next((i for i, w in enumerate(rest) if w in _SAME_TIME), None)
    return opened is not None and any(
        w in ("was", "were") or base_form(w) is not None for w in rest[opened + 1 :]
    )


def _present_main(words: list[str], tags: Sequence[str], verb: int) -> bool:
    """Whether the main verb is a present or a headline's form: "finds", "score" (no past form
    and no "was"), "to cut", or a past participle with no object after it, a headline's
    passive ("Four skiers killed and …", "… evacuated as …")."""
    low = split_punctuation(words[verb])[0].lower()
    if tags[verb] in _PRESENT_TAGS or low == "to":
        return True
    if low in _PAST_AUXILIARIES:
        return False
    if base_form(low) is None:
        return True
    after = tags[verb + 1] if verb + 1 < len(tags) else ""
    return verb > 0 and tags[verb - 1].startswith(("NN", "CD")) and after in _NO_OBJECT


_PAST_AUXILIARIES = word_set("was were had did")
# A present "be" whose participle a second conjunct shares without repeating it.
_SHARED_BE = word_set("is are")
# What follows a verb with no object: a passive's "and", "in", "as", "after" …
_NO_OBJECT = frozenset({"CC", "IN", "RB", "TO"})


def _idiom(words: list[str], at: int) -> bool:
    """ "as part of", "as well as", "as a …": "as" opens no clause there."""
    nxt = words[at + 1].lower() if at + 1 < len(words) else ""
    return words[at].lower().strip(",") == "as" and nxt in ("part", "well", "a", "an", "the")


def _clause_past(words: list[str], tags: Sequence[str], opener: int, passive: bool) -> int | None:
    """The index of the finite past of the clause `opener` opens, when a subject of its own
    stands between them ("and two were", "as employment picture continued"); None otherwise.
    After a headline's passive ("Five killed and child critically injured") a bare participle
    is that passive's, not a past: only "was" and "were" count there."""
    for at in range(opener + 2, min(len(words), opener + 2 + _SUBJECT_WORDS)):
        word = words[at].lower().strip(",")
        if word in _OTHER_TIME or word in _SAME_TIME or words[at - 1].endswith(","):
            return None
        past = word in ("was", "were") or (
            not passive
            and tags[at] in ("VBD", "VBN")
            and not tags[at - 1].startswith(("IN", "DT", "TO", "JJ"))  # "with sustained winds"
            and base_form(word) is not None
        )
        if past:
            subject = tags[opener + 1 : at]
            named = any(t.startswith(("NN", "CD", "PRP")) for t in subject)
            agent = at + 1 < len(words) and words[at + 1] == "by"  # "damage caused by"
            verbal = any(  # "leaving four individuals | injured": a verb's object, no subject
                t.startswith("VB") or w.endswith("ing")
                for w, t in zip(words[opener + 1 : at], subject, strict=True)
            )
            return at if named and not agent and not verbal else None
        if tags[at].startswith(("VB", "MD")):
            return None  # a present or a modal: nothing to change
    return None


def _present(words: list[str], tags: Sequence[str], subject: int, at: int) -> list[str] | None:
    """What stands for the past at `at` in the present, for the subject from `subject` on
    (nothing for a passive's "were": "were seriously injured" → "seriously injured"); None
    when it has none ("had", a base form no list knows)."""
    word, tail = split_punctuation(words[at])
    plural = word.lower() == "were" or plural_subject(words[subject:at])
    if word.lower() in ("was", "were"):
        after = at + 1
        while after < len(words) and tags[after] == "RB":
            after += 1
        if after < len(words) and tags[after] == "VBN" and not tail:
            return []  # a headline's passive
        return [("are" if plural else "is") + tail]
    lemma = base_form(word.lower())
    if lemma is None or lemma in ("be", "have"):
        return None
    return [(lemma if plural else third_person(lemma)) + tail]


def _reported_progressive(words: list[str], tags: Sequence[str], at: int) -> int | None:
    """ "announces it was cutting": the index of "was"/"were" after a reporting verb and its
    pronoun, before an "-ing"; None otherwise."""
    if words[at].lower() == "that":
        at += 1
    if at + 2 >= len(words) or words[at].lower() not in _REPORTED_SUBJECTS:
        return None
    aux, then = words[at + 1].lower(), words[at + 2]
    return at + 1 if aux in ("was", "were") and tags[at + 2] == "VBG" and then.islower() else None


def without_cut_participle(title: str) -> str:
    """Round 39: a title cut right after a participle that opened its noun's phrase ("pleaded
    guilty to federal corruption charges filed | last month claiming …"): the participle goes
    with the phrase it lost ("… to federal corruption charges").  Only after a preposition's
    noun phrase (a reported clause's "two people injured" is its predicate) and never the
    main verb."""
    words = title.split(" ")
    verb = verb_index(title)
    if verb is None or len(words) < verb + 4:
        return title
    tags = word_tags(title)
    last = words[-1].lower()
    if not (last.endswith("ed") or tags[-1] == "VBN") or base_form(last) is None:
        return title
    at = len(words) - 2
    while at > verb and tags[at].startswith(("NN", "JJ", "DT", "CD")):
        at -= 1
    noun = tags[-2].startswith("NN")
    return " ".join(words[:-1]) if noun and at > verb and tags[at] in ("IN", "TO") else title
