"""The self-check a derived title passes before it is printed (issue 20, part 6, round 8).

`derive_title` no longer trusts its own cut: every title it could give is read back with these
checks, and one that fails is never emitted while another candidate passes (the first sentence
whole, a longer cut that keeps the clause).  These are the faults an editor found in derived
titles of real news that the older rules let through: a participle taken for the verb ("Man
accused of murdering …" read as "Man accuses of …"), a title that ends on a verb whose object
was cut ("votes to close"), on a participle or "-ing" form waiting for its complement ("says
stored data relating"), on a possessive ("has New Jersey's"), and an unclosed bracket.
Checks only: nothing here rewrites a title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from newsletter.assemble import pos_tagger  # its weights load on the first tag
from newsletter.assemble.headline_grammar import (
    AUXILIARIES,
    IRREGULAR_LEMMA,
    PARTICIPLE_ONLY,
    TOKEN,
    TRAILING_PUNCT,
    VERB_LEMMAS,
    finite_after_phrase,
    lemma_of_ing,
    lemma_of_s,
    reduced_relative,
    verb_index,
    word_set,
)
from newsletter.control_chars import quoted

# Verbs that end a title well without an object ("… to retire", "… to resign", "… vote to
# strike"): the few that news uses intransitively after "to".
_INTRANSITIVE = word_set(
    """
    retire resign die quit strike rise fall erupt land arrive leave return stay resume reopen
    expand grow shrink recover win lose surrender disband merge collapse testify run appear
    """
)
# Round 22: verbs that never end a title after "to" (a purpose cut from its object: "event to
# accelerate", "fund … to help").
_NEEDS_OBJECT = word_set(
    """
    help accelerate improve support boost provide protect reduce increase develop promote address
    ensure strengthen tackle combat deliver fund encourage enable prevent explain bring give make
    offer raise honour honor commemorate recognize recognise replace acquire buy purchase hire
    upgrade restore secure establish create build
    """
)
# Verbs whose "-ing" complement ends a title well: "… keep rising", "… stop working".
_ASPECT = word_set("keep continue start stop begin resume quit")
# Words in "-ing" that are nouns, and end a title well ("… at meeting", "… after shooting").
_ING_NOUNS = word_set(
    """
    meeting building funding hearing warning morning evening ruling wedding shooting bombing
    killing landing opening spending training rating ceiling spring thing king ring string wing
    sibling funding offering pudding clothing housing feeling painting recording setting
    crossing ending listing ceasefire blessing bidding trading sentencing
    """
)


def headline_faults(title: str) -> list[str]:
    """What an editor would not print in `title` beyond `title_problems`' rules (empty: none)."""
    faults = []
    words = title.split(" ")
    index = verb_index(title)
    if index is not None and reduced_relative(words, index, words[index].lower()):
        faults.append(f"reads the participle {quoted(words[index])} as its verb")
    if title.count("(") != title.count(")") or title.count("[") != title.count("]"):
        faults.append("leaves a bracket open")
    if index is not None and _mute_report(words, index):
        faults.append(f"what was said after {quoted(words[index])} has no verb")
    closing = max(title.rfind("”"), title.rfind('"'))
    after = title[closing + 1 :].strip(" ,")
    opens_quoted = title[:1] in ("“", '"')
    if opens_quoted and 0 < closing < len(title) - 1 and after and verb_index(after) is None:
        faults.append("runs a speaker into what was said, without a verb")
    if (
        index is not None
        and index > 0
        and words[index - 1].endswith(",")
        and (" ".join(words[:index]).count(",") == 1)
    ):
        # "South Dakota, soars above 100 degrees": a subordinate clause's subject left behind
        faults.append(f"parts the subject from its verb {quoted(words[index])} with a comma")
    if _CLAUSE_AFTER_COMMA.search(title):
        faults.append("runs a second clause on after a comma (', it was')")
    if _second_finite(title):
        faults.append("runs a second verb on without its subject ('… cries foul have ended')")
    if "which to" in title or "who to" in title:
        faults.append("leaves a relative clause without its verb ('which to')")
    return (
        faults + _garble_faults(words, index) + _ending_faults(title) + _open_clause_faults(title)
    )


# Round 29: the garbles a cut leaves inside a title that reads whole at its ends ("killed in an
# shooting", "There heated moments", "closes its location and ditching plans"), read on every
# set's rejects, not on one set's: a general self-check, so the fallback steps take over where a
# cut is unsure.
# A letter said with a vowel sound ("an FBI", "an F-16", "an X-ray", "an M.P.")
_VOWEL_SOUND = re.compile(r"^(?:[aeiouAEIOU]|h(?:our|onest|onou?r|eir)|[FHLMNRSX](?:[A-Z]|[-.\d]))")
_THERE_VERBS = word_set(
    "is are was were has have had will may might could would can must should shall "
    "seem seems seemed remain remains remained appear appears appeared exist exists existed "
    "come comes came stand stands stood lies lay"
)


def _garble_faults(words: list[str], index: int | None) -> list[str]:
    """Faults a cut leaves inside a title (see above): "an" before a consonant, "There" with no
    verb after it, a verb in "-s" coordinated with a bare "-ing"."""
    faults = []
    for word, after in pairwise(words):
        if word.lower() == "an" and after[:1].isalpha() and not _VOWEL_SOUND.match(after):
            faults.append(f"keeps 'an' before {quoted(after)}: a word between them was cut")
            break
    if len(words) > 1 and words[0] == "There" and words[1].lower() not in _THERE_VERBS:
        faults.append("opens on 'There' without its verb")
    if index is None:
        return faults
    verb = words[index].lower().strip(",;:")
    for j in range(index + 1, len(words) - 1):
        low = words[j].lower().strip("“”\"'‘’(),;:.!?")
        if words[j - 1].endswith(",") or low in _LINKS - {"and"} or low.endswith("ing"):
            break
        nxt = words[j + 1].lower()
        if (
            low == "and"
            and verb.endswith("s")
            and nxt.endswith("ing")
            and nxt not in _ING_NOUNS
            and j + 2 < len(words)
        ):
            faults.append(f"coordinates {quoted(words[index])} with {quoted(words[j + 1])}")
            break
    return faults


_SECOND_AUXILIARIES = word_set("has have had is are was were")
# What lets a later verb have a clause of its own: a conjunction, a relative, a comma, "that".
_LINKS = word_set(
    "and or but that which who whom whose where when while as after before because if since "
    "until so than"
)


def _second_finite(title: str) -> bool:
    """A later "has", "have", "is" … that the tagger reads as finite, with nothing that opens
    its clause between it and the first finite verb, which reports no clause: "Coast Guard
    cries foul have ended" (not "Barcelona says the striker's release clause had been paid")."""
    words = title.split(" ")
    if not any(w.lower() in _SECOND_AUXILIARIES for w in words[2:]):
        return False  # no later auxiliary: nothing to tag (the weights load on the first tag)
    tags = pos_tagger.word_tags(title)
    finite = [i for i, tag in enumerate(tags) if tag in pos_tagger.FINITE]
    if len(finite) < 2:
        return False
    main = words[finite[0]].lower().strip(",;:")
    if main in _SAYING or lemma_of_s(main) in _SAYING or main in AUXILIARIES:
        return False
    for j in range(finite[0] + 1, len(words)):
        low = words[j].lower().strip("“”\"'‘’(),;:.!?")
        if words[j - 1].endswith(",") or low in _LINKS or words[j][:1] in ("“", '"'):
            return False
        if j in finite and low in _SECOND_AUXILIARIES:
            return True
    return False


def _ending_faults(title: str) -> list[str]:
    """A title that ends waiting for more: a verb without its object ("votes to close"), a
    verb's "-ing" without its complement ("stored data relating"), a possessive."""
    plain = TOKEN.findall(TRAILING_PUNCT.sub("", title))
    if not plain:
        return []
    faults = []
    last = plain[-1].lower()
    before = plain[-2].lower() if len(plain) > 1 else ""
    governing = plain[-3].lower() if len(plain) > 2 else ""
    if before == "to" and (
        # "votes to close", not "put skills to test"; round 22: a verb that always needs its
        # object needs it after any word ("fund for hospitals across England to help")
        (last in VERB_LEMMAS and last not in _INTRANSITIVE and governing.endswith(("s", "ed")))
        or last in _NEEDS_OBJECT
    ):
        faults.append(f"leaves the verb {quoted(plain[-1])} without its object")
    elif (
        before == "and"
        and last not in _INTRANSITIVE
        and _verb_form(last)
        and _a_verb_before_and(plain)
    ):
        # "… makes emergency landing and burst": the second verb's complement ("into flames")
        faults.append(f"leaves the verb {quoted(plain[-1])} after 'and' without its complement")
    elif _open_ing(last, before) or (
        last.endswith("ing") and last not in _ING_NOUNS and _after_comma(title)
    ):
        faults.append(f"ends on {quoted(plain[-1])}, a verb without its complement")
    if plain[-1].endswith(("'s", "’s")) and title.rstrip()[-1:] not in ("”", '"'):
        faults.append(f"ends on the possessive {quoted(plain[-1])}")
    return faults + _cut_phrase_faults(title, plain)


# Round 19 (read on round 20's set): words that end a title only with what follows them.
_NEEDS_TO = word_set("subject due prior according owing thanks related similar equal close")
_COMPARATIVES = word_set(
    """faster slower greater higher lower better worse larger smaller bigger longer shorter
    stronger weaker cheaper safer easier harder wider deeper more less fewer"""
)
_BEFORE_NOUN = word_set("from to of for with by in on at into a an the its their his her our")


def _cut_phrase_faults(title: str, plain: list[str]) -> list[str]:
    """A cut inside a phrase the word lists see from its last words: an adjective that needs
    its "to" after a comma ("reporting duty, subject"), a comparative waiting for its noun
    ("from faster"), a participle in "-ing" after a name ("against VIPD alleging"), a list of
    names cut before its "and" ("Austria, Belgium, … Denmark")."""
    last = plain[-1].lower()
    before = plain[-2] if len(plain) > 1 else ""
    stripped = TRAILING_PUNCT.sub("", title)
    if last in _NEEDS_TO and stripped.rpartition(" ")[0].endswith(","):
        return [f"ends on {quoted(plain[-1])}, which needs what follows it"]
    if last in _COMPARATIVES and before.lower() in _BEFORE_NOUN:
        return [f"ends on {quoted(plain[-1])}, a comparative without its noun"]
    if last.endswith("ing") and last not in _ING_NOUNS and before[:1].isupper() and len(plain) > 3:
        return [f"ends on {quoted(plain[-1])}, a participle without its complement"]
    items = stripped.split(", ")
    tail = items[-3:] if len(items) >= 4 else []
    listed = bool(tail) and all(len(i.split()) <= 2 and i[:1].isupper() for i in tail)
    if listed and not any(f" {w} " in f" {tail[-1]} " for w in ("and", "or")):
        return ["ends inside a list, before its last item"]
    return []


_IRREGULAR_BASES = frozenset(IRREGULAR_LEMMA.values())


def _verb_form(word: str) -> bool:
    """A verb's form of our lists: "burst", "injures", "killed"."""
    return (
        word in VERB_LEMMAS
        or word in IRREGULAR_LEMMA
        or word in _IRREGULAR_BASES
        or (word.endswith("s") and lemma_of_s(word) in VERB_LEMMAS)
    )


def _a_verb_before_and(plain: list[str]) -> bool:
    """The title's verb comes before its last "and": the word after it is a second verb."""
    index = verb_index(" ".join(plain))
    return index is not None and index < len(plain) - 2


def _after_comma(title: str) -> bool:
    """The last word opens a clause after a comma ("… course record, finishing")."""
    plain: str = TRAILING_PUNCT.sub("", title)
    return plain.rpartition(" ")[0].endswith(",")


def _open_ing(last: str, before: str) -> bool:
    """A verb's "-ing" at the end, after a noun ("stored data relating"), not a noun in "-ing"
    ("… after shooting") and not after a verb it completes ("rivers keep rising")."""
    return (
        last.endswith("ing")
        and last not in _ING_NOUNS
        and lemma_of_ing(last) is not None
        and before not in AUXILIARIES
        and not before.endswith("s")  # "fighting continues spreading"
        and before not in _ASPECT
    )


_REPORTING = word_set("say says said")
# Verbs whose object may be a clause with its own verb, no "that" needed ("rules … is").
_SAYING = word_set(
    """
    say said rule ruled announce announced warn warned claim claimed find found show showed
    report reported decide decided argue argued insist insisted confirm confirmed reveal
    revealed suggest suggested believe believed think thought admit admitted deny denied
    """
)
# ", it was their hottest day": a pronoun and its verb after a comma, a second main clause.
_CLAUSE_AFTER_COMMA = re.compile(r",\s(?:it|they|he|she|we)\s(?:is|was|were|are|has|had|will)\b")
_RELATIVES = word_set("who whom whose which that where when")


def _mute_report(words: list[str], index: int) -> bool:
    """ "Officials say a hospital employee who recently traveled to Italy", "Coveney says
    optimism about a breakthrough": a verb of saying whose reported clause has no verb of its
    own (a verb inside a relative clause belongs to that clause)."""
    if words[index].lower().strip(",;:") not in _REPORTING or index + 1 >= len(words):
        return False
    reported: list[str] = []
    for word in words[index + 1 :]:
        if word.lower().strip(',;:“”"') in _RELATIVES and reported:
            break
        reported.append(word)
    text = " ".join(reported)
    return not text.startswith(("“", '"')) and verb_index(text) is None


# Tags of a finite verb or of a verb form a headline uses as one (base form after "to", past
# participle as a headline's passive); "-ing" alone is no main verb.
_VERB_TAGS = frozenset({"VB", "VBD", "VBZ", "VBP", "VBN", "MD"})
# Before a past participle: the auxiliary that makes it a verb ("was sentenced today").
_PARTICIPLE_AUXILIARIES = frozenset(
    {"is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "get", "got", "gets"}
)


def _plain(word: str) -> str:
    return word.strip("“”\"'‘’(),;:.!?").lower()


def verbless(title: str, sentence: str) -> bool:
    """Whether `title`, made from `sentence`, has no main verb (issue 20, round 32): every word
    of it is a word of the sentence, in order, that the tagger reads in the sentence (prose,
    with its articles, where it reads well: not in the title) as no verb, while the sentence has
    a finite verb the title left out.  "Ever Given, one of largest container ships afloat" from
    "The Ever Given, one of the largest container ships afloat, ran aground …": an apposition
    taken for the title, "ships" a noun, "ran" cut away.  A title word the sentence does not
    hold was rewritten, and only verbs are ("floats" for "floated", "to" for "will"): such a
    title is trusted.  A past participle before a noun ("liquefied gas") describes it, unless an
    auxiliary stands before it ("was sentenced today"), and a verb of a relative clause in an
    apposition (`_RELATIVES`, to the sentence's next comma) is not its main verb."""
    if not title or not sentence:
        return False
    words = sentence.split(" ")
    used: list[int] = []
    for word in title.split(" "):
        plain = _plain(word)
        at = used[-1] + 1 if used else 0
        found = next((k for k in range(at, len(words)) if _plain(words[k]) == plain), None)
        if found is None:
            return False  # a word rewritten: tagged only when every word is the sentence's
        used.append(found)
    tags = pos_tagger.word_tags(sentence)
    if _ends_before_main_verb(used, words, tags):
        return True
    if _main_verb_among(used, words, tags):
        return False
    if any(_relative_participle(words, tags, k) for k in used):
        return True  # round 33b: "Patients given the experimental drug in a trial"
    return any(tag in _FINITE_TAGS for k, tag in enumerate(tags) if k not in used)


def _relative_participle(words: Sequence[str], tags: Sequence[str], k: int) -> bool:
    """Round 33b: a past participle heading a reduced relative or passive ("Patients given the
    experimental drug …"): a form that is never a past tense (`PARTICIPLE_ONLY`) right after a
    word the tagger reads as a noun, lower-case, with no comma between.  It describes the noun
    and is no main verb: a title whose only verb it is tells no news, and never prints."""
    return (
        0 < k < len(tags)
        and _plain(words[k]) in PARTICIPLE_ONLY
        and words[k].islower()
        and tags[k - 1].startswith("NN")
        and not words[k - 1].endswith(",")
    )


def _ends_before_main_verb(used: list[int], words: list[str], tags: Sequence[str]) -> bool:
    """Round 33: "Four miners trapped underground for 36 days" from "Four miners trapped
    underground for 36 days in a collapsed gypsum mine have been freed …": the title holds no
    word tagged finite and ends before the verb its words run into (`finite_after_phrase`: no
    clause opener, verb of saying or ";" between), so what it reads as its verb is a participle
    describing the subject (or an infinitive of one: "threatening to dump")."""
    main = finite_after_phrase(words, tags, used[0])
    if main is None or main <= used[-1]:
        return False
    return not any(tags[k] in _FINITE_TAGS for k in used if k < len(tags))


def _main_verb_among(used: list[int], words: list[str], tags: Sequence[str]) -> bool:
    """Whether the sentence's words at `used` (the title's) hold a verb that is not an
    adjective's participle nor the verb of a relative clause in an apposition."""
    clause, apposed = "", False  # "open" after an apposition's who/which until its verb,
    for found in used:  # then "told" until a comma
        tag, plain = tags[found], _plain(words[found])
        following = tags[found + 1] if found + 1 < len(tags) else ""
        before = _plain(words[found - 1]) if found else ""
        prenominal = following in ("NN", "NNS") and before not in _PARTICIPLE_AUXILIARIES
        if plain in _RELATIVES and apposed:
            clause = "open"
        elif tag in _VERB_TAGS and not (
            tag == "VBN" and (prenominal or _relative_participle(words, tags, found))
        ):
            if clause == "open":  # the relative clause's own verb tells of the subject
                clause = "open" if plain in _PARTICIPLE_AUXILIARIES | {"not"} else "told"
            elif clause == "" or tag in _FINITE_TAGS:
                return True  # the main verb, or a verb after the clause told its own
        if words[found].endswith(","):
            clause, apposed = "", True
    return False


# A relative clause's opening word, in an apposition (after a comma): its verb tells of the
# subject, not the news ("Javier Milei, a libertarian economist who entered Congress only two
# years ago" from "…, won Argentina's presidential run-off"). Not "that", as often a
# conjunction, nor a clause with no comma before it ("child who had not been vaccinated died":
# the tagger may misread the main verb, "died" as a preposition, and "had" stands for it).
_RELATIVES = frozenset({"who", "whom", "whose", "which"})


_FINITE_TAGS = frozenset({"VBD", "VBZ", "VBP", "MD"})


# Round 43: how far past the last word found the next title word may be (a dropped date, an
# article, an aside between them).
_OF_WINDOW = 8


def drops_of_complement(title: str, sentence: str) -> bool:
    """Round 43: whether `title`, cut from `sentence`, ends on a noun whose "of" complement the
    cut dropped ("… order activation" from "ordered the activation of the regional bloc's
    standby force": activation of what?).  The title's words are found in the sentence in
    order, each within `_OF_WINDOW` words of the one before (a rewritten word, a verb put in
    the present, is passed over, and "order" for "ordered" is not found in "constitutional
    order" further on); the fault is a last word found there and followed at once by "of"."""
    found = _last_word_at(title, sentence)
    if found is None:
        return False
    words, last = found
    return words[last + 1].lower() == "of" and title.split(" ")[-1][:1].islower()


def _last_word_at(title: str, sentence: str) -> tuple[list[str], int] | None:
    """The sentence's words and where the title's last word is among them (see
    `drops_of_complement`), when a word follows it there with no punctuation between; None
    otherwise."""
    if not title or not sentence:
        return None
    words = sentence.split(" ")
    at, last = 0, None
    for word in title.split(" "):
        plain = _plain(word)
        end = len(words) if last is None else min(len(words), at + _OF_WINDOW)
        found = next((k for k in range(at, end) if _plain(words[k]) == plain), None)
        if found is None:
            last = None
            continue
        last, at = found, found + 1
    if last is None or last + 1 >= len(words) or words[last] != words[last].rstrip(",;:—–"):
        return None
    return words, last


def drops_complement(title: str, sentence: str) -> bool:
    """Round 44: whether `title`, cut from `sentence`, stops where the sentence's phrase goes
    on: its "of" complement (`drops_of_complement`), the object or complement of a verb it
    ends on ("bans transgender women from competing | on female sports teams", "charges man
    for allegedly acting | as an agent", "staff are working | to stem an outbreak", "files
    complaint alleging | that …"), or the rest of a noun phrase ("discover planetary-scale |
    tug-of-war", "announces 75 hospital | projects", "votes to approve $618 | million budget").
    Read with the tagger on the sentence, so a noun in "-ing" ("after the meeting | on …") and a
    time after the verb ("died | Tuesday", "resigned | this week") are no complement."""
    if drops_of_complement(title, sentence):
        return True
    found = _last_word_at(title, sentence)
    if found is None:
        return False
    words, last = found
    if _inside_its_clause(title):
        return True  # round 45: ", which means by the end of | today the UK …"
    tags = pos_tagger.word_tags(sentence)
    here, after = tags[last], tags[last + 1]
    word, following = _plain(words[last]), _plain(words[last + 1])
    then = _plain(words[last + 2]) if last + 2 < len(words) else ""
    if following in _TIME_WORDS or not following or then in _TIME_WORDS:
        return False  # "died | Tuesday", "are running | on Monday"
    if _open_after(words, tags, last):
        return True  # round 45: "for participating | in a cartel", "as well | as"
    if here in _OPEN_VERB_TAGS and words[last][:1].islower() and word not in _ING_NOUNS:
        if word in AUXILIARIES or not (here == "VBG" or _ends_on_its_verb(title, words, last)):
            return False  # "… outlook and quarterly profit | as …": a noun the tagger doubts
        return after in _PHRASE_TAGS or following in _COMPLEMENT_OPENERS
    if here in _MODIFIER_TAGS:
        return after in _NOUN_TAGS
    return here in ("NN", "NNS", "NNP") and after in ("NN", "NNS") and words[last + 1][:1].islower()


def _ends_on_its_verb(title: str, words: list[str], last: int) -> bool:
    """Whether a title's last word, tagged as a verb other than "-ing", is one: the title's own
    main verb ("Target discloses"), or a verb after "to", a modal or an auxiliary."""
    size = len(title.split(" "))
    before = _plain(words[last - 1]) if last else ""
    return verb_index(title) == size - 1 or before == "to" or before in AUXILIARIES


# Round 44: the tags of a verb that may wait for its object ("VBN" is left out: a passive ends
# a title well, "… were evacuated | after …"), of what opens an object, of a noun phrase's
# modifiers and nouns; the words that open a verb's complement, and times that do not.
_OPEN_VERB_TAGS = frozenset({"VBG", "VB", "VBP", "VBZ", "VBD"})
_PHRASE_TAGS = frozenset({"DT", "PRP$", "CD", "NN", "NNS", "NNP", "NNPS", "JJ", "JJR", "JJS"})
_MODIFIER_TAGS = frozenset({"JJ", "JJR", "JJS", "CD", "DT", "PRP$"})
_NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS", "CD"})
_COMPLEMENT_OPENERS = word_set("that to on as with against into about whether how what")
TIME_WORDS = _TIME_WORDS = word_set(
    """
    this last next early late earlier later today tonight yesterday overnight tomorrow now
    monday tuesday wednesday thursday friday saturday sunday morning afternoon evening night
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec week weekend month year
    """
)


# Round 45 (issue 20: "never ends on an adverb or a noun whose complement was cut, never takes
# a participle or an adjective for the verb"), read with the tagger, not per case:
# prepositions and adverbs that may end a phrase before the sentence goes on.
_PREPOSITIONS = word_set("for from of in on at by with into about against after before over")
_ENDING_ADVERBS = word_set(
    """home abroad away back ahead overseas nationwide worldwide again too also instead there
    here together apart alone online offline downstairs upstairs indoors outdoors"""
)
_SUBORDINATORS = word_set("whether if because although though unless whereas")
_QUESTION_WORDS = frozenset({"WP", "WDT", "WRB"})


# What opens a clause of its own after a comma: taken whole or not at all.
_CLAUSE_OPENERS = word_set(
    "which who whom whose where when while because although though since until whether"
)


def _inside_its_clause(title: str) -> bool:
    """Whether `title` (cut where the sentence goes on) holds a clause opened after a comma
    (", which …", ", while …"): a part of its own is kept whole or dropped, never cut inside."""
    words = title.split(" ")
    return any(
        before.endswith(",") and _plain(word) in _CLAUSE_OPENERS for before, word in pairwise(words)
    )


def _open_after(words: list[str], tags: Sequence[str], last: int) -> bool:
    """A title that stops on a word the sentence's phrase goes on from: a gerund after a
    preposition with its own preposition next ("for participating | in a long-lasting
    cartel"), or an adverb that is no time or place ("as well | as the trade association")."""
    word, following = _plain(words[last]), _plain(words[last + 1])
    if following in _TIME_WORDS or not following:
        return False
    before = _plain(words[last - 1]) if last else ""
    if tags[last] == "VBG" and before in _PREPOSITIONS and word not in _ING_NOUNS:
        return tags[last + 1] in ("IN", "TO")
    if tags[last] != "RB" or word in _ENDING_ADVERBS or word in _TIME_WORDS:
        return False
    # an adverb of what follows it (a verb, a number, an adjective, an article: "officially |
    # declared", "around | €458 million") or of a comparison ("as well | as", "more | than"),
    # not one of the verb before it ("floats free | on Monday")
    return tags[last + 1].startswith(("VB", "CD", "JJ", "DT")) or following in ("as", "than")


def _open_clause_faults(title: str) -> list[str]:
    """A title whose clause is left open or has no subject, read with the tagger on the title:
    a subordinate clause with no verb ("… to assess whether Deutsche Börse"), a verb parted
    from its object by an aside that ends the title ("approves, under EU State aid rules"), a
    question word or an adverb opening on its verb ("What do …", "Therefore be granted …")."""
    words = title.split(" ")
    if len(words) < 3:
        return []
    index = verb_index(title)
    plains = [_plain(w) for w in words]
    opener = _last_subordinator(plains)
    asides = index is not None and _aside_for_object(words, index)
    if opener is None and not asides and plains[0] not in _OPENERS_TO_TAG:
        return []  # the tagger's weights stay unread for most titles
    tags = pos_tagger.word_tags(title)
    faults = []
    if opener is not None and not any(tag.startswith(("VB", "MD")) for tag in tags[opener + 1 :]):
        faults.append(f"leaves the clause {quoted(words[opener])} opens without its verb")
    if asides and index is not None and tags[index + 1] == "IN":
        faults.append(f"leaves {quoted(words[index])} without its object, an aside last")
    asks = tags[0] in _QUESTION_WORDS or (tags[0] == "RB" and tags[1].startswith(("VB", "MD")))
    if plains[0] in _OPENERS_TO_TAG and not words[0].isupper() and asks:
        faults.append(f"opens on {quoted(words[0])} and has no subject")
    return faults


def _last_subordinator(plains: list[str]) -> int | None:
    """Where the title's last "whether", "if", "because" … stands; not "because of" (no
    clause: "because of a sharp seat frame edge")."""
    found = [
        k
        for k, w in enumerate(plains)
        if w in _SUBORDINATORS and (k + 1 == len(plains) or plains[k + 1] != "of")
    ]
    return found[-1] if found else None


def _aside_for_object(words: list[str], index: int) -> bool:
    """The verb at `index` has a comma and then only an aside to the title's end, no clause
    ("end, at which three world records were broken" is one)."""
    rest = words[index + 1 :]
    return (
        words[index].endswith(",")
        and "," not in " ".join(rest)
        and not any(_plain(w) in _CLAUSE_OPENERS | {"that"} for w in rest)
    )


# First words the tagger is asked about: question words and connective adverbs.
_OPENERS_TO_TAG = word_set(
    """what who why how which where when therefore however meanwhile moreover nevertheless
    thus hence also still instead otherwise accordingly consequently furthermore"""
)
