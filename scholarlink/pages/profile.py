"""The student profile: validated field by field, with what is missing and why it matters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import error_callout, field, page_header
from scholarlink.core.errors import ValidationFailed
from scholarlink.domain.fields import cip_name, major_to_cip
from scholarlink.services import profiles
from scholarlink.services.vocabulary import (
    ACADEMIC_LEVELS,
    CITIZENSHIP,
    DEMOGRAPHICS,
    INTERESTS,
    US_STATES,
)
from scholarlink.state.session import SessionState

PELL = {"yes": "Yes", "no": "No"}
BACKGROUND = {"listed": "Yes — the ones I tick below", "none": "None of these describe me"}


@dataclass
class Missing:
    label: str
    why: str


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ProfileState(SessionState):
    gpa: str = ""
    gpa_weighted: bool = False
    major: str = ""
    academic_level: str = ""
    graduation_year: str = ""
    school: str = ""
    state: str = ""
    citizenship: str = ""
    financial_need: str = ""
    extracurriculars: str = ""
    achievements: str = ""
    interests: list[str] = []
    demographics: list[str] = []
    # "" = not answered / prefer not to say; "none" = none of these; "listed" = the boxes ticked.
    demographics_answer: str = ""
    birth_date: str = ""
    school_state: str = ""
    institution: str = ""
    pell_eligible: str = ""
    household_income: str = ""
    sat: str = ""
    act: str = ""
    class_rank_percent: str = ""
    memberships: str = ""
    # How the engine reads the major (CIP 2020 fields), for the student to check.
    major_fields: str = ""
    errors: dict[str, str] = {}
    message: str = ""
    error: str = ""
    completion: int = 0
    missing: list[Missing] = []

    def _fill(self, view: profiles.ProfileViewPublic) -> None:
        self.completion = view.completion
        self.missing = [Missing(label=m.label, why=m.why) for m in view.missing]
        profile = view.profile
        if profile is None:
            return
        self.gpa = "" if profile.gpa is None else f"{profile.gpa:g}"
        self.gpa_weighted = bool(profile.gpa_weighted)
        self.major = profile.major or ""
        self.academic_level = profile.academic_level or ""
        self.graduation_year = (
            "" if profile.graduation_year is None else str(profile.graduation_year)
        )
        self.school = profile.school or ""
        self.state = profile.state or ""
        self.citizenship = profile.citizenship or ""
        self.financial_need = (
            "" if profile.financial_need is None else ("yes" if profile.financial_need else "no")
        )
        self.extracurriculars = "\n".join(profile.extracurriculars)
        self.achievements = "\n".join(profile.achievements)
        self.interests = [i for i in profile.interests if i in INTERESTS]
        self.demographics = list(profile.demographics or [])
        self.demographics_answer = (
            "" if profile.demographics is None else "listed" if profile.demographics else "none"
        )
        self.birth_date = profile.birth_date.isoformat() if profile.birth_date else ""
        self.school_state = profile.school_state or ""
        self.institution = profile.institution or ""
        self.pell_eligible = (
            "" if profile.pell_eligible is None else ("yes" if profile.pell_eligible else "no")
        )
        self.household_income = (
            "" if profile.household_income is None else str(profile.household_income)
        )
        self.sat = "" if profile.sat is None else str(profile.sat)
        self.act = "" if profile.act is None else str(profile.act)
        self.class_rank_percent = (
            "" if profile.class_rank_percent is None else f"{profile.class_rank_percent:g}"
        )
        self.memberships = "\n".join(profile.memberships)
        codes = sorted(major_to_cip(profile.major))
        self.major_fields = (
            ", ".join(f"{cip_name(c)} (CIP {c})" for c in codes)
            if codes
            else (
                "not recognised — programmes with a field rule will ask you"
                if profile.major
                else ""
            )
        )

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.errors, self.message, self.error = {}, "", ""
        self._fill(profiles.profile_of(user_id=user_id))
        return None

    @rx.event
    def set_value(self, name: str, value: str) -> None:
        if name in (
            "gpa",
            "major",
            "academic_level",
            "graduation_year",
            "school",
            "state",
            "citizenship",
            "financial_need",
            "extracurriculars",
            "achievements",
            "birth_date",
            "school_state",
            "institution",
            "pell_eligible",
            "household_income",
            "sat",
            "act",
            "class_rank_percent",
            "memberships",
            "demographics_answer",
        ):
            setattr(self, name, str(value)[:2000])
            self.errors = {k: v for k, v in self.errors.items() if k != name}
            self.message = ""

    @rx.event
    def set_weighted(self, value: bool) -> None:
        self.gpa_weighted = value

    @rx.event
    def toggle(self, group: str, key: str, checked: bool) -> None:
        vocab = (
            INTERESTS if group == "interests" else DEMOGRAPHICS if group == "demographics" else None
        )
        if vocab is None or key not in vocab:
            return
        current = [k for k in getattr(self, group) if k != key]
        setattr(self, group, [*current, key] if checked else current)
        if group == "demographics":
            self.demographics_answer = "listed" if self.demographics else ""
        self.message = ""

    @rx.event
    def save(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        raw: dict[str, Any] = {
            "gpa": self.gpa.strip() or None,
            "gpa_weighted": self.gpa_weighted,
            "major": self.major.strip() or None,
            "academic_level": self.academic_level or None,
            "graduation_year": self.graduation_year.strip() or None,
            "school": self.school.strip() or None,
            "state": self.state or None,
            "citizenship": self.citizenship or None,
            "financial_need": {"yes": True, "no": False}.get(self.financial_need),
            "extracurriculars": _lines(self.extracurriculars),
            "achievements": _lines(self.achievements),
            "interests": self.interests,
            # Not answered stays not answered: only "none of these" is an empty list.
            "demographics": (
                self.demographics
                if self.demographics_answer == "listed"
                else []
                if self.demographics_answer == "none"
                else None
            ),
            "birth_date": self.birth_date.strip() or None,
            "school_state": self.school_state or None,
            "institution": self.institution.strip() or None,
            "pell_eligible": {"yes": True, "no": False}.get(self.pell_eligible),
            "household_income": self.household_income.strip().replace(",", "") or None,
            "test_scores": {"sat": self.sat.strip() or None, "act": self.act.strip() or None},
            "class_rank_percent": self.class_rank_percent.strip() or None,
            "memberships": _lines(self.memberships),
        }
        self.errors, self.message, self.error = {}, "", ""
        try:
            changes = profiles.parse_profile_input(raw)
        except ValidationFailed as exc:
            self.errors = {str(d["field"]).split(".")[0]: str(d["message"]) for d in exc.details}
            self.error = "Some fields need attention — nothing was saved."
            return None
        self._fill(profiles.save_profile(user_id=user_id, changes=changes))
        self.message = "Profile saved. Your matches will use it the next time you refresh them."
        return rx.toast.success("Profile saved")


def _select(name: str, options: dict[str, str], placeholder: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, width="100%", id=name),
        rx.select.content(*(rx.select.item(label, value=key) for key, label in options.items())),
        value=getattr(ProfileState, name),
        on_change=lambda v: ProfileState.set_value(name, v),
        name=name,
    )


def _text(name: str, **props: Any) -> rx.Component:
    return rx.input(
        id=name,
        name=name,
        value=getattr(ProfileState, name),
        on_change=lambda v: ProfileState.set_value(name, v),
        width="100%",
        **props,
    )


def _checks(group: str, options: dict[str, str]) -> rx.Component:
    values = getattr(ProfileState, group)
    return rx.grid(
        *(
            rx.checkbox(
                label,
                checked=values.contains(key),
                on_change=lambda c, k=key: ProfileState.toggle(group, k, c),
                size="2",
            )
            for key, label in options.items()
        ),
        columns=rx.breakpoints(initial="1", sm="2", lg="3"),
        spacing="2",
        width="100%",
    )


def _completion() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Profile completion", size="4"),
                rx.spacer(),
                rx.heading(f"{ProfileState.completion}%", size="4", id="completion"),
            ),
            rx.progress(
                value=ProfileState.completion, width="100%", aria_label="Profile completion"
            ),
            rx.cond(
                ProfileState.missing.length() > 0,
                rx.vstack(
                    rx.text("What is missing and why it matters", weight="medium", size="2"),
                    rx.foreach(
                        ProfileState.missing,
                        lambda m: rx.hstack(
                            rx.icon("circle-dashed", size=14, color=rx.color("amber", 10)),
                            rx.text(rx.text.strong(m.label), " — ", m.why, size="2"),
                            align="start",
                            spacing="2",
                        ),
                    ),
                    spacing="2",
                ),
                rx.text(
                    "Complete — every criterion can be checked.",
                    size="2",
                    color=rx.color("green", 11),
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _section(title: str, *children: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
    )


def _columns(*children: rx.Component) -> rx.Component:
    return rx.grid(
        *children, columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"
    )


def _field(
    label: str, name: str, control: rx.Component, hint: str = "", control_id: str = ""
) -> rx.Component:
    """A profile field with its own error message from the last save; the label names the
    control (`control_id` when the control's id is not the field's name)."""
    return field(
        label,
        control,
        error=ProfileState.errors.get(name, ""),
        hint=hint,
        html_for=control_id or name,
    )


def _lines_area(name: str) -> rx.Component:
    return rx.text_area(
        id=name,
        value=getattr(ProfileState, name),
        on_change=lambda v: ProfileState.set_value(name, v),
        rows="3",
        width="100%",
    )


def profile_page() -> rx.Component:
    need = {"yes": "Yes, I have financial need", "no": "No"}
    return page(
        page_header(
            "Your profile", "Matching checks each scholarship's criteria against these answers."
        ),
        rx.grid(
            rx.vstack(
                error_callout(ProfileState.error),
                _section(
                    "Academics",
                    _columns(
                        _field(
                            "GPA",
                            "gpa",
                            _text("gpa", placeholder="3.7", input_mode="decimal"),
                            hint="0–4.0, or up to 5.0 if weighted",
                        ),
                        _field(
                            "Academic level",
                            "academic_level",
                            _select("academic_level", ACADEMIC_LEVELS, "Choose your level"),
                        ),
                        _field(
                            "Intended major",
                            "major",
                            rx.vstack(
                                _text("major", placeholder="Computer Science"),
                                rx.cond(
                                    ProfileState.major_fields != "",
                                    rx.text(
                                        "We read it as: ",
                                        ProfileState.major_fields,
                                        " — if that is wrong, reword your major.",
                                        size="1",
                                        id="major-fields",
                                        color=rx.color("gray", 11),
                                    ),
                                    rx.fragment(),
                                ),
                                spacing="1",
                                width="100%",
                            ),
                        ),
                        _field(
                            "Graduation year",
                            "graduation_year",
                            _text("graduation_year", placeholder="2027", input_mode="numeric"),
                        ),
                        _field(
                            "School", "school", _text("school", placeholder="Lincoln High School")
                        ),
                        rx.checkbox(
                            "My GPA is weighted",
                            checked=ProfileState.gpa_weighted,
                            on_change=ProfileState.set_weighted,
                        ),
                    ),
                ),
                _section(
                    "Residency and need",
                    _columns(
                        _field("State", "state", _select("state", US_STATES, "Choose your state")),
                        _field(
                            "Citizenship or residency",
                            "citizenship",
                            _select("citizenship", CITIZENSHIP, "Choose one"),
                        ),
                        _field(
                            "Financial need",
                            "financial_need",
                            _select("financial_need", need, "Choose one"),
                        ),
                        _field(
                            "Pell Grant eligible",
                            "pell_eligible",
                            _select("pell_eligible", PELL, "Choose one"),
                            hint="Your FAFSA results say so; many state and need-based awards follow it",
                        ),
                        _field(
                            "Household income (per year, USD)",
                            "household_income",
                            _text("household_income", placeholder="45000", input_mode="numeric"),
                            hint="Only for awards with an income limit",
                        ),
                        _field(
                            "Date of birth",
                            "birth_date",
                            _text("birth_date", type="date"),
                            hint="Some awards have age limits",
                        ),
                        _field(
                            "State where you study",
                            "school_state",
                            _select("school_state", US_STATES, "Choose a state"),
                        ),
                        _field(
                            "College you attend or will attend",
                            "institution",
                            _text("institution", placeholder="University of Texas at Austin"),
                        ),
                    ),
                ),
                _section(
                    "Test scores and rank (optional)",
                    _columns(
                        _field(
                            "SAT",
                            "test_scores",
                            _text("sat", placeholder="1350", input_mode="numeric"),
                        ),
                        _field(
                            "ACT",
                            "test_scores",
                            _text("act", placeholder="29", input_mode="numeric"),
                        ),
                        _field(
                            "Class rank (top %)",
                            "class_rank_percent",
                            _text("class_rank_percent", placeholder="10", input_mode="decimal"),
                        ),
                    ),
                    _field(
                        "Memberships and employers (one per line)",
                        "memberships",
                        _lines_area("memberships"),
                        hint="Yours or a parent's: Elks, a union, Burger King, American Legion…",
                    ),
                ),
                _section(
                    "Activities and interests",
                    _field(
                        "Extracurriculars (one per line)",
                        "extracurriculars",
                        _lines_area("extracurriculars"),
                    ),
                    _field(
                        "Achievements (one per line)", "achievements", _lines_area("achievements")
                    ),
                    rx.text("Interests", size="2", weight="medium"),
                    _checks("interests", INTERESTS),
                ),
                _section(
                    "Background (optional)",
                    rx.text(
                        "Only if you want: some scholarships are reserved for particular groups. Never required, never shared.",
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                    _field(
                        "Do you want to answer?",
                        "demographics",
                        _select("demographics_answer", BACKGROUND, "Prefer not to say"),
                        hint="If you say none apply, awards reserved for these groups are not shown",
                        control_id="demographics_answer",
                    ),
                    _checks("demographics", DEMOGRAPHICS),
                ),
                rx.hstack(
                    rx.button("Save profile", on_click=ProfileState.save, size="3"),
                    rx.cond(
                        ProfileState.message != "",
                        rx.text(
                            ProfileState.message,
                            size="2",
                            color=rx.color("green", 11),
                            role="status",
                        ),
                        rx.fragment(),
                    ),
                    rx.link("See my matches →", href=routes.MATCHES, size="2"),
                    align="center",
                    spacing="4",
                    wrap="wrap",
                ),
                spacing="4",
                width="100%",
            ),
            rx.box(
                _completion(), position=rx.breakpoints(initial="static", md="sticky"), top="5rem"
            ),
            columns=rx.breakpoints(initial="1", md="3fr 1.3fr"),
            spacing="5",
            width="100%",
            align_items="start",
        ),
    )
