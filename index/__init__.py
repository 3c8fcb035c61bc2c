"""Report files → stored, searchable passages and a register of reports and insatser (no web, no LLM).

Stages, one module each: parse → sections → repair → metadata → chunk → embed → store/lexical/register,
driven by build.build_index.
"""

from typing import Any

from index.records import Chunk, Document, Field, Insats, Mention, Page, Placement, ReportMeta, Section

__all__ = [
    "Chunk",
    "Document",
    "Field",
    "Insats",
    "IngestReport",
    "Mention",
    "Page",
    "Placement",
    "ReportMeta",
    "Section",
    "Stores",
    "build_index",
]


def __getattr__(name: str) -> Any:
    # build pulls in numpy, SQLite and the stores: loaded on first use so `import index.embed` stays light.
    if name in ("build_index", "IngestReport", "Stores"):
        from index import build

        return getattr(build, name)
    raise AttributeError(name)
