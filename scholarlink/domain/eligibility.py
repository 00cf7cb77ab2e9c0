"""Judging one programme's rules for one student, on the day of the cycle they would apply in.

Every rule gets a status: met, unmet, unknown (with the question that settles it) or confirmed
(a requirement no profile field can check, which the student said they meet). "Not answered" is
never "yes": a blank field is unknown, never met; a declared list of groups that does not include
the programme's group is unmet. Soft rules (hard=false) rank but never exclude.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, NamedTuple

from scholarlink.domain import fields as cip
from scholarlink.domain.rules import (
    AgeRule,
    AnyOfRule,
    CitizenshipRule,
    ClassRankRule,
    ConfirmRule,
    DemographicsRule,
    FieldOfStudyRule,
    GpaRule,
    InstitutionRule,
    LevelRule,
    MembershipRule,
    NeedRule,
    ResidenceStateRule,
    SchoolStateRule,
    TestScoreRule,
    UnrecordedRule,
)
from scholarlink.domain.standing import (
    COLLEGE_LEVELS,
    ENTERING_COLLEGE,
    Standing,
    age_on,
    standing_on,
)
from scholarlink.domain.vocabulary import (
    CITIZENSHIP,
    DEMOGRAPHICS,
    INSTITUTION_KINDS,
    LEVELS,
    US_STATES,
)

Status = Literal["met", "unmet", "unknown", "confirmed"]
_RANK = {"met": 0, "confirmed": 0, "unknown": 1, "unmet": 2}


@dataclass(frozen=True)
class Profile:
    """What the engine knows of a student. None (or an absent key) = not answered."""

    gpa: float | None = None
    gpa_weighted: bool | None = None
    major: str | None = None
    academic_level: str | None = None
    graduation_year: int | None = None
    birth_date: date | None = None
    citizenship: str | None = None
    state: str | None = None
    school_state: str | None = None
    institution: str | None = None
    demographics: frozenset[str] | None = None  # None = not answered / prefers not to say
    financial_need: bool | None = None
    pell_eligible: bool | None = None
    household_income: int | None = None
    sat: int | None = None
    act: int | None = None
    class_rank_percent: float | None = None
    memberships: tuple[str, ...] | None = None
    # Answers to requirements to confirm, by question key (see question_key).
    answers: dict[str, bool] = field(default_factory=dict)
    # Fields of study the student confirmed for their major (CIP codes); else derived from it.
    cip_codes: frozenset[str] | None = None

    @property
    def fields_of_study(self) -> frozenset[str]:
        if self.cip_codes is not None:
            return self.cip_codes
        return cip.major_to_cip(self.major)


@functools.lru_cache(maxsize=1 << 16)
def question_key(question: str) -> str:
    """The same question asked by several programmes is answered once (remembered: the engine
    asks for the keys of the same questions for every student)."""
    normal = " ".join(question.lower().split()).rstrip("?. ")
    return hashlib.sha256(normal.encode()).hexdigest()[:16]


class Verdict(NamedTuple):
    """Immutable, and a named tuple rather than a frozen dataclass: the matching engine builds
    thousands for every student, and a tuple is several times cheaper to make."""

    criterion: str
    status: Status
    detail: str
    field: str | None = None  # the profile field, or "answer:<key>", that settles an unknown
    question: str | None = None
    hard: bool = True

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "criterion": self.criterion,
            "status": self.status,
            "detail": self.detail,
        }
        if self.field:
            out["field"] = self.field
        if self.question:
            out["question"] = self.question
        if not self.hard:
            out["hard"] = False
        return out


def _names(keys: list[str], vocabulary: dict[str, str]) -> str:
    return ", ".join(vocabulary.get(k, k) for k in keys)


def _ask(criterion: str, detail: str, field_name: str, question: str, hard: bool) -> Verdict:
    return Verdict(criterion, "unknown", detail, field_name, question, hard)


def _confirmable(criterion: str, question: str, p: Profile, hard: bool, detail: str) -> Verdict:
    key = question_key(question)
    answer = p.answers.get(key)
    if answer is True:
        return Verdict(criterion, "confirmed", f"{detail} — you confirmed it", None, None, hard)
    if answer is False:
        return Verdict(
            criterion, "unmet", f"{detail} — you said this does not apply", None, None, hard
        )
    return _ask(criterion, detail, f"answer:{key}", question, hard)


def judge(rule: Any, p: Profile, on: date, today: date) -> Verdict:
    """One rule's verdict for `p`, with the student's standing projected to `on`."""
    # Looked up by the rule's type: an isinstance chain over pydantic models costs more than
    # most verdicts (the matching engine judges thousands of rules per student).
    judge_type = _JUDGES.get(type(rule))
    if judge_type is None:
        judge_type = next((_JUDGES[t] for t in type(rule).__mro__ if t in _JUDGES), None)
        if judge_type is None:
            raise TypeError(f"not a rule: {rule!r}")
    return judge_type(rule, p, on, today, getattr(rule, "hard", True))


def _level_on(rule: LevelRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    return _level(rule, p, standing_on(p.academic_level, p.graduation_year, on, today), hard)


def _gpa_on(rule: GpaRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    return _gpa(rule, p, standing_on(p.academic_level, p.graduation_year, on, today), hard)


def _citizenship(rule: CitizenshipRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    wanted = _names(rule.allowed, CITIZENSHIP)
    if p.citizenship is None:
        return _ask(
            "citizenship",
            f"open to: {wanted}",
            "citizenship",
            "What is your citizenship or residency status?",
            hard,
        )
    ok = p.citizenship in rule.allowed
    return Verdict("citizenship", "met" if ok else "unmet", f"open to: {wanted}", hard=hard)


def _residence(rule: ResidenceStateRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    wanted = _names(rule.states, US_STATES)
    if p.state is None:
        return _ask(
            "residence", f"residents of {wanted}", "state", "Which state do you live in?", hard
        )
    return Verdict(
        "residence",
        "met" if p.state in rule.states else "unmet",
        f"residents of {wanted}",
        hard=hard,
    )


def _school_state(rule: SchoolStateRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    wanted = _names(rule.states, US_STATES)
    where = "high school" if rule.school == "high_school" else "college"
    known = p.state if rule.school == "high_school" else p.school_state
    if known is None:
        return _confirmable(
            "school state",
            f"Will you attend {where} in {wanted}?",
            p,
            hard,
            f"{where} in {wanted}",
        )
    return Verdict(
        "school state",
        "met" if known in rule.states else "unmet",
        f"{where} in {wanted}",
        hard=hard,
    )


def _age(rule: AgeRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    bounds = " and ".join(
        b
        for b in (
            f"at least {rule.min}" if rule.min is not None else "",
            f"at most {rule.max}" if rule.max is not None else "",
        )
        if b
    )
    if p.birth_date is None:
        return _ask("age", f"age {bounds}", "birth_date", "What is your date of birth?", hard)
    age = age_on(p.birth_date, on)
    ok = (rule.min is None or age >= rule.min) and (rule.max is None or age <= rule.max)
    return Verdict("age", "met" if ok else "unmet", f"age {bounds}; you will be {age}", hard=hard)


def _class_rank(rule: ClassRankRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    detail = f"top {rule.top_percent:g}% of the class"
    if p.class_rank_percent is None:
        return _ask(
            "class rank",
            detail,
            "class_rank_percent",
            "Where do you rank in your class (top what percent)?",
            hard,
        )
    ok = p.class_rank_percent <= rule.top_percent
    return Verdict("class rank", "met" if ok else "unmet", detail, hard=hard)


def _demographics(rule: DemographicsRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    wanted = _names(rule.any_of, DEMOGRAPHICS)
    if p.demographics is None:
        return _ask(
            "background",
            f"for: {wanted}",
            "demographics",
            "Do any of these describe you? (optional)",
            hard,
        )
    ok = bool(p.demographics & set(rule.any_of))
    return Verdict("background", "met" if ok else "unmet", f"for: {wanted}", hard=hard)


def _membership(rule: MembershipRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    wanted = ", ".join(rule.any_of)
    mine = [m.lower() for m in (p.memberships or ())]
    if any(w.lower() in m or m in w.lower() for w in rule.any_of for m in mine if m):
        return Verdict("membership", "met", f"members of: {wanted}", hard=hard)
    return _confirmable("membership", rule.question, p, hard, f"members of: {wanted}")


def _confirm(rule: ConfirmRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    return _confirmable("requirement", rule.question, p, hard, rule.question.rstrip("?"))


def _unrecorded(rule: UnrecordedRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    question = (
        f"The programme's rule on {rule.about} is not recorded here: does its page say you qualify?"
    )
    return _confirmable(
        rule.about,
        question,
        p,
        hard,
        f"{rule.about}: not recorded — check the programme's page",
    )


def _level(rule: LevelRule, p: Profile, standing: Standing, hard: bool) -> Verdict:
    wanted = _names(rule.levels, LEVELS)
    if rule.class_years:
        wanted += " (year " + ", ".join(str(y) for y in rule.class_years) + ")"
    if p.academic_level is None:
        return _ask(
            "level", f"for {wanted}", "academic_level", "What is your academic level?", hard
        )
    if standing.finished or standing.level is None:
        return Verdict("level", "unmet", f"for {wanted}; you will have moved on by then", hard=hard)
    if standing.level == ENTERING_COLLEGE:
        if not COLLEGE_LEVELS & set(rule.levels):
            return Verdict(
                "level", "unmet", f"for {wanted}; you will be starting college", hard=hard
            )
        if rule.class_years and 1 not in rule.class_years:
            return Verdict(
                "level", "unmet", f"for {wanted}; you will be in your first year", hard=hard
            )
        return Verdict("level", "met", f"for {wanted} — you will be starting college", hard=hard)
    if standing.level not in rule.levels:
        now = LEVELS.get(standing.level, "an earlier year of high school")
        return Verdict("level", "unmet", f"for {wanted}; you will be: {now}", hard=hard)
    if rule.class_years and standing.level in ("community_college", "undergraduate", "graduate"):
        if standing.class_year is None:
            return _ask(
                "level",
                f"for {wanted}",
                "graduation_year",
                "When do you expect to finish your degree?",
                hard,
            )
        if standing.class_year not in rule.class_years:
            return Verdict(
                "level",
                "unmet",
                f"for {wanted}; you will be in year {standing.class_year}",
                hard=hard,
            )
    return Verdict("level", "met", f"for {wanted}", hard=hard)


def _gpa(rule: GpaRule, p: Profile, standing: Standing, hard: bool) -> Verdict:
    scope = f" for {_names(rule.levels, LEVELS)}" if rule.levels else ""
    basis = "" if rule.basis == "any" else f" {rule.basis}"
    detail = f"minimum{basis} GPA {rule.min:g} on a {rule.scale:g} scale{scope}"
    if rule.levels is not None:
        if p.academic_level is None:
            return _ask("GPA", detail, "academic_level", "What is your academic level?", hard)
        if standing.level not in rule.levels:
            return Verdict(
                "GPA", "met", detail + " — not your level, so it does not apply", hard=hard
            )
    if p.gpa is None:
        return _ask("GPA", detail, "gpa", "What is your GPA?", hard)
    if rule.basis == "unweighted" and p.gpa_weighted is not False:
        if p.gpa_weighted is None:
            return _ask("GPA", detail, "gpa_weighted", "Is your GPA weighted or unweighted?", hard)
        return _ask(
            "GPA", detail + "; yours is weighted", "gpa", "What is your unweighted GPA?", hard
        )
    gpa = p.gpa * rule.scale / 4.0 if rule.scale != 4.0 and p.gpa <= 4.0 else p.gpa
    ok = gpa >= rule.min
    return Verdict("GPA", "met" if ok else "unmet", f"{detail}; yours is {p.gpa:g}", hard=hard)


def _need(rule: NeedRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    if rule.pell_eligible:
        if p.pell_eligible is None:
            return _ask(
                "financial need",
                "for Pell Grant recipients",
                "pell_eligible",
                "Are you eligible for a Pell Grant (from your FAFSA)?",
                hard,
            )
        return Verdict(
            "financial need",
            "met" if p.pell_eligible else "unmet",
            "for Pell Grant recipients",
            hard=hard,
        )
    if rule.max_household_income:
        detail = f"household income at most ${rule.max_household_income:,}"
        if rule.household_size_note:
            detail += f" ({rule.household_size_note})"
        if p.household_income is None:
            return _ask(
                "financial need",
                detail,
                "household_income",
                "What is your household's yearly income?",
                hard,
            )
        ok = p.household_income <= rule.max_household_income
        return Verdict("financial need", "met" if ok else "unmet", detail, hard=hard)
    detail = "for students with financial need"
    if p.financial_need is None and p.pell_eligible is None:
        return _ask(
            "financial need",
            detail,
            "financial_need",
            "Do you have financial need (from your FAFSA)?",
            hard,
        )
    ok = bool(p.financial_need or p.pell_eligible)
    return Verdict("financial need", "met" if ok else "unmet", detail, hard=hard)


def _tests(rule: TestScoreRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    wants = " or ".join(
        w
        for w in (
            f"SAT {rule.sat_min}" if rule.sat_min else "",
            f"ACT {rule.act_min}" if rule.act_min else "",
        )
        if w
    )
    detail = f"at least {wants}"
    checks = []
    if rule.sat_min and p.sat is not None:
        checks.append(p.sat >= rule.sat_min)
    if rule.act_min and p.act is not None:
        checks.append(p.act >= rule.act_min)
    if any(checks):
        return Verdict("test scores", "met", detail, hard=hard)
    relevant_missing = (rule.sat_min and p.sat is None) or (rule.act_min and p.act is None)
    if relevant_missing:
        return _ask("test scores", detail, "test_scores", "What are your SAT or ACT scores?", hard)
    return Verdict("test scores", "unmet", detail, hard=hard)


def _institution(rule: InstitutionRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    if rule.names:
        wanted = ", ".join(rule.names)
        mine = (p.institution or "").lower()
        if mine and any(n.lower() in mine or mine in n.lower() for n in rule.names):
            return Verdict("college", "met", f"at {wanted}", hard=hard)
        question = f"Will you attend {wanted if len(rule.names) == 1 else 'one of: ' + wanted}?"
        return _confirmable("college", question, p, hard, f"at {wanted}")
    kind = INSTITUTION_KINDS.get(rule.kind or "", rule.kind or "")
    return _confirmable("college", f"Will you attend {kind}?", p, hard, f"at {kind}")


def _field(rule: FieldOfStudyRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    names = rule.text or ", ".join(cip.cip_name(c) for c in rule.cip)
    detail = f"for students of {names}"
    if p.major is None and p.cip_codes is None:
        return _ask("field of study", detail, "major", "What do you study or plan to study?", hard)
    codes = p.fields_of_study
    if not codes:
        return _confirmable(
            "field of study", f"Is your field of study one of: {names}?", p, hard, detail
        )
    if cip.field_matches(codes, rule.cip):
        return Verdict("field of study", "met", detail, hard=hard)
    if cip.is_broader(codes, rule.cip):
        return _confirmable(
            "field of study", f"Is your field of study one of: {names}?", p, hard, detail
        )
    return Verdict("field of study", "unmet", detail, hard=hard)


def _any_of(rule: AnyOfRule, p: Profile, on: date, today: date, hard: bool) -> Verdict:
    tracks = [[judge(r, p, on, today) for r in group] for group in rule.groups]

    def worst(track: list[Verdict]) -> Status:
        hard_ones = [v for v in track if v.hard] or [Verdict("", "met", "")]
        status = max(hard_ones, key=lambda v: _RANK[v.status]).status
        if status == "met" and any(v.status == "confirmed" for v in hard_ones):
            return "confirmed"
        return status

    statuses = [worst(t) for t in tracks]
    parts = ["; ".join(v.detail for v in t) for t in tracks]
    detail = " — or — ".join(f"({d})" for d in parts)
    for status in ("met", "confirmed"):
        if status in statuses:
            return Verdict("either/or", status, detail, hard=hard)
    if "unknown" in statuses:
        track = tracks[statuses.index("unknown")]
        first = next(v for v in track if v.status == "unknown")
        return Verdict("either/or", "unknown", detail, first.field, first.question, hard)
    return Verdict("either/or", "unmet", detail, hard=hard)


def overall(verdicts: list[Verdict]) -> Status:
    """The worst hard verdict: unmet > unknown > confirmed > met."""
    hard = [v for v in verdicts if v.hard]
    if any(v.status == "unmet" for v in hard):
        return "unmet"
    if any(v.status == "unknown" for v in hard):
        return "unknown"
    if any(v.status == "confirmed" for v in hard):
        return "confirmed"
    return "met"


_JUDGES: dict[type, Callable[[Any, Profile, date, date, bool], Verdict]] = {
    LevelRule: _level_on,
    GpaRule: _gpa_on,
    CitizenshipRule: _citizenship,
    ResidenceStateRule: _residence,
    SchoolStateRule: _school_state,
    AgeRule: _age,
    NeedRule: _need,
    TestScoreRule: _tests,
    ClassRankRule: _class_rank,
    InstitutionRule: _institution,
    DemographicsRule: _demographics,
    FieldOfStudyRule: _field,
    MembershipRule: _membership,
    ConfirmRule: _confirm,
    UnrecordedRule: _unrecorded,
    AnyOfRule: _any_of,
}
