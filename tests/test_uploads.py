"""Uploaded files: safe names inside the archive, allowed types, size limits, no overwrites."""

from __future__ import annotations

import io

import pytest

from assistant.config import Settings
from assistant.web.uploads import BadUpload, safe_name, save_upload


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("rapport.pdf", "rapport.pdf"),
        ("../../etc/rapport.md", "rapport.md"),
        ("C:\\Users\\x\\Slutrapport Ljusdal.docx", "Slutrapport Ljusdal.docx"),
        ("--help.txt", "help.txt"),
        ("..hidden.md", "hidden.md"),
        ("  Årsrapport\tÖverkalix .txt", "Årsrapport Överkalix .txt"),
    ],
)
def test_safe_name_keeps_only_the_file_name(given, expected):
    assert safe_name(given) == expected


@pytest.mark.parametrize("given", ["", "..", "/", "virus.exe", "rapport", "a/..", "-.-"])
def test_unusable_names_and_types_are_refused(given):
    with pytest.raises(BadUpload):
        safe_name(given)


def test_save_never_overwrites_and_skips_identical_content(tmp_path):
    settings = Settings(data_dir=tmp_path / "d", archive_dir=tmp_path / "arkiv", max_file_mb=1)
    first = save_upload("r.md", io.BytesIO(b"ett"), settings)
    again = save_upload("r.md", io.BytesIO(b"ett"), settings)
    other = save_upload("r.md", io.BytesIO(b"tv\xc3\xa5"), settings)
    assert first == again == "uppladdat/r.md" and other == "uppladdat/r (2).md"
    assert (tmp_path / "arkiv" / other).read_bytes() == "två".encode()


def test_too_large_and_empty_uploads_leave_nothing(tmp_path):
    settings = Settings(data_dir=tmp_path / "d", archive_dir=tmp_path / "arkiv", max_file_mb=1)
    with pytest.raises(BadUpload, match="1 MB"):
        save_upload("stor.txt", io.BytesIO(b"x" * (1024 * 1024 + 1)), settings)
    with pytest.raises(BadUpload, match="tom"):
        save_upload("tom.txt", io.BytesIO(b""), settings)
    assert list((tmp_path / "arkiv" / "uppladdat").iterdir()) == []
