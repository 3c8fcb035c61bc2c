"""Records the assistant hands out: passages found by search, citations of them, and answers."""

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


@dataclass(frozen=True, slots=True)
class Citation:
    """Passage number ``n`` (1-based, as in the answer's ``[n]`` markers)."""

    n: int
    passage: Passage


@dataclass(frozen=True, slots=True)
class Answer:
    """A Swedish answer whose claims point at passages; ``abstained`` when the archive has no answer."""

    text: str
    citations: tuple[Citation, ...] = ()
    insatser: tuple[str, ...] = ()  # names of the insatser the answer is about
    abstained: bool = False
    notices: tuple[str, ...] = ()  # e.g. figures that differ between reports, a language model that failed
