"""The register: SQLite tables of files, chunks, reports, extracted fields, insatser and mentions.

It is the source of truth for what is indexed: Chroma and the lexical index are derived from its chunk
table, so after a crash the stores are reconciled against it. The only module that imports sqlite3.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.records import Chunk, Field, Insats, Mention, Placement, ReportMeta

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    source TEXT PRIMARY KEY, root TEXT, sha256 TEXT, kind TEXT, encoding TEXT, pages INTEGER,
    chars INTEGER, status TEXT, error TEXT, chunks INTEGER, ingested_at TEXT, repaired INTEGER DEFAULT 0,
    pipeline TEXT, stat TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, source TEXT, ord INTEGER, start INTEGER, end INTEGER, page INTEGER,
    section TEXT, heading_path TEXT, title TEXT, text TEXT, corrected TEXT, context TEXT
);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks (source);
CREATE TABLE IF NOT EXISTS reports (
    source TEXT PRIMARY KEY, report_type TEXT, title TEXT, insats_name TEXT, kommun TEXT,
    insats_id TEXT, abbreviations TEXT, name_source TEXT, placement TEXT
);
CREATE TABLE IF NOT EXISTS fields (source TEXT, name TEXT, value TEXT, raw TEXT, start INTEGER, end INTEGER);
CREATE INDEX IF NOT EXISTS fields_source ON fields (source);
CREATE TABLE IF NOT EXISTS mentions (source TEXT, name TEXT, start INTEGER, end INTEGER, context TEXT);
CREATE TABLE IF NOT EXISTS insatser (id TEXT PRIMARY KEY, name TEXT, kommun TEXT, aliases TEXT);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT);
"""

FileRow = sqlite3.Row  # a row of the files table, read by column name: row["sha256"], row["stat"] …

# Named, because a migrated register has its columns in another order than a new one.
_FILE_COLUMNS = (
    "source, root, sha256, kind, encoding, pages, chars, status, error, chunks, ingested_at, repaired, pipeline, stat"
)


class Register:
    """SQLite register under the data directory; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring a register written by an older version up to the current schema."""
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(files)")}
        if "pipeline" not in columns:
            # Older registers did not record what made each file's chunks: NULL reads as "another pipeline",
            # so the next ingest processes every file again (its vectors stay cached).
            self._db.execute("ALTER TABLE files ADD COLUMN pipeline TEXT")
        if "stat" not in columns:
            # NULL: no file's size and times are known yet, so the next ingest hashes each file once more.
            self._db.execute("ALTER TABLE files ADD COLUMN stat TEXT")
        reports = {row["name"] for row in self._db.execute("PRAGMA table_info(reports)")}
        for column in ("name_source", "placement"):  # where the name came from; why the report is in its insats
            if column not in reports:
                self._db.execute(f"ALTER TABLE reports ADD COLUMN {column} TEXT")

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- state ------------------------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM state WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def unlinked_reports(self) -> int:
        """Reports that belong to no insats: grouping gives every report one, so any is a grouping still owed."""
        return int(self._rows("SELECT count(*) AS n FROM reports WHERE insats_id IS NULL")[0]["n"])

    def set_state(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, value))

    def delete_state(self, key: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM state WHERE key = ?", (key,))

    @property
    def generation(self) -> int:
        """Bumped by every change to the chunk table; derived indexes record the one they were built at."""
        return int(self.get_state("generation") or 0)

    def _bump(self, db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO state VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # --- files ------------------------------------------------------------------------------------

    def file_status(self, source: str) -> FileRow | None:
        rows = self._rows("SELECT * FROM files WHERE source = ?", (source,))
        return rows[0] if rows else None

    def files(self) -> list[FileRow]:
        return self._rows("SELECT * FROM files ORDER BY source")

    def replace_file(
        self,
        *,
        root: str,
        kind: str,
        sha256: str,
        encoding: str | None,
        pages: int,
        chars: int,
        chunks: Sequence[Chunk],
        meta: ReportMeta,
        repaired: bool,
        pipeline: str = "",
        stat: str | None = None,
    ) -> None:
        """Swap in a file's chunks and metadata in one transaction (all or nothing). ``pipeline`` names the
        code and settings that made the chunks, so a later version knows to make them again; ``stat`` is the
        file's size and times as read (``index/changes.py``), so a later ingest can skip hashing it."""
        source = meta.source
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._tx() as db:
            # The report keeps its insats until the next grouping: a grouping that comes out as before skips its
            # write (set_insatser's fingerprint), so a link dropped here would stay dropped.
            linked = db.execute("SELECT insats_id, placement FROM reports WHERE source = ?", (source,)).fetchone()
            self._delete_source(db, source)
            db.executemany(
                "INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        c.id,
                        c.source,
                        i,
                        c.start,
                        c.end,
                        c.page,
                        c.section,
                        json.dumps(c.heading_path, ensure_ascii=False),
                        c.title,
                        c.text,
                        c.corrected,
                        c.context,
                    )
                    for i, c in enumerate(chunks)
                ],
            )
            db.execute(
                "INSERT INTO reports (source, report_type, title, insats_name, kommun, insats_id, abbreviations, "
                "name_source, placement) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    source,
                    meta.report_type,
                    meta.title,
                    meta.insats_name,
                    meta.kommun,
                    linked[0] if linked else None,
                    json.dumps(meta.abbreviations, ensure_ascii=False),
                    meta.name_source,
                    linked[1] if linked else None,
                ),
            )
            db.executemany(
                "INSERT INTO fields VALUES (?,?,?,?,?,?)",
                [(source, f.name, f.value, f.raw, f.start, f.end) for f in meta.fields],
            )
            db.executemany(
                "INSERT INTO mentions VALUES (?,?,?,?,?)",
                [(source, m.name, m.start, m.end, m.context) for m in meta.mentions],
            )
            db.execute(
                f"INSERT OR REPLACE INTO files ({_FILE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    source,
                    root,
                    sha256,
                    kind,
                    encoding,
                    pages,
                    chars,
                    "ok",
                    None,
                    len(chunks),
                    now,
                    int(repaired),
                    pipeline,
                    stat,
                ),
            )
            self._bump(db)

    def mark_failed(
        self, *, source: str, root: str, sha256: str, error: str, pipeline: str = "", stat: str | None = None
    ) -> None:
        """Record a file that could not be read; its earlier chunks, if any, are removed."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._tx() as db:
            self._delete_source(db, source)
            db.execute(
                f"INSERT OR REPLACE INTO files ({_FILE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (source, root, sha256, None, None, 0, 0, "failed", error, 0, now, 0, pipeline, stat),
            )
            self._bump(db)

    def set_stats(self, stats: Sequence[tuple[str, str | None]]) -> None:
        """Record (source, stat) of files found unchanged by their bytes. The chunks stay as they are, so the
        generation does not move."""
        if stats:
            with self._tx() as db:
                db.executemany("UPDATE files SET stat = ? WHERE source = ?", [(stat, s) for s, stat in stats])

    def remove_file(self, source: str) -> None:
        with self._tx() as db:
            self._delete_source(db, source)
            db.execute("DELETE FROM files WHERE source = ?", (source,))
            self._bump(db)

    @staticmethod
    def _delete_source(db: sqlite3.Connection, source: str) -> None:
        for table in ("chunks", "reports", "fields", "mentions"):
            db.execute(f"DELETE FROM {table} WHERE source = ?", (source,))  # noqa: S608 - fixed names

    # --- chunks -----------------------------------------------------------------------------------

    def chunk_count(self) -> int:
        return int(self._rows("SELECT COUNT(*) FROM chunks")[0][0])

    def chunk_ids(self, source: str | None = None) -> set[str]:
        if source is None:
            return {r["id"] for r in self._rows("SELECT id FROM chunks")}
        return {r["id"] for r in self._rows("SELECT id FROM chunks WHERE source = ?", (source,))}

    def chunks(self, ids: Iterable[str] | None = None) -> list[Chunk]:
        """Chunks by id (in the order given), or all chunks in document order."""
        if ids is None:
            return [_chunk(r) for r in self._rows("SELECT * FROM chunks ORDER BY source, ord")]
        wanted = list(ids)
        found: dict[str, Chunk] = {}
        for batch in _batches(wanted, 900):
            marks = ",".join("?" * len(batch))
            for row in self._rows(f"SELECT * FROM chunks WHERE id IN ({marks})", batch):  # noqa: S608
                found[row["id"]] = _chunk(row)
        return [found[i] for i in wanted if i in found]

    def chunk_index(self) -> list[tuple[str, str, str | None]]:
        """(id, source, section) of every chunk: what filters and boosts need, without the text."""
        return [
            (r["id"], r["source"], r["section"])
            for r in self._rows("SELECT id, source, section FROM chunks ORDER BY source, ord")
        ]

    def report_text(self, source: str) -> str:
        """A report's text put back together from its passages (repaired words where OCR damaged them);
        what no passage covers reads as spaces, so offsets hold."""
        chunks = self.chunks_of(source)
        size = max((c.end for c in chunks), default=0)
        text = [" "] * size
        for chunk in chunks:
            body = (
                chunk.corrected
                if chunk.corrected is not None and len(chunk.corrected) == len(chunk.text)
                else chunk.text
            )
            text[chunk.start : chunk.start + len(body)] = body
        return "".join(text)

    def chunks_of(self, source: str) -> list[Chunk]:
        return [_chunk(r) for r in self._rows("SELECT * FROM chunks WHERE source = ? ORDER BY ord", (source,))]

    # --- reports and insatser ---------------------------------------------------------------------

    def report_metas(self) -> list[ReportMeta]:
        fields: dict[str, list[Field]] = {}
        for r in self._rows("SELECT * FROM fields ORDER BY source, start"):
            fields.setdefault(r["source"], []).append(Field(r["name"], r["value"], r["raw"], r["start"], r["end"]))
        mentions: dict[str, list[Mention]] = {}
        for r in self._rows("SELECT * FROM mentions ORDER BY source, start"):
            mentions.setdefault(r["source"], []).append(Mention(r["name"], r["start"], r["end"], r["context"]))
        return [
            ReportMeta(
                source=r["source"],
                report_type=r["report_type"],
                title=r["title"],
                insats_name=r["insats_name"],
                kommun=r["kommun"],
                fields=tuple(fields.get(r["source"], ())),
                mentions=tuple(mentions.get(r["source"], ())),
                abbreviations=tuple((p[0], p[1]) for p in json.loads(r["abbreviations"] or "[]")),
                name_source=r["name_source"] or "",
            )
            for r in self._rows("SELECT * FROM reports ORDER BY source")
        ]

    def set_insatser(self, insatser: Sequence[Insats]) -> None:
        """Replace the insats table and each report's insats id (grouping is recomputed as a whole).

        A changed grouping moves the generation, so readers holding a catalog from mid-ingest reload it.
        """
        fingerprint = hashlib.sha256(
            json.dumps(
                [
                    (
                        i.id,
                        i.name,
                        i.kommun,
                        list(i.aliases),
                        sorted(i.reports),
                        [_placement_json(p) for p in i.placements],
                    )
                    for i in sorted(insatser, key=lambda i: i.id)
                ],
                ensure_ascii=False,
            ).encode()
        ).hexdigest()
        if fingerprint == self.get_state("insatser") and not self.unlinked_reports():
            return
        with self._tx() as db:
            db.execute(
                "INSERT INTO state VALUES ('insatser', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (fingerprint,),
            )
            self._bump(db)
            db.execute("DELETE FROM insatser")
            db.execute("UPDATE reports SET insats_id = NULL, placement = NULL")
            for insats in insatser:
                db.execute(
                    "INSERT INTO insatser VALUES (?,?,?,?)",
                    (insats.id, insats.name, insats.kommun, json.dumps(insats.aliases, ensure_ascii=False)),
                )
                db.executemany(
                    "UPDATE reports SET insats_id = ? WHERE source = ?", [(insats.id, s) for s in insats.reports]
                )
                db.executemany(
                    "UPDATE reports SET placement = ? WHERE source = ?",
                    [(json.dumps(_placement_json(p), ensure_ascii=False), p.source) for p in insats.placements],
                )

    def insatser(self) -> list[Insats]:
        reports: dict[str, list[str]] = {}
        placements: dict[str, list[Placement]] = {}
        for r in self._rows(
            "SELECT source, insats_id, placement FROM reports WHERE insats_id IS NOT NULL ORDER BY source"
        ):
            reports.setdefault(r["insats_id"], []).append(r["source"])
            if r["placement"]:
                placements.setdefault(r["insats_id"], []).append(_placement(r["source"], r["placement"]))
        fields: dict[str, list[tuple[str, Field]]] = {}
        for r in self._rows(
            "SELECT f.*, r.insats_id FROM fields f JOIN reports r USING (source) "
            "WHERE r.insats_id IS NOT NULL ORDER BY f.source, f.start"
        ):
            field = Field(r["name"], r["value"], r["raw"], r["start"], r["end"])
            fields.setdefault(r["insats_id"], []).append((r["source"], field))
        return [
            Insats(
                id=r["id"],
                name=r["name"],
                kommun=r["kommun"],
                aliases=tuple(json.loads(r["aliases"])),
                reports=tuple(reports.get(r["id"], ())),
                fields=tuple(fields.get(r["id"], ())),
                placements=tuple(placements.get(r["id"], ())),
            )
            for r in self._rows("SELECT * FROM insatser ORDER BY name")
        ]

    def report_types(self) -> dict[str, str]:
        return {r["source"]: r["report_type"] for r in self._rows("SELECT source, report_type FROM reports")}


def _chunk(row: sqlite3.Row) -> Chunk:
    return Chunk(
        id=row["id"],
        source=row["source"],
        text=row["text"],
        start=row["start"],
        end=row["end"],
        page=row["page"],
        section=row["section"],
        heading_path=tuple(json.loads(row["heading_path"])),
        title=row["title"],
        corrected=row["corrected"],
        context=row["context"] or "",
    )


def _placement_json(placement: Placement) -> dict[str, object]:
    return {
        "reason": placement.reason,
        "evidence": [[f.name, f.value, f.raw, f.start, f.end] for f in placement.evidence],
    }


def _placement(source: str, data: str) -> Placement:
    parsed = json.loads(data)
    return Placement(source, parsed["reason"], tuple(Field(*item) for item in parsed["evidence"]))


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def text_key(text: str) -> str:
    """The vector cache's key for a text: a hash, so that the cache does not hold the archive's text twice."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class VectorCache:
    """Embeddings keyed by (model, text hash), so a re-ingest or a crashed ingest never embeds twice."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, key TEXT, vector BLOB, PRIMARY KEY (model, key))"
        )

    def get(self, model: str, keys: Sequence[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        with self._lock:
            for batch in _batches(keys, 900):
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})",  # noqa: S608
                    (model, *batch),
                ).fetchall()
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def put(self, model: str, items: Sequence[tuple[str, Sequence[float]]]) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(model, key, np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in items],
            )
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
