"""Offline spelling: pyspellchecker's English word-frequency dictionary (shipped inside the
package, no download) with Norvig-style candidates one edit away (a letter deleted, inserted,
changed or two swapped), most frequent first. Two edits would find a few more corrections but
cost about a second per unknown word (hundreds of thousands of strings to look up), and the
unknown words of an essay are mostly names, which have no correction anyway.

A student's ignore list (names, places, words of their field) is passed in by the caller.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from functools import lru_cache

from spellchecker import SpellChecker

from scholarlink.ai.types import SpellingIssue

# Words of letters (any alphabet: Michoacán) with inner apostrophes; a hyphenated compound is
# checked part by part, leaving out parts under four letters (pre-, co-, re-, non-). Words with
# digits or all-capital acronyms are never checked (2023, STEM, NAACP).
_WORD = r"[^\W\d_]+(?:['’][^\W\d_]+)*"
_TOKEN = re.compile(rf"{_WORD}(?:-{_WORD})*")
_PART = re.compile(_WORD)
MAX_SUGGESTIONS = 3
MAX_ISSUES = 50


@lru_cache(maxsize=1)
def _checker() -> SpellChecker:
    return SpellChecker(language="en")


def load_dictionary() -> None:
    """Read the spelling dictionary (~160k words) now: the app calls this at start-up, off the
    event loop, so that the first essay check a student runs does not spend a second of CPU
    (holding the GIL, while every other student's events wait) reading it."""
    _checker()


@lru_cache(maxsize=4096)
def _suggestions(key: str) -> tuple[str, ...]:
    checker = _checker()
    found = checker.known(checker.edit_distance_1(key))
    return tuple(sorted(found, key=lambda c: (-checker[c], c))[:MAX_SUGGESTIONS])


def normalise(word: str) -> str:
    return word.replace("’", "'").lower()


def _checkable(token: str) -> bool:
    return len(token) > 1 and not token.isupper()


def _match_case(template: str, word: str) -> str:
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def spelling_issues(text: str, ignore: Collection[str] = ()) -> list[SpellingIssue]:
    """Unknown words in order of first appearance, each with up to three suggestions."""
    ignored = {normalise(w) for w in ignore}
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        parts = token.split("-")
        tokens.extend(p for p in parts if _checkable(p) and (len(parts) == 1 or len(p) >= 4))
    first: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for token in tokens:
        key = normalise(token)
        if key in ignored:
            continue
        first.setdefault(key, token)
        counts[key] += 1
    checker = _checker()
    unknown = checker.unknown(list(first))
    issues = []
    for key, token in first.items():
        if key not in unknown:
            continue
        ranked = _suggestions(key)
        issues.append(
            SpellingIssue(
                word=token,
                count=counts[key],
                suggestions=[_match_case(token, c) for c in ranked],
            )
        )
        if len(issues) >= MAX_ISSUES:
            break
    return issues


def correct_spelling(text: str, ignore: Collection[str] = ()) -> tuple[str, list[str]]:
    """Replace each unknown word that has a suggestion with its most likely correction.

    Returns the text and one line per corrected word; every correction shows up in the diff, so
    the student accepts or rejects each one."""
    fixes = {
        normalise(i.word): i.suggestions[0] for i in spelling_issues(text, ignore) if i.suggestions
    }
    if not fixes:
        return text, []
    done: Counter[str] = Counter()

    def sub(m: re.Match[str]) -> str:
        token = m.group(0)
        key = normalise(token)
        if key not in fixes or not _checkable(token) or token[:1].isupper():
            return token
        done[key] += 1
        return _match_case(token, fixes[key].lower())

    fixed = _PART.sub(sub, text)
    lines = [f"Spelling: “{w}” → “{fixes[w].lower()}” ({n}×)" for w, n in done.items()]
    return fixed, lines
