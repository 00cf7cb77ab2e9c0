"""The document vault: upload transcripts, résumés and letters, rename, delete, download, and
attach them to applications."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink.components.layout import page
from scholarlink.components.links import API_BASE
from scholarlink.components.ui import (
    confirm_dialog,
    empty_state,
    error_callout,
    info_callout,
    named_file_input,
    page_header,
)
from scholarlink.core.errors import ServiceError
from scholarlink.core.settings import get_settings
from scholarlink.services import documents as docs
from scholarlink.state.session import SessionState

UPLOAD_ID = "documents"
MAX_FILES_PER_UPLOAD = 5


def download_href(document_id: rx.Var[int]) -> rx.Var[str]:
    return API_BASE + "/api/documents/" + document_id.to(str) + "/download"


@dataclasses.dataclass(frozen=True)
class ApplicationOption:
    id: str
    name: str


@dataclasses.dataclass(frozen=True)
class DocumentRow:
    """One document of the vault, ready to show."""

    id: int
    name: str
    kind: str
    type: str
    size: str
    previewable: bool
    date: str
    uses: int
    uses_text: str
    attached: list[ApplicationOption]
    available: list[ApplicationOption]


def _view(entry: docs.DocumentEntry, names: dict[int, str]) -> DocumentRow:
    d = entry.document
    used = entry.reuse_count
    return DocumentRow(
        id=d.id,
        name=d.filename,
        kind=docs.KINDS.get(d.kind, d.kind),
        type=entry.file_type.label,
        size=docs.human_size(d.size_bytes),
        previewable=d.content_type in docs.PREVIEWABLE,
        date=d.created_at.strftime("%b %-d, %Y"),
        uses=used,
        uses_text="Not used yet"
        if used == 0
        else f"Used in {used} application{'s' if used != 1 else ''}",
        attached=[
            ApplicationOption(str(a), names.get(a, f"Application {a}"))
            for a in entry.application_ids
        ],
        available=[
            ApplicationOption(str(a), n) for a, n in names.items() if a not in entry.application_ids
        ],
    )


class DocumentsState(SessionState):
    items: list[DocumentRow] = []
    kind: str = "other"
    usage_text: str = ""
    error: str = ""
    notice: str = ""
    renaming: int = -1
    rename_value: str = ""
    delete_for: int = -1
    delete_name: str = ""

    def _reload(self, user_id: int) -> None:
        names = {a.id: a.name for a in docs.attachable_applications(user_id=user_id)}
        self.items = [_view(e, names) for e in docs.list_documents(user_id=user_id)]
        used, quota = docs.storage_usage(user_id=user_id)
        self.usage_text = f"Using {docs.human_size(used)} of {docs.human_size(quota)}"

    def _run(self, action: Callable[[int], object]) -> bool:
        """Run a service call for the signed-in student; errors go to the page."""
        user_id = self._user_id()
        if user_id is None:
            return False
        self.notice = ""
        try:
            action(user_id)
        except ServiceError as exc:
            self.error = exc.message
        else:
            self.error = ""
        self._reload(user_id)
        return True

    @rx.event
    def load(self) -> EventSpec | None:
        opened = self._page_opened()
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        if opened:  # a reconnect or a reload keeps the upload's notice
            self.error, self.notice, self.renaming, self.delete_for = "", "", -1, -1
        self._reload(user_id)
        return None

    @rx.event
    def set_kind(self, value: str) -> None:
        if value in docs.KINDS:
            self.kind = value

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]) -> Any:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error, self.notice = "", ""
        if not files:
            self.error = "Choose a file first."
            return None
        if len(files) > MAX_FILES_PER_UPLOAD:
            self.error = f"Upload at most {MAX_FILES_PER_UPLOAD} files at a time."
            return rx.clear_selected_files(UPLOAD_ID)
        limit = get_settings().upload_max_bytes
        stored: list[str] = []
        failures: list[str] = []
        for file in files:
            label = docs.sanitize_filename(file.filename)
            try:
                if file.size is not None:
                    docs.check_size(file.size)
                data = await file.read(limit + 1)  # never more than the limit (+1 to notice)
                doc = await asyncio.to_thread(
                    docs.upload, user_id=user_id, filename=file.filename, data=data, kind=self.kind
                )
            except ServiceError as exc:
                failures.append(f"{label}: {exc.message}")
            else:
                stored.append(doc.filename)
        self.error = " ".join(failures)
        if stored:
            self.notice = "Uploaded " + ", ".join(stored) + "."
        self._reload(user_id)
        return rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    def start_rename(self, document_id: int, name: str) -> None:
        self.renaming, self.rename_value = document_id, name

    @rx.event
    def set_rename_value(self, value: str) -> None:
        self.rename_value = value

    @rx.event
    def cancel_rename(self) -> None:
        self.renaming, self.rename_value = -1, ""

    @rx.event
    def save_rename(self) -> EventSpec | None:
        document_id, name = self.renaming, self.rename_value
        if not self._run(
            lambda uid: docs.rename(user_id=uid, document_id=document_id, filename=name)
        ):
            return self._sign_in_redirect()
        if not self.error:
            self.renaming, self.rename_value = -1, ""
        return None

    @rx.event
    def ask_delete(self, document_id: int, name: str) -> None:
        self.delete_for, self.delete_name = document_id, name

    @rx.event
    def cancel_delete(self) -> None:
        self.delete_for, self.delete_name = -1, ""

    @rx.event
    def confirm_delete(self) -> EventSpec | None:
        document_id, name = self.delete_for, self.delete_name
        self.delete_for, self.delete_name = -1, ""
        if document_id < 0:
            return None
        if not self._run(lambda uid: docs.delete(user_id=uid, document_id=document_id)):
            return self._sign_in_redirect()
        if not self.error:
            self.notice = f"Deleted {name}."
        return None

    @rx.event
    def attach(self, document_id: int, application_id: str) -> EventSpec | None:
        if not application_id.isdigit():
            return None
        if not self._run(
            lambda uid: docs.attach(
                user_id=uid, document_id=document_id, application_id=int(application_id)
            )
        ):
            return self._sign_in_redirect()
        return None

    @rx.event
    def detach(self, document_id: int, application_id: str) -> EventSpec | None:
        if not application_id.isdigit():
            return None
        if not self._run(
            lambda uid: docs.detach(
                user_id=uid, document_id=document_id, application_id=int(application_id)
            )
        ):
            return self._sign_in_redirect()
        return None


# -- components -------------------------------------------------------------------------------


def _uploader() -> rx.Component:
    limit = docs.human_size(get_settings().upload_max_bytes)
    return rx.card(
        rx.vstack(
            rx.heading("Add documents", size="4", as_="h2"),
            named_file_input(
                rx.upload(
                    rx.vstack(
                        rx.icon("upload", size=28, color=rx.color("accent", 10)),
                        rx.text("Drop files here or click to choose", weight="medium"),
                        rx.text(
                            f"{docs.ACCEPTED_TEXT}, up to {limit} each",
                            size="1",
                            color=rx.color("gray", 11),
                        ),
                        align="center",
                        spacing="1",
                    ),
                    id=UPLOAD_ID,
                    multiple=True,
                    max_files=MAX_FILES_PER_UPLOAD,
                    max_size=get_settings().upload_max_bytes,
                    # A hint for the file picker only: the server decides by content.
                    accept={
                        "application/pdf": [".pdf"],
                        docs.DOCX.content_type: [".docx"],
                        "image/png": [".png"],
                        "image/jpeg": [".jpg", ".jpeg"],
                    },
                    border=f"1px dashed {rx.color('gray', 7)}",
                    border_radius="12px",
                    padding="1.5rem",
                    width="100%",
                    cursor="pointer",
                ),
                "Choose files to upload",
            ),
            rx.foreach(
                rx.selected_files(UPLOAD_ID),
                lambda name: rx.hstack(
                    rx.icon("file", size=14), rx.text(name, size="2"), align="center", spacing="1"
                ),
            ),
            rx.el.label(rx.text("Kind", size="2", weight="medium"), html_for="document-kind"),
            rx.select.root(
                rx.select.trigger(width="100%", id="document-kind"),
                rx.select.content(
                    *(rx.select.item(label, value=key) for key, label in docs.KINDS.items())
                ),
                value=DocumentsState.kind,
                on_change=DocumentsState.set_kind,
            ),
            rx.button(
                rx.icon("cloud-upload", size=16),
                "Upload",
                on_click=DocumentsState.handle_upload(rx.upload_files(upload_id=UPLOAD_ID)),
                width="100%",
            ),
            rx.text(DocumentsState.usage_text, size="1", color=rx.color("gray", 11)),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _name(d: rx.Var[DocumentRow]) -> rx.Component:
    return rx.cond(
        DocumentsState.renaming == d.id,
        rx.hstack(
            rx.input(
                value=DocumentsState.rename_value,
                on_change=DocumentsState.set_rename_value,
                aria_label="New name",
                size="2",
                width="100%",
                max_length=docs.MAX_NAME_LENGTH,
                auto_focus=True,
            ),
            rx.button("Save", size="1", on_click=DocumentsState.save_rename),
            rx.button(
                "Cancel",
                size="1",
                variant="soft",
                color_scheme="gray",
                on_click=DocumentsState.cancel_rename,
            ),
            width="100%",
            align="center",
        ),
        rx.hstack(
            rx.text(d.name, weight="bold", class_name="document-name"),
            rx.icon_button(
                rx.icon("pencil", size=14),
                size="1",
                variant="ghost",
                aria_label="Rename",
                on_click=DocumentsState.start_rename(d.id, d.name),
            ),
            align="center",
            spacing="2",
        ),
    )


def _attachments(d: rx.Var[DocumentRow]) -> rx.Component:
    return rx.hstack(
        rx.foreach(
            d.attached,
            lambda a: rx.badge(
                a.name,
                rx.icon_button(
                    rx.icon("x", size=12),
                    size="1",
                    variant="ghost",
                    aria_label="Detach",
                    on_click=DocumentsState.detach(d.id, a.id),
                ),
                variant="soft",
                color_scheme="indigo",
            ),
        ),
        rx.cond(
            d.available.length() > 0,
            rx.select.root(
                rx.select.trigger(placeholder="Attach to an application…", variant="soft"),
                rx.select.content(
                    rx.foreach(
                        d.available,
                        lambda a: rx.select.item(a.name, value=a.id),
                    )
                ),
                value="",
                size="1",
                on_change=lambda v: DocumentsState.attach(d.id, v),
            ),
            rx.fragment(),
        ),
        spacing="2",
        wrap="wrap",
        align="center",
    )


def _document(d: rx.Var[DocumentRow]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("file-text", size=20, color=rx.color("accent", 10)),
                rx.vstack(
                    _name(d),
                    rx.text(
                        d.kind,
                        " · ",
                        d.type,
                        " · ",
                        d.size,
                        " · uploaded ",
                        d.date,
                        " · ",
                        d.uses_text,
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                    spacing="1",
                    align="start",
                    width="100%",
                ),
                rx.spacer(),
                rx.cond(
                    d.previewable,
                    rx.link(
                        rx.button(rx.icon("eye", size=14), "Preview", size="1", variant="soft"),
                        href=download_href(d.id) + "?preview=true",
                        is_external=True,
                    ),
                    rx.fragment(),
                ),
                rx.link(
                    rx.button(rx.icon("download", size=14), "Download", size="1", variant="soft"),
                    href=download_href(d.id),
                    # A real browser request (not client-side routing): the API answers with
                    # the file as an attachment, so the page stays where it is.
                    reload_document=True,
                ),
                rx.button(
                    rx.icon("trash-2", size=14),
                    "Delete",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=DocumentsState.ask_delete(d.id, d.name),
                ),
                align="start",
                width="100%",
                spacing="3",
            ),
            _attachments(d),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _delete_dialog() -> rx.Component:
    return confirm_dialog(
        title="Delete this document?",
        description=rx.fragment(
            rx.text.strong(DocumentsState.delete_name),
            " will be removed, along with its attachments to applications. This can't be undone.",
        ),
        confirm_label="Delete",
        on_confirm=DocumentsState.confirm_delete,
        on_cancel=DocumentsState.cancel_delete,
        open=DocumentsState.delete_for >= 0,
    )


def documents_page() -> rx.Component:
    return page(
        page_header(
            "Documents",
            "Transcripts, résumés and letters, ready to attach to any application.",
        ),
        error_callout(DocumentsState.error),
        info_callout(DocumentsState.notice),
        rx.grid(
            rx.cond(
                DocumentsState.items.length() > 0,
                rx.vstack(
                    rx.foreach(DocumentsState.items, _document),
                    spacing="2",
                    width="100%",
                ),
                empty_state(
                    "folder-open",
                    "No documents yet",
                    "Upload your transcript or résumé once, then attach it to every application "
                    "that asks for it.",
                ),
            ),
            _uploader(),
            columns=rx.breakpoints(initial="1", md="2fr 1fr"),
            spacing="4",
            width="100%",
            align_items="start",
        ),
        _delete_dialog(),
        max_width="80rem",
    )
