"""What a derived title needs to know about English words: small word lists and guesses.

No tagger and no model: a finite verb is guessed from auxiliaries, irregular pasts, a list of
common news verbs and their endings; a plural subject from its head noun; an incomplete ending
from articles, prepositions, conjunctions and adjective endings.  Good enough to tell a clause
from a fragment and to put a headline's verb in the present, which is all titles.py asks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property, lru_cache
from typing import Any

from newsletter.assemble import pos_tagger  # its weights load on the first tag
from newsletter.assemble.terms import PLACE, concept_pairs, vocabulary, zipf


class Lazy:
    """A regular expression compiled on first use: importing this module must cost nothing."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, self.flags)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled, name)


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


PRONOUNS = word_set("he she they it we i you his her its their this these those")


DEMONSTRATIVES = word_set("this these those")


POSSESSIVES = word_set("his her its their")


ARTICLES = word_set("a an the")


# Words a headline never ends on.
DANGLING = word_set(
    """
    a an the and or but nor so yet of to in on at for with by from into onto over under about
    after before as than that which who whom whose what while when where because since if its
    their his her our my your this these those some any each every such both either neither no
    not we they he she
    very most less least also up down off out per via amid among against between toward
    towards despite during without within upon across along around near like including is are
    was were be been being has have had will would can could may might must shall should do does
    did new former top key major big small first last next other own high low long late early
    local global foreign nuclear huge large great several many few much least western eastern
    northern southern central southeast southwest northeast northwest due worth
    """
)


# Nouns with an adjective's ending: a title may end on these.
NOUNS_LIKE_ADJECTIVES = word_set(
    """
    official officials proposal proposals trial trials deal deals rival rivals capital hospital
    festival animal animals total general arrival approval refusal survival signal journal
    criminal criminals individual individuals chemical chemicals republic traffic music clinic
    epidemic pandemic panic topic critic critics mechanic plastic magic relative relatives
    executive executives detective objective initiative motive explosive explosives
    representative alternative archive incentive native natives operative collective secretary
    library salary boundary anniversary summary dictionary military ally allies territory
    civilian civilians musician politician physician technician guardian librarian
    comedian veteran refugee refugees missile missiles profile profiles textile textiles
    reptile reptiles projectile projectiles mobile automobile automobiles file files smile
    smiles exile exiles while
    """
)


# A title never ends on the verb of speech that introduces what was said.
SPEECH_VERBS = word_set("say says said tell tells told announce announces announced saying")


_ADJECTIVE_ENDINGS = (
    "al",
    "ic",
    "ous",
    "ive",
    "ary",
    "ful",
    "less",
    "ible",
    "able",
    "ian",
    "ese",
    "ile",
)


AUXILIARIES = word_set(
    """
    is are was were am be been has have had will would can could may might must shall should
    does did do isn't aren't wasn't weren't hasn't haven't won't can't
    """
)


# Finite verbs that no "-ed"/"-s" rule finds: irregular past forms, and common news verbs
# whose "-s" form is tested against this list (a plural noun ends in "-s" too).
IRREGULAR_PAST = word_set(
    """
    said told took made went came saw won lost fell rose hit struck left held led met ran sent
    set shot sold spent stood threw wrote began broke brought built bought caught chose drove
    fought found gave grew hung kept knew laid paid put quit read rode rang sank shook slid spoke
    spun stole stuck swept swore swam tore woke wore beat became bit blew bled bore cut dealt dug
    drew drank ate fed felt fled flew forgot froze got hid hurt lent let lit meant overcame
    overtook sought shut sang sat slept sprang swung taught thought understood undertook upheld
    withdrew wound saw slew split spread sped stung strove
    """
)


VERB_LEMMAS = word_set(
    """
    say tell take make go come see win lose fall rise hit strike leave hold lead meet run send
    set shoot sell spend stand throw write begin break bring build buy catch choose drive fight
    find give grow keep know pay put quit seek shut sink shake speak steal sweep tear become cut
    deal draw eat feel flee fly get hide hurt let mean agree announce approve arrest ask attack
    back ban block boost call charge claim close cut declare deny die drop end face fear file
    fire free hail halt kill launch lift name open order plan plead pledge plunge pull push
    raise reach reject release report rule sign slam slash soar sue surge suspend threaten top
    urge vote vow warn want weigh win jump tumble climb slide slump rally return resign retire
    reveal seize move stay step remain strike target test quake kill confirm condemn crash collapse
    hold ease expand extend shrink deepen widen cap admit accuse appoint award beat bid
    unveil suffer stun fine grant flood land unleash spot slow stage express file accept
    acquire spare force rush resign sign deploy discover detect donate elect defeat edge
    overturn legalize legalise lower lose overtake play post probe quit raid recall reopen
    rescue restore rout scrap shed shut signal sink slip spark stall storm strand study
    submit thrash trail trigger unite uphold vow withdraw worry wreck bring buy catch choose
    draw fly give know lend light ride ring seek sit sleep spread stick teach think throw
    understand wake wear take make come see build send tell begin lead put offer overhaul
    hand hit damage destroy pass endure cause prepare plan try seek displace evacuate injure
    kill flee free claim mark mourn
    """
)


# Past forms and participles that are not the lemma plus "-ed": "made" → "make".
IRREGULAR_LEMMA = dict(
    pair.split(":")
    for pair in word_set(
        """
    said:say told:tell took:take taken:take made:make went:go gone:go came:come saw:see
    seen:see won:win lost:lose fell:fall fallen:fall rose:rise risen:rise hit:hit struck:strike
    left:leave held:hold led:lead met:meet ran:run sent:send set:set shot:shoot sold:sell
    spent:spend stood:stand threw:throw thrown:throw wrote:write written:write began:begin
    begun:begin broke:break broken:break brought:bring built:build bought:buy caught:catch
    chose:choose chosen:choose drove:drive driven:drive fought:fight found:find gave:give
    given:give grew:grow grown:grow kept:keep knew:know known:know paid:pay put:put quit:quit
    sought:seek shut:shut sank:sink sunk:sink shook:shake spoke:speak spoken:speak stole:steal
    swept:sweep tore:tear torn:tear became:become cut:cut dealt:deal drew:draw drawn:draw
    fled:flee flew:fly flown:fly got:get hid:hide hurt:hurt let:let meant:mean
    withdrew:withdraw withdrawn:withdraw overtook:overtake overtaken:overtake upheld:uphold
    slid:slide spread:spread split:split beat:beat bid:bid felt:feel laid:lay lent:lend
    lit:light rang:ring rode:ride sat:sit slept:sleep stuck:stick taught:teach
    thought:think understood:understand woke:wake wore:wear shown:show done:do did:do
    become:become come:come run:run sworn:swear swore:swear
    """
    )
)


# Where a subject's head ends: "A ceasefire | between Israel and Hamas takes effect".
_HEAD_ENDS = word_set(
    "of in at from for with on near that who between among against over after by under"
)
# Round 33b: irregular past participles that are never a past tense ("given", "taken",
# "shown"): without an auxiliary before it such a word describes the noun before it
# ("Patients given the experimental drug …") and is never a finite verb to put in the present.
PARTICIPLE_ONLY = frozenset(
    w for w, lemma in IRREGULAR_LEMMA.items() if w != lemma and w not in IRREGULAR_PAST | {"did"}
)
# Nouns without a plural "s" that take a plural verb ("Police arrest", "People flee").
_COLLECTIVE_PLURALS = word_set("police people cattle personnel clergy")
_QUANTIFIERS = word_set(
    "all some most many few several both half tens hundreds thousands millions dozens scores"
)


_THIRD_PERSON = {"have": "has", "be": "is", "do": "does", "go": "goes"}


TRAILING_PUNCT = Lazy(r"[\s.,;:!?\"'“‘—–-]+$")


TOKEN = Lazy(r"[\w’'.-]+")


def split_punctuation(word: str) -> tuple[str, str]:
    core = word.rstrip(",;:.!?”\"’')")
    return core, word[len(core) :]


def lemma_of_ing(word: str) -> str | None:
    """The base form of a known verb's "-ing": "cutting" → "cut", "causing" → "cause"."""
    stem = word[:-3]
    candidates = [stem]
    if len(stem) > 2 and stem[-1] == stem[-2]:
        candidates.append(stem[:-1])
    candidates.append(stem + "e")
    return next((c for c in candidates if c in VERB_LEMMAS), None)


def ing_base(word: str) -> str | None:
    """The base form of any verb's "-ing" whose base form is an English word ("crying" →
    "cry", "digging" → "dig"), listed or not; None when none is."""
    known = lemma_of_ing(word)
    if known or not word.endswith("ing") or len(word) < 6:
        return known
    stem = word[:-3]
    candidates = [stem[:-1]] if len(stem) > 2 and stem[-1] == stem[-2] else []
    candidates += [stem, stem + "e"]
    return next((c for c in candidates if zipf(c) >= _KNOWN_WORD), None)


def base_form(word: str) -> str | None:
    """The base form of a past or participle whose base form is known, else None."""
    if word in IRREGULAR_LEMMA:
        return IRREGULAR_LEMMA[word]
    if "-" in word:  # "crash-landed" → "crash-land"
        head, _, tail = word.rpartition("-")
        tail_base = base_form(tail)
        return f"{head}-{tail_base}" if head and tail_base else None
    if not word.endswith("ed") or len(word) < 4:
        return None
    candidates = [word[:-3] + "y"] if word.endswith("ied") else []
    if len(word) > 4 and word[-3] == word[-4]:
        candidates.append(word[:-3])  # "stunned" → "stun"
    candidates += [word[:-1], word[:-2]]  # "fined" → "fine", "signed" → "sign"
    known = next((c for c in candidates if c in VERB_LEMMAS), None)
    # A verb of no list: the first candidate that is an English word ("scored" → "score",
    # "offered" → "offer"), so a headline's present tense does not hang on our list.
    return known or next((c for c in candidates if zipf(c) >= _KNOWN_WORD), None)


# Zipf frequency from which a form is an English word (the table stops at 3.5).
_KNOWN_WORD = 3.5


def third_person(lemma: str) -> str:
    if lemma in _THIRD_PERSON:
        return _THIRD_PERSON[lemma]
    if lemma.endswith(("s", "x", "z", "ch", "sh")):
        return lemma + "es"
    if lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
        return lemma[:-1] + "ies"
    return lemma + "s"


def plural_subject(subject: Sequence[str]) -> bool:
    """Whether a subject takes a plural verb: its head (the word before "of", "in" …) is a
    plural noun ("Scientists", "Tens of thousands"), or names are joined by "and"."""
    if _named_collective(subject):
        return True
    head: list[str] = []
    words = _unquoted(subject)
    lead = _APPROXIMATION.match(" ".join(words).lower())
    if lead:  # "At least two people", "Close to 80 people": the count, then the head
        words = words[len(lead.group().split()) :]
    for i, word in enumerate(words):
        if word.lower() in _HEAD_ENDS or (i and _participle_after_noun(word)):
            break  # "airliner carrying 144 people": the head came before
        if 0 < i < len(words) - 1 and _meeting_after_plural(words, i):
            break  # round 43: "leaders meeting in Abuja order": the head is "leaders"
        head.append(word.strip(",“”\"'’"))
    while head and head[-1].endswith("ly"):
        head.pop()  # "Turtles barely lost"
    if not head:
        return False
    if head[-1].lower() in _QUANTIFIERS | _COLLECTIVE_PLURALS:
        return True  # "all of Europe's airports remain", "tens of thousands … stage", "police"
    if "and" in head:
        return True
    if "&" in head:
        # "Marks & Spencer", "Procter & Gamble": "&" between capitalised words is one company.
        at = head.index("&")
        around = head[at - 1 : at] + head[at + 1 : at + 2]
        return not (len(around) == 2 and all(w[:1].isupper() for w in around))
    last = head[-1]
    if not last.endswith("s") or last.endswith(("ss", "us", "is", "'s", "’s")):
        return False
    if last[:1].isupper():  # "Turtles", "Democrats" are plurals; "Paris", "Texas" are not
        return _capitalised_plural(head)
    return True


_APPROXIMATION = Lazy(
    r"^(?:at least|at most|up to|more than|fewer than|less than|close to|nearly|almost|about|"
    r"around|roughly|some|over)\s(?=\S)"
)


def _meeting_after_plural(words: Sequence[str], i: int) -> bool:
    """Round 43: a noun in "-ing" (`_ING_NOUN_HEADS`) between a plural and a preposition is a
    participle ("West African leaders meeting in Abuja"), not the subject's head."""
    word, before = words[i].strip(",“”\"'’"), words[i - 1]
    plural_before = before.endswith("s") and not before.endswith(("ss", "us", "is", "'s", "’s"))
    return (
        word.islower()
        and word in _ING_NOUN_HEADS
        and plural_before
        and words[i + 1].lower() in _HEAD_ENDS
    )


def _participle_after_noun(word: str) -> bool:
    """ "carrying", "including", "believed": a lower-case participle after the head noun."""
    low = word.strip(",“”\"'’")
    return low.islower() and len(low) > 5 and low.endswith("ing") and low not in _ING_NOUN_HEADS


# Nouns in "-ing" that may end a subject's head ("Monday's shooting victims"): no participle.
_ING_NOUN_HEADS = word_set(
    """
    building meeting hearing ruling wedding shooting bombing killing landing opening spending
    training funding housing clothing warning offering setting ceiling crossing bidding trading
    sentencing morning evening recording painting sibling listing ending rating filing
    """
)


def _unquoted(words: Sequence[str]) -> list[str]:
    """The words outside quotation marks: a quoted title is a name ("“An Officer and a
    Gentleman” star Louis Gossett Jr.": one star, whatever "and" the title holds)."""
    kept, inside = [], False
    for word in words:
        opens, closes = word.startswith("“"), word.endswith("”")
        if not inside and not opens:
            kept.append(word)
        inside = (inside or opens) and not closes
    return kept


def _capitalised_plural(head: Sequence[str]) -> bool:
    """ "Families" is a plural noun; "Avago Technologies", a company's name, is not, nor is
    "junior minister Josh Simons", a person named after an office."""
    last = head[-1]
    named = len(head) > 1 and head[-2][:1].isupper()
    if named and any(w.lower().rstrip(".") in _OFFICES for w in head[:-2]):
        return False
    if named and last.lower() in _COMPANY_WORDS:
        return False  # "General Motors closes", "American Airlines cancels": one company
    singular = last[:-1].lower() if named else lemma_of_s(last.lower())
    if len(head) == 1 and _single_name(last):
        return False  # round 43: "Michaels says", "Hopkins says": one name, not a plural
    if named and _surname(head[-2], last, last.endswith(("ans", "ers", "ors", "ists"))):
        return False  # "Evo Morales resigned", "Bernie Sanders said": one person
    if last.endswith(("ans", "ers", "ors", "ists")) or zipf(singular) > 3.0:
        return True
    return not named and _tagged_plural(head)


def _single_name(word: str) -> bool:
    """Round 43: a capitalised word in "-s" alone that reads as one name, not a plural: a word
    too rare in English for the frequency table whose singular is a name ("Michaels", from
    "Michael"); "Wildfires", "Sleuths" (no name's plural) and "Marines", "Stars" (in the
    table) stay plurals."""
    table = vocabulary()
    low = word.lower().strip("’'")
    return low not in table.zipf and low[:-1] in table.name_like


def _surname(before: str, last: str, agent: bool) -> bool:
    """Whether a capitalised word in "-s" after another capitalised word that is no place
    ("Chicago Bulls", "Boston Celtics" are teams) is a surname, not a plural: a name about as
    common abroad as in English ("Williams", "Sanders"), or, unless it ends like a plural of
    people (`agent`: "New Yorkers"), a word too rare in English for the frequency table
    ("Morales", which is not the plural of "morale")."""
    if _place(before):
        return False
    table = vocabulary()
    low = last.lower().strip("’'")
    return low in table.name_like or (not agent and low not in table.zipf)


def _place(word: str) -> bool:
    """A word the gazetteer names as a place ("Chicago", "Toronto")."""
    return any(concept.startswith(PLACE) for _, concept in concept_pairs(word))


# Offices and callings before a person's name ("junior minister Josh Simons resigned").
_OFFICES = word_set(
    """
    president minister secretary governor gov mayor senator sen chancellor premier commissioner
    ambassador director chairman chairwoman leader spokesman spokeswoman judge coach captain ceo
    actor actress singer star player striker author writer lawmaker mp rep representative
    """
)


# The last word of a company's name that is a plural noun alone ("General Motors", "American
# Airlines", "Cisco Systems"): the name is one company and takes a singular verb.
_COMPANY_WORDS = word_set(
    """
    motors airlines airways industries systems holdings communications technologies laboratories
    labs pharmaceuticals networks resources brands stores partners solutions materials foods
    mills enterprises electronics instruments semiconductors therapeutics dynamics logistics
    """
)


def _tagged_plural(head: Sequence[str]) -> bool:
    """ "Thieves broke into …": a capitalised word that opens the subject and that the
    part-of-speech tagger reads as a plural common noun (NNS), whose singular the endings
    miss ("thieve")."""
    return pos_tagger.word_tags(" ".join(head))[-1] == "NNS"


def _named_collective(subject: Sequence[str]) -> bool:
    """A name whose last word is its head, a plural: "University of Maryland Police"."""
    names = [w.strip(",“”\"'’") for w in subject]
    return (
        bool(names)
        and names[-1].lower() in _COLLECTIVE_PLURALS
        and all(w[:1].isupper() or w == "of" for w in names)
    )


# Adverbs a headline never ends on ("… says he is increasingly", "impressed yet again").
ADVERBS = word_set(
    "again yet still already even just ever never soon almost nearly also too increasingly"
)
# Words in "-ly" that are no adverbs.
_LY_NOUNS = word_set(
    "family ally rally assembly supply reply monopoly anomaly belly jelly lily fly bully july italy"
)


def is_adverb(word: str) -> bool:
    """An adverb: one of a short list, or a lower-case word in "-ly" that is no noun
    ("sharply", "increasingly"; not "family", "rally")."""
    low = word.strip(",;:.!?”\"'’").lower()
    if low in ADVERBS:
        return True
    return word[:1].islower() and low.endswith("ly") and len(low) > 4 and low not in _LY_NOUNS


def ends_incomplete(text: str) -> bool:
    """Ends on an article, preposition, conjunction, adjective or a verb of saying without
    what was said (a closing attribution, "…, governor says", is complete)."""
    text = TRAILING_PUNCT.sub("", text)
    words = TOKEN.findall(text)
    if not words:
        return True
    last = words[-1]
    if last.lower() in SPEECH_VERBS:
        return not _CLOSING_ATTRIBUTION.search(text)
    if len(words) > 1 and words[-2].lower() in PRONOUNS and last.lower() in _THINKING:
        return True  # "… a forgotten pharaoh they believe": what they believe was cut
    # "spares neither poor nor powerful": an adjective closing "neither … nor" is its noun;
    # "the law is unconstitutional": an adjective after a copula is the predicate
    closed_pair = len(words) > 2 and words[-2].lower() in _CLOSING_ADJECTIVE
    # "… close two chicken plants in May": the month, not the modal
    month = last == "May" and len(words) > 1 and words[-2].lower() in _BEFORE_MONTH
    # "… to the Northeast": a capitalised word after "the" names a region
    region = last[:1].isupper() and len(words) > 1 and words[-2].lower() == "the"
    return (
        (last.lower() in DANGLING and not month and not region)
        or (last.islower() and adjective_like(last) and not closed_pair and not _named(words))
        # "to the Northeast": a capitalised region is a name, not the adverb
        or (is_adverb(last) and last.lower() not in NOUNS_LIKE_ADJECTIVES and last.islower())
    )


def _named(words: Sequence[str]) -> bool:
    """Round 39: "… in the Indian Premier League final", "declares Trump eligible": a last word
    read as an adjective after a name is the name's noun or its predicate."""
    return len(words) > 2 and words[-2][:1].isupper() and words[-2].lower() not in DANGLING


_PARTICLES = word_set("off out down up away over back in")
_THINKING = word_set(
    "believe believes think thinks hope hopes fear fears expect expects suspect suspects "
    "know knows claim claims say says said believed thought feared expected suspected"
)
_BEFORE_MONTH = word_set("in on by until since from of early late mid next last this")
_CLOSING_ATTRIBUTION = Lazy(r",\s(?:[\w.’'-]+\s){1,3}(?:says|said)$")


_CLOSING_ADJECTIVE = word_set(
    "nor is are was were be been remain remains become becomes seem seems"
)


def ends_on_particle(text: str) -> bool:
    """The verb's particle ends the text: "NASA's Psyche spacecraft lifts off", "minister steps
    down" (a whole title; a cut there may still drop where or when)."""
    text = TRAILING_PUNCT.sub("", text)
    words = text.split(" ")
    return words[-1].lower() in _PARTICLES and verb_index(text) == len(words) - 2


def ends_on_open_verb(text: str, rest: str, verb: int | None) -> bool:
    """ "… roadblocks caused | by debris": a cut leaving a participle without what it governs."""
    words = text.rstrip().split(" ")
    last = words[-1].lower()
    following = rest.split()[:1]
    if not following:
        return False
    governed = following[0].lower()
    if governed in _PARTICLES and (last.endswith(("ing", "ed", "s")) or last in IRREGULAR_LEMMA):
        return True  # "is spiraling | out of control": a verb keeps its particle
    if len(words) > 1 and words[-2].lower() == "to" and governed != "that":
        # "to try | to counter", "to close | four schools", but "agree to deal | that …"
        return governed in GOVERNED or governed[:1].isdigit() or governed in NUMBER_WORDS
    return _verbal_end(words, last) and (governed in GOVERNED or governed in _PREDICATIVE)


def _verbal_end(words: Sequence[str], last: str) -> bool:
    """The last word reads as a verb that may govern what follows it."""
    return (
        last.endswith("ed")  # "-ing" is as often a noun ("border crossing | in")
        or (last in IRREGULAR_LEMMA and last not in IRREGULAR_PAST)  # "damage done | to"
        or (last.endswith("ing") and len(words) > 1 and words[-2].endswith((",", "s")))
        or last in IRREGULAR_PAST
        or (last.endswith("s") and lemma_of_s(last) in VERB_LEMMAS and len(words) > 1)
    )


_PARTICLES = word_set("out up off away")
# Adjectives a verb takes as its complement: "found | dead", "pleaded | guilty".
_PREDICATIVE = word_set("dead alive guilty innocent unconscious liable responsible unharmed")
GOVERNED = word_set("by to with from into a an the for of on in at about that")


def adjective_like(word: str) -> bool:
    word = word.lower()
    return (
        word not in NOUNS_LIKE_ADJECTIVES
        and word not in NUMBER_WORDS
        and word.endswith(_ADJECTIVE_ENDINGS)
    )


# Texts whose first verb is kept: deriving one title asks it of the same few sentences and
# clauses about 30 times (a feed of 300 full-text entries asked it 10,000 times).
VERB_INDEX_KEPT = 4_096


@lru_cache(maxsize=VERB_INDEX_KEPT)
def verb_index(text: str) -> int | None:
    """The position (in space-separated words) of the first finite verb, or None.

    A guess from word lists and endings, good enough to tell a clause from a fragment: an
    auxiliary, an irregular past, a known news verb in "-s", "-ed" after a word that is no
    article, or a headline's "to" + verb after the subject ("Peru to declare").
    """
    words = text.split(" ")
    previous = ""
    participle: int | None = None
    for i, raw in enumerate(words):
        word = raw.strip("“”\"'‘’(),;:.!?").lower()
        if not word or word.startswith(("http", "#")):
            previous = word
            continue
        if (
            _verb_like(words, i, word, previous)
            and (word == "to" or not raw[:1].isupper() or i == 0)
            and not _noun_before_past(words, i, word)
        ):
            if (
                _tagged_adjective(text, i, word)
                or _prenominal(words, i, word)
                or _noun_modifier(text, i, word)
            ):
                previous = word
                continue  # "Five armed, masked thieves sprinted": "armed" describes them
            finite = tagged_verb_after_participle(text, i, word)
            if finite is None and word == "to":
                finite = _verb_after_to(text, words, i, previous)
            if finite is not None:
                return finite
            by = i + 1 < len(words) and words[i + 1] == "by" and word not in AUXILIARIES
            if by or reduced_relative(words, i, word):
                # "the region hit by an earthquake … says", "35 individuals interred in a tomb
                # … offers": a participle, unless no verb follows
                participle = i if participle is None else participle
                previous = word
                continue
            return i
        previous = word
    return participle


def _verb_after_to(text: str, words: Sequence[str], i: int, previous: str) -> int | None:
    """The clause's verb after a "to" that is no headline's future: an infinitive after a noun
    that takes one ("Efforts to combat …") or after a present participle ("threatening to")."""
    later = _verb_after_infinitive_subject(words, i, previous)
    return later if later is not None else verb_after_ing_phrase(text, i)


def _verb_after_infinitive_subject(words: Sequence[str], i: int, previous: str) -> int | None:
    """ "Efforts to combat the Bay Area's worst oil spill in two decades escalated yesterday": a
    subject whose head takes an infinitive ("efforts to", "plans to") and a finite verb after
    the infinitive's phrase; that later verb is the clause's, not the headline's "to"."""
    if previous not in _INFINITIVE_NOUNS or i > 3:
        return None
    if i > 1 and words[i - 2].strip("“”\"'‘’").lower() not in ARTICLES | POSSESSIVES:
        return None
    later = verb_index(" ".join(words[i + 2 :]))
    if later is None or words[i + 2 + later].strip(",;:.").lower() == "to":
        return None
    return i + 2 + later


# Nouns whose complement is an infinitive: "Efforts to combat …", "Plans to build …".
_INFINITIVE_NOUNS = word_set("efforts effort attempts attempt bids bid moves move drive push")


def tagged_verb_after_participle(text: str, i: int, word: str) -> int | None:
    """ "A man accused of murdering a woman … is due to face court", "A new study released in
    the journal Cancer reconsiders …": a word in "-ed" (or an irregular participle) that the
    part-of-speech tagger reads as a past participle (VBN) with a finite verb after it in the
    same sentence describes the noun before it; the later verb is the clause's.  The tagger
    sees what the word lists cannot: the participle's phrase and the verb that follows.
    Returns the position of that later verb, or None."""
    if word in AUXILIARIES or not (word.endswith("ed") or word in IRREGULAR_LEMMA):
        return None
    tags = pos_tagger.word_tags(text)
    words = text.split(" ")
    # "A couple found dead Monday night … appeared to have been shot": a participle and its
    # predicative adjective describe the subject, whatever the tag
    predicative = i + 1 < len(words) and words[i + 1].strip(",").lower() in _PREDICATIVE
    if i >= len(tags) or (tags[i] != "VBN" and not predicative):
        return None
    relative = False  # the first finite verb after "who", "whose", "which" is that clause's
    for j in range(i + 1, len(words)):
        later = words[j].strip("“”\"'‘’(),;:.!?").lower()
        if later in _RELATIVE_OPENERS:
            relative = True
        elif later in _CLAUSE_OPENERS or later in SPEECH_VERBS or words[j].endswith((";", ":")):
            return None  # "charged after a body was found", "killed in a crash, police said"
        elif tags[j] in pos_tagger.FINITE:
            if _participle_after_object(words, i, j, later):
                continue  # "fired tear gas at protesters gathered outside": "fired" is it
            if not relative:
                return j
            relative = False
    return None


_RELATIVE_OPENERS = word_set("who whom whose which")


def verb_after_ing_phrase(text: str, i: int) -> int | None:
    """ "A mighty nor'easter threatening to dump as much as 2 feet of snow on … was snarling air
    travel" (issue 20, round 33): a present participle right after the subject's noun (tagged
    VBG, no auxiliary or comma before it) and its infinitive describe the subject, as a past
    participle's phrase does; the tagged finite verb after that phrase is the clause's, not a
    headline's "to".  `i` is the position of "to"; returns the later verb's, or None."""
    words = text.split(" ")
    if i < 2 or not words[i - 1].endswith("ing"):
        return None  # no participle: the tagger's weights stay unread
    tags = pos_tagger.word_tags(text)
    if i >= len(tags) or tags[i - 1] != "VBG" or not tags[i - 2].startswith("NN"):
        return None
    if words[i - 2].endswith(",") or words[i - 2].strip("“”\"'‘’").lower() in AUXILIARIES:
        return None
    return finite_after_phrase(words, tags, i + 1)


# "as much as 2 feet", "as many as 85": a quantity, no clause opened by its "as".
_AS_QUANTITY = word_set("much many few little")


def finite_after_phrase(words: Sequence[str], tags: Sequence[str], start: int) -> int | None:
    """The first tagged finite verb from `start` on that is not a relative clause's, with no
    clause opener ("whether" and "if" too), verb of saying or ";"/":" before it; None when there
    is none: the verb of the clause a participle's phrase at `start` runs into."""
    relative = False
    for j in range(start, len(words)):
        later = words[j].strip("“”\"'‘’(),;:.!?").lower()
        quantity = later == "as" and (
            (j + 1 < len(words) and words[j + 1].lower() in _AS_QUANTITY)
            or (j > 0 and words[j - 1].lower() in _AS_QUANTITY)
        )
        if later in _RELATIVE_OPENERS:
            relative = True
        elif quantity:
            continue
        elif (
            later in _CLAUSE_OPENERS
            or later in _QUESTION_OPENERS
            or later in SPEECH_VERBS
            or words[j].endswith((";", ":"))
        ):
            return None
        elif j < len(tags) and tags[j] in pos_tagger.FINITE:
            if not relative:
                return j
            relative = False
    return None


_QUESTION_OPENERS = word_set("whether if")


def _participle_after_object(words: Sequence[str], i: int, j: int, later: str) -> bool:
    """The j-th word, in "-ed" before a preposition, describes a noun of the i-th word's
    object ("fired tear gas at protesters gathered outside")."""
    return (
        later.endswith("ed")
        and j + 1 < len(words)
        and words[j + 1] in _PLACE_OR_TIME
        and _takes_object(words, i)
    )


def _takes_object(words: Sequence[str], i: int) -> bool:
    """The i-th word is followed by a lower-case object ("fired tear gas"), not by "to", "by"
    or a preposition as a participle is ("believed to have been", "accused of")."""
    if i + 1 >= len(words):
        return False
    following = words[i + 1].strip("“”\"'‘’(),;:.!?")
    return following.islower() and following not in _PLACE_OR_TIME | {"to", "by", "as"}


def _tagged_adjective(text: str, i: int, word: str) -> bool:
    """An "-ed" word before its noun that the tagger reads as an adjective (JJ): "Five armed,
    masked thieves", never a verb to put in the present ("Five arms")."""
    if word in AUXILIARIES or not word.endswith("ed"):
        return False
    tags = pos_tagger.word_tags(text)
    return i < len(tags) and tags[i] == "JJ"


def _noun_modifier(text: str, i: int, word: str) -> bool:
    """Round 26: "A hot shot crew with additional firefighters … arrived": an irregular past
    that the tagger reads as a noun (NN), after an article or an adjective and before a noun,
    with a finite verb (VBD, VBZ, VBP) later, is part of the subject, not its verb.  Round 33b:
    so is one right before the tagged finite verb ("children vaccinated with the new shot were
    less likely …", not "new shoots"): two finite verbs never stand side by side."""
    if word not in IRREGULAR_LEMMA or i == 0:
        return False
    tags = pos_tagger.word_tags(text)
    if i + 1 >= len(tags) or tags[i] != "NN" or tags[i - 1] not in ("DT", "JJ"):
        return False
    finite = ("VBD", "VBZ", "VBP")
    if tags[i + 1] in finite:
        return True
    return tags[i + 1] in ("NN", "NNS") and any(t in finite for t in tags[i + 2 :])


_NOT_BEFORE_PAST = ARTICLES | POSSESSIVES | {"of", "to", "by", "and", "been", "being"}
_PLACE_OR_TIME = word_set("in at on for from into with under near during since inside outside of")
# Words that open a clause of their own: a verb after one is that clause's, not the subject's.
_CLAUSE_OPENERS = word_set(
    "and but or who whom whose which that when where while as after before because if so"
)


def reduced_relative(words: Sequence[str], i: int, word: str) -> bool:
    """ "A genetic analysis of 35 individuals interred in a tomb … offers new insights", "a man
    imprisoned for 35 years … was found guilty": a past participle and its phrase after a noun
    describe that noun when a finite verb in the present or an auxiliary follows in the same
    clause (a verb of saying belongs to an attribution: "five people killed in …, police say")."""
    if not word.endswith("ed") or i + 1 >= len(words):
        return False
    following = words[i + 2] if i + 2 < len(words) else ""
    # "Elites linked to the Russian state can be excluded": "to" before a noun phrase, not a
    # verb ("agreed to pay")
    to_noun = words[i + 1] == "to" and (following in ("the", "a", "an") or following[:1].isupper())
    if words[i + 1] not in _PLACE_OR_TIME and not to_noun:
        return False
    previous = ""
    for j in range(i + 2, len(words)):
        raw = words[j]
        later = raw.strip("“”\"'‘’(),;:.!?").lower()
        if later in _CLAUSE_OPENERS or later in SPEECH_VERBS or raw.endswith((";", ":")):
            return False
        if later in AUXILIARIES and later not in ("be", "been"):
            return True
        if to_noun:
            continue  # after "linked to …" only an auxiliary tells a participle
        if _headline_passive(words, j, later, previous):
            return True  # "a man imprisoned for 35 years … found guilty"
        previous = later
        if words[i + 1] == "for":
            continue  # "called for member states to …": only an auxiliary tells a participle
        if later.endswith("s") and (lemma_of_s(later) in VERB_LEMMAS or _known_s(later)):
            return True
    return False


def _headline_passive(words: Sequence[str], j: int, word: str, previous: str) -> bool:
    """A participle after a noun and before no "by": a headline's passive ("… found guilty")."""
    participle = (word.endswith("ed") and len(word) > 4) or word in IRREGULAR_LEMMA
    following = words[j + 1] if j + 1 < len(words) else ""
    return participle and previous not in _NOT_BEFORE_PAST and following != "by"


def _known_s(word: str) -> bool:
    """A verb of no list in "-s" ("reconsiders"): its base and its past are English words."""
    lemma = word[:-1]
    return len(word) > 5 and _known_base(lemma)


def _noun_before_past(words: Sequence[str], i: int, word: str) -> bool:
    """A plural noun that reads as a verb in "-s" right before an irregular past: "Israeli
    forces shot dead …", "Oil prices hit a record": two finite verbs never stand side by side,
    so the "-s" word is the subject (a verb of saying excepted: "he says shot …")."""
    if not word.endswith("s") or word in AUXILIARIES or word in SPEECH_VERBS:
        return False
    following = words[i + 1].strip("“”\"'‘’(),;:.!?").lower() if i + 1 < len(words) else ""
    return following in IRREGULAR_PAST and following not in AUXILIARIES


def _verb_like(words: Sequence[str], i: int, word: str, previous: str) -> bool:
    """Whether the i-th word reads as a finite verb (see `verb_index`)."""
    if word in AUXILIARIES or word in IRREGULAR_PAST:
        return True
    if i == 0:
        return False
    if word.endswith("s") and (lemma_of_s(word) in VERB_LEMMAS or _s_verb(words, i, word)):
        return True
    if _past_like(words, i, word) and previous not in _NOT_BEFORE_PAST:
        return True
    if word == "to" and i + 1 < len(words) and _is_base_verb(words[i + 1], i):
        return True
    known = word in VERB_LEMMAS or (words[i - 1].lower() not in _NOT_AFTER_S and _known_base(word))
    return known and _after_plural(words, i)


def _past_like(words: Sequence[str], i: int, word: str) -> bool:
    """A past form: "-ed" of five letters or more ("used", "need" are not), "died", "tied",
    "lied", an irregular past ("Luxon sworn in") and "crash-landed", "test-fired", a hyphenated
    past, only when the tagger reads it as one ("wind-driven", "tar-covered" describe a noun)."""
    if word.endswith("ed") and "-" not in word:
        # round 26: a short one ("used") only when the tagger reads it as a past (VBD)
        return len(word) > 4 or word.endswith("ied") or _tagged(words, i) == "VBD"
    if word.endswith("ed"):
        return _tagged(words, i) == "VBD"
    return word in IRREGULAR_LEMMA and len(word) > 4


def _prenominal(words: Sequence[str], i: int, word: str) -> bool:
    """ "Three masked men robbed", "Five armed, masked thieves": an "-ed" word after a number,
    or after another such word and its comma, before a lower-case noun, describes the noun
    ("20 killed in …" is a headline's passive: a preposition follows)."""
    if not word.endswith("ed") or i == 0 or i + 1 >= len(words):
        return False
    before = words[i - 1].lower()
    following = words[i + 1].strip("“”\"'‘’(),;:.!?")
    if not following.isalpha() or not following.islower() or following in _NOT_NOUN_AFTER:
        return False
    back = i - 1
    if before.rstrip(",").endswith("ed") and before.endswith(",") and i > 1:
        back = i - 2  # "Five armed, masked thieves"
    elif before.isalpha() and before.islower() and i > 1 and _tagged(words, i - 1) == "JJ":
        back = i - 2  # "Four female suspected migrants": an adjective between
    before = words[back].lower()
    return before.isdigit() or before in NUMBER_WORDS or before in _NUMBER_LIKE


_NUMBER_LIKE = word_set("several dozens scores many some")
_NOT_NOUN_AFTER = (
    _PLACE_OR_TIME | _CLAUSE_OPENERS | ARTICLES | word_set("by as to up out off down over amid")
)


def _tagged(words: Sequence[str], i: int) -> str:
    """The part-of-speech tag of the i-th space-separated word (the tagger loads on first use)."""
    return pos_tagger.word_tags(" ".join(words))[i]


def known_verb(word: str) -> bool:
    """A verb in its base form, listed or not ("blast": it and "blasted" are English words)."""
    return word in VERB_LEMMAS or _known_base(word.rpartition("-")[2])


def _known_base(word: str) -> bool:
    """A verb of no list in its base form ("impress"): it and its past are English words."""
    if len(word) < 4 or not word.isalpha() or word in DANGLING:
        return False
    pasts = [word + "d"] if word.endswith("e") else [word + "ed", word + word[-1] + "ed"]
    return zipf(word) >= _KNOWN_WORD and any(zipf(p) >= _KNOWN_WORD for p in pasts)


def _after_plural(words: Sequence[str], i: int) -> bool:
    """ "Scientists announce", "Shares of Nvidia plunge", "Scientists finally spot": a verb in
    the base form after a plural subject."""
    before = words[i - 1].strip(",“”\"'’").lower()
    if before in ARTICLES | POSSESSIVES | {"to", "of", "will", "would", "could", "may", "might"}:
        return False
    return plural_subject(words[:i])


def _s_verb(words: Sequence[str], i: int, word: str) -> bool:
    """A verb of no list in "-s" ("scores", "describes", "occurs"): its base form and its past
    are both English words, and the next word is no verb (in "Oil prices rise" the "-s" word is
    the subject) and no "of" ("scores of people")."""
    if i + 1 >= len(words) or len(word) < 5 or word in DANGLING:
        return False
    following = words[i + 1].strip("“”\"'‘’(),;:.!?").lower()
    if (
        following in VERB_LEMMAS | AUXILIARIES
        or following.endswith("ed")
        or following in _NOT_AFTER_S
    ):
        return False
    lemma = word[:-1] if zipf(word[:-1]) >= _KNOWN_WORD else lemma_of_s(word)
    pasts = [lemma + "d"] if lemma.endswith("e") else [lemma + "ed", lemma + lemma[-1] + "ed"]
    return zipf(lemma) >= _KNOWN_WORD and any(zipf(p) >= _KNOWN_WORD for p in pasts)


_NOT_AFTER_S = word_set("of and or")


def lemma_of_s(word: str) -> str:
    if word.endswith("ies"):
        # "dies" → "die", "ties" → "tie"; "carries" → "carry"
        return word[:-1] if word[:-1] in VERB_LEMMAS else word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    return word[:-1]


def _is_base_verb(raw: str, position: int) -> bool:
    """After the subject, "to" + a lower-case word that is no noun in "-s" reads as headline
    future ("Peru to declare"); anywhere, "to" + a known verb does."""
    word = raw.strip("“”\"'‘’(),;:.!?")
    if word.lower() in VERB_LEMMAS or word.lower() in {"be", "have"}:
        return True
    return (
        position <= 6
        and word.isalpha()
        and word.islower()
        and word not in DANGLING
        and word not in NUMBER_WORDS
        and (not word.endswith("s") or word.endswith(("ss", "us")))
    )


NUMBER_WORDS = word_set("one two three four five six seven eight nine ten hundreds thousands")
