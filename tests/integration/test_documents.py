"""The document vault end to end, on the local backend and on Google Cloud Storage (the official
client against gcp-storage-emulator), each on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import func, select

from scholarlink.api import create_api
from scholarlink.core.breakers import breaker
from scholarlink.core.db import session_scope
from scholarlink.core.errors import NotFound, Unavailable, ValidationFailed
from scholarlink.core.settings import reset_settings_cache
from scholarlink.models import Application, ApplicationDocument, Document, Scholarship, User
from scholarlink.services import auth
from scholarlink.services import documents as docs
from scholarlink.services import storage as storage_mod
from scholarlink.services.storage import GCSStorage, LocalStorage, StorageError, get_storage
from tests.unit.test_document_types import DOCX, ELF, JPEG, PDF, PNG, SCRIPT

# -- backends ---------------------------------------------------------------------------------


@dataclass
class Backend:
    name: str
    blobs: Callable[[], list[str]]  # every stored key, read behind the app's back
    remove: Callable[[str], None]  # delete one object behind the app's back
    overwrite: Callable[[str, bytes], object]  # change one object behind the app's back


@pytest.fixture(scope="session")
def gcs_emulator() -> Iterator[tuple[Any, str]]:
    from gcp_storage_emulator.server import create_server

    server = create_server("127.0.0.1", 0, in_memory=True)
    server.start()
    port = server._api._httpd.server_address[1]
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _configure(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings_cache()
    storage_mod.reset_storage()
    breaker("storage").reset()


@pytest.fixture(params=["local", "gcs"])
def backend(
    request: pytest.FixtureRequest,
    db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Backend]:
    if request.param == "local":
        root = tmp_path / "vault"
        _configure(monkeypatch, STORAGE_BACKEND="local", STORAGE_LOCAL_DIR=str(root))

        def local_blobs() -> list[str]:
            if not root.exists():
                return []
            return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

        yield Backend(
            "local",
            local_blobs,
            lambda key: (root / key).unlink(),
            lambda key, data: (root / key).write_bytes(data),
        )
    else:
        server, url = request.getfixturevalue("gcs_emulator")
        # The emulator logs every 404 as an ERROR; those are its chatter, not the app's errors.
        emulator_log = logging.getLogger("gcp_storage_emulator")
        level = emulator_log.level
        emulator_log.setLevel(logging.CRITICAL)
        request.addfinalizer(lambda: emulator_log.setLevel(level))
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", url)
        from google.cloud import storage as gcs

        bucket = f"vault-{uuid.uuid4().hex[:12]}"
        client = gcs.Client(project="test")  # built after STORAGE_EMULATOR_HOST is set
        client.create_bucket(bucket)
        _configure(monkeypatch, STORAGE_BACKEND="gcs", GCS_BUCKET=bucket)

        def gcs_blobs() -> list[str]:
            return sorted(b.name for b in client.list_blobs(bucket))

        yield Backend(
            "gcs",
            gcs_blobs,
            lambda key: client.bucket(bucket).blob(key).delete(),
            lambda key, data: client.bucket(bucket).blob(key).upload_from_string(data),
        )
        server.wipe()
    storage_mod.reset_storage()
    breaker("storage").reset()


# -- helpers ----------------------------------------------------------------------------------


def student(email: str) -> int:
    with session_scope() as s:
        user = User(email=email)
        s.add(user)
        s.flush()
        assert user.id
        return user.id


def application(user_id: int, name: str = "Science Fund") -> int:
    with session_scope() as s:
        sch = Scholarship(
            slug=f"s-{uuid.uuid4().hex[:10]}",
            name=name,
            provider="Test Foundation",
            url="https://example.org",
            amount_min=500,
            amount_max=1000,
            deadline_month=12,
            deadline_day=1,
        )
        s.add(sch)
        s.flush()
        assert sch.id
        app = Application(user_id=user_id, scholarship_id=sch.id)
        s.add(app)
        s.flush()
        assert app.id
        return app.id


def rows() -> list[Document]:
    with session_scope() as s:
        return sorted(s.exec(select(Document)).all(), key=ident)


def ident(doc: Document) -> int:
    assert doc.id is not None
    return doc.id


def pdf(size: int) -> bytes:
    return (PDF + b"%" * size)[:size]


# -- uploading --------------------------------------------------------------------------------


def test_upload_list_read_and_delete(backend: Backend) -> None:
    ada = student("ada@example.org")
    doc = docs.upload(user_id=ada, filename="../../My Transcript.png", data=PDF, kind="transcript")
    # Typed by content, named honestly, stored under a generated key.
    assert doc.content_type == "application/pdf"
    assert doc.filename == "My Transcript.pdf"
    assert doc.size_bytes == len(PDF) and len(doc.sha256) == 64
    assert doc.storage_key.startswith(f"documents/{ada}/") and ".." not in doc.storage_key
    assert backend.blobs() == [doc.storage_key]

    word = docs.upload(user_id=ada, filename="essay.docx", data=DOCX, kind="letter")
    image = docs.upload(user_id=ada, filename="award", data=JPEG)
    assert (word.filename, image.filename) == ("essay.docx", "award.jpg")

    listed = docs.list_documents(user_id=ada)
    assert [e.document.id for e in listed] == [image.id, word.id, doc.id]
    assert [e.file_type.label for e in listed] == ["JPEG image", "Word", "PDF"]
    assert docs.storage_usage(user_id=ada)[0] == len(PDF) + len(DOCX) + len(JPEG)

    got, data = docs.read(user_id=ada, document_id=ident(doc))
    assert data == PDF and got.id == doc.id
    assert docs.download_url(user_id=ada, document_id=ident(doc)) is None

    docs.delete(user_id=ada, document_id=ident(doc))
    assert doc.storage_key not in backend.blobs()
    assert [d.id for d in rows()] == [word.id, image.id]
    with pytest.raises(NotFound):
        docs.read(user_id=ada, document_id=ident(doc))


@pytest.mark.parametrize(
    ("name", "data"),
    [("transcript.pdf", ELF), ("cv.pdf", SCRIPT), ("photo.png", b"GIF89a...."), ("x.docx", b"")],
)
def test_refused_types_store_nothing(backend: Backend, name: str, data: bytes) -> None:
    ada = student("ada@example.org")
    with pytest.raises(ValidationFailed):
        docs.upload(user_id=ada, filename=name, data=data)
    assert rows() == [] and backend.blobs() == []


def test_size_limit_and_quota_refuse_with_nothing_stored(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, UPLOAD_MAX_BYTES="2048", UPLOAD_QUOTA_BYTES="5000")
    ada, bo = student("ada@example.org"), student("bo@example.org")

    with pytest.raises(ValidationFailed, match=r"This file is 2 KB; the limit is 2 KB"):
        docs.upload(user_id=ada, filename="big.pdf", data=pdf(2049))
    assert rows() == [] and backend.blobs() == []

    first = docs.upload(user_id=ada, filename="a.pdf", data=pdf(2048))
    second = docs.upload(user_id=ada, filename="b.pdf", data=pdf(2048))
    with pytest.raises(ValidationFailed, match="would take you over your") as exc:
        docs.upload(user_id=ada, filename="c.pdf", data=pdf(1000))
    assert "you are using 4 KB" in exc.value.message
    assert sorted(backend.blobs()) == sorted([first.storage_key, second.storage_key])
    assert len(rows()) == 2

    docs.upload(user_id=bo, filename="c.pdf", data=pdf(1000))  # the quota is per student
    docs.delete(user_id=ada, document_id=ident(first))
    docs.upload(user_id=ada, filename="c.pdf", data=pdf(1000))  # room again
    assert len(rows()) == 3 and len(backend.blobs()) == 3


def test_unknown_kind_is_refused(backend: Backend) -> None:
    ada = student("ada@example.org")
    with pytest.raises(ValidationFailed, match="Choose what kind"):
        docs.upload(user_id=ada, filename="a.pdf", data=PDF, kind="passport")
    assert rows() == [] and backend.blobs() == []


def test_a_failing_row_insert_removes_the_blob(backend: Backend) -> None:
    ada = student("ada@example.org")
    written: list[str] = []
    storage = get_storage()
    real_put = storage.put

    def spy_put(key: str, data: bytes, content_type: str) -> None:
        real_put(key, data, content_type)
        written.append(key)

    def fail_insert(*_: Any) -> None:
        raise sa.exc.OperationalError("INSERT INTO documents", {}, Exception("disk full"))

    sa.event.listen(Document, "before_insert", fail_insert)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(storage, "put", spy_put)
            with pytest.raises(sa.exc.OperationalError):
                docs.upload(user_id=ada, filename="a.pdf", data=PDF)
    finally:
        sa.event.remove(Document, "before_insert", fail_insert)
    assert len(written) == 1, "the blob was written first"
    assert rows() == [] and backend.blobs() == []


def test_a_failing_blob_write_leaves_no_row(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = student("ada@example.org")
    if backend.name == "local":
        # The disk fails at the last step (the rename into place): no temp file may remain.
        def broken_replace(*_: Any) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(storage_mod.os, "replace", broken_replace)
    else:
        # A real failure from the server: the bucket is gone.
        _configure(monkeypatch, GCS_BUCKET=f"missing-{uuid.uuid4().hex[:8]}")
    with pytest.raises(Unavailable, match="Nothing was changed"):
        docs.upload(user_id=ada, filename="a.pdf", data=PDF)
    assert rows() == [] and backend.blobs() == []
    if backend.name == "local":
        root = Path(os.environ["STORAGE_LOCAL_DIR"])
        assert not root.exists() or [p for p in root.rglob("*") if p.is_file()] == []


def test_an_unsafe_local_folder_fails_closed(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REFLEX_UPLOADED_FILES_DIR", raising=False)
    public = tmp_path / "uploaded_files"  # served by Reflex at /_upload without sign-in
    _configure(monkeypatch, STORAGE_BACKEND="local", STORAGE_LOCAL_DIR=str(public))
    ada = student("ada@example.org")
    try:
        with pytest.raises(Unavailable, match="Nothing was changed"):
            docs.upload(user_id=ada, filename="a.pdf", data=PDF)
        assert rows() == [] and not public.exists()
    finally:
        storage_mod.reset_storage()


# The breaker guards the network backend only.
@pytest.mark.parametrize("backend", ["gcs"], indirect=True)
def test_storage_outage_opens_the_breaker(backend: Backend) -> None:
    ada = student("ada@example.org")
    doc = docs.upload(user_id=ada, filename="a.pdf", data=PDF)
    store = get_storage()
    assert isinstance(store, GCSStorage)
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage as gcs

    dead = gcs.Client(
        project="test",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": "http://127.0.0.1:9"},  # nothing listens on port 9
    )
    bad = GCSStorage("vault", client=dead)
    bad.timeout, bad.retry = 0.5, None
    for _ in range(5):
        with pytest.raises(StorageError):
            bad.exists("documents/1/x")
    assert breaker("storage").state == "open"  # one breaker for the dependency
    with pytest.raises(StorageError, match="circuit open"):
        store.get(doc.storage_key)
    with pytest.raises(Unavailable, match="Document storage is unavailable"):
        docs.read(user_id=ada, document_id=ident(doc))
    breaker("storage").reset()
    assert store.get(doc.storage_key) == PDF


# -- managing ---------------------------------------------------------------------------------


def test_rename_sanitises_and_keeps_the_true_extension(backend: Backend) -> None:
    ada = student("ada@example.org")
    doc = docs.upload(user_id=ada, filename="scan.pdf", data=PNG)
    assert doc.filename == "scan.png"
    renamed = docs.rename(
        user_id=ada,
        document_id=ident(doc),
        filename="../../etc/Award\x00 letter.pdf",
    )
    assert renamed.filename == "Award letter.png"
    with pytest.raises(ValidationFailed, match="Give the document a name"):
        docs.rename(user_id=ada, document_id=ident(doc), filename="   ")
    assert docs.get_document(user_id=ada, document_id=ident(doc)).filename == "Award letter.png"


def test_attach_detach_and_reuse_count(backend: Backend) -> None:
    ada = student("ada@example.org")
    a1, a2 = application(ada, "Science Fund"), application(ada, "Arts Award")
    doc = docs.upload(user_id=ada, filename="cv.pdf", data=PDF, kind="resume")
    doc_id = ident(doc)
    assert docs.reuse_count(user_id=ada, document_id=doc_id) == 0
    assert docs.attach(user_id=ada, document_id=doc_id, application_id=a1) is True
    assert docs.attach(user_id=ada, document_id=doc_id, application_id=a1) is False  # once
    assert docs.attach(user_id=ada, document_id=doc_id, application_id=a2) is True
    assert docs.reuse_count(user_id=ada, document_id=doc_id) == 2
    [entry] = docs.list_documents(user_id=ada)
    assert entry.application_ids == [a1, a2] and entry.reuse_count == 2
    assert [d.id for d in docs.documents_for_application(user_id=ada, application_id=a2)] == [
        doc_id
    ]
    assert docs.detach(user_id=ada, document_id=doc_id, application_id=a1) is True
    assert docs.detach(user_id=ada, document_id=doc_id, application_id=a1) is False
    assert docs.reuse_count(user_id=ada, document_id=doc_id) == 1
    # Deleting the document removes its attachments with it.
    docs.delete(user_id=ada, document_id=doc_id)
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(ApplicationDocument)).one() == 0


def test_delete_tolerates_a_missing_blob(backend: Backend) -> None:
    ada = student("ada@example.org")
    doc = docs.upload(user_id=ada, filename="a.pdf", data=PDF)
    backend.remove(doc.storage_key)
    with pytest.raises(NotFound, match="missing from storage"):
        docs.read(user_id=ada, document_id=ident(doc))
    docs.delete(user_id=ada, document_id=ident(doc))
    assert rows() == [] and backend.blobs() == []


def test_deleting_all_of_a_students_documents(backend: Backend) -> None:
    ada, bo = student("ada@example.org"), student("bo@example.org")
    docs.upload(user_id=ada, filename="a.pdf", data=PDF)
    docs.upload(user_id=ada, filename="b.png", data=PNG)
    kept = docs.upload(user_id=bo, filename="c.pdf", data=PDF)
    assert docs.delete_all_for_student(user_id=ada) == 2
    assert [d.id for d in rows()] == [kept.id] and backend.blobs() == [kept.storage_key]


def test_a_changed_blob_is_not_served(backend: Backend) -> None:
    ada = student("ada@example.org")
    doc = docs.upload(user_id=ada, filename="a.pdf", data=PDF)
    backend.overwrite(doc.storage_key, PDF + b"tampered")
    with pytest.raises(Unavailable, match="damaged"):
        docs.read(user_id=ada, document_id=ident(doc))


def test_one_student_can_never_touch_another_students_document(backend: Backend) -> None:
    ada, eve = student("ada@example.org"), student("eve@example.org")
    ada_app, eve_app = application(ada), application(eve)
    doc = docs.upload(user_id=ada, filename="transcript.pdf", data=PDF)
    doc_id = ident(doc)
    eve_doc = docs.upload(user_id=eve, filename="mine.pdf", data=PDF)
    eve_doc_id = ident(eve_doc)
    docs.attach(user_id=ada, document_id=doc_id, application_id=ada_app)

    assert [e.document.id for e in docs.list_documents(user_id=eve)] == [eve_doc_id]
    refused: list[Callable[[], object]] = [
        lambda: docs.get_document(user_id=eve, document_id=doc_id),
        lambda: docs.read(user_id=eve, document_id=doc_id),
        lambda: docs.download_url(user_id=eve, document_id=doc_id),
        lambda: docs.rename(user_id=eve, document_id=doc_id, filename="stolen.pdf"),
        lambda: docs.set_kind(user_id=eve, document_id=doc_id, kind="other"),
        lambda: docs.delete(user_id=eve, document_id=doc_id),
        lambda: docs.reuse_count(user_id=eve, document_id=doc_id),
        # her own application, his document
        lambda: docs.attach(user_id=eve, document_id=doc_id, application_id=eve_app),
        lambda: docs.detach(user_id=eve, document_id=doc_id, application_id=ada_app),
        # her own document, his application
        lambda: docs.attach(user_id=eve, document_id=eve_doc_id, application_id=ada_app),
        lambda: docs.detach(user_id=eve, document_id=eve_doc_id, application_id=ada_app),
        lambda: docs.documents_for_application(user_id=eve, application_id=ada_app),
    ]
    for call in refused:
        with pytest.raises(NotFound) as exc:
            call()
        assert exc.value.message in ("No such document", "No such application")
    # Nothing changed.
    same = docs.get_document(user_id=ada, document_id=doc_id)
    assert same.filename == "transcript.pdf" and same.kind == "other"
    assert docs.reuse_count(user_id=ada, document_id=doc_id) == 1
    assert doc.storage_key in backend.blobs()
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(ApplicationDocument)).one() == 1


# -- over HTTP --------------------------------------------------------------------------------


@pytest.fixture
def client(backend: Backend) -> Iterator[TestClient]:
    with TestClient(create_api()) as c:
        yield c


def session_cookie(user_id: int) -> dict[str, str]:
    """The header a signed-in browser sends."""
    with session_scope() as s:
        grant = auth.start_session(s, user_id=user_id)
    return {"Cookie": f"scholarlink_session={grant.token}"}


def test_download_route(client: TestClient, backend: Backend) -> None:
    ada, eve = student("ada@example.org"), student("eve@example.org")
    doc = docs.upload(user_id=ada, filename="Résumé 2026.pdf", data=PDF, kind="resume")
    url = f"/api/documents/{doc.id}/download"

    for headers in ({}, {"Cookie": "scholarlink_session=not-a-session"}):
        r = client.get(url, headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        assert PDF not in r.content

    as_eve = session_cookie(eve)
    r = client.get(url, headers=as_eve)
    assert r.status_code == 404 and PDF not in r.content
    assert r.json()["error"]["message"] == "No such document"
    # Exactly the answer for a document that does not exist: nothing to learn by probing ids.
    missing = client.get("/api/documents/999999/download", headers=as_eve)
    assert (missing.status_code, missing.json()) == (404, r.json())

    r = client.get(url, headers=session_cookie(ada), follow_redirects=False)
    assert r.status_code == 200
    assert r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "private, no-store"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''R%C3%A9sum%C3%A9%202026.pdf" in disposition

    docs.delete(user_id=ada, document_id=ident(doc))
    assert client.get(url, headers=session_cookie(ada)).status_code == 404


# Signed URLs are a Google Cloud Storage feature.
@pytest.mark.parametrize("backend", ["gcs"], indirect=True)
def test_signed_urls_when_credentials_can_sign(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.oauth2 import service_account

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # throwaway
    signer = service_account.Credentials.from_service_account_info(
        {
            "type": "service_account",
            "client_email": "vault@test.iam.gserviceaccount.com",
            "private_key": key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
            "private_key_id": "1",
            "token_uri": "https://oauth2.googleapis.com/token",
            "project_id": "test",
        }
    )
    plain = get_storage()
    assert isinstance(plain, GCSStorage)
    signing = GCSStorage(plain._bucket.name, client=plain._client, signer=signer)
    monkeypatch.setattr(docs, "get_storage", lambda: signing)

    ada, eve = student("ada@example.org"), student("eve@example.org")
    doc = docs.upload(user_id=ada, filename="cv.pdf", data=PDF)
    url = docs.download_url(user_id=ada, document_id=ident(doc), ttl=120)
    assert url is not None
    query = parse_qs(urlparse(url).query)
    # The emulator does not verify signatures: check what was signed ourselves.
    assert query["X-Goog-Algorithm"] == ["GOOG4-RSA-SHA256"]
    assert query["X-Goog-Expires"] == ["120"]
    assert query["response-content-disposition"][0].startswith('attachment; filename="cv.pdf"')
    assert len(query["X-Goog-Signature"][0]) == 512  # RSA-2048, hex
    fetched = httpx.get(url)
    assert fetched.status_code == 200 and fetched.content == PDF
    assert fetched.headers["content-disposition"].startswith("attachment;")

    with TestClient(create_api()) as c:
        path = f"/api/documents/{doc.id}/download"
        assert c.get(path, headers=session_cookie(eve)).status_code == 404
        r = c.get(path, headers=session_cookie(ada), follow_redirects=False)
        assert r.status_code == 302
        assert r.headers["location"].split("?")[0] == url.split("?")[0]
        assert r.headers["x-content-type-options"] == "nosniff"

    # Without signing credentials (the emulator's anonymous client) the app streams instead.
    assert plain.download_url(doc.storage_key, "cv.pdf", 60) is None


def test_session_cookie_name_matches_the_app() -> None:
    from scholarlink.api.deps import SESSION_COOKIE
    from scholarlink.state.session import SESSION_COOKIE as APP_COOKIE

    assert SESSION_COOKIE == APP_COOKIE


def test_local_backend_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STORAGE_BACKEND", raising=False)
    _configure(monkeypatch, STORAGE_LOCAL_DIR=str(tmp_path))
    try:
        store = get_storage()
        assert isinstance(store, LocalStorage) and store.root == tmp_path.resolve()
    finally:
        storage_mod.reset_storage()


def test_preview_shows_pdfs_and_images_inline_only(backend: Backend) -> None:
    from fastapi.testclient import TestClient

    from scholarlink.api import create_api

    ada = student("ada@example.org")
    pdf = docs.upload(user_id=ada, filename="t.pdf", data=PDF)
    with TestClient(create_api()) as client:
        url = f"/api/documents/{ident(pdf)}/download"
        shown = client.get(
            url + "?preview=true", headers=session_cookie(ada), follow_redirects=False
        )
        saved = client.get(url, headers=session_cookie(ada), follow_redirects=False)
    if shown.status_code == 302:  # signed storage URL: the store decides
        return
    assert shown.headers["content-disposition"].startswith("inline;")
    assert saved.headers["content-disposition"].startswith("attachment;")
    assert shown.headers["x-content-type-options"] == "nosniff"
