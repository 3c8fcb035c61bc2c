"""Speed at scale: hybrid search latency, memory and index size over a Swedish corpus of about N chunks.

Corpus: ../shared/corpus (SFS statutes, one .md per law, and regeringen.se pages from the g0vse JSONL
files). Each list is shuffled with a fixed seed and documents are taken alternately from whichever kind
has fewer chunks so far, until the project's own chunker has produced N chunks; they are written as .md
files to bench/.cache/corpus-N/ (MANIFEST.json records the selection). The selection for a smaller N is
a prefix of the one for a larger N.

Index: ``Archive.ingest`` into bench/.cache/scale-N/. That data dir is kept: its vectors.sqlite is the
vector cache, so a rerun embeds nothing and the measurement takes seconds. A new data dir is seeded with
the vectors of any smaller scale-M dir (same text → same vector), and every run that embedded something
is recorded in scale-N/bench-builds.json (how the vectors were made: model, passages/s, load).

With --synthetic-fill (what the 50k figures use: embedding 50k chunks takes 3–4 hours on 2 cores) the
index goes to bench/.cache/scale-N-synthetic/ and holds every real vector the cache has; the chunks
without one get vectors derived from real ones (bench/synthetic.py says how). It is built from scratch
each time through the same ``Archive.ingest``, with Chroma upserts batched; the build record and the
measurement JSON say how many vectors are real and how many derived. --real-fraction F builds with only
that share of the real vectors, to check on a corpus that is all real that derived vectors do not change
the latency.

Measurement, in a fresh child process so that peak RSS is the search process, not the ingest: ~200
queries generated from the corpus with a fixed seed (4–8 content words of a sentence of a random chunk,
short keyword queries, and a few questions in the style Arkiv is asked), a few warm-up queries, then
``HybridRetriever.search`` latency p50/p95/p99/mean including the query embedding, beside the query
embedding alone, dense (Chroma) alone, BM25 alone and the insats-name matching every search does; RSS
now and peak (VmHWM) at each stage; on-disk sizes. When p95 is above the 150 ms target (or with
--profile) the slowest and a median query are profiled with cProfile. The ingest's own peak RSS
(getrusage) is printed by the parent.

    python bench/scale.py [--chunks 5000] [--model hashing] [--queries 200] [--profile] [--json FILE]
    python bench/scale.py --chunks 50000 --measure-only     # measure an index built earlier, no ingest
    python bench/scale.py --chunks 50000 --synthetic-fill [--embed-minutes 30] [--real-fraction 1.0]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from filtered import FilteredQuery, filtered_queries  # noqa: E402
from ingest import CACHE, TimedEmbedder, load_average, load_model, open_archive, prepare_model, print_table  # noqa: E402
from searchtimes import Mode, VectorMatrix, dense_paths, forget_questions, percentiles, time_searches  # noqa: E402
from synthetic import (  # noqa: E402
    NOISE,
    PARENTS,
    BatchedUpserts,
    FillEmbedder,
    RealOnlyCache,
    RealPool,
    chunk_keys,
    derivation_check,
    embed_more,
    kind_of,
    with_report_sections,
)

import index.build as index_build  # noqa: E402
from assistant import compose  # noqa: E402
from assistant.archive import Archive  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.names import insatser_in_text  # noqa: E402
from assistant.retrieve import EXACT_DENSE_LIMIT, HybridRetriever  # noqa: E402
from index.analyze import STOPWORDS, fold  # noqa: E402
from index.build import IngestReport, analyse_document  # noqa: E402
from index.chunk import Chunker  # noqa: E402
from index.embed import BACKENDS, BUNDLED_MODEL, Embedder, default_embedder  # noqa: E402
from index.parse import read_document  # noqa: E402
from index.register import text_key  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SEED = 20240611
SELECTION_VERSION = 1  # bump when the selection rule changes: corpus folders are rebuilt
MIN_PAGE_CHARS = 400  # regeringen.se landing pages with only a title are not documents worth indexing
# The backend that makes an index's passage vectors (--backend). The vector cache and the Chroma collection are
# keyed by the embedder's name, which names the backend, so an index is built and opened with one backend; the
# question can still be embedded by another (--query-backend: e5 on int8 and fp32 agree at cosine >= 0.99).
BACKEND = "torch"
TARGET_P95_MS = 150.0
# Files whose functions the profile lists (cumulative time), e.g. "names.py:59(insatser_in_text)".
PROJECT_MODULES = r"(retrieve|names|analyze|lexical|store|embed|archive|register|metadata)\.py"
WARMUP = 5
WORD = re.compile(r"[^\W\d_]{3,}")  # letters only: numbers and codes make poor paraphrases
SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")
QUESTION_FORMS = ("{}", "{}", "Vad gäller för {}?", "Hur beskrivs {}?", "Vad står det om {}?")
# How staff ask Arkiv, written for this bench (generic, not from any dev set). List, section and summary
# questions take the retriever's slower paths (focus searches over template sections).
ARKIV_QUESTIONS = (
    "Vilka insatser nämner samverkan med Försäkringskassan som framgångsfaktor?",
    "Vilka hinder och systemfel beskrivs i rapporterna?",
    "Hur mycket medel beviljades och hur mycket utnyttjades?",
    "Vad har man lärt sig om samverkan mellan kommun och region?",
    "Sammanfatta resultaten för styrelsen i punktform",
    "Vilka målgrupper riktar sig insatserna till?",
    "Vad säger lagen om finansiell samordning av rehabiliteringsinsatser?",
    "Hur har brukarmedverkan fungerat?",
    "Vilka rapporter handlar om arbetslöshet bland unga?",
    "Vad kostade insatsen per deltagare?",
    "Hur många deltagare gick vidare till arbete eller studier?",
    "Vilka framgångsfaktorer lyfts fram för unga med psykisk ohälsa?",
    "Vad var de största avvikelserna från projektplanen?",
    "Hur har insatserna implementerats efter projekttiden?",
    "Finns det rapporter om långtidssjukskrivna och arbetsträning?",
    "Vilka samverkansparter deltog i insatserna?",
    "Vad står det om sekretess mellan myndigheter?",
    "Hur beskrivs arbetsgivarens ansvar för rehabilitering?",
    "Vilka lärdomar finns om att nå personer med funktionsnedsättning?",
    "Vad säger rapporterna om nyanlända kvinnor och etablering?",
    "Varför nådde man inte målen för antalet deltagare?",
    "Vilka insatser har utvärderats av en högskola eller ett universitet?",
    "Hur följdes deltagarnas hälsa upp under insatsen?",
    "Vilken tidsperiod gällde insatsen och vem var kontaktperson?",
    "Vad har fungerat bäst i arbetet med ekonomiskt bistånd?",
    "Sammanställ läget i insatserna inför årsredovisningen",
    "Vilka regler gäller för sjukpenning och rehabiliteringskedjan?",
    "Hur samarbetade Arbetsförmedlingen och socialtjänsten?",
    "Vilka insatser riktade sig till personer med missbruk?",
    "Vad säger utvärderingen om kostnadseffektivitet?",
    "Hur har budgeten förändrats under projektåren?",
    "Vilka systemfel mellan myndigheterna rapporteras oftast?",
    "Vad krävs för att en insats ska kunna permanentas?",
    "Hur beskrivs motiverande samtal i rapporterna?",
    "Vilka erfarenheter finns av individuellt stöd i arbete enligt IPS?",
    "Vad gäller för handläggning av ärenden om aktivitetsersättning?",
    "Hur har deltagarna själva bedömt stödet de fick?",
    "Vilka insatser nämner digitala verktyg eller distansmöten?",
    "Ge en översikt över resultaten för kvinnor och män",
    "Vad säger rapporterna om väntetider till vård och behandling?",
)


# --- corpus -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: str  # "sfs" | "web"
    path: str  # relative path in the corpus folder
    text: str


def statutes() -> list[Candidate]:
    folder = CORPUS / "sfs-statutes"
    paths = sorted(folder.glob("*.md"))
    return [Candidate("sfs", f"sfs/{p.name}", p.read_text(encoding="utf-8")) for p in paths]


def web_pages() -> list[Candidate]:
    """regeringen.se pages with some body text, one .md each, named after the page id."""
    pages, names = [], set()
    for jsonl in sorted((CORPUS / "g0vse-regeringen").glob("*.jsonl")):
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            parts = [re.sub(r"[^\w.-]", "_", p).lstrip(".") or "_" for p in record["id"].split("/")]
            name = "regeringen/" + "/".join(parts) + ".md"
            if len(record["text"]) >= MIN_PAGE_CHARS and name not in names:
                names.add(name)
                pages.append(Candidate("web", name, record["text"]))
    return pages


def select_corpus(n: int, folder: Path, chunker: Chunker) -> dict[str, Any]:
    """Write about ``n`` chunks of corpus documents into ``folder``; returns the manifest (cached there)."""
    key = {
        "chunks": n,
        "seed": SEED,
        "version": SELECTION_VERSION,
        "min_page_chars": MIN_PAGE_CHARS,
        "chunker": [chunker.size, chunker.max_size, chunker.overlap],
    }
    manifest_path = folder / "MANIFEST.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("key") == key:
            return dict(manifest)
    shutil.rmtree(folder, ignore_errors=True)  # a different or aborted selection: start over
    began = time.perf_counter()
    rng = random.Random(SEED)
    pools = {"sfs": statutes(), "web": web_pages()}
    for kind in sorted(pools):
        rng.shuffle(pools[kind])
    position = {kind: 0 for kind in pools}
    chunks = {kind: 0 for kind in pools}
    files: list[tuple[str, int]] = []
    while sum(chunks.values()) < n:
        # The kind with fewer chunks so far goes next, so both make up about half of the corpus.
        open_kinds = [k for k in sorted(pools) if position[k] < len(pools[k])]
        if not open_kinds:
            break
        kind = min(open_kinds, key=lambda k: chunks[k])
        candidate = pools[kind][position[kind]]
        position[kind] += 1
        count = write_and_count(candidate, folder, chunker)
        chunks[kind] += count
        files.append((candidate.path, count))
    manifest = {
        "key": key,
        "files": files,
        "chunks": chunks,
        "total_chunks": sum(chunks.values()),
        "chars": sum((folder / p).stat().st_size for p, _ in files),
        "seconds": round(time.perf_counter() - began, 1),
    }
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def write_and_count(candidate: Candidate, folder: Path, chunker: Chunker) -> int:
    """Write one document and count its chunks exactly as ingest will cut them."""
    path = folder / candidate.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(candidate.text, encoding="utf-8")
    doc = read_document(path, candidate.path, max_bytes=1 << 30)
    chunks, _, _ = analyse_document(doc, chunker)
    return len(chunks)


# --- index ------------------------------------------------------------------------------------------


def embedder_name(model: str, backend: str) -> str:
    """The name ``index.embed.default_embedder`` gives a local model on ``backend`` (vectors are kept under it)."""
    return model if backend == "torch" or model == "hashing" else f"{model}@{backend}"


def data_dir_for(
    n: int,
    model: str,
    *,
    backend: str = BACKEND,
    synthetic: bool = False,
    real_fraction: float = 1.0,
    report_sections: bool = False,
) -> Path:
    """``scale-N``; ``-BACKEND`` when the vectors are not PyTorch's; ``-synthetic`` for a --synthetic-fill
    build (``-rF`` when real vectors were left out on purpose), so derived vectors never mix with a build
    whose vectors are all real."""
    suffix = "" if model == BUNDLED_MODEL else "-" + re.sub(r"[^\w.-]", "_", model)
    if backend != "torch":
        suffix += f"-{backend}"
    if synthetic:
        suffix += "-synthetic" + ("" if real_fraction >= 1.0 else f"-r{real_fraction:g}")
        suffix += "-sections" if report_sections else ""
    return CACHE / f"scale-{n}{suffix}"


def seed_vectors(target: Path, n: int, model: str) -> int:
    """Copy the vectors of smaller scale runs into a new data dir's cache; returns how many rows."""
    if (target / "vectors.sqlite").exists():
        return 0
    target.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in CACHE.glob("scale-*") if (p / "vectors.sqlite").is_file() and p != target)
    db = sqlite3.connect(target / "vectors.sqlite")
    db.execute(
        "CREATE TABLE IF NOT EXISTS vectors "  # the schema of index.register.VectorCache
        "(model TEXT, key TEXT, vector BLOB, PRIMARY KEY (model, key))"
    )
    copied = 0
    for source in sources:
        db.execute("ATTACH DATABASE ? AS other", (f"file:{source / 'vectors.sqlite'}?mode=ro",))
        copied += db.execute("INSERT OR IGNORE INTO vectors SELECT * FROM other.vectors").rowcount
        db.commit()
        db.execute("DETACH DATABASE other")
    db.close()
    return copied


class Progress:
    """Prints ingest progress about every 30 s (the 50k build runs for hours in the background)."""

    def __init__(self, expected_chunks: int, embedder: TimedEmbedder) -> None:
        self.expected, self.embedder = expected_chunks, embedder
        self.files = self.files_done = self.chunks_done = 0
        self.began = self.last = time.monotonic()

    def __call__(self, event: str, amount: int) -> None:
        if event == "files":
            self.files = amount
        elif event == "file":
            self.files_done += amount
        elif event == "chunks":
            self.chunks_done += amount
        now = time.monotonic()
        if now - self.last >= 30 or (event == "file" and self.files_done == self.files):
            self.last = now
            rate = self.embedder.passages / self.embedder.seconds if self.embedder.seconds else 0.0
            left = max(self.expected - self.chunks_done, 0)
            eta = f"{left / rate / 60:.0f} min left" if rate else "-"
            print(
                f"[{datetime.now():%H:%M:%S}] files {self.files_done}/{self.files}, "
                f"chunks {self.chunks_done}/~{self.expected}, embedded {self.embedder.passages} "
                f"at {rate:.2f}/s, {eta}, load {load_average()}",
                flush=True,
            )


def build(n: int, model: str, backend: str) -> dict[str, Any]:
    """Corpus folder and index for ``n`` chunks; returns what this run did (and how the vectors were made)."""
    data = data_dir_for(n, model, backend=backend)
    chunker = Chunker(**_chunker_settings())
    print(f"selecting ~{n} chunks into {(CACHE / f'corpus-{n}').relative_to(ROOT)} …", flush=True)
    manifest = select_corpus(n, CACHE / f"corpus-{n}", chunker)
    print(
        f"corpus: {len(manifest['files'])} files, {manifest['total_chunks']} chunks "
        f"{manifest['chunks']}, {manifest['chars'] / 1e6:.1f} MB",
        flush=True,
    )
    seeded = seed_vectors(data, n, model)
    if seeded:
        print(f"seeded the vector cache with {seeded} vectors of smaller scale runs", flush=True)
    prepare_model(data, model)
    archive, timed = open_archive(data, model, backend)
    if timed.name != embedder_name(model, backend):  # the export failed and PyTorch stands in (logged)
        archive.close()
        raise SystemExit(f"the {backend} backend is not available here; the embedder is {timed.name}")
    try:
        model_load = load_model(timed)
        progress = Progress(manifest["total_chunks"], timed)
        report: IngestReport = archive.ingest(CACHE / f"corpus-{n}", progress=progress)
        chunks = len(archive.register.chunk_ids())
    finally:
        archive.close()
    run = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": model,
        "backend": backend,
        "embedder": timed.name,
        "chunks": chunks,
        "files_indexed": len(report.indexed),
        "files_unchanged": len(report.unchanged),
        "failed": len(report.failed),
        "chunks_embedded": report.chunks_embedded,
        "ingest_seconds": round(report.seconds, 1),
        "embed_seconds": round(timed.seconds, 1),
        "passages_per_second": round(timed.passages / timed.seconds, 2) if timed.seconds else None,
        "model_load_seconds": round(model_load, 1),
        "load": load_average(),
        "seeded_vectors": seeded,
        "ingest_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    return _record_build(data, run, report, manifest, new=bool(report.chunks_embedded))


class FileProgress:
    """Prints files done about every 60 s of a --synthetic-fill build (nothing is embedded there)."""

    def __init__(self) -> None:
        self.files = self.done = 0
        self.last = time.monotonic()

    def __call__(self, event: str, amount: int) -> None:
        if event == "files":
            self.files = amount
        elif event == "file":
            self.done += amount
            if time.monotonic() - self.last >= 60:
                self.last = time.monotonic()
                print(f"[{datetime.now():%H:%M:%S}] files {self.done}/{self.files}, load {load_average()}", flush=True)


def build_synthetic(
    n: int, model: str, backend: str, *, embed_minutes: float, real_fraction: float, report_sections: bool = False
) -> dict[str, Any]:
    """The index for ``n`` chunks with every real vector at hand and derived ones for the rest (see
    bench/synthetic.py); built through ``Archive.ingest`` like the real one, with the fill embedder."""
    if model != BUNDLED_MODEL:
        raise SystemExit("--synthetic-fill derives from the bundled model's real vectors")
    data = data_dir_for(
        n, model, backend=backend, synthetic=True, real_fraction=real_fraction, report_sections=report_sections
    )
    name = embedder_name(model, backend)  # the real vectors' name in the cache, and the collection's
    chunker = Chunker(**_chunker_settings())
    manifest = select_corpus(n, CACHE / f"corpus-{n}", chunker)
    corpus = CACHE / f"corpus-{n}"
    files = [path for path, _ in manifest["files"]]
    began = time.perf_counter()
    rows = chunk_keys(corpus, files, chunker)
    print(f"corpus: {len(files)} files, {len(rows)} chunks ({time.perf_counter() - began:.0f} s to list them)")
    seeded = seed_vectors(data, n, model)
    prepare_model(data, model)
    # Always from scratch: files an earlier build indexed would keep the vectors derived then, and the
    # counts of real and derived vectors would be wrong. The vector cache (real vectors only) stays.
    for store in ("chroma", "lexical"):
        shutil.rmtree(data / store, ignore_errors=True)
    for leftover in data.glob("register.sqlite*"):
        leftover.unlink()
    more: dict[str, Any] = {"embedded": 0}
    if embed_minutes > 0:
        print(f"embedding more chunks for real for {embed_minutes:g} min …", flush=True)
        real_embedder = default_embedder(model, data, batch_size=Settings().embedding_batch_size, backend=backend)
        if real_embedder.name != name:
            raise SystemExit(f"the {backend} backend is not available here; the embedder is {real_embedder.name}")
        more = embed_more(rows, data / "vectors.sqlite", real_embedder, minutes=embed_minutes)
        del real_embedder

    def keep(key: str) -> bool:  # --real-fraction: leave real vectors out on purpose, to test the method
        return real_fraction >= 1.0 or int(key[:8], 16) / 16**8 < real_fraction

    pool = RealPool.load(data / "vectors.sqlite", name, rows, keep=keep)
    kinds = {key: kind_of(source) for source, key, _ in rows}
    fill = FillEmbedder(name, pool, kinds)
    settings = Settings(data_dir=data, embedding_model=model, embedding_backend=backend)
    archive = compose.open_archive(settings, embedder=fill)
    # Written through the project's own ingest, with two bench-only wrappers around its stores: derived
    # vectors never enter the vector cache, and Chroma gets large batches instead of one call per file.
    archive.stores.vectors = RealOnlyCache(archive.stores.vectors, keep=keep)  # type: ignore[assignment]
    chroma = BatchedUpserts(archive.stores.chroma)
    archive.stores.chroma = chroma  # type: ignore[assignment]
    analyse = index_build.analyse_document
    if report_sections:  # bench-only: the corpus's passages get report sections (synthetic.REPORT_SECTIONS)
        index_build.analyse_document = with_report_sections(analyse)
    try:
        report = archive.ingest(corpus, progress=FileProgress())
        chroma.flush()
        chunks = archive.register.chunks()
    finally:
        index_build.analyse_document = analyse
        archive.close()
    real_chunks = sum(1 for c in chunks if text_key(c.search_text) in pool.vectors)
    run = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": model,
        "backend": backend,
        "embedder": name,
        "synthetic_fill": True,
        "chunks": len(chunks),
        "files_indexed": len(report.indexed),
        "files_unchanged": len(report.unchanged),
        "failed": len(report.failed),
        "vectors_real": real_chunks,
        "vectors_derived": len(chunks) - real_chunks,
        "distinct_texts": len({c.search_text for c in chunks}),
        "real_pool": {kind: len(v) for kind, v in pool.by_kind.items()},
        "real_fraction": real_fraction,
        "report_sections": report_sections,
        "sections": dict(Counter(c.section for c in chunks).most_common(6)),
        "derived_this_build": fill.derived,
        "derivation": {"parents": list(PARENTS), "noise_sd": NOISE, "parents_from": "same kind (sfs | web)"},
        "check": derivation_check(pool, fill.derived_keys, kinds),
        "embedded_for_real_this_run": more,
        "build_seconds": round(report.seconds, 1),
        "load": load_average(),
        "seeded_vectors": seeded,
        "build_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    return _record_build(data, run, report, manifest, new=bool(report.indexed))


def _chunker_settings() -> dict[str, int]:
    settings = Settings()
    return {"size": settings.chunk_size, "max_size": settings.chunk_max_size, "overlap": settings.chunk_overlap}


# --- queries ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    kind: str  # "sentence" | "keywords" | "arkiv"
    text: str


def content_words(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if fold(w) not in STOPWORDS]


def make_queries(archive: Archive, count: int) -> list[Query]:
    """``count`` queries (fixed seed): 55 % sentence paraphrases and 25 % keywords from the indexed chunks,
    20 % questions in the style Arkiv gets (``ARKIV_QUESTIONS``, each about as often). Only the sampled
    chunks are read, to keep RSS honest."""
    rng = random.Random(SEED)
    ids = sorted(cid for cid, _, _ in archive.register.chunk_index())
    sample = archive.register.chunks(rng.sample(ids, min(len(ids), count * 3)))
    arkiv = max(1, count // 5)
    keywords = count // 4
    queries = [Query("arkiv", ARKIV_QUESTIONS[i % len(ARKIV_QUESTIONS)]) for i in range(arkiv)]
    for chunk in sample:
        if len(queries) >= count:
            break
        wanted_keywords = len([q for q in queries if q.kind == "keywords"]) < keywords
        made = keyword_query(chunk.text, rng) if wanted_keywords else sentence_query(chunk.text, rng)
        if made is not None:
            queries.append(made)
    rng.shuffle(queries)
    return queries


def sentence_query(text: str, rng: random.Random) -> Query | None:
    """4–8 consecutive content words of one sentence, sometimes wrapped in a question."""
    sentences = [words for s in SENTENCE_END.split(text) if len(words := content_words(s)) >= 4]
    if not sentences:
        return None
    words = rng.choice(sentences)
    size = rng.randint(4, min(8, len(words)))
    start = rng.randint(0, len(words) - size)
    phrase = " ".join(words[start : start + size])
    form = rng.choice(QUESTION_FORMS)
    return Query("sentence", form.format(phrase if form == "{}" else phrase[:1].lower() + phrase[1:]))


def keyword_query(text: str, rng: random.Random) -> Query | None:
    """One to three long words of a chunk, as people type into a search box."""
    long_words = sorted({w.lower() for w in content_words(text) if len(w) >= 7})
    if not long_words:
        return None
    return Query("keywords", " ".join(rng.sample(long_words, min(len(long_words), rng.randint(1, 3)))))


# --- measurement ------------------------------------------------------------------------------------


def timed_ms(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def proc_status_mb(field: str) -> float:
    """A memory field of /proc/self/status (VmRSS: now, VmHWM: peak) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory_now() -> tuple[float, float]:
    """(current RSS, peak RSS so far) in MB; the peak shows transient spikes such as loading the model.

    The peak is VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over fork and exec, so in this
    child it would report the parent's ingest peak.
    """
    return proc_status_mb("VmRSS"), proc_status_mb("VmHWM")


def disk_sizes(data: Path) -> dict[str, int]:
    """Bytes on disk of each store (SQLite files with their -wal/-shm)."""

    def size(path: Path) -> int:
        if path.is_dir():
            return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())

    return {name: size(data / name) for name in ("chroma", "lexical", "register.sqlite", "vectors.sqlite")}


def measure(
    data: Path, model: str, backend: str, query_backends: Sequence[str], count: int, profile: bool
) -> dict[str, Any]:
    """Latency, memory and size figures of the index in ``data`` (run in a fresh process): every query set
    (unfiltered, insats-filtered, section-filtered) under each query embedder, back to back per query."""
    if not (data / "register.sqlite").is_file():
        raise SystemExit(f"no index in {data}; run without --measure-only first")
    prepare_model(data, model)
    memory = {"start": memory_now()}
    settings = Settings(data_dir=data, embedding_model=model, embedding_backend=backend)
    archive = compose.open_archive(settings)
    retriever = compose.build_retriever(archive, settings)
    memory["archive open"] = memory_now()
    embedders = query_embedders(archive, model, data, query_backends)
    model_load = {b: timed_ms(partial(e.embed_query, "förladdning av modellen")) for b, e in embedders.items()}
    memory["model loaded"] = memory_now()
    queries = make_queries(archive, count)
    filtered = filtered_queries(archive, max(count // 4, 12), made_text, ARKIV_QUESTIONS)
    cold = timed_ms(lambda: retriever.search(queries[0].text, k=settings.top_k))  # loads catalog and BM25
    for query in queries[1 : 1 + WARMUP]:
        for embedder in embedders.values():
            retriever.embedder = embedder
            retriever.search(query.text, k=settings.top_k)
    retriever.embedder = archive.embedder
    memory["after warm-up"] = memory_now()
    primary = query_backends[0]
    modes = [Mode(b, b) for b in query_backends]
    plain = time_searches(retriever, embedders, modes, [(q.text, None) for q in queries], settings.top_k)
    # A filtered search as the product runs it (exact scoring up to EXACT_DENSE_LIMIT chunks, Chroma's HNSW
    # given the ids above), and with every filter sent to Chroma's HNSW query by its where clause.
    hnsw = Mode(f"{primary}, all by HNSW where", primary, dense="where")
    by_filter = {
        kind: time_searches(
            retriever,
            embedders,
            [*modes, hnsw],
            [(q.text, q.filters) for q in filtered if q.kind == kind],
            settings.top_k,
        )
        for kind in sorted({q.kind for q in filtered})
    }
    total = dict(zip(queries, plain[primary].total, strict=True))
    memory[f"after {len(queries)} + {len(filtered)} queries"] = memory_now()  # before the bench's own matrix
    forget_questions(retriever, list(embedders.values()))
    parts = component_times(archive, embedders[primary], queries, settings.candidates)
    matrix = VectorMatrix(archive)
    dense = {
        kind: dense_paths(
            archive,
            embedders[primary],
            [(q.text, q.filters) for q in filtered if q.kind == kind],
            settings.candidates,
            matrix,
        )
        for kind in by_filter
    }
    del matrix
    catalog = archive.catalog()
    figures: dict[str, Any] = {
        "chunks": len(catalog.chunk_source),
        "reports": len(catalog.reports),
        "insatser": len(catalog.insatser),
        "queries": len(queries),
        "index_embedder": archive.embedder.name,
        "query_backends": list(query_backends),
        **plain[primary].figures(),
        "by_kind": {
            kind: percentiles([t for q, t in total.items() if q.kind == kind])
            for kind in sorted({q.kind for q in queries})
        },
        "by_query_backend": {label: t.figures() for label, t in plain.items()},
        "filtered": {kind: {label: t.figures() for label, t in runs.items()} for kind, runs in by_filter.items()},
        "filters": describe_filters(filtered),
        "filtered_dense_alone": {kind: dense_figures(d) for kind, d in dense.items()},
        **{name: percentiles(values) for name, values in parts.items()},
        "cold_first_search_ms": cold,
        "model_load_ms": model_load,
        "rss_mb": memory,
        "disk_bytes": disk_sizes(data),
        "vectors": vector_provenance(data),
        "load": load_average(),
        "examples": [[q.kind, q.text, round(t, 1)] for q, t in list(total.items())[:8]],
        "slowest": [[q.kind, q.text, round(t, 1)] for q, t in sorted(total.items(), key=lambda i: -i[1])[:5]],
    }
    if profile or figures["search"]["p95"] > TARGET_P95_MS:
        retriever.embedder = embedders[primary]
        ordered = sorted(total, key=lambda q: total[q])
        picked = {"slowest": ordered[-1], "median": ordered[len(ordered) // 2]}
        figures["profiles"] = {
            f"{label} ({total[q]:.0f} ms): {q.text}": profile_search(retriever, q.text, settings.top_k)
            for label, q in picked.items()
        }
    archive.close()
    return figures


def query_embedders(archive: Archive, model: str, data: Path, backends: Sequence[str]) -> dict[str, Embedder]:
    """The question embedder of each backend: the archive's own for the index's backend, a new one for
    another (its vectors agree with the index's at cosine >= 0.99, see bench/embedders.py)."""
    embedders: dict[str, Embedder] = {}
    for backend in backends:
        name = embedder_name(model, backend)
        if archive.embedder.name == name:
            embedders[backend] = archive.embedder
            continue
        embedder = default_embedder(model, data, batch_size=Settings().embedding_batch_size, backend=backend)
        if embedder.name != name:  # an ONNX export failed and PyTorch stands in (logged)
            raise SystemExit(f"the {backend} query backend is not available here; the embedder is {embedder.name}")
        embedders[backend] = embedder
    return embedders


def made_text(text: str, rng: random.Random) -> str | None:
    """A query from a chunk's text, half phrases and half keywords (as ``make_queries`` makes them)."""
    made = sentence_query(text, rng) if rng.random() < 0.5 else keyword_query(text, rng)
    return made.text if made is not None else None


def describe_filters(filtered: Sequence[FilteredQuery]) -> dict[str, Any]:
    """How many filters of each kind, and how many chunks they allow (each filter once)."""
    described: dict[str, Any] = {}
    for kind in sorted({q.kind for q in filtered}):
        mine = [q for q in filtered if q.kind == kind]
        sizes = {str(q.filters.insats or q.filters.section): q.size for q in mine}
        ordered = sorted(sizes.values())
        described[kind] = {
            "filters": len(ordered),
            "queries": len(mine),
            "chunks_min": ordered[0],
            "chunks_median": ordered[len(ordered) // 2],
            "chunks_max": ordered[-1],
            "exact_path_share": sum(1 for q in mine if q.size <= EXACT_DENSE_LIMIT) / len(mine),
            "which": dict(sorted(sizes.items(), key=lambda item: item[1])),
        }
    return described


def dense_figures(d: dict[str, list[float]]) -> dict[str, Any]:
    return {
        "hnsw_where": percentiles(d["hnsw_where"]),
        "hnsw_ids": percentiles(d["hnsw_ids"]),
        "ids_same_as_where": statistics.fmean(d["ids_same_as_where"]) if d["ids_same_as_where"] else None,
        "exact_among": percentiles(d["exact_among"]),
        "exact_in_memory": percentiles(d["exact_in_memory"]),
        "hnsw_recall_mean": statistics.fmean(d["hnsw_recall"]) if d["hnsw_recall"] else None,
        "hnsw_recall_min": min(d["hnsw_recall"], default=None),
    }


def vector_provenance(data: Path) -> dict[str, Any]:
    """How the index's vectors were made, from the last build recorded in ``data/bench-builds.json``."""
    path = data / "bench-builds.json"
    builds = json.loads(path.read_text()) if path.is_file() else []
    if not builds:
        return {"real": None, "derived": None, "note": "no build recorded"}
    last = builds[-1]
    if last.get("synthetic_fill"):
        return {"real": last["vectors_real"], "derived": last["vectors_derived"], "build": last["date"]}
    return {"real": last["chunks"], "derived": 0, "build": last["date"]}


def component_times(
    archive: Archive, embedder: Embedder, queries: Sequence[Query], candidates: int
) -> dict[str, list[float]]:
    """Per query: the query embedding alone, one dense (Chroma) and one BM25 search of ``candidates``, and
    the insats-name matching search runs on every question (it grows with the number of insatser)."""
    embed, dense, lexical, names = [], [], [], []
    chroma, bm25, insatser = archive.stores.chroma, archive.lexical(), archive.catalog().insatser
    for query in queries:
        # The embedder remembers recent questions; forget them to time the model, as a new question costs.
        recent = getattr(embedder, "_recent", None)
        if recent is not None:
            recent.clear()
        began = time.perf_counter()
        vector = embedder.embed_query(query.text)
        embed.append((time.perf_counter() - began) * 1000)
        dense.append(timed_ms(partial(chroma.search, vector, k=candidates)))
        lexical.append(timed_ms(partial(bm25.search, query.text, k=candidates)))
        names.append(timed_ms(partial(insatser_in_text, query.text, insatser)))
    return {"query_embedding": embed, "dense_only": dense, "bm25_only": lexical, "name_matching": names}


def profile_search(retriever: HybridRetriever, question: str, k: int) -> str:
    """cProfile of one search: the project's functions by cumulative time (the torch call chain under
    embed_query is one line there), then the hottest functions of any module by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(retriever.search, question, k=k)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(PROJECT_MODULES, 14)
    stats.sort_stats("tottime").print_stats(8)
    keep = re.compile(r"^\s*(ncalls|\d)")  # the table rows; pstats' headers repeat for each listing
    lines = out.getvalue().splitlines()
    return "\n".join(line for line in lines if keep.match(line) and "function calls" not in line)


# --- report -----------------------------------------------------------------------------------------


def print_measurement(m: dict[str, Any], n: int, model: str) -> None:
    search = m["search"]

    def row(name: str, p: dict[str, float]) -> list[str]:
        return [
            name,
            f"{p['p50']:.1f}",
            f"{p['p95']:.1f}",
            f"{p['p99']:.1f}",
            f"{p['mean']:.1f}",
            f"{p['p95'] / TARGET_P95_MS:.2f}",
            f"{p['p95'] / search['p95']:.2f}",
        ]

    rows = [row("hybrid search (incl. query embedding)", search)]
    rows += [row(f"  {kind} queries (n={int(p['n'])})", p) for kind, p in m["by_kind"].items()]
    if "search_without_embedding" in m:
        rows += [
            row("  its query embedding", m["search_query_embedding"]),
            row("  the rest of it (retrieval)", m["search_without_embedding"]),
        ]
    parts = ("query_embedding", "dense_only", "bm25_only", "name_matching")
    rows += [row(name.replace("_", " ") + " alone", m[name]) for name in parts]
    print_table(
        f"Search latency, {m['chunks']} chunks, {m['reports']} reports, {m['insatser']} insatser, index "
        f"{m['index_embedder']}, questions by {m['query_backends'][0]}, {m['queries']} queries after {WARMUP} "
        f"warm-up (load {m['load']})",
        ["ms", "p50", "p95", "p99", "mean", "p95/150ms", "p95/search"],
        rows,
    )
    loads = ", ".join(f"{b} {ms:.0f} ms" for b, ms in m["model_load_ms"].items())
    print(f"first (cold) search {m['cold_first_search_ms']:.0f} ms (loads catalog and BM25); model load {loads}")
    if "embedding_share" in m:
        print(f"query embedding: {m['embedding_share']:.0%} of the search time (timed inside the same calls)")
    explained = sum(m[name]["mean"] for name in parts)
    print(
        f"mean search {search['mean']:.1f} ms = {explained:.1f} ms in the parts above + "
        f"{search['mean'] - explained:.1f} ms elsewhere (focus searches, fusion, catalog, register lookups)"
    )
    print_by_mode(m)
    vectors = m.get("vectors") or {}
    if vectors.get("derived"):
        print(f"vectors: {vectors['real']} real, {vectors['derived']} derived from real ones (--synthetic-fill)")
    rss = m["rss_mb"]
    print_table(
        "Memory of the search process (MB)",
        ["", "RSS now", "peak so far"],
        [[stage, f"{now:.0f}", f"{peak:.0f}"] for stage, (now, peak) in rss.items()],
    )
    disk = m["disk_bytes"]
    print_table(
        "Index on disk",
        ["", "MB"],
        [*[[k, f"{v / 1e6:.1f}"] for k, v in disk.items()], ["total", f"{sum(disk.values()) / 1e6:.1f}"]],
    )
    print("\nslowest queries:")
    for kind, text, ms in m["slowest"]:
        print(f"  {ms:7.1f} ms  [{kind}] {text}")
    for title, text in (m.get("profiles") or {}).items():
        print(f"\ncProfile, {title}\n{text}")


def print_by_mode(m: dict[str, Any]) -> None:
    """Whole search per query set and query embedder (timed back to back per query), then the filtered
    dense search alone both ways."""
    rows = []
    sets = {"unfiltered": m["by_query_backend"], **{f"{k}-filtered": v for k, v in m["filtered"].items()}}
    for name, modes in sets.items():
        for label, f in modes.items():
            s, e, r = f["search"], f["search_query_embedding"], f["search_without_embedding"]
            rows.append(
                [
                    f"{name} (n={int(s['n'])})",
                    label,
                    *(f"{s[p]:.1f}" for p in ("p50", "p95", "p99", "mean")),
                    f"{e['p50']:.1f} / {e['p95']:.1f}",
                    f"{r['p50']:.1f} / {r['p95']:.1f} / {r['p99']:.1f}",
                    f"{s['p95'] / TARGET_P95_MS:.2f}",
                ]
            )
    print_table(
        "Whole search by query set and question embedder (ms; modes back to back per query)",
        ["set", "mode", "p50", "p95", "p99", "mean", "embedding p50/p95", "rest p50/p95/p99", "p95/150ms"],
        rows,
    )
    for kind, d in m["filters"].items():
        print(
            f"{kind} filters: {d['filters']} filters, {d['queries']} queries, {d['chunks_min']}–"
            f"{d['chunks_max']} chunks (median {d['chunks_median']}); {d['exact_path_share']:.0%} of the "
            f"queries within the exact-scoring limit ({EXACT_DENSE_LIMIT})"
        )
    rows = []
    for kind, d in m["filtered_dense_alone"].items():
        for path in ("hnsw_where", "hnsw_ids", "exact_among", "exact_in_memory"):
            p = d[path]
            rows.append([kind, path, *(f"{p[q]:.1f}" for q in ("p50", "p95", "p99", "mean"))])
        rows.append([kind, "ids ranks as where does", f"{d['ids_same_as_where']:.0%} of queries", "", "", ""])
        rows.append(
            [
                kind,
                "HNSW recall of exact top k",
                f"mean {d['hnsw_recall_mean']:.3f}",
                f"min {d['hnsw_recall_min']:.3f}",
                "",
                "",
            ]
        )
    print_table(
        "Filtered dense search alone (ms, k = candidates)", ["filter", "path", "p50", "p95", "p99", "mean"], rows
    )


def print_build(b: dict[str, Any]) -> None:
    run = b["this_run"]
    print(
        f"\ningest this run: {run['files_indexed']} files indexed, {run['files_unchanged']} unchanged, "
        f"{run['chunks_embedded']} chunks embedded, {run['ingest_seconds']} s "
        f"(of which embedding {run['embed_seconds']} s), peak RSS {run['ingest_peak_rss_mb']} MB"
    )
    for r in (r for r in b["builds"] if r["chunks_embedded"]):
        print(
            f"vectors made {r['date']}: {r['chunks_embedded']} chunks with {r.get('embedder', r['model'])} at "
            f"{r['passages_per_second']} passages/s (embedding {r['embed_seconds']} s of "
            f"{r['ingest_seconds']} s ingest; load {r['load']}; "
            f"{r['seeded_vectors']} seeded from smaller runs)"
        )


def print_synthetic_build(b: dict[str, Any]) -> None:
    run = b["this_run"]
    print(
        f"\nbuild ({run['files_indexed']} files, {run['chunks']} chunks, --synthetic-fill): "
        f"{run['build_seconds']} s, peak RSS {run['build_peak_rss_mb']} MB, load {run['load']}"
    )
    print(
        f"vectors: {run['vectors_real']} real (embedded by {run['model']}), {run['vectors_derived']} derived "
        f"(mixtures of {'–'.join(map(str, PARENTS))} real vectors of the same kind + noise sd {NOISE}); "
        f"real pool {run['real_pool']}; {run['embedded_for_real_this_run']['embedded']} embedded for real this run"
    )
    check = run["check"]
    for name, summary in check.items():
        print(f"  cosine {name.replace('_', ' ')}: p10 {summary['p10']}, p50 {summary['p50']}, p90 {summary['p90']}")


def _record_build(
    data: Path, run: dict[str, Any], report: IngestReport, manifest: dict[str, Any], *, new: bool
) -> dict[str, Any]:
    """Append ``run`` to ``data/bench-builds.json`` when it built something (or the history is empty), print
    the first failures, and return the build figures for the JSON report."""
    history_path = data / "bench-builds.json"
    history = json.loads(history_path.read_text()) if history_path.is_file() else []
    if new or not history:
        history.append(run)
        history_path.write_text(json.dumps(history, indent=1) + "\n")
    for failure in report.failed[:5]:
        print(f"failed: {failure[0]}: {failure[1]}")
    return {"this_run": run, "builds": history, "corpus": {k: v for k, v in manifest.items() if k != "files"}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=5000, help="corpus size in chunks (about)")
    parser.add_argument("--model", default=BUNDLED_MODEL, help="embedding model ('hashing' for a dry run)")
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=BACKEND,
        help="backend that makes the index's passage vectors (the data dir is per backend)",
    )
    parser.add_argument(
        "--query-backend",
        action="append",
        choices=BACKENDS,
        help="backend of the question embedder, repeatable (timed back to back per query; the first is the "
        "headline); default: the index's --backend",
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="cProfile searches even when p95 is on target")
    parser.add_argument("--measure-only", action="store_true", help="measure the existing index, no ingest")
    parser.add_argument(
        "--synthetic-fill",
        action="store_true",
        help="vectors: every real one cached, the rest derived from real ones (bench/synthetic.py)",
    )
    parser.add_argument(
        "--embed-minutes", type=float, default=0.0, help="with --synthetic-fill: first embed this long for real"
    )
    parser.add_argument(
        "--real-fraction",
        type=float,
        default=1.0,
        help="with --synthetic-fill: use only this share of the real vectors (to test the method)",
    )
    parser.add_argument(
        "--report-sections",
        action="store_true",
        help="with --synthetic-fill: passages without a section get a report section key, as in a real "
        "archive (synthetic.REPORT_SECTIONS; own data dir)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    data = data_dir_for(
        args.chunks,
        args.model,
        backend=args.backend,
        synthetic=args.synthetic_fill,
        real_fraction=args.real_fraction,
        report_sections=args.report_sections,
    )
    if args.measure_only:
        query_backends = list(dict.fromkeys(args.query_backend or [args.backend]))
        figures = measure(data, args.model, args.backend, query_backends, args.queries, args.profile)
        print_measurement(figures, args.chunks, args.model)
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return 0
    if args.synthetic_fill:
        built = build_synthetic(
            args.chunks,
            args.model,
            args.backend,
            embed_minutes=args.embed_minutes,
            real_fraction=args.real_fraction,
            report_sections=args.report_sections,
        )
        print_synthetic_build(built)
    else:
        built = build(args.chunks, args.model, args.backend)
        print_build(built)
    # Search is measured in a fresh process: its peak RSS must not include the ingest.
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result = Path(handle.name)
    command = [
        sys.executable,
        __file__,
        "--chunks",
        str(args.chunks),
        "--model",
        args.model,
        "--backend",
        args.backend,
        "--queries",
        str(args.queries),
        "--measure-only",
        "--json",
        str(result),
    ]
    if args.synthetic_fill:
        command += ["--synthetic-fill", "--real-fraction", str(args.real_fraction)]
    if args.report_sections:
        command.append("--report-sections")
    for backend in args.query_backend or []:
        command += ["--query-backend", backend]
    code = subprocess.run([*command, *(["--profile"] if args.profile else [])], check=False).returncode
    if args.json and code == 0:
        figures = json.loads(result.read_text(encoding="utf-8"))
        merged = {"build": built, "search": figures}
        args.json.write_text(json.dumps(merged, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    result.unlink(missing_ok=True)
    return code


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # quiet the fork warning of the child process
    raise SystemExit(main())
