"""The counsellor's organisation page (/organisation: students, local scholarships, import with
a dry run). The student's side is pages.organisation_join."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink.components.layout import page
from scholarlink.components.ui import error_callout, field, info_callout, page_header, plain_table
from scholarlink.core.clock import today
from scholarlink.services import organisations as orgs
from scholarlink.services.organisations import LocalScholarship, StudentProgress
from scholarlink.state.session import SessionState


@dataclasses.dataclass(frozen=True)
class ReportLine:
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
    students: list[StudentProgress] = []
    local_rows: list[LocalScholarship] = []
    report: list[ReportLine] = []
    report_title: str = ""
    error: str = ""
    notice: str = ""

    def _reload(self, user_id: int) -> None:
        mine = orgs.counsellor_overview(counsellor_id=user_id)
        if mine is None:
            self.org_id, self.org_name, self.students, self.local_rows = 0, "", [], []
            return
        self.org_id, self.org_name = mine.org_id, mine.org_name
        self.students, self.local_rows = mine.students, mine.local

    @rx.event
    def load(self) -> EventSpec | None:
        opened = self._page_opened()
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        if opened:  # a reconnect or a reload keeps a new code and a report on screen
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
        with self._showing_errors():
            _, self.new_code = orgs.create(
                user_id=user_id,
                name=str(form.get("name") or ""),
                kind=self.kind,
                area_state=str(form.get("area_state") or "") or None,
            )
            self._reload(user_id)
        return None

    @rx.event
    def rotate(self) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        with self._showing_errors():
            self.new_code = orgs.rotate_code(counsellor_id=user_id, org_id=self.org_id)

    def _import(self, apply: bool) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        self.error = self.notice = ""
        with self._showing_errors():
            self._report(
                orgs.import_local(
                    counsellor_id=user_id,
                    org_id=self.org_id,
                    text=self.import_text,
                    fmt=self.fmt,
                    audience=self.audience,
                    apply=apply,
                    today=today(),
                ),
                apply,
            )
            self._reload(user_id)

    def _report(self, report: orgs.ImportReport, apply: bool) -> None:
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
        self.report = sorted(lines, key=lambda r: r.line)
        verb = "Imported" if apply else "Dry run (nothing written)"
        self.report_title = (
            f"{verb}: {len(report.added)} added, {len(report.changed)} changed, "
            f"{len(report.unchanged)} unchanged, {len(report.refused)} refused"
        )

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
        with self._showing_errors():
            orgs.remove_local(
                counsellor_id=user_id, org_id=self.org_id, scholarship_id=scholarship_id
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
                            on_click=CounsellorState.remove(r.id),
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
