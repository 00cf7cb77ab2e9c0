"""The labels and figures the pages print."""

from __future__ import annotations

import pytest

from scholarlink.components.format import criterion_label, money


@pytest.mark.parametrize(
    ("criterion", "label"),
    [
        ("GPA", "GPA"),
        ("class rank", "Class rank"),
        ("financial need", "Financial need"),
        ("test_scores", "Test scores"),
        ("", ""),
    ],
)
def test_criterion_labels_keep_acronyms(criterion: str, label: str) -> None:
    assert criterion_label(criterion) == label


def test_money_ranges() -> None:
    assert money(None, None) == "Amount varies"
    assert money(500, 500) == "$500"
    assert money(None, 2500) == "$2,500"
    assert money(1000, 25000) == "$1,000–$25,000"
