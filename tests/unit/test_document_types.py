"""Documents are typed by their bytes, named safely, and stored under keys that cannot escape."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from scholarlink.core.errors import ValidationFailed
from scholarlink.services import documents as docs
from scholarlink.services.storage import LocalStorage, attachment_disposition, check_key

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
SCRIPT = b"#!/bin/sh\nrm -rf ~\n"
HTML = b"<html><script>alert(1)</script></html>"


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


DOCX = zip_bytes(
    {
        "[Content_Types].xml": b"<Types/>",
        "_rels/.rels": b"<Relationships/>",
        "word/document.xml": b"<w:document/>",
    }
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [(PDF, docs.PDF), (PNG, docs.PNG), (JPEG, docs.JPEG), (DOCX, docs.DOCX)],
)
def test_accepted_types_are_recognised_by_content(data: bytes, expected: docs.FileType) -> None:
    assert docs.detect_type(data) is expected
    assert docs.classify(data) is expected


@pytest.mark.parametrize(
    "data",
    [
        ELF,
        PE,
        SCRIPT,
        HTML,
        b"just some text that claims to be a PDF",
        b" %PDF-1.7 not at the start",
        b"",
        zip_bytes({"hello.txt": b"hi"}),  # a plain ZIP
        zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>"}),  # a .xlsx
        b"PK\x03\x04 truncated, not really a zip",
    ],
)
def test_anything_else_is_refused(data: bytes) -> None:
    assert docs.detect_type(data) is None
    with pytest.raises(ValidationFailed) as exc:
        docs.classify(data)
    assert "PDF, Word (.docx), PNG or JPEG" in exc.value.message


def test_macro_enabled_word_is_refused_with_its_own_reason() -> None:
    docm = zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
            "word/vbaProject.bin": b"\x00macro",
        }
    )
    with pytest.raises(ValidationFailed, match=r"macros \(\.docm\)"):
        docs.classify(docm)


def test_a_pdf_named_png_is_a_pdf_and_named_so() -> None:
    file_type = docs.classify(PDF)
    assert file_type is docs.PDF
    assert docs.display_name("scan.png", file_type) == "scan.pdf"
    assert docs.display_name("Transcript.PDF", file_type) == "Transcript.PDF"
    assert docs.display_name("notes.final", file_type) == "notes.final.pdf"
    assert docs.display_name("photo.jpeg", docs.JPEG) == "photo.jpeg"
    assert docs.display_name("photo.png", docs.JPEG) == "photo.jpg"
    assert docs.display_name(None, docs.DOCX) == "document.docx"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("C:\\Users\\ada\\My CV.pdf", "My CV.pdf"),
        ("/abs/path/cv.pdf", "cv.pdf"),
        ("re\x00su\x07me\r\n.pdf", "resume.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ("a\tb   c.pdf", "ab c.pdf"),
        ('what?<>:"|*.pdf', "what_______.pdf"),
        ("..", "document"),
        ("", "document"),
        (None, "document"),
        ("   . ", "document"),
        ("Résumé – 2026.docx", "Résumé – 2026.docx"),
    ],
)
def test_names_are_sanitised(raw: str | None, expected: str) -> None:
    assert docs.sanitize_filename(raw) == expected


def test_long_names_are_cut_keeping_the_extension() -> None:
    name = docs.sanitize_filename("x" * 500 + ".pdf")
    assert len(name) == docs.MAX_NAME_LENGTH and name.endswith(".pdf")
    named = docs.display_name("y" * 500 + ".png", docs.PDF)
    assert len(named) <= docs.MAX_NAME_LENGTH and named.endswith("y.pdf")


def test_sizes_read_naturally() -> None:
    assert docs.human_size(512) == "512 B"
    assert docs.human_size(2048) == "2 KB"
    assert docs.human_size(10 * 1024 * 1024) == "10 MB"
    assert docs.human_size(int(12.34 * 1024 * 1024)) == "12.3 MB"


def test_attachment_disposition_has_an_ascii_fallback_and_the_exact_name() -> None:
    value = attachment_disposition('Résumé "final".pdf')
    assert value.startswith("attachment; ")
    assert 'filename="Resume _final_.pdf"' in value
    assert "filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf" in value
    assert "\n" not in attachment_disposition("a\r\nSet-Cookie: x.pdf")


@pytest.mark.parametrize(
    "key",
    [
        "",
        "../outside",
        "documents/../../outside",
        "/etc/passwd",
        "documents/1/./x",
        "documents\\1\\x",
        "documents//x",
        "documents/1/x\x00",
        ".hidden",
        "documents/1/" + "a" * 400,
    ],
)
def test_bad_keys_are_refused(key: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        check_key(key)
    store = LocalStorage(tmp_path)
    with pytest.raises(ValueError):
        store.put(key, b"x", "application/pdf")
    assert list(tmp_path.iterdir()) == []


def test_local_storage_cannot_follow_a_symlink_out_of_its_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "documents").symlink_to(outside, target_is_directory=True)
    store = LocalStorage(root)
    with pytest.raises(ValueError, match="escapes"):
        store.put("documents/1/abc", b"x", "application/pdf")
    assert list(outside.iterdir()) == []


def test_local_storage_round_trip_is_atomic(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    store.put("documents/7/abc", PDF, "application/pdf")
    assert store.exists("documents/7/abc")
    assert store.get("documents/7/abc") == PDF
    assert [p.name for p in (tmp_path / "documents" / "7").iterdir()] == ["abc"]  # no temp left
    assert store.download_url("documents/7/abc", "a.pdf", 60) is None
    store.delete("documents/7/abc")
    store.delete("documents/7/abc")  # already gone: fine
    assert not store.exists("documents/7/abc")


def test_documents_are_never_kept_in_the_folder_reflex_serves_publicly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scholarlink.core.settings import reset_settings_cache
    from scholarlink.services import storage

    monkeypatch.chdir(tmp_path)  # Reflex resolves "uploaded_files" against the working directory
    monkeypatch.delenv("REFLEX_UPLOADED_FILES_DIR", raising=False)
    monkeypatch.setenv("STORAGE_BACKEND", "local")
    try:
        for unsafe in ("uploaded_files", "uploaded_files/documents"):
            monkeypatch.setenv("STORAGE_LOCAL_DIR", str(tmp_path / unsafe))
            reset_settings_cache()
            storage.reset_storage()
            with pytest.raises(storage.StorageError, match="without authentication"):
                storage.get_storage()
        monkeypatch.setenv("REFLEX_UPLOADED_FILES_DIR", str(tmp_path / "public"))
        monkeypatch.setenv("STORAGE_LOCAL_DIR", str(tmp_path / "public" / "x"))
        reset_settings_cache()
        with pytest.raises(storage.StorageError):
            storage.get_storage()
        monkeypatch.setenv("STORAGE_LOCAL_DIR", str(tmp_path / ".data" / "documents"))
        reset_settings_cache()
        assert isinstance(storage.get_storage(), LocalStorage)
    finally:
        monkeypatch.undo()
        reset_settings_cache()
        storage.reset_storage()
