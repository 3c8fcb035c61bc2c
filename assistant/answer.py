"""Records the assistant hands out: passages found by search (answers and citations follow in a later stage)."""

from __future__ import annotations

from dataclasses import dataclass

from index.records import Chunk


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk with where it stands and why."""

    chunk: Chunk
    score: float  # fused score, higher is better
    insats: str | None  # insats name from the register
    insats_id: str | None
    report_type: str | None
    dense_rank: int | None = None  # 1-based rank in each retriever, None when it did not return the chunk
    lexical_rank: int | None = None

    @property
    def source(self) -> str:
        return self.chunk.source
