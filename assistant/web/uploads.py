"""Uploaded reports saved into the archive: a safe name, an allowed type, a size limit, nothing overwritten."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from assistant.config import Settings
from assistant.errors import BadUpload

UPLOAD_FOLDER = "uppladdat"
ALLOWED_SUFFIXES = (".pdf", ".docx", ".md", ".txt")
_BLOCK = 1 << 20


def safe_name(filename: str) -> str:
    """The file's own name without any folder part, leading dots or dashes, or control characters.

    Raises:
        BadUpload: when nothing usable remains or the type is not a report type.
    """
    name = PureWindowsPath(PurePosixPath(filename).name).name  # drop both / and \\ folder parts
    name = unicodedata.normalize("NFC", name)
    name = re.sub(r"\s+", " ", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".-").strip()
    if not name or name in (".", ".."):
        raise BadUpload("Filen saknar ett användbart namn.")
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise BadUpload(f"{name}: bara {', '.join(ALLOWED_SUFFIXES)} kan läsas in.")
    return name[:200]


def save_upload(filename: str, data: BinaryIO, settings: Settings) -> str:
    """Streams ``data`` into ``archive_dir/uppladdat/`` and returns its path relative to the archive.

    A file with the same name and other content is kept beside it as "namn (2).pdf"; identical content
    is not stored twice.

    Raises:
        BadUpload: for a bad name or type, or a file over ``max_file_mb``.
    """
    name = safe_name(filename)
    folder = settings.archive_dir / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".upload-{os.getpid()}-{os.urandom(4).hex()}"
    digest = hashlib.sha256()
    size = 0
    try:
        with tmp.open("wb") as out:
            while block := data.read(_BLOCK):
                size += len(block)
                if size > settings.max_file_bytes:
                    raise BadUpload(f"{name} är större än gränsen på {settings.max_file_mb} MB.")
                digest.update(block)
                out.write(block)
        if size == 0:
            raise BadUpload(f"{name} är tom.")
        target = _free_target(folder, name, digest.hexdigest())
        if target.exists():
            tmp.unlink()
        else:
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target.relative_to(settings.archive_dir).as_posix()


def _free_target(folder: Path, name: str, sha: str) -> Path:
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, 1000):
        target = folder / (name if n == 1 else f"{stem} ({n}){suffix}")
        if not target.exists() or hashlib.sha256(target.read_bytes()).hexdigest() == sha:
            return target
    raise BadUpload(f"För många filer heter redan {name}.")
