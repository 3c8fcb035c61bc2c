"""Errors the assistant raises; the CLI and the API translate them for staff (Swedish messages).

ArkivError
├── IndexNotFound      nothing has been ingested into the data directory yet
├── EmptyQuestion      a blank or unusable question
├── BadFilter          a filter value that matches nothing (unknown insats, section, report type)
│   ├── InsatsNotFound     no insats in the register fits the name given
│   └── AmbiguousInsats    several insatser fit the name about equally well (``candidates`` names them)
├── IngestBusy         another ingest holds the data directory's lock
└── GenerationFailed   the language model failed (the extractive answer is used instead)
"""

from __future__ import annotations


class ArkivError(Exception):
    """Base class; ``str(error)`` is a Swedish message fit to show a user."""


class IndexNotFound(ArkivError):
    pass


class EmptyQuestion(ArkivError):
    pass


class BadFilter(ArkivError):
    pass


class InsatsNotFound(BadFilter):
    pass


class AmbiguousInsats(BadFilter):
    def __init__(self, message: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates  # "Namn (Kommun)" of each insats that fits


class IngestBusy(ArkivError):
    pass


class GenerationFailed(ArkivError):
    pass
