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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest import CACHE, TimedEmbedder, load_average, load_model, open_archive, prepare_model, print_table  # noqa: E402

from assistant.archive import Archive  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.names import insatser_in_text  # noqa: E402
from assistant.retrieve import HybridRetriever  # noqa: E402
from index.analyze import STOPWORDS, fold  # noqa: E402
from index.build import IngestReport, analyse_document  # noqa: E402
from index.chunk import Chunker  # noqa: E402
from index.embed import BUNDLED_MODEL  # noqa: E402
from index.parse import read_document  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SEED = 20240611
SELECTION_VERSION = 1  # bump when the selection rule changes: corpus folders are rebuilt
MIN_PAGE_CHARS = 400  # regeringen.se landing pages with only a title are not documents worth indexing
TARGET_P95_MS = 150.0
# Files whose functions the profile lists (cumulative time), e.g. "names.py:59(insatser_in_text)".
PROJECT_MODULES = r"(retrieve|names|analyze|lexical|store|embed|archive|register|metadata)\.py"
WARMUP = 5
WORD = re.compile(r"[^\W\d_]{3,}")  # letters only: numbers and codes make poor paraphrases
SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")
QUESTION_FORMS = ("{}", "{}", "Vad gäller för {}?", "Hur beskrivs {}?", "Vad står det om {}?")
# How staff ask Arkiv; list and section questions take the retriever's slower paths (focus searches).
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


def data_dir_for(n: int, model: str) -> Path:
    suffix = "" if model == BUNDLED_MODEL else "-" + re.sub(r"[^\w.-]", "_", model)
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


def build(n: int, model: str) -> dict[str, Any]:
    """Corpus folder and index for ``n`` chunks; returns what this run did (and how the vectors were made)."""
    data = data_dir_for(n, model)
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
    archive, timed = open_archive(data, model)
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
    history_path = data / "bench-builds.json"
    history = json.loads(history_path.read_text()) if history_path.is_file() else []
    if report.chunks_embedded or not history:
        history.append(run)
        history_path.write_text(json.dumps(history, indent=1) + "\n")
    for failure in report.failed[:5]:
        print(f"failed: {failure[0]}: {failure[1]}")
    return {"this_run": run, "builds": history, "corpus": {k: v for k, v in manifest.items() if k != "files"}}


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
    """``count`` queries from the indexed chunks (fixed seed): 70 % sentence paraphrases, 25 % keywords,
    5 % questions in the style Arkiv gets. Only the sampled chunks are read, to keep RSS honest."""
    rng = random.Random(SEED)
    ids = sorted(cid for cid, _, _ in archive.register.chunk_index())
    sample = archive.register.chunks(rng.sample(ids, min(len(ids), count * 3)))
    arkiv = max(1, count // 20)
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


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 (nearest rank) and mean, in ms."""
    ordered = sorted(values_ms)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "mean": statistics.fmean(ordered), "n": len(ordered)}


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


def measure(n: int, model: str, count: int, profile: bool) -> dict[str, Any]:
    """Latency, memory and size figures of the index for ``n`` chunks (run in a fresh process)."""
    data = data_dir_for(n, model)
    if not (data / "register.sqlite").is_file():
        raise SystemExit(f"no index in {data}; run without --measure-only first")
    prepare_model(data, model)
    memory = {"start": memory_now()}
    settings = Settings(data_dir=data, embedding_model=model)
    archive = Archive(settings)
    retriever = HybridRetriever(archive, candidates=settings.candidates)
    memory["archive open"] = memory_now()
    model_load = timed_ms(lambda: archive.embedder.embed_query("förladdning av modellen"))
    memory["model loaded"] = memory_now()
    queries = make_queries(archive, count)
    cold = timed_ms(lambda: retriever.search(queries[0].text, k=settings.top_k))  # loads catalog and BM25
    for query in queries[1 : 1 + WARMUP]:
        retriever.search(query.text, k=settings.top_k)
    memory["after warm-up"] = memory_now()
    total = {q: timed_ms(partial(retriever.search, q.text, k=settings.top_k)) for q in queries}
    parts = component_times(archive, queries, settings.candidates)
    figures: dict[str, Any] = {
        "chunks": len(archive.catalog().chunk_source),
        "reports": len(archive.catalog().reports),
        "insatser": len(archive.catalog().insatser),
        "queries": len(queries),
        "search": percentiles(list(total.values())),
        "by_kind": {
            kind: percentiles([t for q, t in total.items() if q.kind == kind])
            for kind in sorted({q.kind for q in queries})
        },
        **{name: percentiles(values) for name, values in parts.items()},
        "cold_first_search_ms": cold,
        "model_load_ms": model_load,
        "rss_mb": {**memory, f"after {len(queries)} queries": memory_now()},
        "disk_bytes": disk_sizes(data),
        "load": load_average(),
        "examples": [[q.kind, q.text, round(t, 1)] for q, t in list(total.items())[:8]],
        "slowest": [[q.kind, q.text, round(t, 1)] for q, t in sorted(total.items(), key=lambda i: -i[1])[:5]],
    }
    if profile or figures["search"]["p95"] > TARGET_P95_MS:
        ordered = sorted(total, key=lambda q: total[q])
        picked = {"slowest": ordered[-1], "median": ordered[len(ordered) // 2]}
        figures["profiles"] = {
            f"{label} ({total[q]:.0f} ms): {q.text}": profile_search(retriever, q.text, settings.top_k)
            for label, q in picked.items()
        }
    archive.close()
    return figures


def component_times(archive: Archive, queries: Sequence[Query], candidates: int) -> dict[str, list[float]]:
    """Per query: the query embedding alone, one dense (Chroma) and one BM25 search of ``candidates``, and
    the insats-name matching search runs on every question (it grows with the number of insatser)."""
    embed, dense, lexical, names = [], [], [], []
    chroma, bm25, insatser = archive.stores.chroma, archive.lexical(), archive.catalog().insatser
    for query in queries:
        began = time.perf_counter()
        vector = archive.embedder.embed_query(query.text)
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
    parts = ("query_embedding", "dense_only", "bm25_only", "name_matching")
    rows += [row(name.replace("_", " ") + " alone", m[name]) for name in parts]
    print_table(
        f"Search latency, {m['chunks']} chunks, {m['reports']} reports, {m['insatser']} insatser, {model}, "
        f"{m['queries']} queries after {WARMUP} warm-up (load {m['load']})",
        ["ms", "p50", "p95", "p99", "mean", "p95/150ms", "p95/search"],
        rows,
    )
    print(
        f"first (cold) search {m['cold_first_search_ms']:.0f} ms (loads catalog and BM25); "
        f"model load {m['model_load_ms']:.0f} ms"
    )
    explained = sum(m[name]["mean"] for name in parts)
    print(
        f"mean search {search['mean']:.1f} ms = {explained:.1f} ms in the parts above + "
        f"{search['mean'] - explained:.1f} ms elsewhere (focus searches, fusion, catalog, register lookups)"
    )
    rss = m["rss_mb"]
    print_table(
        "Memory of the search process (MB)", ["", "RSS now", "peak so far"],
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


def print_build(b: dict[str, Any]) -> None:
    run = b["this_run"]
    print(
        f"\ningest this run: {run['files_indexed']} files indexed, {run['files_unchanged']} unchanged, "
        f"{run['chunks_embedded']} chunks embedded, {run['ingest_seconds']} s "
        f"(of which embedding {run['embed_seconds']} s), peak RSS {run['ingest_peak_rss_mb']} MB"
    )
    for r in (r for r in b["builds"] if r["chunks_embedded"]):
        print(
            f"vectors made {r['date']}: {r['chunks_embedded']} chunks with {r['model']} at "
            f"{r['passages_per_second']} passages/s (embedding {r['embed_seconds']} s of "
            f"{r['ingest_seconds']} s ingest; load {r['load']}; "
            f"{r['seeded_vectors']} seeded from smaller runs)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=5000, help="corpus size in chunks (about)")
    parser.add_argument("--model", default=BUNDLED_MODEL, help="embedding model ('hashing' for a dry run)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="cProfile searches even when p95 is on target")
    parser.add_argument("--measure-only", action="store_true", help="measure the existing index, no ingest")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.measure_only:
        figures = measure(args.chunks, args.model, args.queries, args.profile)
        print_measurement(figures, args.chunks, args.model)
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return 0
    built = build(args.chunks, args.model)
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
        "--queries",
        str(args.queries),
        "--measure-only",
        "--json",
        str(result),
    ]
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
