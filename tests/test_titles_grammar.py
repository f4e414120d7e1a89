"""Derived titles hold a headline's grammar on news the rules were not written for.

The leads of tests/data/titles/unseen.toml were gathered after the title rules, with an editor's
verdict on each derived title; the tests here check grammatical properties (a finite main verb
that is no participle, no adverb, preposition, article or complement-less noun at the end), not
the strings the deriver happens to give today.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from newsletter.assemble import headline_grammar, titles
from newsletter.assemble.headline_grammar import (
    ends_incomplete,
    ends_on_open_verb,
    ends_on_particle,
    is_adverb,
    reduced_relative,
    verb_index,
)
from newsletter.assemble.title_check import headline_faults
from newsletter.assemble.titles import (
    FALLBACK_WORDS,
    TITLE_LIMIT,
    chosen_title,
    cuts_complement,
    derive_title,
    first_sentence,
    printable_problems,
    title_problems,
    without_dateline,
)

DATA = Path(__file__).parent / "data"
UNSEEN = tomllib.loads((DATA / "titles" / "unseen.toml").read_text("utf-8"))["lead"]
SAMPLE_SEED = tomllib.loads((DATA / "labelled" / "01_peru_border_seed.toml").read_text("utf-8"))
KEPT = [lead for lead in UNSEEN if lead["verdict"] == "keep"]
LABELLED = [
    lead
    for path in sorted((DATA / "labelled").glob("*.toml"))
    if (lead := tomllib.loads(path.read_text("utf-8"))).get("untitled") or "title" not in lead
]
ALL_REAL = [
    lead["paragraphs"]
    for path in sorted((DATA / "titles").glob("*.toml"))
    for lead in tomllib.loads(path.read_text("utf-8"))["lead"]
] + [lead["paragraphs"] for lead in LABELLED]


def _sentence(paragraphs: list[str]) -> str:
    return first_sentence(without_dateline(paragraphs[0]))


def _main_verb_is_finite(title: str) -> bool:
    """The title has a verb, and the word read as its verb is no participle describing a noun
    before another verb ("35 individuals interred in a tomb … offers")."""
    index = verb_index(title)
    if index is None:
        return False
    words = title.split(" ")
    return not reduced_relative(words, index, words[index].lower())


def test_the_unseen_set_is_as_recorded():
    """120 new leads, each with a source, a licence, a split fixed beforehand and an editor's
    verdicts (before, when a held-out set was read, now)."""
    assert len(UNSEEN) == 120
    splits = [lead["split"] for lead in UNSEEN]
    assert splits.count("dev") == 30
    assert all(splits.count(f"heldout{n}") == 15 for n in range(1, 7))
    for lead in UNSEEN:
        assert lead["split"] == "dev" or lead["verdict_read"] in ("keep", "reject")
        assert lead["source"].startswith("http") and lead["licence"]
        assert lead["verdict_before"] in ("keep", "reject") and lead["verdict"] in (
            "keep",
            "reject",
        )
        assert lead["verdict"] == "keep" or lead["why"]
        assert not 2004 <= lead["year"] <= 2005  # that period belongs to a hidden set


@pytest.mark.parametrize("lead", KEPT, ids=lambda lead: lead["source"][-40:])
def test_a_kept_title_holds_every_grammar_rule(lead):
    """A title an editor kept still has a finite main verb that is no participle, and ends on no
    adverb, preposition, article or adjective: a later rule change that breaks one fails here."""
    title = derive_title(lead["paragraphs"])
    assert printable_problems(title) == [], title
    assert _main_verb_is_finite(title), title
    assert not ends_incomplete(title) and not is_adverb(title.split()[-1]), title


@pytest.mark.slow
def test_no_real_title_ends_on_an_adverb_an_article_or_a_preposition():
    """Over every real lead (titles/*.toml and the labelled set's untitled leads), no derived
    title ends on an adverb ("… says he is increasingly"), an article or a preposition (a verb's
    particle is no preposition: "NASA's Psyche spacecraft lifts off"), except where no candidate
    passes the self-check (kind "unchecked", counted by `UNCHECKED`: round 21's "Rodrigo
    Paez-Quintero, a Mexican national")."""
    endings = []
    for paragraphs in ALL_REAL:
        title, kind = chosen_title(paragraphs)
        if kind == "unchecked":
            continue
        if (ends_incomplete(title) and not ends_on_particle(title)) or is_adverb(title.split()[-1]):
            endings.append(title)
    assert len(ALL_REAL) >= 210
    assert endings == []


def test_at_least_the_measured_number_of_unseen_titles_have_a_finite_main_verb():
    """Of the 120 unseen leads, at least 117 titles have a finite main verb that is no
    participle describing a noun (left: the source's typo "Gregoiresigned", and two subjects too
    long for their verb); this property does not see "New study releases …" or "Man accuses of
    murdering …", where the participle became a verb in "-s" (still open)."""
    finite = [derive_title(lead["paragraphs"]) for lead in UNSEEN]
    assert sum(_main_verb_is_finite(title) for title in finite) >= 117


def test_a_kicker_and_a_score_line_give_the_result():
    """A match report opening on a kicker in capitals and a score line is titled by the result,
    with its verb, both sides and the shoot-out; a plain score line gives the winner too."""
    manutd = tomllib.loads(
        (DATA / "labelled" / "42_manutd_chelsea_cl_final_2008.toml").read_text("utf-8")
    )
    title = derive_title(manutd["paragraphs"])
    assert "CHAMPIONS" not in title and "Manchester Utd" in title and "Chelsea" in title
    assert "6-5 on penalties" in title and _main_verb_is_finite(title)
    assert derive_title(["Leeds 1 Hull 2 (at Elland Road) Hull won it late."]).startswith(
        "Hull beat Leeds 2-1"
    )
    assert derive_title(["Leeds 0 Hull 0 The rain won."]) == "Leeds and Hull draw 0-0"


def test_a_participle_after_a_noun_is_never_the_verb():
    """ "35 individuals interred in a tomb … offers", "a man imprisoned for 35 years … was found
    guilty": the participle describes the noun; the verb comes after its phrase."""
    analysis = (
        "A detailed genetic analysis of 35 individuals interred in a Neolithic tomb in "
        "Gloucestershire, England about 5,700 years ago offers new insights into the kinship "
        "rules that governed this ancient society."
    )
    words = analysis.split(" ")
    assert words[verb_index(analysis)] == "offers"
    assert "offers" in derive_title([analysis])
    retrial = (
        "A mentally ill Texas man imprisoned for more than 35 years despite his original murder "
        "conviction being overturned was found guilty a second time on Wednesday."
    )
    title = derive_title([retrial])
    assert "found guilty" in title and "imprisoned" not in title
    # a verb of saying belongs to an attribution: "died in …, police said" keeps "died"
    died = "Five people died in landslides on Monday, police said."
    assert died.split(" ")[verb_index(died)] == "died"


def test_a_verb_with_only_adverbs_gives_way_to_the_event():
    """ "impressed yet again as India defeated …": the title is the event, never a verb and its
    adverbs ("… impressed yet again"); a verb that is news by itself stays ("resigns")."""
    match = (
        "Jasprit Bumrah (3/50) and Mohammed Shami (3/63) impressed yet again as India defeated "
        "South Africa by 113 runs in Centurion to go 1-0 in the three-match Test series."
    )
    title = derive_title([match])
    assert title.startswith("India") and "South Africa" in title
    assert not is_adverb(title.split()[-1])
    assert derive_title(["The government has resigned, state television announced."]) == (
        "Government resigns"
    )


def test_a_title_has_one_main_clause():
    """ "… reported a higher profit Wednesday, but its shares dropped sharply …": the title keeps
    one main clause, whole, not a second one cut short."""
    paragraph = (
        "Research in Motion reported a higher first-quarter profit Wednesday, but its shares "
        "dropped sharply in after-hours trading as the results and outlook fell short of analyst "
        "expectations."
    )
    title = derive_title([paragraph])
    assert ", but" not in title and title.endswith("profit")


@pytest.mark.parametrize(
    ("kept", "rest"),
    [
        ("EXFO posts a 62% fall", " in quarterly profit"),
        ("Police arrested a man after a report", " that students were harassed"),
        ("Grapes originated from the hybridization", " of table grapes and wild relatives"),
        ("A man was arrested in connection", " with damage to a sign"),
        ("The analysis offers new insights", " into the kinship rules"),
        ("The law made Vermont the first state", " to give gay couples the rights of marriage"),
        ("A rescue puts the skills of a team", " to the test"),
    ],
)
def test_a_noun_keeps_the_complement_that_gives_it_its_sense(kept, rest):
    """A cut after a noun of change, of content, a nominalisation, "connection", "insights",
    "the first X" or "put X" is a cut that loses what the noun is about."""
    assert cuts_complement(kept, rest)


@pytest.mark.parametrize(
    "paragraph",
    [
        "(Reuters) - Specialty chemicals maker Entegris Inc said on Monday it would buy rival "
        "Versum Materials Inc in an all-stock deal.",
        "(KTXL) — Toni Atkins became the first person in her position to sign a bill into law.",
        "Oct 11 Canadian telecom services provider EXFO Inc posted a 62 percent fall in profit.",
        "Bangkok, Nov 27 (EFE).- Christopher Luxon was sworn in as Prime Minister of New Zealand.",
        "Colombo : Sri Lanka's ruling party won the first parliamentary elections since the war.",
        "Brussels: The European Central Bank announced a 0.25% raise on Thursday.",
        "Washington, April 18 (IANS) A US passenger plane made an emergency landing on Tuesday.",
        "New Delhi, July 17: Tennis star Roger Federer won his record eighth Wimbledon title.",
    ],
)
def test_agency_and_date_datelines_never_reach_the_title(paragraph):
    """A dateline that is an agency alone, a date alone, or a place, a date and an agency goes."""
    title = derive_title([paragraph])
    assert not re.match(r"^(?:\(|Oct\b|Bangkok|Colombo|Brussels|Washington|New Delhi)", title), (
        title
    )
    assert title_problems(title, "", TITLE_LIMIT) == [], title


def test_quoted_words_are_never_rewritten():
    """Headline style ("will" → "to", articles out) never touches the words inside a quotation."""
    paragraph = (
        "“The reforms will also provide a platform where they can ask questions directly to the "
        "ministers,” Azalina said in a statement today."
    )
    title = derive_title([paragraph])
    quoted = re.findall(r"“([^”]*)", title)[0]
    assert quoted.split() == paragraph[1:].split()[: len(quoted.split())]


def test_an_apposition_a_day_apposition_and_small_capitals_go():
    """ "Sanjay Kumar, the former chief executive of … faced" (its closing comma missing), "on
    Thursday, his 83rd birthday," and "A POPULAR restaurant" leave no trace in the title."""
    kumar = (
        "Sanjay Kumar, the former chief executive of Computer Associates (now known as CA) faced "
        "a federal judge on Nov. 2 and was sentenced to 12 years in prison for his part in the "
        "massive accounting fraud at the software maker."
    )
    title = derive_title([kumar])
    assert title.startswith("Sanjay Kumar") and "former chief" not in title
    assert "sentenced to 12 years" in title and "Nov. 2" not in title
    mcconnell = (
        "U.S. Senator Mitch McConnell announced on Thursday, his 83rd birthday, that he will "
        "not seek reelection when his current term ends next year."
    )
    assert "birthday" not in derive_title([mcconnell])
    sun = "A POPULAR restaurant and bar chain has set a new opening date for its next location."
    assert derive_title([sun]).startswith("Popular restaurant")


def test_a_day_goes_with_the_as_of_before_it():
    """ "agreed to resign as of Wednesday" loses the day and its "as of" together, never leaving
    a title that ends "resign as of," (a wire report, 9 July 2022)."""
    lede = (
        "The speaker of Sri Lanka’s Parliament says President Gotabaya Rajapaksa has agreed to "
        "resign as of Wednesday."
    )
    title = derive_title([lede])
    assert "as of" not in title and "Wednesday" not in title
    assert "Rajapaksa agrees to resign" in title


def test_a_verb_of_no_list_takes_the_present_and_still_reads_as_a_verb():
    """ "scored" becomes "scores" (its base form is an English word) and the checker still finds
    the verb; a plural noun before a verb ("Oil prices rise") is not read as the verb."""
    title = derive_title(
        ["Melbourne Victory striker Archie Thompson scored a late winner against Perth."]
    )
    assert " scores " in title and title_problems(title) == []
    assert verb_index("Oil prices rise") == 2  # "rise", not "prices"


def test_a_first_sentence_with_no_verb_gives_way_to_the_next():
    """ "“One more thing.” With that phrase, Apple paid homage …": a quotation of three words
    has no verb; the title comes from the next sentence, its leading phrase gone."""
    paragraph = (
        'Cupertino (Calif.): "One more thing." With that phrase, Apple paid homage to its late '
        "co-founder Steve Jobs for the 10-year anniversary of the iPhone on Tuesday."
    )
    title = derive_title([paragraph])
    assert title.startswith("Apple pays homage") and _main_verb_is_finite(title)


def test_what_was_reported_keeps_its_verb_and_a_verb_its_particle():
    """ "rules a law (that would have left one clinic) is unconstitutional": the relative clause
    goes, not the reported verb; "is spiraling | out of control" is never cut before "out";
    "would be raising" is headline future, "to raise"."""
    ruling = (
        "The Supreme Court has ruled 5-4 a Louisiana’s anti-abortion law that would have left "
        "just one abortion clinic in the state is unconstitutional."
    )
    assert derive_title([ruling]).endswith("is unconstitutional")
    assert ends_incomplete("Wildfire is spiraling") is False  # a verb may end a title …
    assert ends_on_open_verb("Wildfire is spiraling", " out of control", 1)  # … not before "out"
    fed = (
        "The US Federal Reserve announced on Wednesday that it would be raising interest rates by "
        "a quarter point."
    )
    assert " to raise interest rates" in derive_title([fed])


def test_a_quoted_title_in_a_subject_is_one_name():
    """ "“An Officer and a Gentleman” star Louis Gossett Jr. died": the "and" in the film's title
    does not make the star plural, nor "star" a verb."""
    title = derive_title(["“An Officer and a Gentleman” star Louis Gossett Jr. died Friday at 87."])
    assert " dies " in title and title_problems(title) == []


def test_a_participle_ends_a_title_only_as_its_verb():
    """ "… leads the country's parliamentary election held | on Sunday during which …": a
    participle describing a noun never ends a title; one that is the verb may ("remain
    closed", "critically injured")."""
    uzbek = (
        "Uzbekistan’s ruling party is leading the country’s parliamentary election held on Sunday "
        "during which voters are electing members of the lower house of parliament, the head of "
        "the Uzbek election authority said on Monday."
    )
    assert not derive_title([uzbek]).endswith("held")
    ash = (
        "Virtually all of Europe’s major airports remain closed as a huge plume of volcanic ash "
        "drifts south across the continent from Iceland."
    )
    assert derive_title([ash]).endswith("remain closed")


# Round 8: complete over short, a self-check and a safe fallback (tests/data/titles/README.md).
ALL_TITLED = [(paragraphs, *chosen_title(paragraphs)) for paragraphs in ALL_REAL]
# Real leads whose every candidate fails the self-check, so the short cut is printed as it is
# (marked title_derived like every derived title): the source's typo "Gregoiresigned", a report
# cut before its verb, "which will study" made "which to study", and (round 9's held-out set)
# "(WJBK) A jury convicts former Kilpatrick", the source's "chargesafter" in the way, and (round
# 10's set) "It was a record-setting weekend, where …" with no later sentence that prints whole.
# Round 10 gave two of them a title (the claim alone, the sentence without its aside) and took
# the agency off the third: 2 left, the source's typo and the scene; round 11's set adds a scene
# with no later sentence that prints ("Athletics fans across the globe had the chance …").
# Round 13: "It was a record-setting weekend" gained a title that passes; "Dyer describes
# horrific mass shooting at city’s Municipal | Center" (a cut inside a name, rejected, that
# passed) is now cut before the name and fails the check ("city’s" last): still rejected, now
# marked; round 13's set adds a teaser's second sentence ("But universe is vast, so they
# strategize") with no later one that prints.  Round 15's set (read before its code) adds
# "Toast announces to lay" (from "has announced to lay off"), where no candidate passes;
# round 16's (read before any later code) adds "Target discloses" and a list of companies cut
# inside ("… Best"), where none does either.  Round 18's set (gathered and read before round
# 16's code) adds two: "… in 137 years of record keeping" ("keeping" read as an open "-ing")
# and a subject without its verb ("Astronomers using the Gemini North telescope …").  Round
# 19's set (gathered and read before round 19's code) adds one: "Federal grand jury in Houston
# has indicted Indian national for allegedly selling" (the whole clause 136 characters, over
# the limit; no cut keeps the object); round 20's (gathered and read after round 19's code)
# one more: "We can and should go further to reduce air pollution" (a quotation's "We"); round
# 19b's self-check marks two more of round 20's rejects, where no candidate passes: a list cut
# before its end ("requests Austria, Belgium, … Denmark") and "… against VIPD alleging".  Round
# 21's set (gathered and read after round 19b's code) adds seven, news releases whose subject is
# a minister's name and offices in apposition ("Honourable Jonathan Wilkinson, Minister of Energy
# and Natural Resources") or a name and its apposition alone ("Rodrigo Paez-Quintero, a Mexican
# national"): no candidate passed, the editor was warned (`title_derived`).  Round 22's code
# reads a name and its offices before "announced" as the name, and "United States" no longer
# as an attribution: six of those seven now pass (one, "… Parliamentary Secretary to …", was
# never unchecked).  Round 22's set adds three: "CITY" (a sentence in capitals), a subject
# with no verb ("Discovery by international team of researchers …") and "… can pick up virus";
# "CITY" then passes, read in sentence case.  Round 23's set adds one: "Category 1 storm,
# reports indicate" (a leading "Since …," clause taken for the subject), which round 22g reads
# ("reports indicate that …" opens on its subject).  Round 31's set adds one: "Cameron Champ
# breaks down in tears when it was over" (a teaser whose news is the next paragraph; the code
# before round 30 gives it too).  Round 32's check of a title with no main verb leaves two
# leads untitled (the editor is asked): the list of companies cut inside, already unchecked,
# and round 24's "Eight coaches of Lucknow-bound Rajya Rani Express train" (a cut, rejected).
# Round 33's set adds a teaser whose every candidate fails ("… has just been announced").
# Round 45's set adds its teaser's question ("What do … have in common?"), which no candidate
# passes now that a question word opening on its verb is read as no subject.  Round 46's set
# (held out, read once) adds Orissa's floods, printed whole ("In India, floods in … have left 16
# dead": the check reads "floods" as a verb parted from its subject; kept, weak).
UNCHECKED = 21


def test_every_emitted_title_passes_the_self_check_unless_no_candidate_does():
    """Over every real lead, the derived title passes `printable_problems`; the only ones that
    fail are those where no candidate passed, at most the measured number."""
    failing = [(title, kind) for _, title, kind in ALL_TITLED if printable_problems(title)]
    assert all(kind == "unchecked" for _, kind in failing), failing
    assert len(failing) <= UNCHECKED, failing


def test_a_fallback_is_used_only_when_the_derived_title_fails():
    """The first sentence whole, or its main clause whole, is chosen only when neither the
    short cut nor the long one kept its clause whole and passed the checks."""
    fallbacks = 0
    for paragraphs, _title, kind in ALL_TITLED:
        if kind not in ("sentence", "clause", "cut", "unchecked"):
            continue
        fallbacks += 1
        opening = titles._without_label(" ".join(paragraphs[0].split()))
        text = titles._without_kicker(
            titles._without_lead_label(titles._without_label(without_dateline(opening)))
        )
        sentence, short, whole = titles.news_sentence(text)
        # the checks a cut is read with (round 44's `drops_complement` among them)
        assert not whole or titles._cut_problems(short, sentence, TITLE_LIMIT), (sentence, short)
        long, whole = titles.news_sentence(sentence, TITLE_LIMIT)[1:]
        assert not whole or titles._cut_problems(long, sentence, TITLE_LIMIT), (sentence, long)
    assert fallbacks < len(ALL_TITLED) // 5  # a fallback, not the rule


def test_derived_titles_never_exceed_the_limit():
    """No real lead's title is longer than TITLE_LIMIT; the first sentence is the title only
    when it has at most FALLBACK_WORDS words."""
    assert max(len(title) for _, title, _ in ALL_TITLED) <= TITLE_LIMIT
    for _, title, kind in ALL_TITLED:
        if kind == "sentence":
            assert len(title.split()) <= FALLBACK_WORDS, title


@pytest.mark.parametrize(
    ("title", "fault"),
    [
        ("Board of Harlandale School District votes to close", "without its object"),
        ("Sportswear chain JD Sports says stored data relating", "has no verb"),
        ("Man in his 30s who's hospitalized in Bergen County has New Jersey's", "possessive"),
        ("NASA’s Psyche spacecraft, which to study large asteroid", "relative clause"),
        ("Officials in New Hampshire say hospital employee who traveled to Italy", "no verb"),
        ("“The reforms will provide a platform where they can ask questions,” Azalina", "speaker"),
        ("Man accused of killing woman in Melbourne’s CBD is due in court (Reuters", "bracket"),
    ],
)
def test_the_self_check_names_the_faults_an_editor_found(title, fault):
    """Each fault an editor found in derived titles of real news is named by the self-check
    (and the same title whole is not: see the next test)."""
    assert any(fault in f for f in headline_faults(title)), headline_faults(title)


@pytest.mark.parametrize(
    "title",
    [
        "Board of Harlandale School District votes to close four elementary campuses",
        "Delicate rescue in narrow trench puts skills of special team to test",
        "Rivers keep rising across the Midwest",
        "Kim Jong Un gives his “unwavering commitment” to work towards denuclearisation",
        "British retail giant Marks & Spencer confirms hackers stole customer identity",
        "Vermont Sen. Patrick Leahy announces he will not seek reelection in 2022",
        "Officials agree to meet after shooting",
    ],
)
def test_the_self_check_passes_whole_headlines(title):
    """Whole headlines, with their objects and complements, pass the self-check."""
    assert headline_faults(title) == []


def test_the_round_8_held_out_set_is_recorded_as_read_once():
    """The 31 leads gathered before round 8 and read once with its code each keep a source, a
    licence, a year outside 2004-2005, the title read and an editor's verdict on it."""
    fresh = tomllib.loads((DATA / "titles" / "fresh_round8.toml").read_text("utf-8"))["lead"]
    assert len(fresh) >= 30
    for lead in fresh:
        assert lead["source"].startswith("http") and lead["licence"] and lead["title_read"]
        assert lead["verdict_read"] in ("keep", "reject")
        assert lead["verdict_read"] == "keep" or lead["why"]
        assert not 2004 <= lead["year"] <= 2005
    assert sum(lead["verdict_read"] == "keep" for lead in fresh) == 17  # as read, 17 of 31


def test_the_round_9_held_out_set_is_recorded_as_read_once():
    """The 36 leads gathered before round 9 (the tagger) and read once with its code each keep a
    source, a licence, a year outside 2004-2005, the title read and an editor's verdict on it."""
    fresh = tomllib.loads((DATA / "titles" / "fresh_round9.toml").read_text("utf-8"))["lead"]
    assert len(fresh) == 36
    for lead in fresh:
        assert lead["source"].startswith("http") and lead["licence"] and lead["title_read"]
        assert lead["verdict_read"] in ("keep", "reject")
        assert lead["verdict_read"] == "keep" or lead["why"]
        assert not 2004 <= lead["year"] <= 2005
    assert sum(lead["verdict_read"] == "keep" for lead in fresh) == 16  # as read, 16 of 36


def test_a_first_sentence_with_no_verb_gives_way_to_a_later_one_that_prints():
    """ "Another heat record for Windsor-Essex." (a phrase) and "It's a record-breaking heat
    wave." (a scene) give no printable title; the next sentence that does, even in the next
    paragraph, is the title's."""
    title, kind = chosen_title(
        [
            "Another heat record for Windsor-Essex.",
            "According to Environment Canada, the temperature hit 35.3 degrees Celsius Monday.",
        ]
    )
    assert (title, kind) == ("Temperature hits 35.3 degrees Celsius", "later whole")
    title = derive_title(
        [
            "It’s a record-breaking heat wave.",
            "A dangerous heat wave continues to sweep across the Midwest and mid-Atlantic, "
            "prompting heat alerts for tens of millions on Monday.",
        ]
    )
    assert title.startswith("Dangerous heat wave continues to sweep across the Midwest")


def test_an_ed_word_after_a_number_describes_the_noun():
    """ "Three masked men robbed …", "Five armed, masked thieves sprinted …": the "-ed" word
    between a number and its noun is no verb (it was made "masks"); "20 killed in …" still is."""
    assert derive_title(["Three masked men robbed a Zurich museum of four paintings."]).startswith(
        "Three masked men"
    )
    assert "masked thieves" in derive_title(
        ["Five armed, masked thieves sprinted into an art museum on the French Riviera."]
    )
    words = ["At", "least", "20", "killed", "in", "floods"]
    assert not headline_grammar._prenominal(words, 3, "killed")


@pytest.mark.parametrize(
    ("title", "fault"),
    [
        ("South Dakota, soars above 100 degrees, it was their hottest day", "comma"),
        ("Sioux Falls soars above 100 degrees, it was their hottest day", "second clause"),
    ],
)
def test_the_self_check_names_a_clause_run_on(title, fault):
    """A subject parted from its verb by one comma, or a second clause after a comma, is named
    by the self-check."""
    assert any(fault in f for f in headline_faults(title)), headline_faults(title)


@pytest.mark.parametrize(
    ("paragraph", "opening"),
    [
        (
            "(Newser) - Ten people suffered minor injuries when a bridge collapsed in Pittsburgh.",
            "Ten people suffer minor injuries",
        ),
        (
            "(Feb. 6, 2015) Today a jury in the District of Delaware awarded $27.6 million to "
            "Sprint Communications from Comcast for patent infringement.",
            "Jury in the District of Delaware awards $27.6 million",
        ),
        (
            "Tel Aviv / Jerusalem - 20 Israeli hostages were released from Hamas captivity after "
            "more than two years.",
            "20 Israeli hostages released from Hamas captivity",
        ),
        (
            "MOSCOW (UrduPoint News / Sputnik - 31st October, 2019) A powerful 6.5 magnitude "
            "earthquake has hit the Philippines' southern Mindanao Island.",
            "Powerful 6.5 magnitude earthquake hits",
        ),
        (
            "Comstock/Thinkstock(WASHINGTON) -- A Louisiana meat packing company is expanding its "
            "recall of pork sausage.",
            "Louisiana meat packing company expands its recall",
        ),
        (
            "DETROIT, Mich — (WJBK) A jury has convicted former Detroit Mayor Kwame Kilpatrick on "
            "corruption charges after a five-month trial.",
            "Jury convicts former Detroit Mayor Kwame Kilpatrick",
        ),
    ],
)
def test_labels_credits_and_places_before_the_first_sentence_go(paragraph, opening):
    """A label in parentheses, a photo credit, places joined by a slash, a place in capitals
    and a leading "Today" are no part of the title; an office after "former" keeps its name."""
    assert derive_title([paragraph]).startswith(opening)


def test_what_happened_to_people_keeps_the_event():
    """ "Ten people suffered minor injuries | when a bridge collapsed", "Dozens were killed |
    when a crowded ferry capsized": a clause that only counts casualties keeps its event."""
    title = derive_title(
        [
            "(Newser) - Ten people suffered minor injuries when a two-lane vehicle bridge "
            "collapsed in Pittsburgh early Friday, hours before President Biden was due to visit "
            "the city to discuss a $1 trillion infrastructure plan."
        ]
    )
    assert "bridge collapsed in Pittsburgh" in title and printable_problems(title) == []
    ferry = derive_title(
        [
            "ORMOC, Philippines, July 3 (UPI) -- Dozens were killed in the Philippines on Thursday "
            "when a crowded ferry carrying nearly 200 people abruptly capsized -- just minutes "
            "after it left port, authorities said."
        ]
    )
    assert "ferry" in ferry and "capsized" in ferry


def test_a_list_is_not_cut_between_its_nouns():
    """ "remains of a man, | a woman, and 50 mummified birds": a comma inside a list of nouns is
    no clause boundary; ", killing 13 and injuring dozens" (a clause in "-ing") still is."""
    title = derive_title(
        [
            "The Egyptian Ministry of Antiquities has announced discovery of a well preserved "
            "double graveyard, containing remains of a man, a woman, and 50 mummified birds and "
            "animals, including eagles, falcons, ibex, cats and mice."
        ]
    )
    assert not title.endswith("remains of man"), title
    assert printable_problems(title) == []


def test_what_is_given_keeps_to_whom():
    """ "a jury awarded $27.6 million | to Sprint": a verb of giving keeps its "to"."""
    title = derive_title(
        [
            "(Feb. 6, 2015) Today a jury in the District of Delaware awarded $27.6 million to "
            "Sprint Communications Company, L.P. from Comcast Cable Communications, LLC and "
            "Comcast IP Phone, LLC for patent infringement of all asserted claims."
        ]
    )
    assert "$27.6 million to Sprint" in title


@pytest.mark.parametrize(
    ("subject", "plural"),
    [
        (["At", "least", "two", "people"], True),
        (["Close", "to", "80", "people"], True),
        (["An", "aging", "Iranian", "passenger", "airliner", "carrying", "144", "people"], False),
    ],
)
def test_a_count_before_the_subject_and_a_participle_after_its_head(subject, plural):
    """ "At least two people die" (the count is no head); "an airliner carrying 144 people"
    is one airliner."""
    assert headline_grammar.plural_subject(subject) is plural


def test_a_title_never_ends_on_a_pronoun_and_its_verb_of_thinking():
    """ "… digging for a forgotten pharaoh they believe": what they believe was cut."""
    assert "incomplete" in " ".join(
        titles.title_problems("Archaeologists dig for forgotten pharaoh they believe")
    )


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (
            "British junior minister Josh Simons resigned on Saturday amid controversy.",
            "British junior minister Josh Simons resigns amid controversy",
        ),
        (
            "Monday afternoon city council voted 4 to 4 on approving a budget.",
            "City council votes 4 to 4 on approving a budget",
        ),
        (
            "A 6.4 magnitude earthquake hit Southern California at 10:33 a.m. on Friday.",
            "6.4 magnitude earthquake hits Southern California at 10:33 a.m.",
        ),
        (
            "On Wednesday (September 14) it was announced that Bayer AG has agreed to buy "
            "Monsanto in an all-in cash deal valued at $66 billion.",
            "Bayer AG agrees to buy Monsanto in an all-in cash deal valued at $66 billion",
        ),
    ],
)
def test_round_10_faults_of_the_earlier_held_out_sets(paragraph, title):
    """A surname in "-s" after an office is one person; a leading time and "it was announced
    that" go; "a.m." keeps its stop; "in a deal | valued at" keeps its value."""
    assert derive_title([paragraph]) == title


def test_an_ing_word_after_a_comma_never_ends_a_title():
    """ "… sets London Marathon course record, finishing": the clause after the comma lost."""
    faults = headline_faults("Kenya's Kelvin Kiptum sets London Marathon course record, finishing")
    assert any("complement" in f for f in faults), faults


def test_a_claim_without_its_generic_speaker_and_a_sentence_without_its_aside():
    """When no cut of the sentence prints whole: what was said without "Officials in New
    Hampshire say", and the sentence without ", which will study …, … ,"; a named speaker
    ("Coveney says") is never dropped this way."""
    said = chosen_title(
        [
            "CONCORD, N.H. (AP) — Officials in New Hampshire say a hospital employee who recently "
            "traveled to Italy is the first person in the state to test positive for the new "
            "coronavirus."
        ]
    )
    assert said[1] == "simpler" and said[0].startswith("Hospital employee is the first person")
    aside = chosen_title(
        [
            "Oct. 13 (UPI) — NASA’s Psyche spacecraft, which will study a large asteroid, "
            "hopefully offering insight into the creation and composition of Earth and similar "
            "planets, lifted off Friday."
        ]
    )
    assert aside == ("NASA’s Psyche spacecraft lifts off", "simpler")
    assert (
        titles._simpler_sentences("Coveney says optimism about a breakthrough is premature.") == []
    )


def test_a_progressive_takes_the_present_only_where_the_verb_stays_readable():
    """ "crews are working" → "crews work", "AT&T is looking into" → "looks into"; a present
    the verb reader cannot read ("spirals") keeps the progressive, so the title keeps its verb."""
    assert derive_title(
        ["Clean-up crews are working day and night to remove 100,000 gallons of oil."]
    ).startswith("Clean-up crews work day and night")
    wildfire = derive_title(
        [
            "A wildfire in Ventura County, California, fueled by 80 mph winds, is spiraling out of "
            "control."
        ]
    )
    assert wildfire.endswith("is spiraling out of control"), wildfire


def test_the_self_check_names_a_second_verb_without_its_subject():
    """ "Coast Guard cries foul have ended": two finite verbs and nothing that opens the second's
    clause; a verb of saying and its reported clause, or "and", are fine."""
    assert any("second verb" in f for f in headline_faults("Coast Guard cries foul have ended"))
    assert (
        headline_faults("Barcelona says the Brazilian striker's release clause had been paid") == []
    )
    assert headline_faults("Sanjay Kumar faces federal judge and is sentenced to 12 years") == []


def test_round_10_after_its_reading_a_count_and_an_adjective_before_a_participle():
    """After round 10's reading: "Four female suspected migrants died" (an adjective between the
    count and the "-ed" word), "At least three people died and nine others … were missing" (a
    count is no leading phrase), a comma before "after" dropped."""
    assert derive_title(
        [
            "Four female suspected migrants died Wednesday, after a boat carrying eleven other "
            "passengers capsized off the coast of Miami Beach."
        ]
    ).startswith("Four female suspected migrants die after a boat")
    assert derive_title(
        [
            "At least three people died and nine others, including two children, were missing "
            "after a small boat capsized, U.S. officials said on Monday."
        ]
    ).startswith("At least three people die")


def test_the_round_10_sets_are_recorded_as_read_once():
    """Round 10's three new sets (43 leads split dev10/held10, and two of 20 and 17 leads no one
    saw until the end of their round) each keep a source, a licence, a year outside 2004-2005, round 9's title and round 10's
    title read once, with an editor's verdict on each."""
    counts = {}
    for name in ("fresh_round10", "fresh_round11", "fresh_round12"):
        leads = tomllib.loads((DATA / "titles" / f"{name}.toml").read_text("utf-8"))["lead"]
        for lead in leads:
            assert lead["source"].startswith("http") and lead["licence"] and lead["title_read"]
            assert not 2004 <= lead["year"] <= 2005
            for verdict, why in (("verdict_before", "why_before"), ("verdict_read", "why")):
                assert lead[verdict] in ("keep", "reject")
                assert lead[verdict] == "keep" or lead[why]
            split = lead["split"]
            before, read = counts.get(split, (0, 0))
            counts[split] = (
                before + (lead["verdict_before"] == "keep"),
                read + (lead["verdict_read"] == "keep"),
            )
    # printable of: round 9's code, round 10's code read once
    assert counts == {"dev10": (11, 16), "held10": (14, 15), "held11": (10, 12), "held12": (7, 12)}


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (
            "A major rescue operation is underway after a colliery tunnel at a coal mine "
            "collapsed and trapped seven miners 300ft underground.",
            "Colliery tunnel at a coal mine collapses and traps seven miners 300ft underground",
        ),
        (
            "Rescue teams are on scene of a coal mine in norther Mexico where a cave-in has "
            "trapped a reported nine miners.",
            "Cave-in traps a reported nine miners",
        ),
    ],
)
def test_a_response_or_a_scene_gives_way_to_its_event(paragraph, title):
    """ "A rescue operation is underway | after a tunnel collapsed", "teams are on scene | where
    a cave-in has trapped nine miners": the news is the event, a clause of its own."""
    assert derive_title([paragraph]) == title


def test_a_second_verb_after_and_keeps_its_complement():
    """ "Earthquake kills 75 and injures": the second verb's object was cut."""
    faults = headline_faults("Earthquake kills 75 and injures")
    assert any("after 'and'" in f for f in faults), faults


def test_round_10b_after_its_reading():
    """After round 10b's reading: "NEW DELHI/AHMEDABAD, India (Reuters) –" is a dateline; "fired
    tear gas at protesters gathered outside" keeps "fired" as the verb."""
    assert derive_title(
        [
            "NEW DELHI/AHMEDABAD, India (Reuters) – Police in western India fired tear gas to "
            "disperse a stone-pelting crowd, authorities said on Monday."
        ]
    ).startswith("Police in western India fire tear gas")
    assert derive_title(
        [
            "Tunis - Tunisian police on Wednesday fired tear gas at thousands of protesters "
            "gathered outside the interior ministry in central Tunis."
        ]
    ).startswith("Tunisian police fire tear gas at thousands of protesters gathered")


@pytest.mark.parametrize(
    ("paragraph", "kept"),
    [
        (
            "An Aeroflot Sukhoi Superjet-100 made an emergency landing and burst into flames just "
            "after takeoff from Moscow’s Sheremetyevo airport killing at least 41 people.",
            "burst into flames",
        ),
        (
            "Excited archaeologists are fervently digging for a forgotten pharaoh they believe to "
            "be buried in a new ‘tomb’ hidden behind a 4,200yr-old wall unearthed in Egypt.",
            "digging for a forgotten pharaoh",
        ),
        (
            "Following a storm that stretched from the West Coast through the Midwest Wednesday, "
            "during which hundreds of thousands lost power in the United States, utility crews "
            "are currently working to restore and recover from the damage caused by the sheer "
            "scope of ice, snow, and wind.",
            "recover from the damage",
        ),
        (
            "HOUSTON – The Coast Guard is crying foul at BP’s statement this week that active "
            "cleanup efforts to remove oil along the Gulf Coast shorelines have ended.",
            "crying foul at BP’s statement",
        ),
    ],
)
def test_a_verb_keeps_the_preposition_that_completes_it(paragraph, kept):
    """A cut never falls between a verb and the phrase it needs ("burst | into flames",
    "digging | for", "recover | from", "crying foul | at"), nor inside a "that" clause before its
    verb; a phrase of place after a noun may still go."""
    title = derive_title([paragraph])
    assert kept in title, title
    assert not title.endswith(("they", "oil")), title


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "At about half past one on Tuesday morning the container ship Dali, outbound from the "
            "Port of Baltimore for Sri Lanka, lost power and struck a support pier of the Francis "
            "Scott Key Bridge.",
            "Dali loses power and strikes a support pier",
        ),
        (
            "Outbound from the Port of Baltimore for Sri Lanka, the container ship Dali lost power "
            "early on Tuesday and struck a pier of the Key Bridge.",
            "Container ship Dali loses power",
        ),
        (
            "The actor Gene Hackman, 95, and his wife, the classical pianist Betsy Arakawa, were "
            "found dead at their home in Santa Fe, New Mexico, on Wednesday, with one of their "
            "dogs.",
            "Actor Gene Hackman and his wife found dead at their home in Santa Fe",
        ),
        (
            "The Federal Reserve's chair, Jerome Powell, told an audience at Stanford University "
            "on Wednesday that inflation, 2.5 percent in February by the personal consumption "
            "expenditures index, is moving down toward the Fed's 2 percent goal on a sometimes "
            "bumpy path.",
            "Jerome Powell says inflation is moving down toward the Fed's 2% goal",
        ),
    ],
)
def test_the_subject_and_the_claim_survive_what_surrounds_them(paragraph, expected):
    """A subject that closes a leading phrase or follows a fronted one is found ("… on Tuesday
    morning the container ship Dali, outbound …, lost power"); ages and appositions leave a
    long subject before its complement is cut ("found | dead"); "told an audience … that X"
    titles what was told."""
    assert derive_title([paragraph]).startswith(expected)


def test_a_teaser_gives_way_to_a_later_sentence_that_prints_whole():
    """A first sentence with a modal and a perfect, negated or after a subject naming no one
    ("could not have had a better ending"), yields to a later sentence; a claim inside a report
    ("Target says data may have been compromised") is no teaser."""
    title, kind = chosen_title(
        [
            "The World Athletics Championships could not have had a better ending. Mondo "
            "Duplantis and Tobi Amusan pushed the boundaries in their sport on Sunday evening."
        ]
    )
    assert kind.startswith("later") and title.startswith("Mondo Duplantis and Tobi Amusan push")
    title, kind = chosen_title(
        [
            "Target says information from approximately 40 million of its customer credit and "
            "debit cards swiped in stores may have been compromised by a data breach.",
            "The data breach occurred between Nov. 27 and Dec. 15, 2013, at U.S. stores.",
        ]
    )
    assert title.startswith("Target says") and not kind.startswith("later")


def test_a_second_count_of_casualties_takes_the_headline_form():
    """ "At least three people died and nine others, including two children, were missing": one
    tense, no aside ("… die and nine others missing after …")."""
    title = derive_title(
        [
            "At least three people died and nine others, including two children, were missing "
            "after a small boat capsized in choppy seas off the California coast in an apparent "
            "migrant smuggling attempt north of San Diego, U.S. officials said on Monday."
        ]
    )
    assert title.startswith("At least three people die and nine others missing after"), title


def test_a_long_subject_ends_before_its_own_time_clause():
    """ "Seventeen hostages held captive in Gaza since being abducted … were released": the
    subject of more than ten words loses its "since" clause, so the verb fits."""
    title = derive_title(
        [
            "Seventeen hostages held captive in Gaza since being abducted by Hamas militants in "
            "the Oct. 7 terror attack on Israel were released late Saturday, following a long "
            "delay as part of the short-term cease-fire agreement."
        ]
    )
    assert title.startswith("Seventeen hostages held captive in Gaza released"), title


def test_a_scene_opened_on_it_was_gives_its_clause():
    """ "It was a record-setting weekend, where dozens of daily record highs were set …": when
    nothing else prints, the clause after "where" is the title, not "It was …"."""
    title, kind = chosen_title(
        [
            "It was a record-setting weekend, where dozens of daily record highs were set across "
            "portions of the lower-48 stretching from the Northern Plains to the Northeast."
        ]
    )
    assert kind == "simpler" and title.startswith("Dozens of daily record highs"), title


def test_a_search_gives_way_to_what_it_follows():
    """ "Rescuers backed by helicopters and dogs were scouring a mountainside … after an
    avalanche buried several skiers": the search is the response, the avalanche the news (the
    participle "backed by" is no verb of the subject)."""
    title = derive_title(
        [
            "Vienna: Rescuers backed by helicopters and dogs were scouring a mountainside in a ski "
            "resort in western Austria on Sunday after an avalanche buried several skiers on "
            "Christmas day, officials said Sunday."
        ]
    )
    assert title.startswith("Avalanche buried several skiers"), title


def _read_once_set(stem: str, count: int) -> list[dict]:
    """A held-out set of tests/data/titles: `count` leads, each with a source URL no other
    file has, a licence, a year outside 2004-2005 (the hidden set's) and a title read once."""
    leads = tomllib.loads((DATA / "titles" / f"{stem}.toml").read_text("utf-8"))["lead"]
    others = {
        lead["source"]
        for path in (DATA / "titles").glob("*.toml")
        if path.stem != stem
        for lead in tomllib.loads(path.read_text("utf-8"))["lead"]
    }
    assert len(leads) == count
    for lead in leads:
        assert lead["source"].startswith("http") and lead["licence"] and lead["title_read"]
        assert lead["source"] not in others and not 2004 <= lead["year"] <= 2005
    return leads


def test_the_round_13_set_is_recorded_as_read_once():
    """Round 13's new set (31 leads gathered before its code, none from the other files' URLs)
    keeps a source, a licence, a year outside 2004-2005, the start's title and round 13's title
    read once, each with an editor's verdict: 14 printable before, 14 after."""
    leads = _read_once_set("fresh_round13", 31)
    for lead in leads:
        for verdict, why in (("verdict_before", "why_before"), ("verdict_read", "why")):
            assert lead[verdict] == "keep" or lead[why]
    assert sum(lead["verdict_before"] == "keep" for lead in leads) == 14
    assert sum(lead["verdict_read"] == "keep" for lead in leads) == 14


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "DHAKA, Bangladesh » A fire broke out in an 11-story building housing a garment "
            "factory and apartments in Bangladesh’s capital, killing at least eight people.",
            "Fire breaks out in an 11-story building",
        ),
        (
            "DETROIT Oct 10 A U.S. judge sentenced former Detroit Mayor Kwame Kilpatrick to 28 "
            "years in prison for corruption on Thursday, one of the longest such sentences ever.",
            "U.S. judge sentences former Detroit Mayor Kwame Kilpatrick to 28 years",
        ),
        (
            "As many as 85 villages were flooded in Myanmar after a dam failed, unleashing waters "
            "that blocked a major highway and forced more than 63,000 people from their homes.",
            "As many as 85 villages flooded in Myanmar after a dam failed",
        ),
        (
            "SCRANTON, Pa. (AP) — The former mayor of Scranton, Pennsylvania, was sentenced "
            "Friday to seven years in federal prison on charges that he shook down businesses "
            "for bribes and campaign contributions.",
            "Former mayor of Scranton, Pennsylvania, sentenced to seven years",
        ),
    ],
)
def test_round_13b_datelines_counts_and_sentences(paragraph, expected):
    """Read on round 13's set: "DHAKA, Bangladesh »" and "DETROIT Oct 10" are datelines, "As
    many as 85" is a count (no leading phrase), and a sentence keeps its length ("sentenced |
    to seven years" is no measure of the clause cut off)."""
    assert derive_title([paragraph]).startswith(expected)


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "The Czech National Bank raised its key interest rate unexpectedly on February 6, "
            "after holding it unchanged for five policy sessions in a row.",
            "Czech National Bank raises its key interest rate unexpectedly",
        ),
        (
            "LUCKNOW, India — At least eight workers were killed and over a dozen others injured "
            "after a fire erupted in a chemical factory in northern India, police said Saturday.",
            "At least eight workers killed and over a dozen others injured",
        ),
        (
            "General Motors Corp. said Friday it will shut down its SUV assembly plant in "
            "Moraine, Ohio, on Dec. 23 as the company shifts focus to smaller vehicles.",
            "General Motors Corp. to shut down its SUV assembly plant",
        ),
        (
            "A couple found dead Monday night on the deck of their Pocono Mountains home appeared "
            "to have been shot, police said Tuesday.",
            "Couple found dead on the deck of their Pocono Mountains home appears",
        ),
        (
            "Former Birmingham Mayor Larry Langford was sentenced Friday to 15 years in federal "
            "prison for taking clothes, Rolex watches, loan payments and cash worth more than "
            "$240,000 as bribes in return for lucrative bond work.",
            "Langford sentenced to 15 years in federal prison",
        ),
    ],
)
def test_round_13b_amounts_companies_participles_and_lists(paragraph, expected):
    """Read on round 13's set: "a dozen" keeps its "a" (never "over dozen" or "in row"), a name
    ending on "Corp." is a company and not an office and a surname, "found dead" before a later
    verb describes the subject, and a list of four is never cut after its first item."""
    title = derive_title([paragraph])
    assert title.startswith(expected), title
    assert not title.endswith("clothes") and " in row" not in title, title


def test_the_round_14_set_is_recorded_as_read_once():
    """Round 14's set (18 leads gathered after round 13b's code, none from another file's URL)
    keeps a source, a licence, a year outside 2004-2005 and both titles read once: 9 printable
    with round 13's start and 9 with round 13b's code (the same titles)."""
    leads = _read_once_set("fresh_round14", 18)
    for lead in leads:
        assert lead["verdict_read"] == "keep" or lead["why"]
    assert sum(lead["verdict_before"] == "keep" for lead in leads) == 9
    assert sum(lead["verdict_read"] == "keep" for lead in leads) == 9


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "Australian authorities have seized more than a tonne of cocaine worth hundreds of "
            "millions of dollars, according to police.",
            "Australian authorities seize more than a tonne of cocaine",
        ),
        (
            "Hundreds of passengers have been left stranded at Brussels Airport after luggage "
            "handlers went on strike over workload and pay demands.",
            "Hundreds of passengers left stranded at Brussels Airport",
        ),
        (
            "A gunman shot and killed nine people and wounded at least seven others at a busy "
            "mall north of Dallas on Saturday (May 6), police said.",
            "Gunman shoots and kills nine people and wounds at least seven others",
        ),
        (
            "A lone gunman opened fire at a bustling mall north of Dallas, Texas, killing at least "
            "eight people, including children, and injuring seven others.",
            "Lone gunman opens fire at a bustling mall north of Dallas",
        ),
    ],
)
def test_round_14b_a_tonne_a_name_and_a_third_verb(paragraph, expected):
    """Read on round 14's set: "a tonne" keeps its "a", no cut parts a name ("Brussels |
    Airport"), a third verb of one chain takes the present with the first two, and "opens fire"
    keeps the "at" that says where."""
    assert derive_title([paragraph]).startswith(expected)


def test_the_round_15_set_is_recorded_as_read_once():
    """Round 15's set (37 leads gathered before its code, none from another file's URL) keeps a
    source, a licence, a year outside 2004-2005, the title of its start read once with an
    editor's verdict (19 of 37 printable) and round 15's title read once at its end (21)."""
    leads = _read_once_set("fresh_round15", 37)
    for lead in leads:
        assert lead["verdict_read"] == "keep" or lead["why"]
    assert sum(lead["verdict_read"] == "keep" for lead in leads) == 19
    assert sum(lead["verdict_now"] == "keep" for lead in leads) == 21
    assert all(lead["verdict_now"] == "keep" or lead["why_now"] for lead in leads)


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "The city council approved a budget of more than a million dollars on Monday.",
            "City council approves a budget of more than a million dollars",
        ),
        (
            "LONDON (Reuters) - Fire crews fought the blaze at the warehouse for much of the night.",
            "Fire crews fight the blaze at the warehouse for much of the night",
        ),
    ],
)
def test_round_15_a_single_clause_is_its_title_whole_with_its_articles(paragraph, expected):
    """Round 15's policy: a first sentence of one clause that fits TITLE_LIMIT is its title
    whole, uncut, keeping every article but a leading one (never "more than million", "much of
    night"), marked "whole"."""
    assert chosen_title([paragraph]) == (expected, "whole")


def test_round_15_a_sentence_of_two_clauses_is_still_cut_to_its_main_clause():
    """A sentence with a second clause ("as growing numbers … attempt") is no single clause:
    the cut keeps its main clause, as before round 15 (the sample seed's title)."""
    title, kind = chosen_title(SAMPLE_SEED["paragraphs"])
    assert (title, kind) == ("Peru to declare state of emergency on Chile border", "short")


def test_the_round_16_set_is_recorded_as_read_once():
    """Round 16's set (29 leads gathered after round 15's reading and before any later code,
    none from another file's URL) keeps a source, a licence, a year outside 2004-2005 and
    titles read once with an editor's verdict: 15 of 29 printable with round 14b's code, 14
    with round 15's and 14 with round 15b's."""
    leads = _read_once_set("fresh_round16", 29)
    for lead in leads:
        assert lead["verdict_read"] == "keep" or lead["why"]
    assert sum(lead["verdict_read"] == "keep" for lead in leads) == 14
    assert sum(lead["verdict_before"] == "keep" for lead in leads) == 15
    assert sum(lead["verdict_now"] == "keep" for lead in leads) == 14


def test_the_round_17_set_is_recorded_as_read_once():
    """Round 17's set (21 leads gathered after round 15b's code and before round 15c's, none
    from another file's URL) keeps a source, a licence, a year outside 2004-2005 and round
    15b's title read once with an editor's verdict (14 of 21 printable), and round 15c's (15)."""
    leads = _read_once_set("fresh_round17", 21)
    for lead in leads:
        assert lead["verdict_read"] == "keep" or lead["why"]
    assert sum(lead["verdict_read"] == "keep" for lead in leads) == 14
    assert sum(lead["verdict_now"] == "keep" for lead in leads) == 15


def test_the_round_18_set_is_recorded_as_read_once():
    """Round 18's set (25 leads gathered and committed before round 16's code, none from
    another file's URL) keeps a source, a licence, a year outside 2004-2005 and titles read
    once with an editor's verdict: 13 of 25 printable with the code of round 16's start and 14
    with round 16c's, read at its end."""
    leads = _read_once_set("fresh_round18", 25)
    for lead in leads:
        assert lead["verdict_read"] == "keep" or lead["why"]
        assert lead["verdict_now"] == "keep" or lead["why_now"]
    assert sum(lead["verdict_read"] == "keep" for lead in leads) == 13
    assert sum(lead["verdict_now"] == "keep" for lead in leads) == 14


def test_a_spare_adverb_before_the_verb_with_no_subject_gives_a_title():
    """ "Now comes the hard part …" has no subject once its spare adverb goes: the title is
    derived, not a crash (found by a review's fuzzing: 296 of 62,705 altered real paragraphs
    stopped the build with a traceback)."""
    title, _ = chosen_title(
        [
            "Now comes the hard part for the new government, as it tries to pass a budget "
            "through a parliament in which it has no majority and faces a hostile opposition."
        ]
    )
    assert "hard part" in title
