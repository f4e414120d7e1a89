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
   parenthesis between the subject and its verb (", facing massive protests,") are dropped;
3. a pronoun left as the subject is replaced by who it stands for ("Lavrov said Friday he
   was optimistic" → "Lavrov is optimistic");
4. headline style: days of the week and "yesterday" go, "is preparing to"/"will" become "to",
   a passive "were killed" becomes "killed", articles go;
5. when still too long: a long title + name subject becomes the surname, then the title is cut
   at the last phrase boundary that keeps the verb (before a subordinate clause, a comma, a
   preposition), never inside a quotation and never leaving an article, preposition,
   conjunction or adjective at the end.

`title_problems` states the rules a derived title must pass; the tests and the labelled set in
tests/data/titles/ hold the function to them.  Everything is regular expressions and small word
lists: no model, nothing fetched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property


class _Lazy:
    """A regular expression compiled on first use: importing this module must cost nothing."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, self.flags)

    def __getattr__(self, name: str):
        return getattr(self.compiled, name)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = _words(
    """
    mr mrs ms dr prof gen lt col sgt capt cmdr adm gov sen rep st jr sr inc corp co ltd no
    vs etc jan feb mar apr jun jul aug sep sept oct nov dec mt ft ave
    """
)
PRONOUNS = _words("he she they it we i you his her its their this these those")
_DEMONSTRATIVES = _words("this these those")
_POSSESSIVE = _words("his her its their")
ARTICLES = _words("a an the")
# Words a headline never ends on.
DANGLING = _words(
    """
    a an the and or but nor so yet of to in on at for with by from into onto over under about
    after before as than that which who whom whose while when where because since if its their
    his her our my your this these those some any each every such both either neither no not
    very most less least also up down off out per via amid among against between toward
    towards despite during without within upon across along around near like including is are
    was were be been being has have had will would can could may might must shall should do does
    did new former top key major big small first last next other own high low long late early
    local global foreign nuclear huge large great several many few much least
    """
)
# Nouns with an adjective's ending: a title may end on these.
_NOUNS_LIKE_ADJECTIVES = _words(
    """
    official officials proposal proposals trial trials deal deals rival rivals capital hospital
    festival animal animals total general arrival approval refusal survival signal journal
    criminal criminals individual individuals chemical chemicals republic traffic music clinic
    epidemic pandemic panic topic critic critics mechanic plastic magic relative relatives
    executive executives detective objective initiative motive explosive explosives
    representative alternative archive incentive native natives operative collective secretary
    library salary boundary anniversary summary dictionary military ally allies territory
    civilian civilians musician politician physician technician guardian librarian
    comedian veteran refugee refugees
    """
)
_TITLE_WORDS = _words(
    """
    president minister secretary governor mayor senator chancellor premier chief commissioner
    general gen. ambassador director chairman chairwoman leader spokesman spokeswoman king queen
    prince pope judge coach captain ceo
    """
)
# A title never ends on the verb of speech that introduces what was said.
_SPEECH_VERBS = _words("say says said tell tells told announce announces announced saying")
_ADJECTIVE_ENDINGS = ("al", "ic", "ous", "ive", "ary", "ful", "less", "ible", "able", "ian", "ese")
_AUXILIARIES = _words(
    """
    is are was were am be been has have had will would can could may might must shall should
    does did do isn't aren't wasn't weren't hasn't haven't won't can't
    """
)
# Finite verbs that no "-ed"/"-s" rule finds: irregular past forms, and common news verbs
# whose "-s" form is tested against this list (a plural noun ends in "-s" too).
_IRREGULAR_PAST = _words(
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
_VERB_LEMMAS = _words(
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
_IRREGULAR_LEMMA = dict(
    pair.split(":")
    for pair in _words(
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
    become:become come:come run:run
    """
    )
)
# Verbs whose "that" a headline drops ("rules that" → "rules").
_REPORTING = _words(
    """
    say said rule ruled announce announced warn warned claim claimed find found show showed
    report reported decide decided argue argued insist insisted confirm confirmed reveal
    revealed suggest suggested believe believed think thought admit admitted deny denied
    """
)
_QUANTIFIERS = _words(
    "all some most many few several both half tens hundreds thousands millions dozens scores"
)
_THIRD_PERSON = {"have": "has", "be": "is", "do": "does", "go": "goes"}
_DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# "late on Friday", "on Thursday night", "yesterday", "this morning": what a headline leaves out.
_TIME = _Lazy(
    rf"(?:,\s*)?\s(?:(?:late|early)\s)?(?:(?:on|last|this)\s)?(?:{_DAYS}(?:\s(?:morning|afternoon|"
    r"evening|night))?|yesterday|today|tonight|this\s(?:morning|afternoon|evening)|last\snight)"
    r"(?=[\s,.;:!?]|$)"
)
_SENTENCE_END = _Lazy(r"[.!?][\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")
# "OSLO —", "MANILA (AP) —", "WELLINGTON, New Zealand —", "JAKARTA:", "VIENNA, Feb 28 (Reuters) -"
_DATELINE = _Lazy(
    r"^(?:[A-Z][A-Z.'’-]+(?:\s[A-Z][A-Z.'’-]+){0,3})(?:,\s*(?:[A-Z][\w.'’-]*\.?\s?){0,3}"
    r"(?:\d{1,2}\s?)?)?\s*(?:\([A-Za-z .&-]{1,30}\)\s*)?(?:[—–:]|-{1,2}\s)\s*"
)
_SPEECH = (
    r"(?:said|says|announced|announces|told|tells|reported|reports|stated|states|confirmed|"
    r"confirms|declared|warned|wrote|added|according to)"
)
# ", President José Jerí announced on Friday." / ", officials said." / ", according to AP."
_TRAILING_ATTRIBUTION = _Lazy(
    rf",\s+(?P<who>(?:[^,]{{0,80}}?\s)?){_SPEECH}\b(?:\s(?:{_DAYS}|yesterday|today|(?:on|late|"
    rf"early|this|last|in|to|at|during|after|from|via|through|over)\b[^,]{{0,50}}))?$"
    r"|,\s+according to [^,]{1,80}$",
    re.IGNORECASE,
)
# "…has resigned, state television announced on Saturday, hours after…": who said it, inside.
_MIDDLE_ATTRIBUTION = _Lazy(
    rf",\s(?P<who>(?:[\w’'.-]+\s){{1,6}}?){_SPEECH}(?:\s(?:on\s)?(?:{_DAYS}|this\s\w+|"
    r"yesterday|today))?,"
)
_LEADING_ACCORDING = _Lazy(r"^according to [^,]{1,100},\s*", re.IGNORECASE)
# "Officials said on Friday that ..." / "Lavrov said Friday he was ..." / "groups say ..."
_LEADING_SAID = _Lazy(
    r"^(?P<who>[^,]{1,80}?)\s(?P<verb>said|says|say|told reporters|announced|confirmed|stated)"
    r"(?P<that>\sthat)?\s(?P<rest>.+)$"
)
_SUBORDINATORS = (
    r"(?:as|after|amid|while|following|because|since|despite|before|when|where|which|who|"
    r"although|though|even as|even though|unless|until|prompting|saying|meaning|whereas|once|if|"
    r"in connection with|in response to|on suspicion of|on charges of|but|yet)"
)
_SUBORDINATE = _Lazy(rf"\s{_SUBORDINATORS}\s", re.IGNORECASE)
# A sentence opening on a phrase with no main clause of its own: "After two weekends of box
# office domination, ..." / "Three days after X came ashore, ..." / "Facing protests, ...".
_LEADING_PHRASE = _Lazy(
    r"^(?:(?:\w+\s){0,3}(?:after|before|since)|as|amid|while|despite|following|when|although|"
    r"though|because|with|for|in|on|at|during|over|under|unlike|like|once|if|until|facing|"
    r"hours|days|weeks|months|years|\w+ing)\b(?:[^,]|,(?=\d)){0,140},\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_PREPOSITION = _Lazy(
    r"\s(?:and|to|in|on|at|over|for|with|from|into|near|along|across|under|by|during|against|"
    r"about|after|amid|between|toward|towards|through|among|within|outside|inside)\s",
    re.IGNORECASE,
)
_OF = _Lazy(r"\sof\s")
_NOT_A_CLAUSE = _Lazy(r"\s(?:such as|as well as|as of|as many as|as much as|as few as)\s", re.I)
_TRAILING_PUNCT = _Lazy(r"[\s.,;:!?\"'“‘—–-]+$")
# "A fire that tore through towers in Hong Kong's Tai Po district has killed at least 44
# people": a subject of a few words, a relative clause, then the main verb.
_RELATIVE_SUBJECT = _Lazy(
    r"^(?P<subject>(?:\S+\s){1,5}?)(?:that|which|who)\s(?P<clause>.+?)\s"
    r"(?P<verb>(?:has|have|had|is|are|was|were|will|would|could|may|might|must)\s.+)$",
    re.IGNORECASE,
)
_TO_FUTURE = _Lazy(
    r"\s(?:(?:is|are|was|were)\s(?:preparing|planning|set|poised|expected|going|due|about)\s"
    r"to|will|would)\s(?=[a-z])"
)
_COORDINATED_PASSIVE = _Lazy(
    r"(\sand\s(?:\S+\s){1,3}?)(?:is|are|was|were)\s(?=(?:\w+ly\s)?[a-z]+ed\b)"
)
_PASSIVE = _Lazy(
    r"\s(?:is|are|was|were|has been|have been)(?:\sbeing)?\s(?=(?:\w+ly\s)?[a-z]+ed\b)"
)
_BORDER_WITH = _Lazy(
    r"\s(?:along|on|at|near)\s(?:its|the|their)\s(border|frontier)\swith\s([A-Z]\w+)"
)
_TOKEN = _Lazy(r"[\w’'.-]+")


def sentences(paragraph: str) -> list[str]:
    """A paragraph's sentences (abbreviations like "Gen." or "U.S." end none)."""
    found, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        word = re.search(r"(\S+)\.$", paragraph[start : match.start() + 1])
        if word:
            stem = word.group(1).strip("\"'“‘(").lower()
            if stem in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", stem):
                continue  # "Gen. Valverde", "U.S. officials", "J. Smith"
        found.append(paragraph[start : match.end()].strip())
        start = match.end()
    rest = paragraph[start:].strip()
    return [*found, rest] if rest else found


def first_sentence(paragraph: str) -> str:
    """The first sentence of a paragraph."""
    return next(iter(sentences(paragraph)), paragraph.strip())


def without_dateline(paragraph: str) -> str:
    """The paragraph without its dateline ("MANILA (AP) — ", "OSLO — ", "JAKARTA: ")."""
    m = _DATELINE.match(paragraph)
    return paragraph[m.end() :] if m and m.end() < len(paragraph) else paragraph


def derive_title(paragraphs: Sequence[str], max_chars: int = 80) -> str:
    """A short headline from the first sentence's main clause, at most `max_chars` characters.

    See the module docstring for the steps.  Returns "" when there is no text at all.
    """
    paragraph = next((p.strip() for p in paragraphs if p and p.strip()), "")
    if not paragraph:
        return ""
    text = without_dateline(" ".join(paragraph.split()))
    sentence = _clean(first_sentence(text))
    clause = _main_clause(sentence)
    if len(clause) > max_chars:
        clause = _without_relative_clause(clause)
    clause = _headline_style(clause)
    if len(clause) > max_chars:
        clause = _short_subject(clause)
    if len(clause) > max_chars:
        clause = _shorten(clause, max_chars)
    title = _clean(clause)
    if len(title) > max_chars:  # a closing quote put back, or nothing to cut at
        title = _tidy(_clean(title[: max_chars - 1].rsplit(" ", 1)[0]))[:max_chars]
    return _capitalize(title)


def title_problems(title: str, sentence: str = "", max_chars: int = 80) -> list[str]:
    """What keeps a title from being a headline an editor would keep (empty: none).

    The rules: at most `max_chars` characters; no dateline; not opening on a bare pronoun or on
    a phrase without a main clause; a finite verb; a complete phrase at the end (no article,
    preposition, conjunction or adjective last); quotation marks closed; and shorter than the
    story's first `sentence` when that is longer than 60 characters.
    """
    problems = []
    words = _TOKEN.findall(title)
    if len(title) > max_chars:
        problems.append(f"longer than {max_chars} characters")
    if not words:
        return [*problems, "empty"]
    first, _last = words[0].lower(), words[-1].lower().strip(".’'")
    if _DATELINE.match(title) or re.search(r"\((?:AP|AFP|Reuters)\)", title):
        problems.append("keeps a dateline")
    if first in PRONOUNS and (first not in _DEMONSTRATIVES or _verb_index(title) == 1):
        problems.append(f"opens on the pronoun '{words[0]}'")
    if (re.match(rf"^{_SUBORDINATORS}\b", title, re.IGNORECASE) and not words[0].isupper()) or (
        first in {"amid", "despite", "during", "following"}
    ):
        problems.append(f"opens on '{words[0]}', a phrase without a main clause")
    if _verb_index(title) is None:
        problems.append("has no finite verb")
    if _incomplete(title):
        problems.append(f"ends on '{words[-1]}', an incomplete phrase")
    if title.count("“") != title.count("”") or title.count('"') % 2:
        problems.append("leaves a quotation open")
    plain = _TRAILING_PUNCT.sub("", " ".join(sentence.split()))
    if len(plain) > 60 and len(title) >= len(plain):
        problems.append("is not shorter than the first sentence")
    return problems


def _clean(text: str) -> str:
    text = _TRAILING_PUNCT.sub("", " ".join(text.split()))
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
        sentence = _TRAILING_PUNCT.sub("", sentence[: attribution.start()])
    middle = _MIDDLE_ATTRIBUTION.search(sentence)
    if middle and _verb_index(sentence[: middle.start()]) is not None:
        speaker = speaker or middle.group("who").strip()
        sentence = sentence[: middle.start()] + "," + sentence[middle.end() :]
    leading = _LEADING_PHRASE.match(sentence)
    if leading and _verb_index(leading["rest"]) is not None and len(leading["rest"].split()) > 2:
        sentence = leading["rest"]
    sentence = _leading_said(sentence)
    sentence = _without_parenthesis(sentence)
    first = sentence.split(" ", 1)
    if first[0].lower() in PRONOUNS and len(first) > 1 and _is_name(speaker):
        sentence = _resolve(speaker, first[0].lower(), first[1])
    return sentence


def _leading_said(sentence: str) -> str:
    """Drop "Officials said that"; "Lavrov said Friday he was" becomes "Lavrov is"."""
    m = _LEADING_SAID.match(_TIME.sub("", sentence))
    if m is None or _verb_index(m["who"]) is not None:
        return sentence
    who, rest = m["who"].strip(), m["rest"].strip()
    pronoun, _, after = rest.partition(" ")
    if pronoun.lower() in PRONOUNS and after:
        return _resolve(who, pronoun.lower(), after) if _is_name(who) else sentence
    plain_say = m["verb"] in ("said", "says", "say", "told reporters")
    generic = who.split()[0].islower() or who.split()[0].lower() in ARTICLES
    if m["that"] or (plain_say and generic):
        # "Officials said that ...", "groups say ...": the news is what they said.
        return rest if _verb_index(rest) is not None else sentence
    return sentence


def _resolve(who: str, pronoun: str, rest: str) -> str:
    """Put the named subject in place of its pronoun, in the present tense of a headline."""
    who = re.sub(r"^(?:the|a|an)\s", "", who, flags=re.IGNORECASE)
    if pronoun in _POSSESSIVE:
        return f"{who}’s {rest}" if not who.endswith("s") else f"{who}’ {rest}"
    rest = re.sub(r"^(was|were|had|would)\b", lambda m: _PRESENT[m.group(1)], rest)
    return f"{who} {rest}"


_PRESENT = {"was": "is", "were": "are", "had": "has", "would": "will"}


def _is_name(text: str) -> bool:
    """A subject an editor can name: a capitalised word ("Lavrov", "the Djibouti Government")."""
    return any(w[:1].isupper() for w in text.split()) and len(text) <= 60


def _without_parenthesis(sentence: str) -> str:
    """ "Yanukovych, facing protests, has agreed" → "Yanukovych has agreed"; an apposed name
    after a common noun takes the subject's place ("America's biggest bank, Lehman Bros, has
    filed" → "Lehman Bros has filed"); a place's region ("in Belém, Brazil, agreed") stays."""
    m = re.match(r"^(?P<subject>[^,]{2,80}),\s(?P<aside>[^,]{1,120}),\s(?P<rest>.+)$", sentence)
    if m is None or _verb_index(m["subject"]) is not None:
        return sentence
    rest_verb = _verb_index(m["rest"])
    if rest_verb != 0:
        return sentence
    subject_end = m["subject"].split()[-1]
    aside = m["aside"].split()
    if len(aside) <= 4 and all(w[:1].isupper() for w in aside):
        if subject_end[:1].isupper():
            return sentence  # "in Belém, Brazil, agreed": a region, not an aside
        return f"{m['aside']} {m['rest']}"
    if _verb_index(m["aside"]) is not None and not re.match(r"\w+ing\b|who\b|which\b", m["aside"]):
        return sentence  # a clause of its own, not an aside
    return f"{m['subject']} {m['rest']}"


def _headline_style(clause: str) -> str:
    """Days, "is preparing to", passive auxiliaries and articles out, as a headline has them."""
    clause = _TIME.sub("", clause)
    # "World Health Organization (WHO)" → "WHO"; any other parenthesis, and a short aside
    # between dashes ("— its second highest level —"), goes.
    clause = _ACRONYM.sub(lambda m: m["short"], clause)
    clause = re.sub(r"\s\([^()]{1,60}\)(?=[\s,.;:]|$)", "", clause)
    clause = re.sub(r"\s[—–]\s(?:[^—–\s]+\s){0,11}?[^—–\s]+\s[—–](?=\s)", "", clause)
    changed = False
    for pattern, replacement in ((_TO_FUTURE, " to "), (_PASSIVE, " ")):
        # Only the main verb: "said it would cut" keeps its "would".
        found = pattern.search(clause)
        if found and _verb_index(clause) == len(clause[: found.start()].split(" ")):
            clause = clause[: found.start()] + replacement + clause[found.end() :]
            changed = True
            if pattern is _PASSIVE:  # "Five killed and a child was injured" → "… child injured"
                clause = _COORDINATED_PASSIVE.sub(r"\1", clause, count=1)
    if not changed:
        clause = _present_tense(clause)
    verb = _verb_index(clause)
    if verb is not None:  # "Court rules that couples may marry" → "Court rules couples may marry"
        words = clause.split(" ")
        if (
            verb + 2 < len(words)
            and words[verb + 1] == "that"
            and _lemma_s(words[verb].lower()) in _REPORTING | {words[verb].lower()} & _REPORTING
        ):
            clause = " ".join([*words[: verb + 1], *words[verb + 2 :]])
    clause = _BORDER_WITH.sub(r" on \2 \1", clause)
    clause = re.sub(r"^(?:the|a|an)\s(?=\S)", "", clause, flags=re.IGNORECASE)
    return re.sub(r"(?<!,)\s(?:the|a|an)\s(?=[a-z0-9$€£])", " ", clause)


_ACRONYM = _Lazy(
    r"(?:[Tt]he\s)?(?P<long>(?:[A-Z][\w.’'&-]*\s(?:(?:of|for|and|the)\s)?){1,6})\((?P<short>[A-Z]{2,6})\)"
)


def _present_tense(clause: str) -> str:
    """A headline's present tense: "has killed" → "kills", "Astronomers unveiled" → "unveil",
    and a verb joined to it by "and" too; only verbs whose base form is known change."""
    words = clause.split(" ")
    verb = _verb_index(clause)
    if not verb:
        return clause
    low = words[verb].lower()
    if low in ("is", "are") and verb + 1 < len(words) and words[verb + 1].endswith("ing"):
        word, tail = _split_punctuation(words[verb + 1])  # "Spain is enduring" → "endures"
        lemma = _lemma_ing(word.lower())
        if lemma is None:
            return clause
        form = (_third_person(lemma) if low == "is" else lemma) + tail
        return " ".join([*words[:verb], form, *words[verb + 2 :]])
    if low in ("has", "have") and verb + 1 < len(words):
        j = verb + 1
        if words[j].lower().endswith("ly") and j + 1 < len(words):
            j += 1  # "has officially declared"
        word, tail = _split_punctuation(words[j])
        lemma = _lemma(word.lower())
        if lemma is None or lemma == "be":
            return clause
        form = (_third_person(lemma) if low == "has" else lemma) + tail
        words = [*words[:verb], *words[verb + 1 : j], form, *words[j + 1 :]]
        plural = low == "have"
    else:
        word, tail = _split_punctuation(words[verb])
        lemma = _lemma(word.lower()) if low not in _AUXILIARIES else None
        if lemma is None or (not word.endswith("ed") and word.lower() not in _IRREGULAR_LEMMA):
            return clause
        if verb + 1 < len(words) and words[verb + 1] == "by":
            return clause  # "region hit by an earthquake": a participle
        plural = _plural(words[:verb])
        words[verb] = (lemma if plural else _third_person(lemma)) + tail
    for i in range(verb + 1, min(len(words) - 1, verb + 10)):  # "killed … and injured"
        if words[i] == "and":
            word, tail = _split_punctuation(words[i + 1])
            if word.endswith("ed") or word in _IRREGULAR_LEMMA:
                lemma = _lemma(word.lower())
                if lemma is None:
                    return clause  # "kills … and trapped": both as written, not one of each
                words[i + 1] = (lemma if plural else _third_person(lemma)) + tail
            break
    return " ".join(words)


def _split_punctuation(word: str) -> tuple[str, str]:
    core = word.rstrip(",;:.!?”\"’')")
    return core, word[len(core) :]


def _lemma_ing(word: str) -> str | None:
    """The base form of a known verb's "-ing": "cutting" → "cut", "causing" → "cause"."""
    stem = word[:-3]
    candidates = [stem]
    if len(stem) > 2 and stem[-1] == stem[-2]:
        candidates.append(stem[:-1])
    candidates.append(stem + "e")
    return next((c for c in candidates if c in _VERB_LEMMAS), None)


def _lemma(word: str) -> str | None:
    """The base form of a past or participle whose base form is known, else None."""
    if word in _IRREGULAR_LEMMA:
        return _IRREGULAR_LEMMA[word]
    if not word.endswith("ed") or len(word) < 4:
        return None
    candidates = [word[:-3] + "y"] if word.endswith("ied") else []
    if len(word) > 4 and word[-3] == word[-4]:
        candidates.append(word[:-3])  # "stunned" → "stun"
    candidates += [word[:-1], word[:-2]]  # "fined" → "fine", "signed" → "sign"
    return next((c for c in candidates if c in _VERB_LEMMAS), None)


def _third_person(lemma: str) -> str:
    if lemma in _THIRD_PERSON:
        return _THIRD_PERSON[lemma]
    if lemma.endswith(("s", "x", "z", "ch", "sh")):
        return lemma + "es"
    if lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
        return lemma[:-1] + "ies"
    return lemma + "s"


def _plural(subject: Sequence[str]) -> bool:
    """Whether a subject takes a plural verb: its head (the word before "of", "in" …) is a
    plural noun ("Scientists", "Tens of thousands"), or names are joined by "and"."""
    head: list[str] = []
    for word in subject:
        if word.lower() in ("of", "in", "at", "from", "for", "with", "on", "near", "that", "who"):
            break
        head.append(word.strip(",“”\"'’"))
    while head and head[-1].endswith("ly"):
        head.pop()  # "Turtles barely lost"
    if not head:
        return False
    if head[-1].lower() in _QUANTIFIERS:
        return True  # "all of Europe's airports remain", "tens of thousands … stage"
    if "and" in head or "&" in head:
        return True
    last = head[-1]
    if not last.endswith("s") or last.endswith(("ss", "us", "is", "'s", "’s")):
        return False
    if last[:1].isupper():  # "Turtles", "Democrats" are plurals; "Paris", "Texas" are not
        from newsletter.assemble.terms import zipf

        return last.endswith(("ans", "ers", "ors", "ists")) or zipf(last[:-1].lower()) > 3.0
    return True


def _without_relative_clause(sentence: str) -> str:
    """Drop a relative clause between a short subject and its verb, keeping where it happened.

    Cutting such a sentence before a subordinate clause would leave a title without a verb
    ("A fire that tore through several high-rise residential towers").
    """
    m = _RELATIVE_SUBJECT.match(sentence)
    if m is None or _verb_index(m["subject"].strip()) is not None:
        return sentence
    place = re.search(r"\s(in|at|near|outside)\s(?!.*\s(?:in|at|near|outside)\s)(.+)$", m["clause"])
    where = f"{place.group(1)} {place.group(2)} " if place else ""
    return f"{m['subject']}{where}{m['verb']}"


def _short_subject(clause: str) -> str:
    """What a headline shortens first: "Russian Foreign Minister Sergei Lavrov is …" → "Lavrov
    is …", "World Health Organization" → "WHO", "officially declares" → "declares"."""
    clause = _SHORT_NAMES.sub(lambda m: _SHORT_NAME[m.group().lower()], clause)
    verb = _verb_index(clause)
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
        return " ".join([subject[-1], *words[verb:]])
    return " ".join(words)


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
_SHORT_NAMES = _Lazy(
    r"\b(?:World Health Organization|United Nations|European Union|Food and Drug Administration|"
    r"International Monetary Fund|Federal Reserve|Federal Bureau of Investigation|"
    r"North Atlantic Treaty Organization|United States|United Kingdom)\b(?!\s\()",
    re.IGNORECASE,
)
_SPARE_ADVERBS = _words("officially formally finally now also today")


def _shorten(sentence: str, max_chars: int) -> str:
    """Cut at the best phrase boundary that fits and keeps the verb: before a subordinate
    clause or at a comma, else before a preposition, else before "of", else at a word."""
    verb = _verb_index(sentence)
    after_verb = _end_of_word(sentence, verb) if verb is not None else 0
    quoted = _quoted_spans(sentence)
    blocked = {m.start() for m in _NOT_A_CLAUSE.finditer(sentence)}

    def usable(cuts):
        return [
            c
            for c in cuts
            if after_verb <= c <= max_chars
            and c not in blocked
            and not any(a < c < b for a, b in quoted)
            and not _incomplete(sentence[:c])
            and not _ends_on_participle(sentence[:c], sentence[c:], verb)
        ]

    clause_cuts = [m.start() for m in _SUBORDINATE.finditer(sentence)]
    clause_cuts += [m.start() for m in re.finditer(r"\sthat\s", sentence)]
    clause_cuts += [
        m.start()
        for m in re.finditer(r",(?!\d)|[;:—–]|\s--?\s", sentence)  # not "1,700"
        if not _in_apposition(sentence, m.start())
    ]
    # A word boundary may stand in for a phrase boundary that keeps too little, if it crosses
    # no clause and ends on a plural or a number ("… to resettle 160,000 refugees").
    first_clause = min((c for c in clause_cuts if c >= after_verb), default=len(sentence))
    words = [
        c
        for c in usable([m.start() for m in re.finditer(r"\s", sentence)])
        if c <= first_clause and _ends_on_plural_or_number(sentence[:c])
    ]
    for cuts in (
        clause_cuts,
        [m.start() for m in _PREPOSITION.finditer(sentence) if not _joins_names(sentence, m)],
        [m.start() for m in _OF.finditer(sentence)],
        [m.start() for m in re.finditer(r"\s", sentence)],
    ):
        fitting = usable(cuts)
        if fitting and (max(fitting) >= max_chars // 3 or cuts is not clause_cuts):
            cut = max(fitting)
            if cut < max_chars // 2 and words and max(words) > 1.5 * cut:
                cut = max(words)  # a phrase boundary that keeps too little: a word boundary
            # "has resigned, hours | after …": the measure belongs to the clause cut off.
            return _TRAILING_MEASURE.sub("", _TRAILING_PUNCT.sub("", sentence[:cut]))
    cut = sentence.rfind(" ", 0, max_chars + 1)
    return _tidy(sentence[: cut if cut > 0 else max_chars])


_TRAILING_MEASURE = _Lazy(
    r"(?:,?\s(?:just|only|shortly|barely|about|some))?(?:,?\s[\w-]+)?\s(?:hours|days|weeks|"
    r"months|years|minutes|moments)$|,?\s(?:shortly|soon|just|moments|only)$"
)


def _joins_names(sentence: str, m: re.Match[str]) -> bool:
    """ "the US and North Korea": an "and" between two names is no phrase boundary."""
    if m.group().strip().lower() != "and":
        return False
    before = sentence[: m.start()].rsplit(" ", 1)[-1]
    after = sentence[m.end() :].split(" ", 1)[0]
    return before[:1].isupper() and after[:1].isupper()


def _incomplete(text: str) -> bool:
    words = _TOKEN.findall(_TRAILING_PUNCT.sub("", text))
    if not words:
        return True
    last = words[-1]
    return (
        last.lower() in DANGLING
        or last.lower() in _SPEECH_VERBS
        or (last.islower() and _adjective_like(last))
    )


def _ends_on_participle(text: str, rest: str, verb: int | None) -> bool:
    """ "… roadblocks caused | by debris": a cut leaving a participle without what it governs."""
    words = text.rstrip().split(" ")
    last = words[-1].lower()
    following = rest.split()[:1]
    if not following:
        return False
    governed = following[0].lower()
    if len(words) > 1 and words[-2].lower() == "to" and governed != "that":
        return governed in _GOVERNED  # "to try | to counter", but "agree to deal | that …"
    verbal = (
        last.endswith("ed")  # "-ing" is as often a noun ("border crossing | in")
        or (last.endswith("ing") and len(words) > 1 and words[-2].endswith((",", "s")))
        or last in _IRREGULAR_PAST
        or (last.endswith("s") and _lemma_s(last) in _VERB_LEMMAS and len(words) > 1)
    )
    return verbal and governed in _GOVERNED


_GOVERNED = _words("by to with from into a an the for of on in at about that")


def _ends_on_plural_or_number(text: str) -> bool:
    last = text.rstrip(",;: ").rsplit(" ", 1)[-1]
    if last.replace(",", "").replace(".", "").isdigit():
        return True
    return (
        last.islower()
        and last.endswith("s")
        and not last.endswith(("ss", "us", "is"))
        and _lemma_s(last) not in _VERB_LEMMAS
    )


def _tidy(text: str) -> str:
    text = _TRAILING_PUNCT.sub("", text)
    while text and _incomplete(text) and " " in text:
        text = _TRAILING_PUNCT.sub("", text.rsplit(" ", 1)[0])
    return text


def _adjective_like(word: str) -> bool:
    word = word.lower()
    return (
        word not in _NOUNS_LIKE_ADJECTIVES
        and word not in _NUMBER_WORDS
        and word.endswith(_ADJECTIVE_ENDINGS)
    )


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in re.finditer(r"“[^”]*(?:”|$)", text)]
    return spans + [(m.start(), m.end()) for m in re.finditer(r'"[^"]*(?:"|$)', text)]


def _end_of_word(text: str, index: int) -> int:
    """The offset just past the index-th space-separated word, without its punctuation."""
    words = text.split(" ")
    return len(" ".join(words[: index + 1]).rstrip(",;:.!?—–"))


def _verb_index(text: str) -> int | None:
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
            word in _AUXILIARIES
            or word in _IRREGULAR_PAST
            or (i > 0 and word.endswith("s") and _lemma_s(word) in _VERB_LEMMAS)
            or (
                i > 0
                and word.endswith("ed")
                and "-" not in word
                and len(word) > 4
                and previous not in ARTICLES | _POSSESSIVE | {"of", "to", "by", "and", "been"}
            )
            or (i > 0 and word == "to" and i + 1 < len(words) and _is_base_verb(words[i + 1], i))
            or (i > 0 and word in _VERB_LEMMAS and _after_plural(words, i))
        ) and (word == "to" or not raw[:1].isupper() or i == 0):
            if i + 1 < len(words) and words[i + 1] == "by" and word not in _AUXILIARIES:
                # "the region hit by an earthquake … says": a participle, unless no verb follows
                participle = i if participle is None else participle
                previous = word
                continue
            return i
        previous = word
    return participle


def _after_plural(words: Sequence[str], i: int) -> bool:
    """ "Scientists announce", "Shares of Nvidia plunge", "Scientists finally spot": a verb in
    the base form after a plural subject."""
    before = words[i - 1].strip(",“”\"'’").lower()
    if before in ARTICLES | _POSSESSIVE | {"to", "of", "will", "would", "could", "may", "might"}:
        return False
    return _plural(words[:i])


def _lemma_s(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    return word[:-1]


def _is_base_verb(raw: str, position: int) -> bool:
    """After the subject, "to" + a lower-case word that is no noun in "-s" reads as headline
    future ("Peru to declare"); anywhere, "to" + a known verb does."""
    word = raw.strip("“”\"'‘’(),;:.!?")
    if word.lower() in _VERB_LEMMAS or word.lower() in {"be", "have"}:
        return True
    return (
        position <= 6
        and word.isalpha()
        and word.islower()
        and word not in DANGLING
        and word not in _NUMBER_WORDS
        and (not word.endswith("s") or word.endswith(("ss", "us")))
    )


_NUMBER_WORDS = _words("one two three four five six seven eight nine ten hundreds thousands")


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
