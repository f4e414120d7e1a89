"""Finding a sentence's main clause (steps 2 and 3 of `titles`).

A trailing or middle attribution (", President X announced on Friday"), a leading "According to
X," or "Officials said that", a leading phrase without a main clause ("After two weekends of box
office domination,") and a parenthesis between the subject and its verb (", facing massive
protests,") are dropped; a pronoun left as the subject is replaced by who it stands for
("Lavrov said Friday he was optimistic" → "Lavrov is optimistic").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from newsletter.assemble import pos_tagger  # its weights load on the first tag
from newsletter.assemble.headline_grammar import (
    ARTICLES,
    POSSESSIVES,
    PRONOUNS,
    TRAILING_PUNCT,
    Lazy,
    is_adverb,
    lemma_of_s,
    third_person,
    verb_index,
    word_set,
)
from newsletter.assemble.terms import zipf
from newsletter.assemble.title_style import _DAYS, _TIME, _TITLE_WORDS

_SPEECH = (
    r"(?:said|says|say|announced|announces|told|tells|reported|reports|stated|states|confirmed|"
    r"confirms|declared|warned|wrote|added|showed|shows|according to)"
)
# ", President José Jerí announced on Friday." / ", officials said." / ", according to AP." /
# round 26: ", the institution which owns the artwork, said on Tuesday." (a comma before "said")
# The verb in lower case only: "to the United States to face charges" is no attribution.
_TRAILING_ATTRIBUTION = Lazy(
    rf",\s+(?P<who>(?:[^,]{{0,80}}?,?\s)?)(?-i:{_SPEECH})\b(?:\s(?:{_DAYS}|yesterday|today|(?:on|late|"
    rf"early|this|last|in|to|at|during|after|from|via|through|over)\b[^,]{{0,50}}))?$"
    r"|,\s+according to [^,]{1,80}$",
    re.IGNORECASE,
)
# "…has resigned, state television announced on Saturday, hours after…": who said it, inside.
_MIDDLE_ATTRIBUTION = Lazy(
    rf",\s(?P<who>(?:[\w’'.-]+\s){{1,6}}?){_SPEECH}(?:\s(?:on\s)?(?:{_DAYS}|this\s\w+|"
    r"yesterday|today))?,"
)
# Round 34: "Official results show that …", ", Reuters calculations … showed on Friday": what
# figures show is reported like what people say (a leading one only with its "that").
_SHOW = frozenset({"show", "shows", "showed"})
# "it was a tornado that caused …": a cleft's "it", no pronoun for the speaker (round 34)
_CLEFT = Lazy(r"^(?:is|was)\s(?:[\w’'-]+\s){1,6}?(?:that|who)\s")
_LEADING_ACCORDING = Lazy(r"^according to [^,]{1,100},\s*", re.IGNORECASE)
# "Officials said on Friday that ..." / "Lavrov said Friday he was ..." / "groups say ..."
_LEADING_SAID = Lazy(
    r"^(?P<who>[^,]{1,100}?)\s(?P<verb>said|says|say|told reporters|announced|confirmed|stated|"
    r"shows?|showed)"
    r"(?P<that>\sthat)?\s(?P<rest>.+)$"
)
# A sentence opening on a phrase with no main clause of its own: "After two weekends of box
# office domination, ..." / "Three days after X came ashore, ..." / "Facing protests, ...".
_LEADING_PHRASE = Lazy(
    # not a count ("At least three people died …, were missing": "at least", "over 20")
    r"^(?!(?:at\s(?:least|most)|over\s\d|up\sto|in\sall|as\s(?:many|much|few)\sas)\b)"
    r"(?:(?:\w+\s){0,4}(?:after|before|since)|as|amid|while|despite|following|when|although|"
    r"though|because|with|for|in|on|at|by|during|over|under|unlike|like|once|if|until|facing|"
    r"from|to\s[a-z]+|hours|days|weeks|months|years|\w+ing"
    # a participle or "bound" and its phrase: "Powered by nine engines,", "Outbound from …,"
    # ("On March 3, 2021," takes its year with it)
    r"|\w+(?:ed|bound)\s(?:by|from|with|in|at|on|to|for|under))\b"
    # (round 26: "At the Feb. 1, 2010 City Council meeting," too: a comma before a year;
    # round 28: "After a flash flood hit Cache Creek, B.C.," a place's abbreviated region)
    r"(?:[^,]|,(?=\d)|,(?=\s\d{4}\b)|,(?=\s(?-i:(?:[A-Z][a-z]*\.){1,3}|[A-Z]{2}),)){0,140},\s+"
    r"(?P<rest>.+)$",
    re.IGNORECASE,
)
# "Services were in disarray when a software update caused computers to crash worldwide": the
# main clause is only a state ("were in disarray", "was at a standstill"); the news is the
# event after "when"/"as"/"after" that caused it, a clause with its own subject and verb.
_STATE_THEN_EVENT = Lazy(
    r"^(?P<subject>.+?)\s(?:is|are|was|were)\s(?:in|at|under)\s(?:[\w-]+\s){1,2}?"
    r"(?:when|as|after)\s(?P<event>.+)$"
)
# Round 10b: "A major rescue operation is underway after a colliery tunnel … collapsed", "Rescue
# teams are on scene of a coal mine where a cave-in has trapped nine miners", "A tragic incident
# unfolded off the coast of San Diego, when a small boat … capsized", "Rescue workers converged
# in Mexico City after a subway overpass collapsed": a response or a scene, then the event.
_ASIDE_BEFORE_PAST = Lazy(r"^([^,]{2,80}),\s[^,]{1,80},\s(?=[a-z]+ed\b)")
_SCENE_THEN_EVENT = Lazy(
    r"^(?P<subject>[^,]+?)\s(?:(?:is|are|was|were)\s(?:underway|under\sway|on\s(?:the\s)?scene)"
    r"|unfolded|unfolds|converged|converge|converges|rushed|rush|scrambled|gathered"
    # a search is the response, the avalanche or the collapse after "after" is the news
    r"|(?:is|are|was|were)\s(?:scouring|searching|combing|racing))"
    r"(?:\s[^,]{0,80}?)?,?\s(?:when|after|where|as)\s(?P<event>.+)$"
)


# Round 26: "Smoke swirled in the frigid air Saturday afternoon as a structure fire destroyed a
# two-story single-family home on Quarry Road": a scene with no one in it (a subject with no
# name and no number, a verb with no object, only where), then the event with a name.
_UNNAMED_SCENE = Lazy(
    r"^(?P<subject>[^,]+?)\s(?P<verb>[a-z]+)\s(?:in|on|at|over|across|through|into|around)\s"
    r"[^,]{0,80}?,?\s(?:as|when)\s(?P<event>.+)$"
)


def _unnamed_scene(sentence: str) -> re.Match[str] | None:
    """`_UNNAMED_SCENE`'s match when its subject names no one and holds no number, its verb is
    the sentence's main verb, and the event after "as" or "when" names someone or somewhere
    (a proper noun to the tagger); None otherwise."""
    m = _UNNAMED_SCENE.match(sentence)
    if m is None or any(c.isdigit() for c in m["subject"]):
        return None
    if any(w[:1].isupper() for w in m["subject"].split()[1:]):
        return None
    if verb_index(sentence) != len(m["subject"].split()):
        return None
    return m if "NNP" in pos_tagger.word_tags(m["event"])[1:] else None


def _event_over_state(sentence: str) -> str:
    """The event a state was caused by, when the main clause is only that state, or a scene
    with no one in it (`_unnamed_scene`); a result after how it was won
    (`_result_over_manner`)."""
    m = (
        _STATE_THEN_EVENT.match(sentence)
        or _SCENE_THEN_EVENT.match(sentence)
        or _unnamed_scene(sentence)
    )
    if m is None or _has_own_verb(m["subject"]):  # "Rescuers backed by dogs" has none
        return _result_over_manner(sentence)
    event = m["event"]
    if verb_index(event.split(",", 1)[0]) is None:
        event = _ASIDE_BEFORE_PAST.sub(r"\1 ", event)  # "a small boat, suspected …, capsized"
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
    while (
        (leading := _LEADING_PHRASE.match(sentence))
        and _a_clause(leading["rest"])
        and not _holds_a_clause(sentence[: leading.start("rest")])
    ):
        rest_opens = leading["rest"].split(" ", 1)[0].lower()
        if not _opens_on_subject(leading["rest"]) and rest_opens not in _PHRASE_OPENERS:
            # "At about half past one on Tuesday morning the container ship Dali, outbound
            # from the Port of Baltimore, lost power": the subject ends the leading phrase
            sentence = _subject_from_phrase(sentence, leading.start("rest")) or sentence
            break
        sentence = leading["rest"]
    sentence = _leading_said(sentence)
    sentence = _without_parenthesis(sentence)
    first = sentence.split(" ", 1)
    if first[0].lower() in PRONOUNS and len(first) > 1 and _is_name(speaker):
        sentence = _resolve(speaker, first[0].lower(), first[1])
    return sentence


# Auxiliaries that make a phrase a clause: "By Saturday 321 vessels were waiting …,".
_PHRASE_AUXILIARIES = word_set("is are was were has have had will would")
# Words after which an auxiliary belongs to a clause inside the phrase ("After the dam was").
_INNER_OPENERS = word_set(
    """after before since as when while because although though if until once where which
    who whose that despite following"""
)


def _holds_a_clause(phrase: str) -> bool:
    """Round 32: whether a leading "phrase" opened by a preposition is the main clause itself:
    an auxiliary in it before any subordinator ("By Saturday 321 vessels were waiting to enter
    … the blocked canal, among them dozens of container ships"); "After the dam was breached,"
    is a phrase (its clause opened by "after")."""
    for word in phrase.lower().split()[1:]:
        word = word.strip(",;:“”\"'‘’()")
        if word in _INNER_OPENERS:
            return False
        if word in _PHRASE_AUXILIARIES:
            return phrase.split(" ", 1)[0].lower() not in _INNER_OPENERS
    return False


def _opens_on_subject(text: str) -> bool:
    """The text opens on a subject: a name, a number, an article, a possessive, a pronoun, or a
    plain noun ("officials"), not an adjective or a participle that describes one ("outbound
    from …", "buried under …")."""
    first = text.split(" ", 1)[0].strip("“”\"'‘’(")
    low = first.lower()
    if not first or first[:1].isupper() or first[:1].isdigit():
        return True
    if low in ARTICLES | POSSESSIVES | PRONOUNS | _QUANTIFIERS:
        return True
    if verb_index(text) == 1 and low.endswith("s") and not low.endswith("ss"):
        return True  # round 23: "reports indicate that …": a plural noun and its verb
    if verb_index(f"It {text}") == 1:
        return False  # "lost power and struck a pier": the verb, its subject left behind
    return not (low.endswith(("ed", "bound", "ing", "ful", "ous", "ive", "able")) or is_adverb(low))


# What opens a second leading phrase ("Following a storm …, during which …, crews are …").
_PHRASE_OPENERS = word_set(
    """
    after before since as amid while despite following when although though because with for
    in on at during over under unlike like once if until from
    """
)
_QUANTIFIERS = word_set("some many most several all both few no each every")
# Prepositions that govern the noun phrase after them inside a leading phrase.
_GOVERNING = word_set("at on in of from for to by with after before during near over under")


def _subject_from_phrase(sentence: str, rest_at: int) -> str | None:
    """The sentence from the subject that closes its leading phrase: the last article,
    possessive or name of the phrase that no preposition governs ("… on Tuesday morning | the
    container ship Dali, outbound …, lost power"), with what follows; None when there is none."""
    phrase = sentence[:rest_at].rstrip(", ").split(" ")
    for i in range(len(phrase) - 1, 0, -1):
        word, before = phrase[i], phrase[i - 1].lower().strip(",")
        opens = word.lower() in ARTICLES | POSSESSIVES or word[:1].isupper()
        if opens and before not in _GOVERNING and before not in ARTICLES | POSSESSIVES:
            if before[:1].isupper() and word[:1].isupper():
                continue  # inside a name
            return " ".join(phrase[i:]) + ", " + sentence[rest_at:]
    return None


def _a_clause(text: str) -> bool:
    """More than two words with a verb: what a leading phrase may give way to."""
    return verb_index(text) is not None and len(text.split()) > 2


def _leading_said(sentence: str) -> str:
    """Drop "Officials said that"; "Lavrov said Friday he was" becomes "Lavrov is"."""
    m = _LEADING_SAID.match(_TIME.sub("", sentence))
    if m is None:
        return sentence
    who, rest = m["who"].strip(), m["rest"].strip()
    pronoun, _, after = rest.partition(" ")
    if _no_report(m, pronoun, after):
        return sentence
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


def _no_report(m: re.Match[str], pronoun: str, after: str) -> bool:
    """Whether the leading "X said …" of `m` reports nothing to put first: the speaker has a
    verb of its own, "shows" has no "that" ("Video … shows a section of …": its object), a
    possessive opens the verb's object, or "it" opens a cleft sentence."""
    if _has_own_verb(m["who"]) or (m["verb"] in _SHOW and not m["that"]):
        return True
    if pronoun.lower() in POSSESSIVES and not _finite_in(after):
        # "Evo Morales announced his resignation as president": "his resignation" is what he
        # announced, the verb's object, not the subject of a reported clause ("Lavrov said
        # his country was ready"); made "Evo Morales’ resignation …", it had no verb left
        return True
    # round 34: "confirmed it was a tornado that caused the damage": "it" stands for no one
    # (a cleft sentence), never "National Weather Service is a tornado"
    return pronoun == "it" and _CLEFT.match(after) is not None


def _finite_in(text: str) -> bool:
    """A finite verb in `text`, not a headline's "to" + verb ("its decision to close")."""
    index = verb_index(text)
    return index is not None and text.split(" ")[index].lower() != "to"


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
    offices = _without_offices(sentence)
    if offices is not None:
        return offices
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
    if " " not in m["subject"].strip() and aside[0] in _HONORIFICS:
        return f"{m['aside']} {m['rest']}"  # "Peter, Lord Hendy of Richmond Hill, has been"
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


# A title of rank before a name: "Peter, Lord Hendy" is Lord Hendy, not Peter.
_HONORIFICS = frozenset(
    {"Lord", "Lady", "Sir", "Dame", "Baroness", "Baron", "Earl", "Viscount", "Duke", "Duchess"}
)
_PARTICIPIAL_ASIDE = Lazy(
    r"\w+ing\b|who\b|which\b|[a-z][\w-]*\sby\b|along with\b|together with\b|as well as\b"
)


# Round 20: a release's subject is a name and its offices, often several of each, before the
# verb ("the Honourable Jonathan Wilkinson, Minister of Energy and Natural Resources and the
# Honourable Mike Moyes, Manitoba Environment and Climate Change Minister, announced …").
_OFFICES = Lazy(
    r"^(?:(?:Today|Yesterday),\s)?(?:(?:[Tt]he\s)?(?:Right\s)?(?:Honourable|Hon\.)\s)?"
    r"(?P<name>(?:[A-Z][\w.'’-]*\s){0,4}[A-Z][\w.'’-]*),(?P<offices>\s.{3,600}?),?\s"
    r"(?P<verb>announced|unveiled|launched|released|issued|highlighted|celebrated|welcomed|"
    r"awarded|introduced|tabled|signed|presented|delivered|marked|joined)\s(?P<rest>.+)$"
)
# The lower-case words of a run of offices: "Minister of Justice and Attorney General of Canada",
# "Member of Parliament for Winnipeg South, on behalf of the Honourable …", "who is
# responsible for the Department for Women and Gender Equality".
_OFFICE_WORDS = word_set(
    "of and the for to on behalf in at with along as well who is responsible de du la"
)


def _without_offices(sentence: str) -> str | None:
    """ "The Honourable Gary Anandasangaree, Minister of Justice and Attorney General of Canada
    and Minister of Crown-Indigenous Relations and Northern Affairs announced the establishment
    …" → "Gary Anandasangaree announced the establishment …": a name, then offices only
    (capitalised words, commas and the words of `_OFFICE_WORDS`, maybe more names and offices)
    up to a verb of announcing, is the name; None when the sentence does not open so."""
    m = _OFFICES.match(sentence)
    if m is None:
        return None
    words = m["offices"].replace(",", " ").replace(";", " ").split()
    if not all(w[:1].isupper() or w.lower() in _OFFICE_WORDS for w in words):
        return None
    return f"{m['name']} {m['verb']} {m['rest']}"


# Round 22: "Coco Gauff reeled off four straight games to beat Jessica Pegula 6-4, 7-5 and win
# the Wuhan Open", "Tiger Woods easily fended off his challengers to capture the PGA Tour
# Championship": how it was won, then the result in a purpose "to"; the result is the news.
_RESULTS = {
    "win": "won",
    "capture": "captured",
    "beat": "beat",
    "defeat": "defeated",
    "claim": "claimed",
    "clinch": "clinched",
    "seal": "sealed",
    "retain": "retained",
    "lift": "lifted",
}
_RESULT_AFTER_MANNER = Lazy(
    r"\sto\s(?P<result>win|capture|beat|defeat|claim|clinch|seal|retain|lift)\s(?P<rest>.+)$"
)
_MANNER_WORDS = 12
# Words after which the result may be someone else's ("netted a brace as Southampton came from
# behind to win", "scored twice to help Manchester City … beat"), or the verb is a copula
# ("becomes first Ethiopian to win": the first is the news).
_OTHER_AGENT = word_set(
    "as when while after and but to help helped helps become becomes became is was are were"
)


def _result_over_manner(sentence: str) -> str:
    """ "Madison Keys overcame late leads by Svetlana Kuznetsova in both sets to defeat the
    Russian for the Cincinnati Masters title" → "Madison Keys defeated the Russian for the
    Cincinnati Masters title": a named subject, a main verb that is no result ("overcame",
    "reeled off", "fended off") and what it did, without a comma and not opening on a name, then
    "to" and a result verb.  The sentence as it is otherwise: a result verb already main ("won
    the British Open to claim …"), an opponent named after the verb ("stuns Bayern Munich to
    win": the upset is the news too)."""
    words = sentence.split(" ")
    verb = verb_index(sentence)
    if not verb:
        return sentence
    m = _RESULT_AFTER_MANNER.search(" ".join(words[verb:]))
    if m is None:
        return sentence
    subject = [w for w in words[:verb] if not is_adverb(w)]
    manner = " ".join(words[verb:])[: m.start()].split(" ")
    if not _is_name(" ".join(subject)) or len(manner) > _MANNER_WORDS:
        return sentence
    low = manner[0].lower()
    if low in _RESULTS or low in _RESULTS.values() or lemma_of_s(low) in _RESULTS:
        return sentence
    if any("," in w or w.lower() in _OTHER_AGENT for w in manner) or (
        len(manner) > 1 and manner[1][:1].isupper()
    ):
        return sentence
    # The result in the present: a name's number is not read from its last word ("Madison
    # Keys", "Tiger Woods" are one player); "and" or a one-word plural ("Lakers") are plural.
    plural = "and" in subject or (len(subject) == 1 and subject[0].endswith("s"))
    form = (lambda verb: verb) if plural else third_person
    return " ".join([*subject, form(m["result"]), _and_verb(m["rest"], form)])


def _and_verb(rest: str, form: Callable[[str], str]) -> str:
    """The result's predicate with a second verb after "and" in the same form ("captures the
    PGA Tour Championship … and collects US$11.2 million"), read by the part-of-speech tagger
    (a base verb, VB, right after "and")."""
    words = rest.split(" ")
    tags = pos_tagger.word_tags(rest)
    for i in range(len(words) - 1):
        if words[i] == "and" and (tags[i + 1] == "VB" or words[i + 1] in _RESULTS):
            words[i + 1] = form(words[i + 1])
            break
    return " ".join(words)
