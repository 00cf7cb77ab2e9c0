"""Organisations: the counsellor's page (/organisation: students, local scholarships, import with
a dry run) and the student's (/organisation/join: join with a code, choose what to share)."""

from __future__ import annotations

from typing import Any, TypedDict

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink.components.layout import page
from scholarlink.components.ui import error_callout, field, info_callout, page_header, plain_table
from scholarlink.core.db import session_scope
from scholarlink.core.errors import ServiceError
from scholarlink.services import organisations as orgs
from scholarlink.services.matches import today
from scholarlink.state.session import SessionState


class ReportLine(TypedDict):
    line: int
    outcome: str
    text: str


class CounsellorState(SessionState):
    org_id: int = 0
    org_name: str = ""
    new_code: str = ""
    kind: str = "school"
    fmt: str = "csv"
    audience: str = "members"
    import_text: str = ""
    students: list[dict[str, str]] = []
    local_rows: list[dict[str, Any]] = []
    report: list[ReportLine] = []
    report_title: str = ""
    error: str = ""
    notice: str = ""

    def _reload(self, user_id: int) -> None:
        with session_scope() as session:
            mine = orgs.my_organisations(session, user_id=user_id)
            if not mine:
                self.org_id, self.org_name, self.students, self.local_rows = 0, "", [], []
                return
            org = mine[0]
            self.org_id, self.org_name = org.id or 0, org.name
            self.students = [
                {k: str(v) for k, v in r.items()}
                for r in orgs.students(session, counsellor_id=user_id, org_id=self.org_id)
            ]
            self.local_rows = [
                {k: (v if k == "id" else str(v)) for k, v in r.items()}
                for r in orgs.local_scholarships(session, counsellor_id=user_id, org_id=self.org_id)
            ]

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error = self.notice = self.new_code = ""
        self.report, self.report_title = [], ""
        self._reload(user_id)
        return None

    @rx.event
    def set_kind(self, value: str) -> None:
        self.kind = str(value)[:20]

    @rx.event
    def set_fmt(self, value: str) -> None:
        self.fmt = "json" if value == "json" else "csv"

    @rx.event
    def set_audience(self, value: str) -> None:
        self.audience = str(value)[:20]

    @rx.event
    def set_import_text(self, value: str) -> None:
        self.import_text = str(value)[: orgs.MAX_IMPORT_BYTES + 1]

    @rx.event
    def create(self, form: dict[str, Any]) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error = ""
        try:
            with session_scope() as session:
                _, code = orgs.create(
                    session,
                    user_id=user_id,
                    name=str(form.get("name") or ""),
                    kind=self.kind,
                    area_state=str(form.get("area_state") or "") or None,
                )
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.new_code = code
        self._reload(user_id)
        return None

    @rx.event
    def rotate(self) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        code = self._in_session(
            lambda s: orgs.rotate_code(s, counsellor_id=user_id, org_id=self.org_id)
        )
        if code is not None:
            self.new_code = code

    def _import(self, apply: bool) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        self.error = self.notice = ""
        try:
            with session_scope() as session:
                report = orgs.import_local(
                    session,
                    counsellor_id=user_id,
                    org_id=self.org_id,
                    text=self.import_text,
                    fmt=self.fmt,
                    audience=self.audience,
                    apply=apply,
                    today=today(),
                )
        except ServiceError as exc:
            self.error = exc.message
            return
        lines = (
            [
                ReportLine(line=n, outcome="added" if apply else "would add", text=t)
                for n, t in report.added
            ]
            + [
                ReportLine(line=n, outcome="changed" if apply else "would change", text=t)
                for n, t in report.changed
            ]
            + [ReportLine(line=n, outcome="unchanged", text=t) for n, t in report.unchanged]
            + [ReportLine(line=n, outcome="refused", text=t) for n, t in report.refused]
        )
        self.report = sorted(lines, key=lambda r: r["line"])
        verb = "Imported" if apply else "Dry run (nothing written)"
        self.report_title = (
            f"{verb}: {len(report.added)} added, {len(report.changed)} changed, "
            f"{len(report.unchanged)} unchanged, {len(report.refused)} refused"
        )
        self._reload(user_id)

    @rx.event
    def dry_run(self) -> None:
        self._import(False)

    @rx.event
    def apply(self) -> None:
        self._import(True)

    @rx.event
    def remove(self, scholarship_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        self._in_session(
            lambda s: orgs.remove_local(
                s, counsellor_id=user_id, org_id=self.org_id, scholarship_id=scholarship_id
            )
        )
        self._reload(user_id)


def _create_form() -> rx.Component:
    return rx.card(
        rx.heading("Set up your school or foundation", size="4", as_="h2"),
        rx.text(
            "You become its first counsellor. Students join with a code you hand out.", size="2"
        ),
        rx.form(
            rx.vstack(
                field(
                    "Name",
                    rx.input(name="name", id="org-name", required=True, width="100%"),
                    html_for="org-name",
                ),
                rx.el.fieldset(
                    rx.el.legend(rx.text("It is a", size="2", weight="medium")),
                    rx.radio_group.root(
                        rx.hstack(
                            *(
                                rx.radio_group.item(label, value=k)
                                for k, label in orgs.KINDS.items()
                            ),
                            spacing="4",
                        ),
                        value=CounsellorState.kind,
                        on_change=CounsellorState.set_kind,
                    ),
                    border="none",
                    padding="0",
                    margin="0",
                ),
                field(
                    "State (two letters, optional: to reach students living there)",
                    rx.input(name="area_state", id="org-state", max_length=2, width="6rem"),
                    html_for="org-state",
                ),
                rx.button("Create", type="submit"),
                spacing="3",
                width="100%",
            ),
            on_submit=CounsellorState.create,
            reset_on_submit=False,
        ),
        width="100%",
    )


def _table(rows: Any, columns: list[tuple[str, str]], extra: Any = None) -> rx.Component:
    return plain_table(rows, columns, extra)


def _import_card() -> rx.Component:
    return rx.card(
        rx.heading("Post local scholarships", size="4", as_="h2"),
        rx.text(
            "Paste CSV (columns: " + ", ".join(orgs.CSV_COLUMNS) + "; levels and states "
            "separated by ';') or JSON entries in the catalogue's rule language. Check first: "
            "nothing is written by a dry run.",
            size="2",
        ),
        rx.hstack(
            field(
                "Format",
                rx.el.select(
                    rx.el.option("CSV", value="csv"),
                    rx.el.option("JSON", value="json"),
                    id="import-format",
                    value=CounsellorState.fmt,
                    on_change=CounsellorState.set_fmt,
                    style={"padding": "0.4rem", "borderRadius": "6px"},
                ),
                html_for="import-format",
            ),
            field(
                "Who may see them",
                rx.el.select(
                    *(rx.el.option(label, value=k) for k, label in orgs.AUDIENCES.items()),
                    id="import-audience",
                    value=CounsellorState.audience,
                    on_change=CounsellorState.set_audience,
                    style={"padding": "0.4rem", "borderRadius": "6px"},
                ),
                html_for="import-audience",
            ),
            spacing="4",
            width="100%",
        ),
        field(
            "Scholarships to import",
            rx.text_area(
                id="import-text",
                # Read when the field loses focus (before a button's click is handled).
                on_blur=CounsellorState.set_import_text,
                rows="8",
                width="100%",
                font_family="monospace",
            ),
            html_for="import-text",
        ),
        rx.hstack(
            rx.button("Check (dry run)", variant="soft", on_click=CounsellorState.dry_run),
            rx.button("Import", on_click=CounsellorState.apply),
            spacing="3",
            margin_top="0.5rem",
        ),
        rx.cond(
            CounsellorState.report_title != "",
            rx.vstack(
                rx.text(CounsellorState.report_title, weight="medium", role="status"),
                _table(
                    CounsellorState.report,
                    [("Line", "line"), ("Outcome", "outcome"), ("Scholarship or reason", "text")],
                ),
                width="100%",
                margin_top="0.75rem",
            ),
        ),
        width="100%",
    )


def counsellor_page() -> rx.Component:
    return page(
        page_header("Organisation", "Follow your students and post local scholarships."),
        error_callout(CounsellorState.error),
        info_callout(CounsellorState.notice),
        rx.cond(
            CounsellorState.org_id == 0,
            _create_form(),
            rx.vstack(
                rx.heading(CounsellorState.org_name, size="5", as_="h2"),
                rx.card(
                    rx.hstack(
                        rx.cond(
                            CounsellorState.new_code != "",
                            rx.text(
                                "Students join with the code ",
                                rx.code(CounsellorState.new_code, size="4", id="join-code"),
                                " — write it down: it is shown only now.",
                            ),
                            rx.text(
                                "Students join with your code. Lost it? Rotate it (the old "
                                "one stops working)."
                            ),
                        ),
                        rx.spacer(),
                        rx.button(
                            "Rotate the code", variant="soft", on_click=CounsellorState.rotate
                        ),
                        align="center",
                        width="100%",
                    ),
                    width="100%",
                ),
                rx.heading("Students", size="4", as_="h2"),
                rx.cond(
                    CounsellorState.students.length() > 0,
                    _table(
                        CounsellorState.students, [("Student", "name"), ("Progress", "tracker")]
                    ),
                    rx.text("No students yet.", size="2"),
                ),
                rx.heading("Local scholarships", size="4", as_="h2"),
                rx.cond(
                    CounsellorState.local_rows.length() > 0,
                    _table(
                        CounsellorState.local_rows,
                        [
                            ("Scholarship", "name"),
                            ("Shown to", "audience"),
                            ("Matches", "matched"),
                            ("May match", "possible"),
                        ],
                        extra=lambda r: rx.button(
                            "Remove",
                            size="1",
                            variant="soft",
                            color_scheme="red",
                            on_click=CounsellorState.remove(r["id"]),
                        ),
                    ),
                    rx.text("None yet.", size="2"),
                ),
                _import_card(),
                spacing="4",
                width="100%",
            ),
        ),
        max_width="80rem",
    )


class Joined(TypedDict):
    org_id: int
    name: str
    share_tracker: bool
    share_matches: bool


class JoinState(SessionState):
    joined: list[Joined] = []
    error: str = ""
    notice: str = ""

    def _reload(self, user_id: int) -> None:
        with session_scope() as session:
            self.joined = [
                Joined(
                    org_id=m.org_id,
                    name=m.name,
                    share_tracker=m.share_tracker,
                    share_matches=m.share_matches,
                )
                for m in orgs.memberships(session, student_id=user_id)
            ]

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error = self.notice = ""
        self._reload(user_id)
        return None

    @rx.event
    def join(self, form: dict[str, Any]) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error = self.notice = ""
        try:
            with session_scope() as session:
                name = orgs.join(
                    session,
                    student_id=user_id,
                    code=str(form.get("code") or ""),
                    share_tracker=form.get("share_tracker") in ("on", True, "true"),
                    share_matches=form.get("share_matches") in ("on", True, "true"),
                )
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.notice = f"You joined {name}. Its local scholarships are now part of your matches."
        self._reload(user_id)
        return rx.set_value("join-code-input", "")

    @rx.event
    def consent(self, org_id: int, what: str, value: bool) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        current = next((j for j in self.joined if j["org_id"] == org_id), None)
        if current is None:
            self.error = "You are not a member of this organisation"
            return
        tracker = bool(value) if what == "tracker" else current["share_tracker"]
        matched = bool(value) if what == "matches" else current["share_matches"]
        self._in_session(
            lambda s: orgs.set_consent(
                s, student_id=user_id, org_id=org_id, share_tracker=tracker, share_matches=matched
            )
        )
        self._reload(user_id)

    @rx.event
    def leave(self, org_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        self._in_session(lambda s: orgs.leave(s, student_id=user_id, org_id=org_id))
        self._reload(user_id)


def _membership(j: Joined) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.heading(j["name"], size="3", as_="h3"),
            rx.spacer(),
            rx.button(
                "Leave",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=JoinState.leave(j["org_id"]),
            ),
            width="100%",
            align="center",
        ),
        rx.checkbox(
            "Counsellors may see my application progress",
            checked=j["share_tracker"],
            on_change=lambda v: JoinState.consent(j["org_id"], "tracker", v),
            size="3",
        ),
        rx.checkbox(
            "Counsellors may see which of our local scholarships I match",
            checked=j["share_matches"],
            on_change=lambda v: JoinState.consent(j["org_id"], "matches", v),
            size="3",
        ),
        width="100%",
    )


def join_page() -> rx.Component:
    return page(
        page_header(
            "Your school or foundation",
            "Join with the code your counsellor gives you to see its local scholarships.",
        ),
        error_callout(JoinState.error),
        rx.box(info_callout(JoinState.notice), role="status", width="100%"),
        rx.grid(
            rx.vstack(rx.foreach(JoinState.joined, _membership), spacing="3", width="100%"),
            rx.card(
                rx.form(
                    rx.vstack(
                        field(
                            "Join code",
                            rx.input(
                                name="code",
                                id="join-code-input",
                                required=True,
                                width="100%",
                                placeholder="ABCD-EFGH-JKLM",
                            ),
                            html_for="join-code-input",
                        ),
                        rx.checkbox(
                            "Let counsellors see my application progress",
                            name="share_tracker",
                            size="3",
                        ),
                        rx.checkbox(
                            "Let counsellors see which local scholarships I match",
                            name="share_matches",
                            size="3",
                        ),
                        rx.button("Join", type="submit"),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=JoinState.join,
                    reset_on_submit=False,
                ),
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
        ),
    )
