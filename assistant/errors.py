"""Errors the assistant raises; the CLI and the API translate them for staff (Swedish messages).

ArkivError
├── IndexNotFound      nothing has been ingested into the data directory yet
├── EmptyQuestion      a blank or unusable question
├── BadFilter          a filter value that matches nothing (unknown insats, section, report type)
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


class IngestBusy(ArkivError):
    pass


class GenerationFailed(ArkivError):
    pass
