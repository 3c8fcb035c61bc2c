"""Ingest speed per embedding backend (PyTorch, ONNX int8 …), against embedding alone, in one process.

For each backend (default: torch, today's embedder, then onnx-int8) it ingests the archive folders (default
../shared/seeds and examples/rapporter) into a fresh temporary data directory with an empty vector cache,
and reports files, pages, chunks, seconds, pages/s and chunks/s, and the time until every file was
searchable by words (register + BM25, before the vectors). Then, with the model already loaded, it embeds
exactly the same chunk texts again with ``embedder.embed_passages`` in the calls ingest makes, and prints
ingest time / embed-only time: the part above 1.0 is parsing, sections, OCR repair, metadata, Chroma,
BM25 and SQLite. Then a second, unchanged ingest, which must embed nothing. Last, the backends side by side
as ratios to the first (the machine is shared: only ratios from one run mean much).

The converted model is cached in bench/.cache/models and linked into the temporary data dir, so its
one-off conversion is timed separately and not on every run. Pages: real pages for PDFs; other files
count chars / 3000 as pages (said in the output).

    python bench/ingest.py [--archive DIR ...] [--backend torch --backend onnx-int8] [--model hashing]
                           [--json FILE] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import compose  # noqa: E402
from assistant.archive import Archive  # noqa: E402
from assistant.config import Settings  # noqa: E402
from index.build import EMBED_WINDOW  # noqa: E402
from index.embed import BACKENDS, BUNDLED_MODEL, Embedder, build_bundled_model, default_embedder  # noqa: E402
from index.records import Chunk  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
MODEL_CACHE = CACHE / "models"  # shared by every bench run: the model is converted once
CHARS_PER_PAGE = 3000  # a "page" of a text file (.md/.txt/.docx have no pages)
INGEST_BATCH = EMBED_WINDOW  # passages per embed_passages call in ingest's vector phase


class TimedEmbedder:
    """Wraps an embedder and adds up the time spent in ``embed_passages`` (ingest's embedding share).

    The name is passed through, so vectors are cached exactly as with the wrapped embedder.
    """

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.passages = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        began = time.perf_counter()
        vectors = self.inner.embed_passages(texts)
        self.seconds += time.perf_counter() - began
        self.passages += len(texts)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


@dataclass(slots=True)
class IngestFigures:
    model: str
    backend: str
    embedder: str  # the embedder's name: model and backend
    files: int
    failed: int
    pdf_pages: int
    text_pages: float  # chars / CHARS_PER_PAGE of the files without pages
    chunks: int
    chunks_embedded: int
    conversion_seconds: float  # 0 when the converted model was already cached
    model_load_seconds: float
    ingest_seconds: float
    searchable_seconds: float  # until every file was in the register and the lexical index
    embed_in_ingest_seconds: float  # time inside embed_passages during the ingest
    embed_only_seconds: float
    embed_only_passages: int
    second_ingest_seconds: float
    second_ingest_embedded: int
    load_before: str
    load_after: str

    @property
    def pages(self) -> float:
        return self.pdf_pages + self.text_pages

    @property
    def ratio(self) -> float:
        return self.ingest_seconds / self.embed_only_seconds if self.embed_only_seconds else float("nan")


def load_average() -> str:
    """The 1/5/15-minute load: on a shared 2-core machine every figure depends on it."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def prepare_model(data_dir: Path, model: str) -> float:
    """Link ``data_dir/models`` to the shared converted model; returns conversion seconds (0 if cached)."""
    if model != BUNDLED_MODEL:
        return 0.0
    folder = MODEL_CACHE / "multilingual-e5-small"
    cached = (folder / "modules.json").is_file()
    began = time.perf_counter()
    build_bundled_model(folder)  # returns at once when the folder is there
    seconds = 0.0 if cached else time.perf_counter() - began
    data_dir.mkdir(parents=True, exist_ok=True)
    link = data_dir / "models"
    if link.is_symlink() and not link.exists():
        link.unlink()  # left dangling by a checkout that has since been moved or removed
    if not link.exists():
        link.symlink_to(MODEL_CACHE.resolve(), target_is_directory=True)
    return seconds


def open_archive(data_dir: Path, model: str, backend: str) -> tuple[Archive, TimedEmbedder]:
    """The project's Archive with a timing wrapper around the embedder it would build itself."""
    settings = Settings(data_dir=data_dir, embedding_model=model, embedding_backend=backend)
    inner = default_embedder(model, data_dir, batch_size=settings.embedding_batch_size, backend=backend)
    embedder = TimedEmbedder(inner)
    return compose.open_archive(settings, embedder=embedder), embedder


def load_model(embedder: TimedEmbedder) -> float:
    """Seconds to load the model (the first call loads it); kept out of the ingest figure."""
    began = time.perf_counter()
    embedder.inner.embed_query("förladdning av modellen")
    return time.perf_counter() - began


def stage_archive(folders: Sequence[Path], target: Path) -> Path:
    """One folder with each archive folder as a subfolder of symlinks, so a single ingest reads them all."""
    for number, folder in enumerate(folders):
        base = target / f"{number}_{folder.resolve().name}"
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                link = base / path.relative_to(folder)
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(path.resolve())
    return target


def count_pages(archive: Archive) -> tuple[int, float]:
    """(PDF pages, chars / CHARS_PER_PAGE of the other files) over the indexed files."""
    pdf, text = 0, 0.0
    for row in archive.register.files():
        if row["status"] != "ok":
            continue
        if row["kind"] == "pdf":
            pdf += row["pages"]
        else:
            text += row["chars"] / CHARS_PER_PAGE
    return pdf, text


def ingest_batches(chunks: Sequence[Chunk]) -> list[list[str]]:
    """The texts ingest embeds, call by call: in file order, INGEST_BATCH passages a window.

    Mirrors ``build.reconcile`` with an empty cache: a window's texts are embedded once each, a text
    repeated from an earlier window not at all.
    """
    seen: set[str] = set()
    batches: list[list[str]] = []
    for start in range(0, len(chunks), INGEST_BATCH):
        texts = list(dict.fromkeys(c.search_text for c in chunks[start : start + INGEST_BATCH]))
        missing = [t for t in texts if t not in seen]
        if missing:
            batches.append(missing)
        seen.update(texts)
    return batches


def embed_only(embedder: Embedder, batches: Sequence[Sequence[str]]) -> float:
    began = time.perf_counter()
    for batch in batches:
        embedder.embed_passages(batch)
    return time.perf_counter() - began


def run(folders: Sequence[Path], model: str, backend: str, work: Path) -> IngestFigures:
    data_dir = work / "data"
    load_before = load_average()
    conversion = prepare_model(data_dir, model)
    root = stage_archive(folders, work / "archive")
    began = time.perf_counter()
    archive, timed = open_archive(data_dir, model, backend)  # an ONNX backend exports here, once
    conversion += time.perf_counter() - began
    try:
        model_load = load_model(timed)
        began = time.perf_counter()
        first = archive.ingest(root)
        ingest_seconds = time.perf_counter() - began
        searchable_seconds = first.searchable_seconds
        embed_in_ingest = timed.seconds
        pdf_pages, text_pages = count_pages(archive)
        order = {source: i for i, source in enumerate(first.indexed)}
        chunks = sorted(archive.register.chunks(), key=lambda c: order.get(c.source, len(order)))
        batches = ingest_batches(chunks)
        embed_seconds = embed_only(timed.inner, batches)
        began = time.perf_counter()
        second = archive.ingest(root)
        second_seconds = time.perf_counter() - began
    finally:
        archive.close()
    return IngestFigures(
        model=model,
        backend=backend,
        embedder=timed.name,
        files=len(first.indexed),
        failed=len(first.failed),
        pdf_pages=pdf_pages,
        text_pages=text_pages,
        chunks=first.chunks_added,
        chunks_embedded=first.chunks_embedded,
        conversion_seconds=conversion,
        model_load_seconds=model_load,
        ingest_seconds=ingest_seconds,
        searchable_seconds=searchable_seconds,
        embed_in_ingest_seconds=embed_in_ingest,
        embed_only_seconds=embed_seconds,
        embed_only_passages=sum(len(b) for b in batches),
        second_ingest_seconds=second_seconds,
        second_ingest_embedded=second.chunks_embedded,
        load_before=load_before,
        load_after=load_average(),
    )


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain aligned table: first column left, the rest right."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in pairs]
        return "  ".join(cells).rstrip()

    print(f"\n{title}")
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def report(f: IngestFigures) -> None:
    def rate(amount: float, seconds: float) -> str:
        return f"{amount / seconds:.2f}/s" if seconds else "-"

    base, embed = f.embed_only_seconds, f.embed_in_ingest_seconds
    rest = f.ingest_seconds - embed
    print_table(
        f"Ingest with {f.embedder} (load before {f.load_before}; after {f.load_after})",
        ["", "amount", "seconds", "pages/s", "chunks/s", "× embed alone"],
        [
            [
                "ingest (empty cache)",
                f"{f.chunks} chunks",
                f"{f.ingest_seconds:.1f}",
                rate(f.pages, f.ingest_seconds),
                rate(f.chunks, f.ingest_seconds),
                f"{f.ratio:.2f}",
            ],
            [
                "  of which embed_passages",
                f"{f.chunks_embedded} embedded",
                f"{embed:.1f}",
                "",
                rate(f.chunks_embedded, embed),
                f"{embed / base:.2f}",
            ],
            ["  of which the rest", "", f"{rest:.1f}", "", "", f"{rest / base:.2f}"],
            [
                "searchable by words",
                f"{f.files} files",
                f"{f.searchable_seconds:.1f}",
                rate(f.pages, f.searchable_seconds),
                rate(f.chunks, f.searchable_seconds),
                f"{f.searchable_seconds / base:.2f}",
            ],
            [
                "embedding alone (baseline)",
                f"{f.embed_only_passages} passages",
                f"{base:.1f}",
                rate(f.pages, base),
                rate(f.embed_only_passages, base),
                "1.00",
            ],
            [
                "second ingest (unchanged)",
                f"{f.second_ingest_embedded} embedded",
                f"{f.second_ingest_seconds:.2f}",
                "",
                "",
                f"{f.second_ingest_seconds / base:.2f}",
            ],
        ],
    )
    print(
        f"\nfiles {f.files} ({f.failed} failed); pages {f.pages:.1f} = {f.pdf_pages} PDF pages + "
        f"{f.text_pages:.1f} text pages (text files: chars / {CHARS_PER_PAGE})"
    )
    print(
        f"model: conversion/export {f.conversion_seconds:.1f} s (~0 = already in {MODEL_CACHE.relative_to(ROOT)}), "
        f"load {f.model_load_seconds:.1f} s (neither is in the ingest time)"
    )
    print(f"ingest batches: up to {INGEST_BATCH} passages per embed_passages call, as build.reconcile")


def compare(figures: Sequence[IngestFigures]) -> None:
    """The backends side by side, each as a ratio to the first (measured in this one process)."""
    first = figures[0]

    def ingest_rate(f: IngestFigures) -> float:
        return f.chunks / f.ingest_seconds

    def embed_rate(f: IngestFigures) -> float:
        return f.embed_only_passages / f.embed_only_seconds

    rows = []
    for f in figures:
        rows.append(
            [
                f.backend,
                f"{ingest_rate(f):.2f}",
                f"{ingest_rate(f) / ingest_rate(first):.2f}",
                f"{embed_rate(f):.2f}",
                f"{embed_rate(f) / embed_rate(first):.2f}",
                f"{f.pages / f.searchable_seconds:.1f}",
                f"{f.second_ingest_seconds:.2f}",
            ]
        )
    print_table(
        f"Backends compared (ratios to {first.backend})",
        ["backend", "ingest passages/s", "×", "embed passages/s", "×", "searchable pages/s", "unchanged s"],
        rows,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--archive",
        type=Path,
        action="append",
        help="archive folder (repeatable; default ../shared/seeds and examples/rapporter)",
    )
    parser.add_argument("--model", default=BUNDLED_MODEL, help="embedding model ('hashing' for a dry run)")
    parser.add_argument(
        "--backend", action="append", choices=BACKENDS, help="repeatable; default torch, then onnx-int8"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir and print its path")
    args = parser.parse_args()
    folders = args.archive or [ROOT.parent / "shared" / "seeds", ROOT / "examples" / "rapporter"]
    CACHE.mkdir(parents=True, exist_ok=True)
    results = []
    for backend in args.backend or ["torch", "onnx-int8"]:
        work = Path(tempfile.mkdtemp(prefix="ingest-", dir=CACHE))
        try:
            results.append(run(folders, args.model, backend, work))
        finally:
            if args.keep:
                print(f"kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
        report(results[-1])
    if len(results) > 1:
        compare(results)
    if args.json:
        data = [
            {
                **asdict(figures),
                "pages": figures.pages,
                "ratio": figures.ratio,
                "chars_per_text_page": CHARS_PER_PAGE,
                "archive": [str(p) for p in folders],
            }
            for figures in results
        ]
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
