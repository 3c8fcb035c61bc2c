"""Report files → stored, searchable passages and a register of reports and insatser (no web, no LLM).

Stages, one module each: parse → sections → repair → metadata → chunk → embed → store/lexical/register,
driven by build.build_index.
"""

from index.build import IngestReport, Stores, build_index
from index.records import Chunk, Document, Field, Insats, Mention, Page, ReportMeta, Section

__all__ = [
    "Chunk",
    "Document",
    "Field",
    "Insats",
    "IngestReport",
    "Mention",
    "Page",
    "ReportMeta",
    "Section",
    "Stores",
    "build_index",
]
