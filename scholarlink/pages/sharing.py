"""Sharing: the student invites a parent or counsellor and decides what each sees (/sharing); the
invitee accepts (/shared/accept) and follows along read-only (/shared, /shared/<grant>)."""

from __future__ import annotations

from typing import Any, TypedDict
from urllib.parse import quote, urlencode

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import (
    empty_state,
    error_callout,
    field,
    info_callout,
    page_header,
    plain_table,
)
from scholarlink.core.db import session_scope
from scholarlink.core.errors import ServiceError
from scholarlink.services import documents, essays, mail, sharing
from scholarlink.services.matches import today
from scholarlink.state.session import SessionState, backend_url
from scholarlink.web_origins import app_base_url


class Item(TypedDict):
    kind: str
    id: int
    label: str
    shared: bool


class PersonRow(TypedDict):
    grant_id: int
    name: str
    email: str
    role: str
    since: str
    active: bool
    items: list[Item]


class InviteRow(TypedDict):
    id: int
    email: str
    role: str
    expires: str


class LogRow(TypedDict):
    who: str
    what: str
    at: str


class SharingState(SessionState):
    people: list[PersonRow] = []
    invites: list[InviteRow] = []
    log: list[LogRow] = []
    role: str = "parent"
    error: str = ""
    notice: str = ""

    def _reload(self, user_id: int) -> None:
        with session_scope() as session:
            found, pending = sharing.people(session, student_id=user_id)
            items = [("essay", e.id, e.title) for e in essays.list_essays(session, user_id=user_id)]
            entries = sharing.access_log(session, student_id=user_id)
        items += [("document", d.id, d.filename) for d in documents.list_documents(user_id=user_id)]
        self.people = [
            PersonRow(
                grant_id=p.grant_id,
                name=p.name,
                email=p.email,
                role=p.role,
                since=p.since,
                active=p.active,
                items=[
                    Item(
                        kind=k, id=i, label=f"{k.capitalize()}: {label}", shared=(k, i) in p.shared
                    )
                    for k, i, label in items
                ],
            )
            for p in found
        ]
        self.invites = [
            InviteRow(id=i.invitation_id, email=i.email, role=i.role, expires=i.expires)
            for i in pending
        ]
        self.log = [
            LogRow(who=e.viewer_name, what=e.what, at=e.at.strftime("%b %-d, %Y %H:%M UTC"))
            for e in entries
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
    def set_role(self, value: str) -> None:
        self.role = str(value)[:20]

    @rx.event
    def invite(self, form: dict[str, Any]) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error = self.notice = ""
        try:
            with session_scope() as session:
                mail_id = sharing.invite(
                    session,
                    student_id=user_id,
                    email=str(form.get("email") or ""),
                    role=self.role,
                    accept_url=app_base_url() + routes.SHARED_ACCEPT,
                )
        except ServiceError as exc:
            self.error = exc.message
            return None
        mail.send_now(mail_id)
        self.notice = "Invitation sent. It works for 14 days, for that address only."
        self._reload(user_id)
        return rx.set_value("invite-email", "")

    @rx.event
    def revoke(self, grant_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        self._in_session(lambda s: sharing.revoke_grant(s, student_id=user_id, grant_id=grant_id))
        self.notice = "Access ended."
        self._reload(user_id)

    @rx.event
    def withdraw(self, invitation_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        self._in_session(
            lambda s: sharing.revoke_invitation(s, student_id=user_id, invitation_id=invitation_id)
        )
        self._reload(user_id)

    @rx.event
    def toggle(self, grant_id: int, kind: str, item_id: int, value: bool) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        self._in_session(
            lambda s: sharing.set_shared(
                s,
                student_id=user_id,
                grant_id=grant_id,
                kind=kind,
                item_id=item_id,
                shared=bool(value),
            )
        )
        self._reload(user_id)


def _item(grant_id: Any, item: Item) -> rx.Component:
    return rx.checkbox(
        item["label"],
        checked=item["shared"],
        on_change=lambda v: SharingState.toggle(grant_id, item["kind"], item["id"], v),
        size="3",
    )


def _person(p: PersonRow) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.heading(p["name"], size="3", as_="h3"),
                rx.text(
                    p["role"],
                    " · ",
                    p["email"],
                    " · since ",
                    p["since"],
                    size="2",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
            ),
            rx.spacer(),
            rx.cond(
                p["active"],
                rx.button(
                    "Revoke access",
                    color_scheme="red",
                    variant="soft",
                    size="2",
                    on_click=SharingState.revoke(p["grant_id"]),
                ),
                rx.badge("Access ended", color_scheme="gray"),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            p["active"],
            rx.vstack(
                rx.text(
                    "They see your matches, tracker and deadlines. Also share:",
                    size="2",
                    margin_top="0.5rem",
                ),
                rx.foreach(p["items"], lambda i: _item(p["grant_id"], i)),
                spacing="1",
            ),
        ),
        width="100%",
    )


def sharing_page() -> rx.Component:
    return page(
        page_header(
            "Sharing",
            "Let a parent or counsellor follow your applications. They only read; you decide "
            "which essays and documents they see, and every look is in the log below.",
        ),
        error_callout(SharingState.error),
        rx.box(info_callout(SharingState.notice), role="status", width="100%"),
        rx.grid(
            rx.vstack(
                rx.heading("Who can see your progress", size="4", as_="h2"),
                rx.cond(
                    SharingState.people.length() > 0,
                    rx.vstack(rx.foreach(SharingState.people, _person), spacing="3", width="100%"),
                    rx.text("Nobody yet.", size="2"),
                ),
                rx.cond(
                    SharingState.invites.length() > 0,
                    rx.vstack(
                        rx.heading("Invitations waiting", size="3", as_="h2"),
                        rx.foreach(
                            SharingState.invites,
                            lambda i: rx.hstack(
                                rx.text(
                                    i["email"],
                                    " (",
                                    i["role"],
                                    ", until ",
                                    i["expires"],
                                    ")",
                                    size="2",
                                ),
                                rx.button(
                                    "Withdraw",
                                    size="1",
                                    variant="soft",
                                    on_click=SharingState.withdraw(i["id"]),
                                ),
                                align="center",
                            ),
                        ),
                        spacing="2",
                    ),
                ),
                rx.heading("Who looked", size="4", as_="h2", margin_top="1rem"),
                rx.cond(
                    SharingState.log.length() > 0,
                    plain_table(
                        SharingState.log, [("Who", "who"), ("What", "what"), ("When", "at")]
                    ),
                    rx.text("No views yet.", size="2"),
                ),
                spacing="3",
                width="100%",
            ),
            rx.card(
                rx.heading("Invite someone", size="4", as_="h2"),
                rx.form(
                    rx.vstack(
                        field(
                            "Their e-mail",
                            rx.input(
                                name="email",
                                id="invite-email",
                                type="email",
                                required=True,
                                width="100%",
                            ),
                            html_for="invite-email",
                        ),
                        rx.el.fieldset(
                            rx.el.legend(rx.text("They are your", size="2", weight="medium")),
                            rx.radio_group.root(
                                rx.hstack(
                                    rx.radio_group.item("Parent or guardian", value="parent"),
                                    rx.radio_group.item("Counsellor", value="counsellor"),
                                    spacing="4",
                                ),
                                value=SharingState.role,
                                on_change=SharingState.set_role,
                            ),
                            border="none",
                            padding="0",
                            margin="0",
                        ),
                        rx.button("Send the invitation", type="submit"),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=SharingState.invite,
                    reset_on_submit=False,
                    width="100%",
                ),
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
        ),
    )


# -- the invitee ------------------------------------------------------------------------------


class AcceptState(SessionState):
    valid: bool = False
    student: str = ""
    role: str = ""
    invited: str = ""
    error: str = ""
    # This page's address, encoded for a ?next= parameter (sign in or up, then come back).
    here: str = ""

    def _token(self) -> str:
        return str(self.router.url.query_parameters.get("token") or "")[:200]

    @rx.event
    def load(self) -> None:
        self._user_id()
        self.error = ""
        self.here = quote(routes.SHARED_ACCEPT + "?" + urlencode({"token": self._token()}), safe="")
        with session_scope() as session:
            info = sharing.describe_invitation(session, self._token())
        self.valid = info is not None
        if info is None:
            self.error = "This invitation has expired or was withdrawn."
            return
        self.student, self.role, self.invited = info["student"], info["role"], info["email"]

    @rx.event
    def accept(self) -> EventSpec | None:
        viewer = self._user_id()
        if viewer is None:
            return self._sign_in_redirect()
        try:
            with session_scope() as session:
                grant = sharing.accept(session, viewer_id=viewer, token=self._token())
        except ServiceError as exc:
            self.error = exc.message
            return None
        return rx.redirect(f"{routes.SHARED}/{grant}")


def accept_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Follow a student's applications", size="7", as_="h1"),
            error_callout(AcceptState.error),
            rx.cond(
                AcceptState.valid,
                rx.card(
                    rx.text(
                        rx.text.strong(AcceptState.student),
                        " invited you as their ",
                        AcceptState.role.lower(),
                        " to see their matches, applications and deadlines.",
                    ),
                    rx.cond(
                        AcceptState.signed_in,
                        rx.button(
                            "Accept the invitation", on_click=AcceptState.accept, margin_top="1rem"
                        ),
                        rx.text(
                            "Sign in — or create an account — with ",
                            rx.text.strong(AcceptState.invited),
                            ", then open the link in the invitation again. ",
                            rx.link(
                                "Sign in",
                                href=routes.SIGN_IN + "?next=" + AcceptState.here,
                                text_decoration="underline",
                            ),
                            " · ",
                            rx.link(
                                "Create an account",
                                href=routes.SIGN_UP + "?next=" + AcceptState.here,
                                text_decoration="underline",
                            ),
                            size="2",
                            margin_top="1rem",
                        ),
                    ),
                    width="100%",
                ),
            ),
            spacing="4",
            width="100%",
        ),
        max_width="44rem",
    )


class Followed(TypedDict):
    grant_id: int
    student: str
    role: str


class FollowState(SessionState):
    following: list[Followed] = []
    found: bool = False
    student: str = ""
    tracker: list[dict[str, str]] = []
    matched: list[dict[str, str]] = []
    deadlines: list[dict[str, str]] = []
    essays: list[dict[str, str]] = []
    files: list[dict[str, str]] = []
    error: str = ""

    @rx.event
    def load_list(self) -> EventSpec | None:
        viewer = self._user_id()
        if viewer is None:
            return self._sign_in_redirect()
        with session_scope() as session:
            self.following = [
                Followed(grant_id=f.grant_id, student=f.student, role=f.role)
                for f in sharing.followed(session, viewer_id=viewer)
            ]
        return None

    @rx.event
    def load(self) -> EventSpec | None:
        viewer = self._user_id()
        if viewer is None:
            return self._sign_in_redirect()
        raw = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        grant = int(raw) if raw.isdigit() and len(raw) < 11 else 0
        self.error = ""
        try:
            with session_scope() as session:
                view = sharing.overview(session, viewer_id=viewer, grant_id=grant, today=today())
        except ServiceError as exc:
            self.found, self.error = False, exc.message
            self.tracker = self.matched = self.deadlines = self.essays = self.files = []
            return None
        self.found, self.student = True, view["student"]
        self.tracker = [{k: str(v) for k, v in t.items()} for t in view["tracker"]]
        self.matched = [{k: str(v) for k, v in m.items()} for m in view["matches"]]
        self.deadlines = [{k: str(v) for k, v in d.items()} for d in view["deadlines"]]
        self.essays = [
            {"title": str(e["title"]), "content": str(e["content"])} for e in view["essays"]
        ]
        self.files = [
            {
                "filename": str(d["filename"]),
                "url": backend_url(f"/api/shared/{grant}/documents/{d['id']}"),
            }
            for d in view["documents"]
        ]
        return None


def following_page() -> rx.Component:
    return page(
        page_header("Students you follow", "Read-only, for as long as each student allows it."),
        rx.cond(
            FollowState.following.length() > 0,
            rx.vstack(
                rx.foreach(
                    FollowState.following,
                    lambda f: rx.link(
                        rx.card(
                            rx.text(
                                rx.text.strong(f["student"]), " — you are their ", f["role"].lower()
                            ),
                            width="100%",
                        ),
                        href=routes.SHARED + "/" + f["grant_id"].to_string(),
                        underline="none",
                        width="100%",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            empty_state("users", "Nobody yet", "A student's invitation brings you here."),
        ),
    )


def _table(title: str, rows: Any, columns: list[tuple[str, str]]) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="4", as_="h2"),
        rx.cond(
            rows.length() > 0, plain_table(rows, columns), rx.text("Nothing here yet.", size="2")
        ),
        width="100%",
        spacing="2",
    )


def followed_student_page() -> rx.Component:
    return page(
        rx.cond(
            FollowState.found,
            rx.vstack(
                page_header(FollowState.student, "Read-only: what they share with you."),
                _table(
                    "Applications",
                    FollowState.tracker,
                    [
                        ("Scholarship", "name"),
                        ("Status", "status"),
                        ("Progress %", "progress"),
                        ("Deadline", "deadline"),
                    ],
                ),
                _table(
                    "Upcoming deadlines",
                    FollowState.deadlines,
                    [("Scholarship", "name"), ("Date", "when")],
                ),
                _table(
                    "Matches",
                    FollowState.matched,
                    [("Scholarship", "name"), ("Chance", "chance"), ("Deadline", "deadline")],
                ),
                rx.heading("Shared essays", size="4", as_="h2"),
                rx.cond(
                    FollowState.essays.length() > 0,
                    rx.foreach(
                        FollowState.essays,
                        lambda e: rx.card(
                            rx.heading(e["title"], size="3", as_="h3"),
                            rx.text(e["content"], white_space="pre-wrap", size="2"),
                            width="100%",
                        ),
                    ),
                    rx.text("None shared.", size="2"),
                ),
                rx.heading("Shared documents", size="4", as_="h2"),
                rx.cond(
                    FollowState.files.length() > 0,
                    rx.foreach(
                        FollowState.files,
                        lambda d: rx.link(
                            d["filename"],
                            href=d["url"],
                            is_external=True,
                            text_decoration="underline",
                        ),
                    ),
                    rx.text("None shared.", size="2"),
                ),
                spacing="4",
                width="100%",
            ),
            rx.vstack(
                rx.heading("Nothing to see here", size="7", as_="h1"),
                error_callout(FollowState.error),
                rx.link("Students you follow", href=routes.SHARED, text_decoration="underline"),
                spacing="3",
            ),
        ),
    )
