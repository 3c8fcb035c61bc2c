"""Filtered searches for the scale bench: query sets restricted to an insats or to a report section.

A staff member who picks an insats in the app, or asks about one section ("framgångsfaktorer") across the
archive, sends ``Filters(insats=…)`` or ``Filters(section=…)``; search then ranks only the chunks the filter
allows. ``HybridRetriever._dense`` scores a filter of at most ``EXACT_DENSE_LIMIT`` chunks exactly (vectors
by id, ``ChromaStore.search_among``) and hands a larger one to Chroma's HNSW query with a ``where`` clause.
``scale.py`` times both paths: as the product runs and with every filter forced through Chroma.

How the filters are chosen (fixed seed), so their sizes are those of a real archive:

- **Insats**: the register groups the corpus's documents into insatser (every report with its insats; at
  50k about 800 of them). A real insats is one to a few reports, tens to a few hundred passages, so the
  filters are drawn from the insatser of ``INSATS_CHUNKS`` chunks, spread over that range by size.
- **Section**: the canonical section keys the chunks carry, the largest first (a section filter over a
  whole archive covers thousands of chunks at 50k), each with at least ``SECTION_MIN_SHARE`` of the chunks.

Each filter gets queries made from its own chunks (a phrase or keywords, as ``scale.py`` makes them) and,
every third, one of the staff questions, so both content and the focused-search paths are timed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.archive import Archive
from assistant.catalog import Catalog
from assistant.retrieve import Filters

INSATS_CHUNKS = (10, 400)  # passages an insats filter allows: one short report to several long ones
SECTION_MIN_SHARE = 0.01  # a section filter covers at least this share of the archive's chunks
SECTIONS = 4  # the largest sections, at most this many
SEED = 20241205


@dataclass(frozen=True, slots=True)
class FilteredQuery:
    kind: str  # "insats" | "section"
    text: str
    filters: Filters
    size: int  # chunks the filter allows


@dataclass(frozen=True, slots=True)
class Choice:
    """One filter and the chunks it allows."""

    kind: str
    filters: Filters
    chunk_ids: tuple[str, ...]


def insats_choices(catalog: Catalog, count: int, rng: random.Random) -> list[Choice]:
    """Up to ``count`` insatser of ``INSATS_CHUNKS`` passages, spread over that range by size."""
    low, high = INSATS_CHUNKS
    sized = []
    for insats in catalog.insatser:
        ids = catalog.chunk_ids(set(catalog.sources_of(insats.id)), None)
        if low <= len(ids) <= high:
            sized.append((len(ids), insats.id, tuple(sorted(ids))))
    sized.sort()
    if len(sized) > count:  # every len/count-th by size, from a random start: small, middling and large ones
        step = len(sized) / count
        start = rng.random() * step
        sized = [sized[int(start + i * step)] for i in range(count)]
    return [Choice("insats", Filters(insats=insats_id), ids) for _, insats_id, ids in sized]


def section_choices(catalog: Catalog) -> list[Choice]:
    """The ``SECTIONS`` largest section keys that hold at least ``SECTION_MIN_SHARE`` of the chunks."""
    by_section: dict[str, list[str]] = {}
    for cid, section in catalog.chunk_section.items():
        if section is not None:
            by_section.setdefault(section, []).append(cid)
    floor = SECTION_MIN_SHARE * len(catalog.chunk_source)
    largest = sorted(by_section.items(), key=lambda item: (-len(item[1]), item[0]))[:SECTIONS]
    return [Choice("section", Filters(section=key), tuple(sorted(ids))) for key, ids in largest if len(ids) >= floor]


def filtered_queries(
    archive: Archive,
    per_kind: int,
    make: Callable[[str, random.Random], str | None],
    questions: Sequence[str],
) -> list[FilteredQuery]:
    """About ``per_kind`` insats-filtered and as many section-filtered queries. ``make`` turns a chunk's text
    into a query (None when it has too few words); every third query is one of ``questions``."""
    rng = random.Random(SEED)
    catalog = archive.catalog()
    made: list[FilteredQuery] = []
    for choices in (insats_choices(catalog, max(per_kind // 3, 1), rng), section_choices(catalog)):
        if not choices:
            continue
        each = -(-per_kind // len(choices))
        for choice in choices:
            made += queries_for(archive, choice, each, rng, make, questions)
    return made


def queries_for(
    archive: Archive,
    choice: Choice,
    count: int,
    rng: random.Random,
    make: Callable[[str, random.Random], str | None],
    questions: Sequence[str],
) -> list[FilteredQuery]:
    """``count`` queries inside one filter: from its own chunks, and every third a staff question."""
    sample = archive.register.chunks(rng.sample(choice.chunk_ids, min(len(choice.chunk_ids), count * 3)))
    texts: list[str] = []
    for i, chunk in enumerate(sample):
        if len(texts) >= count:
            break
        text = rng.choice(questions) if i % 3 == 2 else make(chunk.text, rng)
        if text is not None:
            texts.append(text)
    size = len(choice.chunk_ids)
    return [FilteredQuery(choice.kind, text, choice.filters, size) for text in texts]
