"""Cutting a headline to length at a phrase boundary that keeps its verb (step 5 of
`titles`).

The main clause in headline style is cut at the last boundary that fits: before a subordinate
clause, at a comma, before a second predicate or a preposition, before "of", at a word; never
inside a quotation and never leaving an article, preposition, conjunction, adjective, an open
verb or a noun without its complement at the end.  `_Cuts` says which boundaries a title may end
at (strict: keeping every object and complement), `_shorten` makes the cut.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsletter.assemble import pos_tagger  # its weights load on the first tag
from newsletter.assemble.headline_grammar import (
    ARTICLES,
    AUXILIARIES,
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
    ing_base,
    is_adverb,
    known_verb,
    lemma_of_s,
    verb_index,
    word_set,
)
from newsletter.assemble.terms import concept_pairs, is_place

# Verbs whose "that" a headline drops ("rules that" → "rules").
_REPORTING = word_set(
    """
    say said rule ruled announce announced warn warned claim claimed find found show showed
    report reported decide decided argue argued insist insisted confirm confirmed reveal
    revealed suggest suggested believe believed think thought admit admitted deny denied
    tell tells told
    """
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


def _shorten(sentence: str, max_chars: int) -> tuple[str, bool]:
    """Cut at the best phrase boundary that fits and keeps the verb: before a subordinate
    clause or at a comma, else before a preposition, else before "of", else at a word.  A cut
    that keeps every complement is preferred; failing one, the cut is as before.  True with
    the text when that cut removed only a whole part (`_phrase_cuts`)."""
    for strict in (True, False):
        cut = _best_cut(_Cuts(sentence, max_chars, strict), sentence, max_chars)
        if cut is not None:
            # "has resigned, hours | after …": the measure belongs to the clause cut off.
            kept = _without_measure(TRAILING_PUNCT.sub("", sentence[:cut]))
            return kept, strict and cut in _phrase_cuts(sentence)
    cut = sentence.rfind(" ", 0, max_chars + 1)
    return _tidy(sentence[: cut if cut > 0 else max_chars]), False


def _without_measure(kept: str) -> str:
    """The kept words without a trailing measure that belongs to the clause cut off ("has
    resigned, hours | after …"); a measure a verb needs stays ("sentenced to seven years")."""
    shorter = _TRAILING_MEASURE.sub("", kept)
    if re.search(r"\s(?:to|for|of|by)$", shorter):
        return _tidy(kept)
    return _tidy(shorter)


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
        if self._subject_cut_from_verb(kept, rest):
            return False
        if self._splits_amount(kept) or _inside_name(kept, rest):
            return False
        if not self.strict:
            return True
        if _VERB_AFTER_ASIDE.match(rest):
            return False  # "nine others, including two children, | were missing": its verb
        if _LIST_GOES_ON.match(rest):
            return False  # "remains of a man, | a woman, and 50 mummified birds": one list
        if _SECOND_CLAUSE.search(kept, self.after_verb):
            return False  # one main verb: "… reports higher profit, | but its shares dropped"
        event_kept = _EVENT_CLAUSE.search(kept, self.after_verb) is not None
        if self._casualties_only(kept) and _EVENT_CLAUSE.match(rest) and not event_kept:
            return False  # "Ten people suffer minor injuries | when a bridge collapsed": the event
        # Right after the main verb only where a clause ends ("Spain wins, …"), never between
        # the verb and its object ("Kim gave | his commitment").
        at_verb = c == self.after_verb and self.verb is not None
        if at_verb and rest.lstrip()[:1] not in (",", ";", ""):
            return False
        return not (
            cuts_complement(kept, rest) or _cuts_object(kept, rest) or self._mute_report(kept)
        )

    def latest_keeping_object(self, fitting: list[int]) -> list[int]:
        """`fitting` up to its latest cut that keeps the main verb's object phrase whole
        (strict only; `_inside_object`).  Read from the latest down, so the tagger reads the
        sentence only when a cut that would be chosen is in doubt."""
        if not self.strict:
            return fitting
        for c in sorted(fitting, reverse=True):
            if not self._inside_object(self.sentence[:c], self.sentence[c:]):
                return [x for x in fitting if x <= c]
        return []

    def object_end(self, kept: str) -> int | None:
        """Where the main verb's object phrase ends in the sentence (a character index) when
        `kept`, a prefix of it, ends inside that phrase; None when it does not."""
        if self.verb is None or not self._inside_object(kept, self.sentence[len(kept) :]):
            return None
        words = self.sentence.split(" ")
        verb = self.verb + 1 if words[self.verb].lower() == "to" else self.verb
        end = _object_end(words, pos_tagger.word_tags(self.sentence), verb)
        return len(" ".join(words[:end]))

    def _inside_object(self, kept: str, rest: str) -> bool:
        """Round 16: a cut between the main verb and the end of its object phrase ("votes to
        approve | funding for the stadium", "grants approval | to a $1.2 billion plan to build a
        stadium"): the object noun phrase, read by the part-of-speech tagger, with its "of",
        "for", "to" and short "that" complements (`_object_end`)."""
        if self.verb is None:
            return False
        verb = self.verb + 1 if self.sentence.split(" ")[self.verb].lower() == "to" else self.verb
        at = len(kept.rstrip().split(" "))
        following = rest.split(" ", 2)[1:2] if rest.startswith(" ") else []
        opens_complement = bool(following) and following[0].lower() in (
            _COMPLEMENTS | _FIRST_COMPLEMENTS
        )
        words = kept.split(" ")
        after_verb_chain = at == verb + 1 or (len(words) > 1 and words[-2].lower() == "to")
        bare = (
            bool(following)
            and not kept.rstrip().endswith((",", ";", ":"))
            and not any(
                pattern.match(f" {following[0]} ") for pattern in (_PREPOSITION, _SUBORDINATE)
            )
        )
        if at <= verb or not (opens_complement or after_verb_chain or bare):
            # tagged only where a complement opens, the verb ends the words kept or the next
            # word may go on the phrase: the sample's cold build reads no weights (its cut
            # "… on Chile border | as …" is none of these)
            return False
        tags = pos_tagger.word_tags(self.sentence)
        if tags[verb] in ("NN", "NNP"):
            return False  # "… extremist group | mark …": the verb found is not the tagger's
        end = _object_end(self.sentence.split(" "), tags, verb)
        if following and following[0].lower() in _FIRST_COMPLEMENTS:
            # round 22: the object's own complement is kept only when it fits ("issues
            # permanent injunction | against Miami tax return preparer Richard Louis," does not:
            # the cut before "against" stands rather than one inside the object)
            kept_whole = len(" ".join(self.sentence.split(" ")[:end]))
            return at < end and kept_whole <= max(self.max_chars, COMPLEMENT_CHARS)
        return at < end

    def _casualties_only(self, kept: str) -> bool:
        """The main verb, or one of the two words after it, tells what happened to people
        ("were killed", "remain missing", "suffered minor injuries"), not "missing man"."""
        if self.verb is None:
            return False
        near = " ".join(kept.split(" ")[self.verb : self.verb + 3])
        return _CASUALTIES.search(near) is not None

    def _clause_without_verb(self, kept: str) -> bool:
        """ "… effective because airline |": a subordinate clause opened after the main verb
        and cut before its own verb."""
        opened = [m for m in _CONJUNCTION.finditer(kept) if m.start() >= self.after_verb]
        if not opened:
            return False
        clause = kept[opened[-1].end() :]
        return verb_index(f"{opened[-1].group().strip()} {clause}") is None

    def _subject_cut_from_verb(self, kept: str, rest: str) -> bool:
        """ "… after a boat believed to be carrying migrants | attempting to enter the US
        capsized off the Florida Keys": a clause opened by "after", "before" or "since" whose
        subject is kept and whose verb is cut off (before the next comma or subordinator)."""
        opened = [m for m in _TIME_CLAUSE.finditer(kept) if m.start() >= self.after_verb]
        if not opened or _finite_verb(kept[opened[-1].end() :]):
            return False
        segment = re.split(r"[,;:—–]|\s(?:and|but|as|when|while|which|who)\s", rest, maxsplit=1)[0]
        return verb_index(f"It {segment.strip()}") is not None

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
        tags = pos_tagger.word_tags(self.sentence)
        return tags[at] == "CD" and tags[at + 1] in _COUNTED

    def _mute_report(self, kept: str) -> bool:
        """ "Trump says North Korean leader Kim Jong Un |": what was said lost its verb.

        Not `title_check._mute_report`, which reads a finished title: that one knows only
        say/says/said, stops at a relative clause and takes a quotation as what was said; this
        one guards a cut after any reporting verb ("announces he intends |").  Swapped in, it
        changed 8 of 300 real leads' titles or candidates (tests/data/titles, labelled)."""
        if self.verb is None:
            return False
        words = kept.split()
        said = words[self.verb].lower() if self.verb < len(words) else ""
        if lemma_of_s(said) not in _REPORTING and said not in _REPORTING:
            return False
        reported = " ".join(words[self.verb + 1 :])
        return bool(reported) and verb_index(reported) is None


# What a noun phrase is made of, as the tagger reads it ("the new $2.2 billion stadium").
_NOUN_PHRASE = frozenset(
    {"DT", "PDT", "PRP$", "JJ", "JJR", "JJS", "NN", "NNS", "NNP", "NNPS", "CD", "POS", "HYPH"}
)
_COMPLEMENTS = word_set("of for to that")
# Round 22: the object's own complement, right after it ("unseals charges | against a Russian
# national", "issues permanent injunction | against …", "takes meaningful action | on …",
# "reaches agreement | with …"), read as part of the object phrase; only the first.
_FIRST_COMPLEMENTS = word_set("against with on from over into")
# The longest object phrase with such a complement that a cut is kept out of: the title limit.
COMPLEMENT_CHARS = 120
_THAT_WORDS = 8  # a "that" clause this short is the noun's complement; a longer one may go


def _noun_phrase_end(words: Sequence[str], tags: Sequence[str], start: int) -> int:
    """The index after the noun phrase that opens at `start` (`start` when none does); a
    word ending in a comma ends it."""
    at = start
    if at < len(words) and words[at].lower() == "that":
        return start  # "a deal | that calls for …": a clause, not a determiner
    while at < len(words) and tags[at] in _NOUN_PHRASE:
        at += 1
        if words[at - 1].endswith((",", ";", ":")):
            break
    return at


def _to_verb(words: Sequence[str], tags: Sequence[str], at: int) -> bool:
    """ "to" and a verb the tagger and the verb list agree on ("to build", not "to five")."""
    return (
        words[at].lower() == "to"
        and tags[at + 1] == "VB"
        and words[at + 1].lower().strip(",;:") in VERB_LEMMAS
    )


def _short_clause_end(words: Sequence[str], before: int) -> int:
    """The index after the clause that opens after `before` (at the next comma or the end)
    when it is at most `_THAT_WORDS` words, else `before`: a long one may be cut off."""
    start = before + 1
    ends = (i + 1 for i in range(start, len(words)) if words[i].endswith(","))
    stop = next(ends, len(words))
    return stop if stop - start <= _THAT_WORDS else before


def _object_end(words: Sequence[str], tags: Sequence[str], verb: int) -> int:
    """The index after the main verb's object phrase: its infinitives ("votes to approve"),
    the noun phrase after it and that phrase's "of", "for" and "to" complements and a "that"
    clause of at most `_THAT_WORDS` words ("a plan to build a stadium", "a bill that bans
    …").  `verb + 1` when no noun phrase follows the verb (nothing of it to keep)."""
    at = verb + 1
    while at + 1 < len(words) and _to_verb(words, tags, at):
        at += 2  # "votes to approve", "to be"
    end = _noun_phrase_end(words, tags, at)
    if end == at:
        return verb + 1
    said = words[verb].lower()
    reporting = said in _REPORTING or lemma_of_s(said) in _REPORTING
    if end < len(words) and reporting and tags[end] in pos_tagger.FINITE:
        # "finds coffee-drinkers | are less likely …": after a verb of saying, the noun phrase
        # is the subject of a reported clause, never cut from its verb however long the
        # clause ("passes bill called the … Act" is no report: "called" describes the bill)
        return next((i + 1 for i in range(end, len(words)) if words[i].endswith(",")), len(words))
    first = True
    while end < len(words) and not words[end - 1].endswith((",", ";", ":")):
        word = words[end].lower()
        if word not in _COMPLEMENTS and not (first and word in _FIRST_COMPLEMENTS):
            break
        first = False
        start = end + 1
        if word == "that":
            return _short_clause_end(words, end)
        if word == "to" and start < len(words) and _to_verb(words, tags, end):
            start += 1
        following = _noun_phrase_end(words, tags, start)
        if following == start:
            break
        end = following
    return end


def _finite_verb(clause: str) -> bool:
    """A finite verb in a clause inside a sentence: a headline's "to" ("Efforts to remove oil")
    is no verb there."""
    index = verb_index(clause)
    return index is not None and clause.split(" ")[index].lower() != "to"


_COUNTED = frozenset({"CD", "NN", "NNS", "JJ"})  # "$618 million", "6,000 people", "20-year-old"
_LINKING = word_set("and or remain remains remained become becomes became seem seems stay stays")
_SECOND_CLAUSE = Lazy(r",\s(?:but|yet)\s|;\s")
# A list of nouns, not a clause in "-ing" (", killing 13 and injuring dozens" is a whole part).
_LIST_GOES_ON = Lazy(
    r"^,\s(?:(?:a|an|the)\s)?(?![\w'’-]+ing\b)(?:[\w'’-]+(?:\s[\w'’-]+){0,2},\s){0,3}"
    r"[\w'’-]+(?:\s[\w'’-]+){0,2},?\s(?:and|or)\s"
)
# A clause that tells only what happened to people ("Dozens were killed", "Close to 80 people
# remain missing", "Ten people suffered minor injuries") needs the event after it ("when a
# crowded ferry capsized", "following the disappearance of a ferry"): cut there, the news is lost.
_CASUALTIES = Lazy(
    r"\b(?:killed|dead|died|dies|die|injured|injur(?:y|ies)|hurt|missing|wounded|"
    r"hospitali[sz]ed|evacuated|stranded|homeless|displaced)\b",
    re.IGNORECASE,
)
_VERB_AFTER_ASIDE = Lazy(r"^,\s(?:[^,]{1,60},\s)?(?:is|are|was|were|has|have|had|will|would)\s")
# "that" too: "BP's statement that active cleanup efforts to remove oil | along the Gulf Coast
# shorelines have ended" cuts the reported clause from its verb.
_TIME_CLAUSE = Lazy(r"\s(?:after|before|since|that)\s", re.IGNORECASE)
_EVENT_CLAUSE = Lazy(r",?\s(?:when|after|following|as)\s", re.IGNORECASE)
_DETERMINERS = word_set("a an the his her its their our my your this these")


def _inside_name(kept: str, rest: str) -> bool:
    """ "stranded at Brussels | Airport": a cut between two capitalised words parts a name."""
    last = kept.rstrip().rsplit(" ", 1)[-1]
    following = rest.split()[:1]
    return (
        bool(following)
        and last[:1].isupper()
        and last[-1:].isalnum()
        and following[0][:1].isupper()
        and kept.rstrip().count(" ") > 0
    )


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
    # A clause with a pronoun subject and no "that": "digging for a forgotten pharaoh | they
    # believe to be buried …".
    cuts += [m.start() for m in _CONTACT_CLAUSE.finditer(sentence)]
    cuts += [
        m.start()
        for m in re.finditer(r",(?!\d)|[;:—–]|\s--?\s", sentence)  # not "1,700"
        if not _in_apposition(sentence, m.start())
    ]
    # A second predicate: "close Silicon Valley Bank | and hand it to the FDIC".
    cuts += [m.start() for m in _COORDINATED_PREDICATE.finditer(sentence)]
    return cuts + _second_clauses(sentence)


_CONTACT_CLAUSE = Lazy(r"(?<=[a-z])\s(?=(?:they|he|she|we)\s[a-z]+)")
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
# Round 32: a perfect after "and" is one too ("ran aground | and has blocked the waterway").
_COORDINATED_PREDICATE = Lazy(
    r"\sand\s(?=[a-z][\w'’-]*\s(?:it|them|him|us|the|its|their|his)\s"
    r"|(?:has|have|had)\s(?:[a-z]+ly\s)?[a-z]+(?:ed|en|wn)\s)"
)


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
    words = cuts.latest_keeping_object(words)
    for candidates in (
        clause_cuts,
        [m.start() for m in _PREPOSITION.finditer(sentence) if not _joins_names(sentence, m)],
        [m.start() for m in _OF.finditer(sentence)],
        [m.start() for m in re.finditer(r"\s", sentence)],
    ):
        fitting = cuts.latest_keeping_object(cuts.usable(candidates))
        if fitting and (max(fitting) >= max_chars // 3 or candidates is not clause_cuts):
            cut = max(fitting)
            if cut < max_chars // 2 and words and max(words) > 1.5 * cut:
                cut = max(words)  # a phrase boundary that keeps too little: a word boundary
            return cut
    return None


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
    if nxt in _VERB_PREPOSITIONS and _verb_before(words):
        return True  # "burst | into flames", "are fervently digging | for a pharaoh"
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
    if _needs_what_follows(last, nxt, words):
        return True
    if nxt == "of" and last.endswith(_NOMINAL_ENDINGS) and len(last) > 6:
        return True
    if last in ("insight", "insights") and nxt == "into":
        return True
    return nxt == "to" and len(words) > 1 and words[-2].lower() in ("first", "last", "only")


# Prepositions that, right after a verb, open what the verb needs rather than where or when
# ("burst | into flames", "recover | from the damage", "digging | for a pharaoh", "crying foul |
# at BP's statement"); "in", "on", "after" open where and when ("killed | in the Philippines").
_VERB_PREPOSITIONS = word_set("into onto from for at with about against toward towards")
# A verb and the bare noun that makes one predicate with it, which needs its preposition too.
_LIGHT_VERB_IDIOMS = word_set("foul aim fire tribute homage issue claim way")


def _verb_before(words: Sequence[str]) -> bool:
    """The kept words end on a verb (or a verb and the noun of an idiom: "crying foul"): an
    "-ing" after an auxiliary or an adverb ("are fervently digging"), a known verb after "to", an
    auxiliary or an adverb, or any bare word coordinated after "and" ("restore and recover",
    "made an emergency landing and burst").  A noun before the preposition is no verb, even
    one spelt like a verb ("million | in punitive damages", "works | from the likes of")."""
    plain = [w.lower().strip("”\"'’") for w in words]
    idiom = len(plain) > 2 and plain[-1] in _LIGHT_VERB_IDIOMS
    if idiom:
        plain = plain[:-1]
    if len(plain) < 2:
        return False
    last, before = plain[-1], plain[-2]
    if not last.isalpha():
        return False
    if idiom and not last.endswith("ing"):  # "Gunman opens fire | at a mall": any verb form
        lemma = base_form(last) or (lemma_of_s(last) if last.endswith("s") else last)
        return lemma is not None and known_verb(lemma)
    if before == "and":
        return last.islower() and not last.endswith("ing")
    if before not in AUXILIARIES and before != "to" and not is_adverb(before):
        return False
    if last.endswith("ing"):
        return ing_base(last) is not None
    lemma = base_form(last) or (lemma_of_s(last) if last.endswith("s") else last)
    return lemma is not None and known_verb(lemma)


def _needs_what_follows(last: str, nxt: str, words: Sequence[str]) -> bool:
    """Round 10's complements: "BP's statement this week | that cleanup efforts have ended", "a
    jury awards $27.6 million | to Sprint", "for his role | in a fraud", "close | to Puri", "in
    a deal | valued at $66 billion"."""
    if nxt == "that" and any(w.lower() in _NEEDS_CONTENT | _NEEDS_COMPLEMENT for w in words[-4:]):
        return True
    if nxt == "to" and _given(words):
        return True
    if nxt in ("with", "who") and len(words) > 1 and words[-2].lower() in _RESTRICTING:
        return True  # "for certain patients | with an aggressive form of leukemia"
    return (last, nxt) in _PAIRED or nxt in _MEASURED


def _given(words: Sequence[str]) -> bool:
    """A verb of giving, the main one or among the last five words: its "to" names who gets
    it ("sentences the former chief executive of ArthroCare | to 20 years")."""
    verb = verb_index(" ".join(words))
    main = [words[verb]] if verb is not None and verb < len(words) else []
    for word in [*main, *words[-5:]]:
        low = word.lower()
        lemma = base_form(low) or (lemma_of_s(low) if low.endswith("s") else low)
        if lemma in _GIVING:
            return True
    return False


_GIVING = word_set(
    "award grant give hand sell send pay return transfer donate lend deliver sentence condemn"
)
# A word and the preposition it needs: "his role | in a fraud", "close | to Puri".
_PAIRED = frozenset(
    {("role", "in"), ("part", "in"), ("involvement", "in"), ("close", "to"), ("next", "to")}
    | {("due", "to"), ("prior", "to"), ("according", "to"), ("able", "to"), ("set", "to")}
    | {("concerns", "about"), ("concern", "about"), ("fears", "about"), ("fears", "of")}
    | {("questions", "about"), ("questions", "over")}
)
# Words that say a noun is narrowed by what follows it ("certain patients | with …").
_RESTRICTING = word_set("certain some those particular")
# A participle that says how much a noun is: "a deal | valued at $66 billion".
_MEASURED = word_set("valued worth priced estimated totalling totaling")
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
