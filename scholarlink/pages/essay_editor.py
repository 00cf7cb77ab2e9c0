"""The editor of one essay: autosave, versions, the word count against the prompt's limit, the
five tools with their price shown before running (free when no model is called), spelling with
the student's ignore list, and each suggested change accepted or rejected on its own."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import empty_state, error_callout, field, live_region
from scholarlink.core.errors import ServiceError
from scholarlink.services import credits as ledger
from scholarlink.services import essays as svc
from scholarlink.state.session import SessionState

FOCUS = {"clarity": "Clarity", "concision": "Concision", "grammar": "Grammar", "impact": "Impact"}


@dataclasses.dataclass(frozen=True)
class VersionRow:
    version: int
    note: str
    when: str
    words: int


@dataclasses.dataclass(frozen=True)
class ChangeRow:
    """One suggested change of the last improve/tailor: pending, accepted or rejected."""

    index: int
    before: str
    after: str
    context_before: str
    context_after: str
    status: str = "pending"


@dataclasses.dataclass(frozen=True)
class SpellingRow:
    word: str
    suggestions: list[str]


@dataclasses.dataclass(frozen=True)
class RubricRow:
    criterion: str
    points: float
    max_points: float
    comment: str


@dataclasses.dataclass(frozen=True)
class OutlineSectionRow:
    heading: str
    points: list[str]


@dataclasses.dataclass(frozen=True)
class IdeaRow:
    title: str
    angle: str
    why: str


@dataclasses.dataclass(frozen=True)
class ToolResultView:
    """What the page shows of a tool's result (each tool fills its own fields)."""

    assistant: str = ""
    score: float = 0
    word_count: int = 0
    word_limit: int = 0  # 0: none
    reading_ease: float = 0
    grade: float = 0
    rubric: list[RubricRow] = dataclasses.field(default_factory=list)
    strengths: list[str] = dataclasses.field(default_factory=list)
    weaknesses: list[str] = dataclasses.field(default_factory=list)
    suggestions: list[str] = dataclasses.field(default_factory=list)
    title: str = ""
    sections: list[OutlineSectionRow] = dataclasses.field(default_factory=list)
    ideas: list[IdeaRow] = dataclasses.field(default_factory=list)
    changes: list[str] = dataclasses.field(default_factory=list)


def _result_view(wire: dict[str, Any]) -> ToolResultView:
    """The tool result as the service sends it (the agent's camelCase wire form), for the page."""
    readability = wire.get("readability") or {}
    return ToolResultView(
        assistant=str(wire.get("assistant", "")),
        score=float(wire.get("score", 0)),
        word_count=int(wire.get("wordCount") or 0),
        word_limit=int(wire.get("wordLimit") or 0),
        reading_ease=float(readability.get("fleschReadingEase", 0)),
        grade=float(readability.get("fleschKincaidGrade", 0)),
        rubric=[
            RubricRow(x["criterion"], x["points"], x["maxPoints"], x["comment"])
            for x in wire.get("rubric", [])
        ],
        strengths=list(wire.get("strengths", [])),
        weaknesses=list(wire.get("weaknesses", [])),
        suggestions=list(wire.get("suggestions", [])),
        title=str(wire.get("title", "")),
        sections=[
            OutlineSectionRow(sec["heading"], list(sec["points"]))
            for sec in wire.get("sections", [])
        ],
        ideas=[IdeaRow(i["title"], i["angle"], i["why"]) for i in wire.get("ideas", [])],
        changes=list(wire.get("changes", [])),
    )


@dataclasses.dataclass(frozen=True)
class EditorMeta:
    """What the editor shows beside the essay, read in one go (outside the state lock)."""

    versions: list[VersionRow]
    balance_text: str
    ignored: list[str]
    price_text: str
    price_free: bool


def _meta(user_id: int, essay_id: int, tool: str, content: str) -> EditorMeta:
    side = svc.editor_side(user_id=user_id, essay_id=essay_id)
    versions = [
        VersionRow(
            version=v.version,
            note=v.note or "",
            when=v.created_at.strftime("%b %-d %H:%M"),
            words=svc.word_count(v.content),
        )
        for v in side.versions
    ]
    quote = svc.tool_quote(tool, content)  # type: ignore[arg-type]
    return EditorMeta(
        versions=versions,
        balance_text=ledger.credits(side.balance_millicredits),
        ignored=side.ignored,
        price_text=quote.text,
        price_free=quote.free,
    )


def _write(
    user_id: int,
    essay_id: int,
    *,
    content: str,
    meta: tuple[str, str],
    stored_meta: tuple[str, str],
    new_version: bool = False,
    note: str = "",
) -> svc.EssayPublic:
    """Save the editor's text, with its title and prompt (`meta`) only when they differ from
    what was last loaded or saved (`stored_meta`). The text alone — every pause in typing, and
    the snapshot before an analysis — is the service's one-statement autosave; passing the
    unchanged title and prompt as well sent it down the full path (read the row, validate,
    write it back)."""
    if not new_version and meta == stored_meta:
        return svc.autosave_essay(user_id=user_id, essay_id=essay_id, content=content)
    title, prompt = meta
    return svc.save_essay(
        user_id=user_id,
        essay_id=essay_id,
        content=content,
        title=title,
        prompt=prompt,
        new_version=new_version,
        note=note,
    )


def _saved_at(essay: svc.EssayPublic) -> str:
    return essay.updated_at.strftime("%H:%M:%S")


class EssayEditorState(SessionState):
    found: bool = False
    essay_id: int = 0
    title: str = ""
    prompt: str = ""
    essay_type: str = "personal_statement"
    content: str = ""
    word_limit: int = 0  # 0: the prompt states none
    saved_at: str = ""
    version: int = 1
    versions: list[VersionRow] = []
    error: str = ""
    tool: str = "analyze"
    focus: str = "clarity"
    new_prompt: str = ""
    running: bool = False
    price_text: str = ""
    price_free: bool = True
    balance_text: str = ""
    result_tool: str = ""
    result: ToolResultView = ToolResultView()
    # The last revision's wire result, kept on the server only (accepting a change needs it).
    _revision_wire: dict[str, Any] = {}
    # The title and prompt as last loaded or saved: while they are unchanged a save is the text's.
    _stored_meta: tuple[str, str] = ("", "")
    # The changes of the last improve/tailor, each pending, accepted or rejected.
    changes: list[ChangeRow] = []
    accepted: list[int] = []
    spelling: list[SpellingRow] = []
    ignored: list[str] = []
    ignore_input: str = ""

    def _eid(self) -> int | None:
        # The [eid] argument of the route (a var Reflex adds to the root state).
        raw = str(getattr(self, routes.ESSAY_ID_ARG, ""))
        return int(raw) if raw.isdigit() and len(raw) < 12 else None

    def _apply_meta(self, meta: EditorMeta) -> None:
        self.versions, self.balance_text, self.ignored = (
            meta.versions,
            meta.balance_text,
            meta.ignored,
        )
        self.price_text, self.price_free = meta.price_text, meta.price_free

    def _refresh_meta(self, user_id: int) -> None:
        self._apply_meta(_meta(user_id, self.essay_id, self.tool, self.content))

    def _show(self, essay: svc.EssayPublic) -> None:
        self.content, self.version = essay.content, essay.version
        self.word_limit = svc.essay_word_limit(essay) or 0
        self.saved_at = _saved_at(essay)

    def _clear_result(self) -> None:
        self.result, self._revision_wire, self.result_tool = ToolResultView(), {}, ""
        self.changes, self.accepted, self.spelling = [], [], []

    @rx.event
    def load(self) -> EventSpec | None:
        opened = self._page_opened()
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error, self.running = "", False
        if opened:
            self._clear_result()  # a reconnect or a reload keeps the tool's result on screen
        eid = self._eid()
        try:
            essay = svc.get_essay(user_id=user_id, essay_id=eid or 0)
        except ServiceError:
            self.found = False
            return None
        self.found, self.essay_id = True, essay.id
        self.title, self.prompt, self.essay_type = essay.title, essay.prompt, essay.essay_type
        self._stored_meta = (essay.title, essay.prompt)
        self._show(essay)
        if self.router.url.query_parameters.get("tool") == "tailor":
            # Opened from the reuse map: a copy that carries the match's prompt, to tailor.
            self.tool, self.new_prompt = "tailor", self.prompt
        self._refresh_meta(user_id)
        return None

    @rx.var
    def words(self) -> int:
        return svc.word_count(self.content)

    @rx.var
    def limit_text(self) -> str:
        return svc.word_limit_status(self.content, self.word_limit or None).text

    @rx.var
    def over_limit(self) -> bool:
        return svc.word_limit_status(self.content, self.word_limit or None).over > 0

    def _save(self, *, new_version: bool = False, note: str = "") -> bool:
        """Save what the editor holds (see `_write`)."""
        user_id = self._user_id()
        if user_id is None:
            return False
        try:
            essay = _write(
                user_id,
                self.essay_id,
                content=self.content,
                meta=(self.title, self.prompt),
                stored_meta=self._stored_meta,
                new_version=new_version,
                note=note,
            )
        except ServiceError as exc:
            self.error = exc.message
            return False
        self._stored_meta = (self.title, self.prompt)
        self.version = essay.version
        self.word_limit = svc.essay_word_limit(essay) or 0
        self.saved_at = _saved_at(essay)
        self.error = ""
        return True

    @rx.event
    def autosave(self, value: str) -> None:
        """Debounced on the page: saves the text, never creates a version."""
        self.content = value
        self._save()

    @rx.event
    def set_meta(self, name: str, value: str) -> None:
        if name in ("title", "prompt"):
            setattr(self, name, value)
            self._save(new_version=False)

    def _save_version(self) -> None:
        if self._save(new_version=True, note="Saved by you"):
            user_id = self._user_id()
            if user_id is not None:
                self._refresh_meta(user_id)

    @rx.event
    def save_version(self) -> None:
        self._save_version()

    @rx.event
    def restore(self, version: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        try:
            essay = svc.restore_version(user_id=user_id, essay_id=self.essay_id, version=version)
        except ServiceError as exc:
            self.error = exc.message
        else:
            self.content, self.version = essay.content, essay.version
        self._refresh_meta(user_id)

    @rx.event
    def set_tool(self, value: str) -> None:
        if value in svc.TOOLS:
            self.tool = value
            self._clear_result()
            user_id = self._user_id()
            if user_id is not None:
                self._refresh_meta(user_id)

    @rx.event
    def set_option(self, name: str, value: str) -> None:
        if name in ("focus", "new_prompt", "ignore_input"):
            setattr(self, name, value)

    @rx.event(background=True)
    async def run_tool(self) -> None:
        # The lock is held only to read the inputs and to show the outcome: the save, the tool
        # and the refresh run outside it, so the page stays responsive while a model works.
        async with self:
            user_id = self._user_id()
            if user_id is None or self.running:
                return
            self.running, self.error = True, ""
            essay_id, tool = self.essay_id, self.tool
            content, title, prompt = self.content, self.title, self.prompt
            stored_meta = self._stored_meta
            request = svc.ToolRequest(
                tool=self.tool,  # type: ignore[arg-type]
                content=self.content,
                prompt=self.prompt,
                essay_type=self.essay_type,
                focus_area=self.focus,
                new_prompt=self.new_prompt,
                # The essay's own limit, unless tailoring to a prompt typed in by hand.
                word_limit=(self.word_limit or None)
                if self.tool != "tailor" or self.new_prompt == self.prompt
                else None,
            )
        operation_id = f"essay:{essay_id}:{uuid.uuid4()}"
        saved: svc.EssayPublic | None = None
        try:
            # A snapshot first (a version before a revision), as the student sees it.
            saved = await asyncio.to_thread(
                lambda: _write(
                    user_id,
                    essay_id,
                    content=content,
                    meta=(title, prompt),
                    stored_meta=stored_meta,
                    new_version=tool in ("improve", "tailor"),
                    note=f"Before {svc.TOOLS[tool].lower()}",
                )
            )
        except ServiceError:
            saved = None  # the tool still runs on the text shown; its outcome is reported
        result: dict[str, Any] = {}
        try:
            charged = await asyncio.to_thread(
                svc.run_tool, request, user_id=user_id, operation_id=operation_id
            )
            result, failure = charged.result, ""
        except ServiceError as exc:
            failure = exc.message
        meta = await asyncio.to_thread(_meta, user_id, essay_id, tool, content)
        async with self:
            self.running = False
            self.error = failure
            if saved is not None:
                self.version = saved.version
                self.word_limit = svc.essay_word_limit(saved) or 0
                self.saved_at = _saved_at(saved)
            self._clear_result()
            self.result, self._revision_wire = _result_view(result), result
            self.result_tool = request.tool if result else ""
            self.changes = [
                ChangeRow(
                    index=c["index"],
                    before=c["before"],
                    after=c["after"],
                    context_before=c["contextBefore"],
                    context_after=c["contextAfter"],
                )
                for c in result.get("diff", [])
            ]
            self.spelling = [
                SpellingRow(word=w["word"], suggestions=list(w["suggestions"]))
                for w in result.get("spelling", [])
            ]
            self._apply_meta(meta)

    def _revision(self) -> tuple[str, str] | None:
        wire = self._revision_wire
        original = wire.get("original")
        revised = wire.get("improvedContent") or wire.get("tailoredContent")
        if isinstance(original, str) and isinstance(revised, str):
            return original, revised
        return None

    def _mark(self, index: int, status: str) -> None:
        self.changes = [
            dataclasses.replace(c, status=status) if c.index == index else c for c in self.changes
        ]

    @rx.event
    def accept(self, index: int) -> None:
        """Apply one suggested change to the essay and save it as a new version."""
        user_id = self._user_id()
        revision = self._revision()
        if user_id is None or revision is None:
            return
        original, revised = revision
        try:
            essay = svc.accept_change(
                user_id=user_id,
                essay_id=self.essay_id,
                original=original,
                revised=revised,
                accepted_before=self.accepted,
                accept=index,
                note=f"Accepted change {index + 1} from {svc.TOOLS[self.result_tool].lower()}",
            )
        except ServiceError as exc:
            self.error = exc.message
            return
        self.content, self.version = essay.content, essay.version
        self.saved_at = _saved_at(essay)
        self.error = ""
        self.accepted = [*self.accepted, index]
        self._mark(index, "accepted")
        self._refresh_meta(user_id)

    @rx.event
    def reject(self, index: int) -> None:
        """Leave the essay as it is for this change."""
        if any(c.index == index and c.status == "pending" for c in self.changes):
            self._mark(index, "rejected")

    def _ignore(self, word: str) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        try:
            key = svc.ignore_word(user_id=user_id, word=word)
        except ServiceError as exc:
            self.error = exc.message
            return
        self.ignored = svc.ignored_words(user_id=user_id)
        self.error = ""
        self.spelling = [s for s in self.spelling if s.word.lower() != key]

    @rx.event
    def ignore(self, word: str) -> None:
        self._ignore(word)

    @rx.event
    def add_ignored(self) -> None:
        self._ignore(self.ignore_input)
        if not self.error:
            self.ignore_input = ""

    @rx.event
    def unignore(self, word: str) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        try:
            svc.unignore_word(user_id=user_id, word=word)
        except ServiceError as exc:
            self.error = exc.message
            return
        self.ignored = svc.ignored_words(user_id=user_id)


def _result_list(title: str, items: rx.Var[list[str]] | list[str], color: str) -> rx.Component:
    return rx.vstack(
        rx.text(title, weight="bold", size="2", color=rx.color(color, 11)),
        rx.foreach(items, lambda x: rx.text("• ", x, size="2")),
        spacing="1",
        align="start",
    )


def _change(c: rx.Var[ChangeRow]) -> rx.Component:
    n = (c.index + 1).to(str)
    return rx.card(
        rx.vstack(
            rx.text(
                "…",
                c.context_before,
                rx.el.del_(c.before, style={"color": rx.color("red", 11)}),
                rx.el.ins(c.after, style={"color": rx.color("green", 11)}),
                c.context_after,
                "…",
                size="2",
                white_space="pre-wrap",
            ),
            rx.match(
                c.status,
                ("accepted", rx.badge("Accepted", color_scheme="green")),
                ("rejected", rx.badge("Rejected", color_scheme="gray")),
                rx.hstack(
                    rx.button(
                        "Accept",
                        size="1",
                        aria_label="Accept change " + n,
                        on_click=EssayEditorState.accept(c.index),
                    ),
                    rx.button(
                        "Reject",
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                        aria_label="Reject change " + n,
                        on_click=EssayEditorState.reject(c.index),
                    ),
                    spacing="2",
                ),
            ),
            spacing="1",
            align="start",
        ),
        width="100%",
        class_name="essay-change",
    )


def _changes() -> rx.Component:
    return rx.cond(
        EssayEditorState.changes.length() > 0,
        rx.vstack(
            rx.text(
                "Suggested changes: accept each one you want (each saves a new version).",
                weight="bold",
                size="2",
            ),
            rx.foreach(EssayEditorState.changes, _change),
            spacing="2",
            width="100%",
        ),
        rx.text("The revision is the same as your essay.", size="2"),
    )


def _spelling() -> rx.Component:
    return rx.cond(
        EssayEditorState.spelling.length() > 0,
        rx.vstack(
            rx.text("Spelling", weight="bold", size="2", color=rx.color("orange", 11)),
            rx.foreach(
                EssayEditorState.spelling,
                lambda w: rx.hstack(
                    rx.text(
                        rx.text.strong(w.word),
                        rx.cond(
                            w.suggestions.length() > 0,
                            rx.text.span(" → ", w.suggestions.join(", ")),
                            rx.text.span(" (no suggestion)"),
                        ),
                        size="2",
                    ),
                    rx.button(
                        "Ignore",
                        size="1",
                        variant="ghost",
                        aria_label="Ignore " + w.word,
                        on_click=EssayEditorState.ignore(w.word),
                    ),
                    align="center",
                ),
            ),
            spacing="1",
            align="start",
            id="spelling",
        ),
        rx.fragment(),
    )


def _ignore_list() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Words the spell check ignores", size="3", as_="h2"),
            field(
                "Word to ignore",
                rx.input(
                    id="ignore-word",
                    value=EssayEditorState.ignore_input,
                    on_change=lambda v: EssayEditorState.set_option("ignore_input", v),
                    width="100%",
                ),
                html_for="ignore-word",
                hint="Names, places, terms of your field.",
            ),
            rx.button("Add word", size="2", variant="soft", on_click=EssayEditorState.add_ignored),
            rx.foreach(
                EssayEditorState.ignored,
                lambda w: rx.hstack(
                    rx.text(w, size="2"),
                    rx.spacer(),
                    rx.button(
                        "Remove",
                        size="1",
                        variant="ghost",
                        aria_label="Remove " + w,
                        on_click=EssayEditorState.unignore(w),
                    ),
                    width="100%",
                    align="center",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _result() -> rx.Component:
    r = EssayEditorState.result
    return rx.cond(
        EssayEditorState.result_tool != "",
        rx.card(
            rx.vstack(
                rx.match(
                    EssayEditorState.result_tool,
                    (
                        "analyze",
                        rx.vstack(
                            rx.hstack(
                                rx.heading(r.score, size="8"),
                                rx.text("/ 10", color=rx.color("gray", 11)),
                                align="baseline",
                            ),
                            rx.text(
                                r.word_count,
                                " words · reading ease ",
                                r.reading_ease,
                                " · grade ",
                                r.grade,
                                size="2",
                            ),
                            rx.foreach(
                                r.rubric,
                                lambda x: rx.hstack(
                                    rx.badge(x.points, "/", x.max_points),
                                    rx.text(
                                        rx.text.strong(x.criterion),
                                        " — ",
                                        x.comment,
                                        size="2",
                                    ),
                                    align="start",
                                ),
                            ),
                            _result_list("Strengths", r.strengths, "green"),
                            _result_list("Weaknesses", r.weaknesses, "red"),
                            _result_list("Suggestions", r.suggestions, "blue"),
                            _spelling(),
                            spacing="2",
                            align="start",
                        ),
                    ),
                    (
                        "outline",
                        rx.vstack(
                            rx.heading(r.title, size="4"),
                            rx.foreach(
                                r.sections,
                                lambda sec: rx.vstack(
                                    rx.text(sec.heading, weight="bold"),
                                    rx.foreach(
                                        sec.points,
                                        lambda p: rx.text("• ", p, size="2"),
                                    ),
                                    spacing="0",
                                    align="start",
                                ),
                            ),
                            spacing="2",
                            align="start",
                        ),
                    ),
                    (
                        "ideas",
                        rx.vstack(
                            rx.foreach(
                                r.ideas,
                                lambda i: rx.vstack(
                                    rx.text(i.title, weight="bold"),
                                    rx.text(i.angle, size="2"),
                                    rx.text(i.why, size="1", color=rx.color("gray", 11)),
                                    spacing="0",
                                    align="start",
                                ),
                            ),
                            spacing="3",
                            align="start",
                        ),
                    ),
                    rx.vstack(
                        _result_list("Changes", r.changes, "blue"),
                        rx.text(
                            r.word_count,
                            " words in the revision",
                            rx.cond(
                                r.word_limit > 0,
                                rx.text.span(" (limit ", r.word_limit, ")"),
                                rx.fragment(),
                            ),
                            size="2",
                        ),
                        _changes(),
                        _spelling(),
                        spacing="2",
                        width="100%",
                    ),
                ),
                rx.text(r.assistant, size="1", color=rx.color("gray", 11)),
                spacing="3",
                width="100%",
                align="start",
            ),
            width="100%",
        ),
        rx.fragment(),
    )


def _tools() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Writing assistant", size="4", as_="h2"),
            rx.select.root(
                rx.select.trigger(width="100%", aria_label="Tool"),
                rx.select.content(
                    *(rx.select.item(label, value=key) for key, label in svc.TOOLS.items())
                ),
                value=EssayEditorState.tool,
                on_change=EssayEditorState.set_tool,
            ),
            rx.cond(
                EssayEditorState.tool == "improve",
                rx.select.root(
                    rx.select.trigger(width="100%", aria_label="Focus"),
                    rx.select.content(
                        *(rx.select.item(label, value=key) for key, label in FOCUS.items())
                    ),
                    value=EssayEditorState.focus,
                    on_change=lambda v: EssayEditorState.set_option("focus", v),
                ),
                rx.fragment(),
            ),
            rx.cond(
                EssayEditorState.tool == "tailor",
                rx.text_area(
                    placeholder="The new prompt",
                    value=EssayEditorState.new_prompt,
                    on_change=lambda v: EssayEditorState.set_option("new_prompt", v),
                    rows="3",
                    width="100%",
                    aria_label="New prompt",
                ),
                rx.fragment(),
            ),
            rx.text(
                rx.cond(EssayEditorState.price_free, rx.badge("Free", color_scheme="green"), ""),
                " ",
                rx.text.span(EssayEditorState.price_text, id="price"),
                size="2",
            ),
            rx.text(
                "Your balance: ",
                rx.text.strong(EssayEditorState.balance_text, id="balance"),
                " credits",
                size="2",
            ),
            rx.button(
                rx.cond(
                    EssayEditorState.running,
                    rx.spinner(size="2"),
                    rx.icon("wand-sparkles", size=16),
                ),
                rx.cond(EssayEditorState.running, "Working…", "Run"),
                on_click=EssayEditorState.run_tool,
                disabled=EssayEditorState.running,
                width="100%",
            ),
            live_region(
                rx.cond(
                    EssayEditorState.running,
                    "Working…",
                    rx.cond(EssayEditorState.result_tool != "", "Done: the results are below.", ""),
                ),
                class_name="visually-hidden",
            ),
            rx.hstack(
                rx.link("Buy credits", href=routes.CREDITS, size="1"),
                rx.link("What costs credits", href=routes.PRICING, size="1"),
                spacing="3",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def editor_page() -> rx.Component:
    return page(
        rx.cond(
            EssayEditorState.found,
            rx.vstack(
                rx.link(
                    rx.hstack(
                        rx.icon("arrow-left", size=14),
                        rx.text("All essays"),
                        align="center",
                        spacing="1",
                    ),
                    href=routes.ESSAYS,
                    size="2",
                ),
                rx.input(
                    value=EssayEditorState.title,
                    on_change=EssayEditorState.set_meta("title").debounce(600),
                    size="3",
                    aria_label="Title",
                    variant="soft",
                    width="100%",
                ),
                error_callout(EssayEditorState.error),
                rx.grid(
                    rx.vstack(
                        rx.text_area(
                            value=EssayEditorState.prompt,
                            on_change=EssayEditorState.set_meta("prompt").debounce(600),
                            placeholder="The prompt you are answering",
                            rows="2",
                            width="100%",
                            aria_label="Prompt",
                        ),
                        rx.text_area(
                            value=EssayEditorState.content,
                            on_change=EssayEditorState.autosave.debounce(800),
                            # Leaving the text (e.g. to click Run) saves at once, so a tool never sees stale text.
                            on_blur=EssayEditorState.autosave,
                            placeholder="Write your essay here. It saves as you type.",
                            rows="18",
                            width="100%",
                            aria_label="Essay text",
                        ),
                        rx.hstack(
                            rx.text(
                                EssayEditorState.limit_text,
                                size="2",
                                id="word-count",
                                color=rx.cond(
                                    EssayEditorState.over_limit, rx.color("red", 11), "inherit"
                                ),
                            ),
                            rx.text(
                                "· saved ",
                                EssayEditorState.saved_at,
                                " · version ",
                                EssayEditorState.version,
                                size="2",
                                color=rx.color("gray", 11),
                            ),
                            rx.spacer(),
                            rx.button(
                                "Save version",
                                variant="soft",
                                size="2",
                                on_click=EssayEditorState.save_version,
                            ),
                            width="100%",
                            align="center",
                        ),
                        _result(),
                        spacing="3",
                        width="100%",
                    ),
                    rx.vstack(
                        _tools(),
                        _ignore_list(),
                        rx.card(
                            rx.vstack(
                                rx.heading("Versions", size="3", as_="h2"),
                                rx.foreach(
                                    EssayEditorState.versions,
                                    lambda v: rx.hstack(
                                        rx.text("v", v.version, weight="bold", size="2"),
                                        rx.text(v.when, " · ", v.words, " words", size="1"),
                                        rx.spacer(),
                                        rx.button(
                                            "Restore",
                                            size="1",
                                            variant="ghost",
                                            on_click=EssayEditorState.restore(v.version),
                                        ),
                                        width="100%",
                                        align="center",
                                    ),
                                ),
                                spacing="1",
                                width="100%",
                            ),
                            width="100%",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    columns=rx.breakpoints(initial="1", md="2fr 1fr"),
                    spacing="4",
                    width="100%",
                    align_items="start",
                ),
                spacing="3",
                width="100%",
            ),
            empty_state(
                "file-question",
                "Essay not found",
                "It may have been deleted.",
                rx.link(rx.button("All essays"), href=routes.ESSAYS),
            ),
        ),
        max_width="80rem",
    )
