from datetime import date

from scholarlink.services.deadlines import days_until, next_deadline


def test_deadline_later_this_year() -> None:
    assert next_deadline(12, 15, date(2026, 11, 25)) == date(2026, 12, 15)


def test_deadline_today_is_still_open() -> None:
    assert days_until(11, 25, date(2026, 11, 25)) == 0


def test_passed_deadline_rolls_to_next_cycle() -> None:
    assert next_deadline(1, 15, date(2026, 11, 25)) == date(2027, 1, 15)


def test_leap_day_falls_back_to_feb_28() -> None:
    assert next_deadline(2, 29, date(2026, 11, 25)) == date(2027, 2, 28)
    assert next_deadline(2, 29, date(2027, 12, 1)) == date(2028, 2, 29)
