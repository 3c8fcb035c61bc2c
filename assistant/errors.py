"""Every error Arkiv raises, in one tree; the CLI and the API translate them for staff (Swedish messages).

ArkivError
├── IndexNotFound      nothing has been ingested into the data directory yet
├── EmptyQuestion      a blank or unusable question
├── BadFilter          a filter value that matches nothing (unknown insats, section, report type)
│   ├── InsatsNotFound     no insats in the register fits the name given
│   └── AmbiguousInsats    several insatser fit the name about equally well (``candidates`` names them)
├── NotFound           an insats or document id that is not in the register
├── IngestBusy         another ingest holds the data directory's lock
├── GenerationFailed   the language model failed (the extractive answer is used instead)
├── ExtraMissing       a configured feature needs an optional extra that is not installed (``pip install …``)
├── BadUpload          an uploaded file that is refused (name, type, size)
└── AuthError          a wrong name or password, or a user store that cannot be changed
    ├── LoginRequired      no valid session
    ├── Forbidden          the user's role may not do this
    └── TooManyAttempts    failed logins are being slowed down

From ``index/errors.py`` (the index side never imports this package; re-exported here):
ValueError   └── ParseError         a file that cannot be read as a report
RuntimeError └── StoreUnavailable   the Chroma server cannot be reached
"""

from __future__ import annotations

from index.errors import ParseError, StoreUnavailable

__all__ = [
    "AmbiguousInsats",
    "ArkivError",
    "AuthError",
    "BadFilter",
    "BadUpload",
    "EmptyQuestion",
    "ExtraMissing",
    "Forbidden",
    "GenerationFailed",
    "IndexNotFound",
    "IngestBusy",
    "InsatsNotFound",
    "LoginRequired",
    "NotFound",
    "ParseError",
    "StoreUnavailable",
    "TooManyAttempts",
]


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


class NotFound(ArkivError):
    """An insats or document id that is not in the register."""


class IngestBusy(ArkivError):
    pass


class GenerationFailed(ArkivError):
    pass


class ExtraMissing(ArkivError):
    """A configured feature needs an optional extra (e.g. ``arkiv[llm]``) that is not installed."""


class BadUpload(ArkivError):
    """An uploaded file that is refused; the message says why."""


class AuthError(ArkivError):
    pass


class LoginRequired(AuthError):
    pass


class Forbidden(AuthError):
    pass


class TooManyAttempts(AuthError):
    pass
