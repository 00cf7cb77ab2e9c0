"""The essay library, with the reuse map (which essay fits which match's prompt) and a new
essay form. The editor of one essay is `pages/essay_editor.py`."""

from __future__ import annotations

import dataclasses

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import empty_state, error_callout, field, page_header
from scholarlink.core.errors import ServiceError
from scholarlink.services import essay_reuse as reuse
from scholarlink.services import essays as svc
from scholarlink.state.session import SessionState


@dataclasses.dataclass(frozen=True)
class EssayItem:
    """One essay of the library list, ready to show."""

    id: int
    title: str
    type: str
    words: int
    updated: str
    version: int
    href: str


@dataclasses.dataclass(frozen=True)
class ReusePrompt:
    """One prompt of the student's matches with the essay that fits it best (if any)."""

    scholarship: str
    scholarship_id: int
    prompt_index: int
    prompt: str
    limit: str
    has_best: bool
    best_id: int
    best_title: str
    best_score: str
    best_terms: str
    best_words: str


def _item(e: svc.EssayPublic) -> EssayItem:
    return EssayItem(
        id=e.id,
        title=e.title,
        type=e.type_label,
        words=svc.word_count(e.content),
        updated=e.updated_at.strftime("%b %-d, %Y %H:%M"),
        version=e.version,
        href=routes.essay(e.id),
    )


def _reuse_rows(found: reuse.ReuseMap) -> list[ReusePrompt]:
    rows = []
    for p in found.prompts:
        best = p.best
        rows.append(
            ReusePrompt(
                scholarship=p.scholarship,
                scholarship_id=p.scholarship_id,
                prompt_index=p.prompt_index,
                prompt=p.prompt,
                limit=f"{p.word_limit} words at most" if p.word_limit else "No word limit",
                has_best=best is not None,
                best_id=best.essay_id if best else 0,
                best_title=best.title if best else "",
                best_score=f"{best.score:.2f}" if best else "",
                best_terms=", ".join(best.shared_terms) if best else "",
                best_words=svc.WordLimitStatus(best.words, p.word_limit).text if best else "",
            )
        )
    return rows


class EssayLibraryState(SessionState):
    items: list[EssayItem] = []
    new_title: str = ""
    new_prompt: str = ""
    new_type: str = "personal_statement"
    error: str = ""
    reach: list[str] = []
    reuse_prompts: list[ReusePrompt] = []
    without_prompt: int = 0

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error = ""
        self.items = [_item(e) for e in svc.list_essays(user_id=user_id)]
        found = reuse.reuse_map(user_id=user_id)
        self.reach = [r.text for r in found.essays]
        self.reuse_prompts = _reuse_rows(found)
        self.without_prompt = found.matches_without_prompt
        return None

    @rx.event
    def tailor_from(
        self, essay_id: int, scholarship_id: int, prompt_index: int
    ) -> EventSpec | None:
        """A copy of the best-fitting essay for that match's prompt, opened ready to tailor."""
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        try:
            essay = reuse.start_tailoring(
                user_id=user_id,
                essay_id=essay_id,
                scholarship_id=scholarship_id,
                prompt_index=prompt_index,
            )
        except ServiceError as exc:
            self.error = exc.message
            return None
        return rx.redirect(routes.essay(essay.id, tool="tailor"))

    @rx.event
    def set_field(self, name: str, value: str) -> None:
        if name in ("new_title", "new_prompt", "new_type"):
            setattr(self, name, value)

    @rx.event
    def create(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        try:
            essay = svc.create_essay(
                user_id=user_id,
                title=self.new_title,
                prompt=self.new_prompt,
                essay_type=self.new_type,
            )
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.new_title = self.new_prompt = ""
        return rx.redirect(routes.essay(essay.id))


def _reuse_row(r: rx.Var[ReusePrompt]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(rx.text.strong(r.scholarship), " · ", r.limit, size="2"),
            rx.text("“", r.prompt, "”", size="2", color=rx.color("gray", 11)),
            rx.cond(
                r.has_best,
                rx.vstack(
                    rx.text(
                        "Best fit: ",
                        rx.text.strong(r.best_title),
                        " (similarity ",
                        r.best_score,
                        "; shares ",
                        r.best_terms,
                        ") · ",
                        r.best_words,
                        size="2",
                    ),
                    rx.button(
                        "Tailor a copy for this prompt",
                        size="1",
                        variant="soft",
                        on_click=EssayLibraryState.tailor_from(
                            r.best_id,
                            r.scholarship_id,
                            r.prompt_index,
                        ),
                    ),
                    spacing="1",
                    align="start",
                ),
                rx.text(
                    "None of your essays fits this prompt yet.",
                    size="2",
                    color=rx.color("gray", 10),
                ),
            ),
            spacing="1",
            align="start",
        ),
        width="100%",
    )


def _reuse_map() -> rx.Component:
    return rx.cond(
        EssayLibraryState.reuse_prompts.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading("Essay reuse", size="4", as_="h2"),
                rx.text(
                    "The prompts your matches publish, with your essay that fits each best "
                    "(TF-IDF similarity of the words you share with the prompt).",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.foreach(
                    EssayLibraryState.reach,
                    lambda line: rx.text(line, weight="bold", size="2", class_name="reach"),
                ),
                rx.foreach(EssayLibraryState.reuse_prompts, _reuse_row),
                spacing="2",
                width="100%",
                id="reuse-map",
            ),
            width="100%",
        ),
        rx.fragment(),
    )


def essays_page() -> rx.Component:
    return page(
        page_header("Essays", "Your drafts, with versions and the writing assistant."),
        error_callout(EssayLibraryState.error),
        _reuse_map(),
        rx.grid(
            rx.vstack(
                rx.cond(
                    EssayLibraryState.items.length() > 0,
                    rx.vstack(
                        rx.foreach(
                            EssayLibraryState.items,
                            lambda e: rx.card(
                                rx.link(
                                    rx.hstack(
                                        rx.vstack(
                                            rx.text(e.title, weight="bold"),
                                            rx.text(
                                                e.type,
                                                " · ",
                                                e.words,
                                                " words · v",
                                                e.version,
                                                size="1",
                                                color=rx.color("gray", 11),
                                            ),
                                            spacing="0",
                                            align="start",
                                        ),
                                        rx.spacer(),
                                        rx.text(
                                            "Edited ",
                                            e.updated,
                                            size="1",
                                            color=rx.color("gray", 11),
                                        ),
                                        align="center",
                                        width="100%",
                                    ),
                                    href=e.href,
                                    underline="none",
                                    color="inherit",
                                ),
                                width="100%",
                            ),
                        ),
                        width="100%",
                        spacing="2",
                    ),
                    empty_state(
                        "notebook-pen",
                        "No essays yet",
                        "Start a draft on the right; the assistant can outline it for you.",
                    ),
                ),
                width="100%",
            ),
            rx.card(
                rx.vstack(
                    rx.heading("New essay", size="4", as_="h2"),
                    field(
                        "Title",
                        rx.input(
                            id="new-title",
                            value=EssayLibraryState.new_title,
                            on_change=lambda v: EssayLibraryState.set_field("new_title", v),
                            width="100%",
                        ),
                        html_for="new-title",
                    ),
                    field(
                        "Prompt",
                        rx.text_area(
                            id="new-prompt",
                            value=EssayLibraryState.new_prompt,
                            on_change=lambda v: EssayLibraryState.set_field("new_prompt", v),
                            rows="3",
                            width="100%",
                        ),
                        html_for="new-prompt",
                    ),
                    field(
                        "Type",
                        rx.select.root(
                            rx.select.trigger(width="100%", id="new-type"),
                            rx.select.content(
                                *(
                                    rx.select.item(label, value=key)
                                    for key, label in svc.ESSAY_TYPES.items()
                                )
                            ),
                            value=EssayLibraryState.new_type,
                            on_change=lambda v: EssayLibraryState.set_field("new_type", v),
                        ),
                        html_for="new-type",
                    ),
                    rx.button("Create essay", on_click=EssayLibraryState.create, width="100%"),
                    spacing="3",
                    width="100%",
                ),
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="2fr 1fr"),
            spacing="4",
            width="100%",
            align_items="start",
        ),
    )
