"""The essay library and editor: autosave, versions, word count, and the five tools with their
cost shown before running and the balance after."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.ai.types import ESSAY_TYPES
from scholarlink.components.layout import page
from scholarlink.components.ui import empty_state, error_callout, field, page_header
from scholarlink.db import session_scope
from scholarlink.services import credits as ledger
from scholarlink.services import essays as svc
from scholarlink.services.errors import ServiceError
from scholarlink.state.session import SessionState

FOCUS = {"clarity": "Clarity", "concision": "Concision", "grammar": "Grammar", "impact": "Impact"}


class EssayLibraryState(SessionState):
    items: list[dict[str, Any]] = []
    new_title: str = ""
    new_prompt: str = ""
    new_type: str = "personal_statement"
    error: str = ""

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error = ""
        with session_scope() as session:
            self.items = [
                {
                    "id": e.id,
                    "title": e.title,
                    "type": ESSAY_TYPES.get(e.essay_type, e.essay_type),
                    "words": svc.word_count(e.content),
                    "updated": e.updated_at.strftime("%b %-d, %Y %H:%M"),
                    "version": e.version,
                }
                for e in svc.list_essays(session, user_id)
            ]
        return None

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
            with session_scope() as session:
                essay = svc.create_essay(
                    session,
                    user_id=user_id,
                    title=self.new_title,
                    prompt=self.new_prompt,
                    essay_type=self.new_type,
                )
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.new_title = self.new_prompt = ""
        return rx.redirect(f"{routes.ESSAYS}/{essay.id}")


def essays_page() -> rx.Component:
    return page(
        page_header("Essays", "Your drafts, with versions and the writing assistant."),
        error_callout(EssayLibraryState.error),
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
                                            rx.text(e["title"], weight="bold"),
                                            rx.text(
                                                e["type"],
                                                " · ",
                                                e["words"].to(str),
                                                " words · v",
                                                e["version"].to(str),
                                                size="1",
                                                color=rx.color("gray", 11),
                                            ),
                                            spacing="0",
                                            align="start",
                                        ),
                                        rx.spacer(),
                                        rx.text(
                                            "Edited ",
                                            e["updated"],
                                            size="1",
                                            color=rx.color("gray", 10),
                                        ),
                                        align="center",
                                        width="100%",
                                    ),
                                    href=routes.ESSAYS + "/" + e["id"].to(str),
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
                                    for key, label in ESSAY_TYPES.items()
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


# -- the editor -------------------------------------------------------------------------------


class EssayEditorState(SessionState):
    found: bool = False
    essay_id: int = 0
    title: str = ""
    prompt: str = ""
    essay_type: str = "personal_statement"
    content: str = ""
    saved_at: str = ""
    version: int = 1
    versions: list[dict[str, Any]] = []
    error: str = ""
    tool: str = "analyze"
    focus: str = "clarity"
    new_prompt: str = ""
    running: bool = False
    price_text: str = ""
    balance_text: str = ""
    result_tool: str = ""
    result: dict[str, Any] = {}

    def _eid(self) -> int | None:
        raw = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        return int(raw) if raw.isdigit() and len(raw) < 12 else None

    def _refresh_meta(self, user_id: int) -> None:
        with session_scope() as session:
            self.versions = [
                {
                    "version": v.version,
                    "note": v.note or "",
                    "when": v.created_at.strftime("%b %-d %H:%M"),
                    "words": svc.word_count(v.content),
                }
                for v in svc.list_versions(session, user_id=user_id, essay_id=self.essay_id)
            ]
            self.balance_text = ledger.credits(ledger.balance(session, user_id))
        _, price = svc.tool_quote(self.tool, self.content)  # type: ignore[arg-type]
        self.price_text = ledger.credits(price)

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error, self.result, self.result_tool, self.running = "", {}, "", False
        eid = self._eid()
        try:
            with session_scope() as session:
                essay = svc.get_essay(session, user_id=user_id, essay_id=eid or 0)
                self.found, self.essay_id = True, essay.id or 0
                self.title, self.prompt, self.essay_type = (
                    essay.title,
                    essay.prompt,
                    essay.essay_type,
                )
                self.content, self.version = essay.content, essay.version
                self.saved_at = essay.updated_at.strftime("%H:%M:%S")
        except ServiceError:
            self.found = False
            return None
        self._refresh_meta(user_id)
        return None

    @rx.var
    def words(self) -> int:
        return svc.word_count(self.content)

    def _save(self, *, new_version: bool, note: str = "") -> bool:
        user_id = self._user_id()
        if user_id is None:
            return False
        try:
            with session_scope() as session:
                essay = svc.save_essay(
                    session,
                    user_id=user_id,
                    essay_id=self.essay_id,
                    content=self.content,
                    title=self.title,
                    prompt=self.prompt,
                    new_version=new_version,
                    note=note,
                )
                self.version = essay.version
                self.saved_at = essay.updated_at.strftime("%H:%M:%S")
        except ServiceError as exc:
            self.error = exc.message
            return False
        self.error = ""
        return True

    @rx.event
    def autosave(self, value: str) -> None:
        """Debounced on the page: saves the text, never creates a version."""
        self.content = value
        self._save(new_version=False)

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
            with session_scope() as session:
                essay = svc.restore_version(
                    session, user_id=user_id, essay_id=self.essay_id, version=version
                )
                self.content, self.version = essay.content, essay.version
        except ServiceError as exc:
            self.error = exc.message
        self._refresh_meta(user_id)

    @rx.event
    def set_tool(self, value: str) -> None:
        if value in svc.TOOLS:
            self.tool = value
            self.result, self.result_tool = {}, ""
            user_id = self._user_id()
            if user_id is not None:
                self._refresh_meta(user_id)

    @rx.event
    def set_option(self, name: str, value: str) -> None:
        if name in ("focus", "new_prompt"):
            setattr(self, name, value)

    @rx.event(background=True)
    async def run_tool(self) -> None:
        async with self:
            user_id = self._user_id()
            if user_id is None or self.running:
                return
            self.running, self.error = True, ""
            request = svc.ToolRequest(
                tool=self.tool,  # type: ignore[arg-type]
                content=self.content,
                prompt=self.prompt,
                essay_type=self.essay_type,
                focus_area=self.focus,
                new_prompt=self.new_prompt,
            )
            self._save(
                new_version=self.tool in ("improve", "tailor"),
                note=f"Before {svc.TOOLS[self.tool].lower()}",
            )
            operation_id = f"essay:{self.essay_id}:{uuid.uuid4()}"
        try:
            charged = await asyncio.to_thread(
                svc.run_tool, request, user_id=user_id, operation_id=operation_id
            )
            result, failure = charged.result, ""
        except ServiceError as exc:
            result, failure = {}, exc.message
        async with self:
            self.running = False
            self.error = failure
            self.result, self.result_tool = result, (request.tool if result else "")
            self._refresh_meta(user_id)

    @rx.event
    def use_text(self) -> None:
        """Put the improved or tailored text into the editor (the previous text stays a version)."""
        text = self.result.get("improvedContent") or self.result.get("tailoredContent")
        if isinstance(text, str) and text:
            self.content = text
            self._save_version()


def _result_list(title: str, key: str, color: str) -> rx.Component:
    return rx.cond(
        EssayEditorState.result.contains(key),
        rx.vstack(
            rx.text(title, weight="bold", size="2", color=rx.color(color, 11)),
            rx.foreach(
                EssayEditorState.result[key].to(list[str]), lambda x: rx.text("• ", x, size="2")
            ),
            spacing="1",
            align="start",
        ),
        rx.fragment(),
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
                                rx.heading(r["score"].to(str), size="8"),
                                rx.text("/ 10", color=rx.color("gray", 10)),
                                align="baseline",
                            ),
                            rx.text(
                                r["wordCount"].to(str),
                                " words · reading ease ",
                                r["readability"].to(dict)["fleschReadingEase"].to(str),
                                " · grade ",
                                r["readability"].to(dict)["fleschKincaidGrade"].to(str),
                                size="2",
                            ),
                            rx.foreach(
                                r["rubric"].to(list[dict[str, Any]]),
                                lambda x: rx.hstack(
                                    rx.badge(x["points"].to(str), "/", x["maxPoints"].to(str)),
                                    rx.text(
                                        rx.text.strong(x["criterion"]),
                                        " — ",
                                        x["comment"],
                                        size="2",
                                    ),
                                    align="start",
                                ),
                            ),
                            _result_list("Strengths", "strengths", "green"),
                            _result_list("Weaknesses", "weaknesses", "red"),
                            _result_list("Suggestions", "suggestions", "blue"),
                            spacing="2",
                            align="start",
                        ),
                    ),
                    (
                        "outline",
                        rx.vstack(
                            rx.heading(r["title"].to(str), size="4"),
                            rx.foreach(
                                r["sections"].to(list[dict[str, Any]]),
                                lambda sec: rx.vstack(
                                    rx.text(sec["heading"], weight="bold"),
                                    rx.foreach(
                                        sec["points"].to(list[str]),
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
                                r["ideas"].to(list[dict[str, Any]]),
                                lambda i: rx.vstack(
                                    rx.text(i["title"], weight="bold"),
                                    rx.text(i["angle"], size="2"),
                                    rx.text(i["why"], size="1", color=rx.color("gray", 11)),
                                    spacing="0",
                                    align="start",
                                ),
                            ),
                            spacing="3",
                            align="start",
                        ),
                    ),
                    rx.vstack(
                        _result_list("Changes", "changes", "blue"),
                        rx.text_area(
                            value=rx.cond(
                                r.contains("improvedContent"),
                                r["improvedContent"].to(str),
                                r["tailoredContent"].to(str),
                            ),
                            read_only=True,
                            rows="10",
                            width="100%",
                        ),
                        rx.button(
                            "Use this text", on_click=EssayEditorState.use_text, variant="soft"
                        ),
                        spacing="2",
                        width="100%",
                    ),
                ),
                rx.text(r["assistant"].to(str), size="1", color=rx.color("gray", 10)),
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
                "Cost: ",
                rx.text.strong(EssayEditorState.price_text),
                " credits · your balance: ",
                rx.text.strong(EssayEditorState.balance_text, id="balance"),
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
            rx.link("Buy credits", href=routes.CREDITS, size="1"),
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
                            rx.text(EssayEditorState.words, " words", size="2", id="word-count"),
                            rx.text(
                                "· saved ",
                                EssayEditorState.saved_at,
                                " · version ",
                                EssayEditorState.version,
                                size="2",
                                color=rx.color("gray", 10),
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
                        rx.card(
                            rx.vstack(
                                rx.heading("Versions", size="3", as_="h2"),
                                rx.foreach(
                                    EssayEditorState.versions,
                                    lambda v: rx.hstack(
                                        rx.text("v", v["version"].to(str), weight="bold", size="2"),
                                        rx.text(
                                            v["when"], " · ", v["words"].to(str), " words", size="1"
                                        ),
                                        rx.spacer(),
                                        rx.button(
                                            "Restore",
                                            size="1",
                                            variant="ghost",
                                            on_click=EssayEditorState.restore(v["version"].to(int)),
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
