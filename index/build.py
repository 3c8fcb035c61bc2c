"""Ingest a folder of reports into the register, Chroma and the lexical index, incrementally and safely.

Two phases, so a report is searchable (register and BM25) as soon as it is read, long before its vectors:
  1. per changed file: parse → sections → repair (OCR) → metadata → chunks → vectors already in the cache
     into Chroma → register swap (one transaction) → delete the file's stale vectors; the lexical index is
     refreshed as files arrive (as often as keeps its rebuilds under a tenth of the time) and at the end;
  2. the passages still without vectors are embedded, a window at a time, file by file, and go into Chroma.
The register is the source of truth: a run killed anywhere leaves either the old or the new state of each
file in it, and the next run (or ``arkiv check --repair``) reconciles Chroma and the lexical index against
it (orphan vectors deleted, missing ones re-added from the vector cache or embedded). A run that finds
nothing changed does none of that work: files whose size and times are as recorded are not hashed, and the
grouping, the lexical index and the reconcile are skipped while the register's stamps say they are current
(``index/changes.py``). How many passages still wait for vectors, and in which files, is kept in the
register's state (``semantic_progress``), so search can use the lexical side alone for those files and say
so. Failures are per file: logged, counted and shown, never fatal to the run.

Example:
    report = build_index(Path("rapporter"), stores=stores, embedder=embedder, chunker=Chunker())
    print(report.indexed, report.failed)
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from index import changes
from index.analyze import ANALYZER_VERSION
from index.chunk import Chunker
from index.embed import Embedder
from index.errors import ParseError
from index.grouping import group_reports
from index.lexical import LexicalIndex
from index.metadata import extract_meta
from index.parse import SUFFIXES, TOO_LARGE, read_document
from index.records import Chunk, Document, ReportMeta
from index.register import FileRow, Register, VectorCache, text_key
from index.repair import needs_repair, repair
from index.sections import find_sections
from index.store import ChromaStore
from index.titlepage import TYPE_NAMES

logger = logging.getLogger(__name__)

# (event, amount): "files" total, "file" done, "pending" passages waiting for vectors, "chunks" given vectors
ProgressFn = Callable[[str, int], None]

PENDING_KEY = "vectors_pending"  # register state: {source: passages without vectors}, JSON
EMBED_WINDOW = 256  # passages per embed_passages call in phase 2: sorted by length within, saved after
LEXICAL_SHARE = 10  # phase 1 rebuilds the lexical index at most every LEXICAL_SHARE × its last build time

# Bump when parsing, sections, OCR repair, metadata or chunking change what a file becomes. Ingest skips a file
# only when its bytes *and* the pipeline that made its chunks are unchanged; otherwise an upgrade would keep
# serving the old chunks of every file nobody touched.
PIPELINE_VERSION = 8  # 3: plain, enumerated and capital headings; page furniture; money rows and sentences
# 4: a title page's list of partners read into the register; 5: a heading stays with the paragraph it heads;
# 6: a participant count from a goal table with a target column is the result column's; 7: headings underlined
# with ----- or =====, "Punkt N", and the plain wordings of a template's headings ("Basfakta", "Vad händer nu?");
# 8: a pre-study's proposal ("4. Förslag") is a section of its own


def pipeline_fingerprint(chunker: Chunker) -> str:
    """What made a file's chunks: the code version and the chunking settings."""
    return f"v{PIPELINE_VERSION}/size={chunker.size}/max={chunker.max_size}/overlap={chunker.overlap}"


@dataclass(slots=True)
class Stores:
    """Everything an ingest writes to, all under one data directory."""

    register: Register
    chroma: ChromaStore
    vectors: VectorCache
    lexical_dir: Path


@dataclass(slots=True)
class IngestReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, Swedish reason)
    removed: list[str] = field(default_factory=list)
    chunks_added: int = 0
    chunks_embedded: int = 0  # vectors computed now (the rest came from the cache)
    repaired_vectors: int = 0  # vectors re-added to Chroma while reconciling (missing from an earlier run)
    sentences_embedded: int = 0  # sentence vectors made for the answers' judgment by meaning (assistant/archive.py)
    seconds: float = 0.0
    searchable_seconds: float = 0.0  # until every file read was in the register and the lexical index
    waiting: list[Chunk] = field(default_factory=list, repr=False)  # phase 1's passages without vectors


@dataclass(frozen=True, slots=True)
class SemanticProgress:
    """How much of the register is searchable by meaning: ``done`` of ``total`` passages have vectors."""

    done: int
    total: int
    pending: dict[str, int]  # source → passages still without vectors

    @property
    def complete(self) -> bool:
        return not self.pending


def semantic_progress(register: Register) -> SemanticProgress:
    """Passages with vectors out of all in the register, and the files still waiting (cheap: no Chroma)."""
    counts = {row["source"]: int(row["chunks"] or 0) for row in register.files() if row["status"] == "ok"}
    # Clipped to the register: a run killed between recording a file and its swap may have left a stale count.
    pending = {s: min(n, counts[s]) for s, n in _pending(register).items() if s in counts and n > 0}
    total = sum(counts.values())
    return SemanticProgress(done=total - sum(pending.values()), total=total, pending=pending)


def pending_sources(register: Register) -> frozenset[str]:
    """Files with passages still waiting for vectors (as recorded; a killed run may leave a file listed)."""
    return frozenset(source for source, n in _pending(register).items() if n > 0)


def _pending(register: Register) -> dict[str, int]:
    raw = register.get_state(PENDING_KEY)
    return {str(k): int(v) for k, v in json.loads(raw).items()} if raw else {}


def _set_pending(register: Register, pending: dict[str, int]) -> None:
    register.set_state(PENDING_KEY, json.dumps({k: v for k, v in sorted(pending.items()) if v > 0}))


def discover(root: Path) -> list[tuple[Path, str]]:
    """Report files under ``root`` as (path, source relative to root), hidden files and folders skipped."""
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix.lower() in SUFFIXES:
            found.append((path, relative.as_posix()))
    return found


def build_index(
    root: Path,
    *,
    stores: Stores,
    embedder: Embedder,
    chunker: Chunker,
    max_bytes: int = 100_000_000,
    prune: bool = False,
    progress: ProgressFn | None = None,
) -> IngestReport:
    """Bring the index in line with the report files under ``root``.

    Args:
        root: the archive folder; chunk sources are paths relative to it.
        stores: register, Chroma, vector cache and lexical folder.
        embedder: computes passage vectors (cached by model and text).
        chunker: the configured chunker.
        max_bytes: larger files are skipped with a message.
        prune: remove files from the index that are no longer under ``root``.
        progress: callback for progress bars.
    """
    began = time.monotonic()
    report = IngestReport()
    notify = progress or (lambda event, amount: None)
    files = discover(root)
    notify("files", len(files))
    root_key = str(root.resolve())
    lexical = _LexicalRefresher(stores)
    known = {row["source"]: row for row in stores.register.files()}  # one query, not one per file
    stats: list[tuple[str, str | None]] = []  # files found unchanged by their bytes: their stat, for next time
    for path, source in files:
        if not _storable(source):
            # A name that is not UTF-8 (surrogate-escaped by Python) cannot be a key in SQLite or Chroma.
            shown = displayable(source)
            logger.warning("skipped %s: %s", shown, BAD_NAME)
            report.failed.append((shown, BAD_NAME))
            notify("file", 1)
            continue
        wrote = True
        stat: str | None = None
        try:
            # Taken before the bytes are read: a write during the read leaves the file with another stat.
            stat = changes.stat_key(path.stat())
            wrote = _ingest_file(
                path, source, known.get(source), stat, root_key, stores, embedder, chunker, max_bytes, report,
                notify, stats,
            )  # fmt: skip
        except ParseError as exc:
            logger.warning("skipped %s: %s", source, exc)
            _mark_failed(stores, source, root_key, path, str(exc), pipeline_fingerprint(chunker), stat)
            report.failed.append((source, str(exc)))
        except OSError as exc:
            logger.warning("could not read %s: %s", source, exc)
            report.failed.append((source, f"Filen kunde inte läsas ({exc.strerror or exc})."))
            wrote = False
        except Exception as exc:  # one broken file must not stop the archive; it is reported, not hidden
            logger.exception("failed on %s", source)
            _mark_failed(stores, source, root_key, path, _unexpected(exc), pipeline_fingerprint(chunker), stat)
            report.failed.append((source, _unexpected(exc)))
        notify("file", 1)
        if wrote:  # an unchanged file leaves nothing to refresh
            lexical.maybe()
    stores.register.set_stats(stats)
    if prune and not files:
        # A folder that holds nothing at all is more likely an unmounted share than an emptied archive.
        logger.warning("%s holds no reports: nothing is removed from the index", root)
    if prune and files:
        present = {source for _, source in files}
        for row in stores.register.files():
            if row["root"] == root_key and row["source"] not in present:
                stale = sorted(stores.register.chunk_ids(row["source"]))
                changes.clear_vectors_in_sync(stores.register)
                stores.register.remove_file(row["source"])
                stores.chroma.delete(stale)
                report.removed.append(row["source"])
    lexical.now()
    report.searchable_seconds = time.monotonic() - began
    if not changes.vectors_in_sync(stores.register, embedder.name, stores.chroma.count):
        report.repaired_vectors = reconcile(stores, embedder, notify=notify, report=report)
    report.seconds = time.monotonic() - began
    return report


class _LexicalRefresher:
    """Phase 1's refreshes of the insats grouping and the lexical index: after a file when the last rebuild
    was long enough ago that rebuilding now keeps them under 1/LEXICAL_SHARE of the time, and at the end."""

    def __init__(self, stores: Stores) -> None:
        self._stores = stores
        self._last = time.monotonic()
        self._cost = 0.0
        self._generation = stores.register.generation
        self._analyzed: dict[str, list[str]] = {}  # each passage is analyzed once per run, not per rebuild

    def maybe(self) -> None:
        if time.monotonic() - self._last < LEXICAL_SHARE * self._cost:
            return
        if self._stores.register.generation != self._generation:
            self.now()

    def now(self) -> None:
        """Regroup and rebuild what is behind the register; nothing when no file changed since they were made."""
        began = time.monotonic()
        register = self._stores.register
        changed = register.generation != self._generation  # then the saved index is behind: no need to load it
        if changed or not changes.grouping_current(register):
            _regroup(register)
        if changed or not lexical_current(self._stores):
            refresh_lexical(self._stores, force=changed, memo=self._analyzed)
        self._generation = register.generation
        self._last = time.monotonic()
        self._cost = self._last - began


def _regroup(register: Register) -> None:
    """Group the register's reports into insatser anew and record that the grouping is current."""
    register.set_insatser(group_reports(register.report_metas(), text_of=register.report_text))
    changes.mark_grouped(register)


def _ingest_file(
    path: Path,
    source: str,
    known: FileRow | None,
    stat: str | None,
    root_key: str,
    stores: Stores,
    embedder: Embedder,
    chunker: Chunker,
    max_bytes: int,
    report: IngestReport,
    notify: ProgressFn,
    stats: list[tuple[str, str | None]],
) -> bool:
    """Read one file into the register unless it is unchanged; True when the register was written.

    Args:
        known: the file's register row from before this run, if any.
        stat: its ``changes.stat_key``, taken before anything was read (None: its times are too recent).
        stats: gets (source, stat) of a file that turns out unchanged by its bytes but not by its stat.
    """
    if not _unchanged(path, source, known, stat, pipeline_fingerprint(chunker), stats):
        known = None  # new, changed, or made by another pipeline: process it
    if known is not None and known["status"] == "ok":
        report.unchanged.append(source)
        return False
    if (
        known is not None
        and known["status"] == "failed"
        # a file refused for its size is retried: the limit may have been raised since, as the message advises
        and not str(known["error"]).startswith(TOO_LARGE)
    ):
        report.failed.append((source, known["error"]))
        return False
    pipeline = pipeline_fingerprint(chunker)
    doc = read_document(path, source, max_bytes=max_bytes)
    chunks, meta, repaired = analyse_document(doc, chunker)
    keys = [text_key(c.search_text) for c in chunks]
    cached = stores.vectors.get(embedder.name, keys)
    ready = [i for i, key in enumerate(keys) if key in cached]
    waiting = [c for c, key in zip(chunks, keys, strict=True) if key not in cached]
    old = stores.register.chunk_ids(source)
    # Recorded before the register swap: killed in between, the file is only taken as less ready than it is.
    pending = _pending(stores.register)
    pending[source] = len(waiting)
    _set_pending(stores.register, pending)
    changes.clear_vectors_in_sync(stores.register)
    stores.chroma.upsert([chunks[i] for i in ready], [cached[keys[i]] for i in ready])
    stores.register.replace_file(
        root=root_key,
        kind=doc.kind,
        sha256=doc.sha256,
        encoding=doc.encoding,
        pages=len(doc.pages),
        chars=len(doc.text),
        chunks=chunks,
        meta=meta,
        repaired=repaired,
        pipeline=pipeline,
        stat=stat,
    )
    stale = sorted(old - {c.id for c in chunks})
    stores.chroma.delete(stale)
    report.waiting.extend(waiting)
    notify("chunks", len(ready))
    report.indexed.append(source)
    report.chunks_added += len(chunks)
    logger.info(
        "indexed %s: %d chunks (%s), %d waiting for vectors", source, len(chunks), meta.report_type, len(waiting)
    )
    return True


def _unchanged(
    path: Path,
    source: str,
    known: FileRow | None,
    stat: str | None,
    pipeline: str,
    stats: list[tuple[str, str | None]],
) -> bool:
    """The file's register row was made by this pipeline from the bytes the file holds now: by its stat when
    that is as recorded, else by hashing it (and its stat is then recorded for the next run)."""
    if known is None or known["pipeline"] != pipeline:
        return False
    if stat is not None and known["stat"] == stat:
        return True
    if known["sha256"] != _sha(path):
        return False
    if known["stat"] != stat:
        stats.append((source, stat))
    return True


def analyse_document(doc: Document, chunker: Chunker) -> tuple[list[Chunk], ReportMeta, bool]:
    """The pure part of ingest: sections, OCR repair, metadata and chunks of one document."""
    sections = find_sections(doc.text)
    corrected = None
    if needs_repair(doc.text):
        fixed, repairs = repair(doc.text, damaged=True)
        # Offsets stay valid only for same-length repairs; anything else is shown but not used for spans.
        corrected = fixed if len(fixed) == len(doc.text) and repairs else None
    text = corrected or doc.text
    meta = extract_meta(text, find_sections(text) if corrected else sections, source=doc.source)
    if corrected:
        # Values are read from the repaired text, but what is quoted must be what the file says.
        meta = replace(meta, fields=tuple(replace(f, raw=doc.text[f.start : f.end]) for f in meta.fields))
    title = _chunk_title(meta.insats_name, meta.report_type, meta.title)
    chunks = chunker.chunk(doc, sections, title=title, corrected=corrected)
    return chunks, meta, corrected is not None


def _chunk_title(insats: str | None, report_type: str, title: str) -> str:
    # Every named genre ("Lägesrapport", "Förstudie" as well as "Slutrapport"); not the bare "rapport".
    kind = TYPE_NAMES[report_type][0].capitalize() if report_type in TYPE_NAMES and report_type != "rapport" else ""
    parts = [insats or title[:80], kind]
    return " – ".join(p for p in parts if p)


def embed_chunks(
    chunks: Sequence[Chunk],
    embedder: Embedder,
    cache: VectorCache,
    notify: ProgressFn,
    report: IngestReport,
    batch: int = EMBED_WINDOW,
) -> list[list[float]]:
    """Vectors for ``chunks``: from the cache where possible, the rest embedded ``batch`` at a time and cached.

    The embedder sorts each call's passages by length before cutting its own batches, so a large ``batch``
    pads little.
    """
    keys = [text_key(c.search_text) for c in chunks]
    cached = cache.get(embedder.name, keys)
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key not in cached:
            first.setdefault(key, i)  # a text repeated in the call is embedded once
    missing = list(first.values())
    for start in range(0, len(missing), batch):
        indexes = missing[start : start + batch]
        vectors = embedder.embed_passages([chunks[i].search_text for i in indexes])
        cache.put(embedder.name, [(keys[i], v) for i, v in zip(indexes, vectors, strict=True)])
        cached.update({keys[i]: v for i, v in zip(indexes, vectors, strict=True)})
        report.chunks_embedded += len(indexes)
        notify("chunks", len(indexes))
    notify("chunks", len(chunks) - len(missing))
    return [cached[key] for key in keys]


def reconcile(
    stores: Stores,
    embedder: Embedder,
    *,
    notify: ProgressFn | None = None,
    report: IngestReport | None = None,
) -> int:
    """Make Chroma hold exactly the register's chunk ids: phase 2 of an ingest, and the repair after a crash.

    Orphan vectors are deleted; passages without vectors get them (from the cache, else embedded), file by
    file and ``EMBED_WINDOW`` at a time, and the pending counts in the register's state follow each window.

    Returns:
        How many vectors were re-added that were missing before this run (not the ones ``report.waiting``
        from phase 1 of the same run).
    """
    notify = notify or (lambda event, amount: None)
    report = report or IngestReport()
    wanted = stores.register.chunk_ids()
    present = stores.chroma.ids()
    orphans = sorted(present - wanted)
    missing_ids = wanted - present
    if orphans or missing_ids:
        changes.clear_vectors_in_sync(stores.register)
    if orphans:
        logger.info("deleting %d orphan vectors", len(orphans))
        stores.chroma.delete(orphans)
    missing = stores.register.chunks(sorted(missing_ids))
    # File by file, in the order phase 1 read them: each file becomes searchable by meaning as soon as it can.
    order = {c.id: i for i, c in enumerate(report.waiting)}
    missing.sort(key=lambda c: (order.get(c.id, -1), c.source, c.id))
    pending: dict[str, int] = {}
    for chunk in missing:
        pending[chunk.source] = pending.get(chunk.source, 0) + 1
    _set_pending(stores.register, pending)
    repaired = sum(1 for c in missing if c.id not in order)
    if repaired:
        logger.info("re-adding %d missing vectors", repaired)
    if missing:
        notify("pending", len(missing))
    for start in range(0, len(missing), EMBED_WINDOW):
        window = missing[start : start + EMBED_WINDOW]
        vectors = embed_chunks(window, embedder, stores.vectors, notify, report)
        stores.chroma.upsert(window, vectors)
        for chunk in window:
            pending[chunk.source] -= 1
        _set_pending(stores.register, pending)
    changes.mark_vectors_in_sync(stores.register, embedder.name)
    return repaired


@dataclass(frozen=True, slots=True)
class Consistency:
    """How far Chroma and the lexical index are from the register (all zero/False when consistent)."""

    chunks: int  # chunk ids in the register
    vectors: int  # ids in Chroma
    lexical: int  # ids in the saved lexical index
    orphan_vectors: int  # in Chroma, not in the register
    missing_vectors: int  # in the register, not in Chroma
    lexical_stale: bool  # the lexical index does not hold exactly the register's ids
    duplicate_lexical_ids: int
    unlinked_reports: int = 0  # reports in no insats (grouping gives every report one)

    @property
    def ok(self) -> bool:
        return not (
            self.orphan_vectors
            or self.missing_vectors
            or self.lexical_stale
            or self.duplicate_lexical_ids
            or self.unlinked_reports
        )


def check_consistency(stores: Stores) -> Consistency:
    """Compare the three stores' chunk ids (what ``arkiv check`` reports)."""
    wanted = stores.register.chunk_ids()
    present = stores.chroma.ids()
    lexical = LexicalIndex.load(stores.lexical_dir)
    lexical_ids = lexical.ids if lexical is not None else []
    return Consistency(
        chunks=len(wanted),
        vectors=len(present),
        lexical=len(lexical_ids),
        orphan_vectors=len(present - wanted),
        missing_vectors=len(wanted - present),
        lexical_stale=set(lexical_ids) != wanted or (lexical is not None and not lexical.current),
        duplicate_lexical_ids=len(lexical_ids) - len(set(lexical_ids)),
        unlinked_reports=stores.register.unlinked_reports(),
    )


def repair_stores(stores: Stores, embedder: Embedder) -> Consistency:
    """Regroup reports that lost their insats, reconcile Chroma with the register and rebuild the lexical index;
    returns the state afterwards."""
    if stores.register.unlinked_reports():
        _regroup(stores.register)
    reconcile(stores, embedder)
    refresh_lexical(stores, force=True)
    return check_consistency(stores)


def lexical_current(stores: Stores) -> bool:
    """The saved lexical index reflects the register's generation and this analyzer (without loading it)."""
    return LexicalIndex.saved_version(stores.lexical_dir) == (stores.register.generation, ANALYZER_VERSION)


def refresh_lexical(stores: Stores, *, force: bool = False, memo: dict[str, list[str]] | None = None) -> LexicalIndex:
    """The lexical index for the register's current generation, rebuilt and saved when stale.

    ``memo``: analyzed passages kept between the rebuilds of one ingest (see ``LexicalIndex.build``).
    """
    generation = stores.register.generation
    current = None if force else LexicalIndex.load(stores.lexical_dir)
    if current is not None and current.generation == generation and current.current:
        return current
    chunks = stores.register.chunks()
    texts = [c.search_text for c in chunks]
    index = LexicalIndex.build([c.id for c in chunks], texts, generation=generation, memo=memo)
    index.save(stores.lexical_dir)
    return index


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


BAD_NAME = "Filnamnet är inte giltig UTF-8 och kan inte lagras i indexet; byt namn på filen."


def _storable(source: str) -> bool:
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def displayable(source: str) -> str:
    """A file name fit to show and log: bytes that are not UTF-8 become U+FFFD."""
    return source.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _mark_failed(
    stores: Stores, source: str, root_key: str, path: Path, error: str, pipeline: str, stat: str | None
) -> None:
    """Record the failure in the register; a register that cannot take it must not stop the run either."""
    try:
        stores.register.mark_failed(
            source=source, root=root_key, sha256=_sha(path), error=error, pipeline=pipeline, stat=stat
        )
    except Exception:
        logger.exception("could not record the failure of %s", source)


def _unexpected(exc: Exception) -> str:
    return f"Oväntat fel vid läsning ({type(exc).__name__}); filen hoppades över. Se loggen för detaljer."
