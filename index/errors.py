"""Errors the index side raises; messages are Swedish, fit to show staff as they are.

Neither shares a base class: each keeps the builtin it has always been, so callers that catch ValueError or
RuntimeError still do. ``assistant/errors.py`` re-exports both, so the product's error tree is read in one place.

ValueError
└── ParseError         a file that cannot be read as a report (empty, broken, encrypted, binary, too large …)
RuntimeError
└── StoreUnavailable   the Chroma server cannot be reached
"""

from __future__ import annotations


class ParseError(ValueError):
    """A file that cannot be read as a report; the message is shown to staff as is (Swedish)."""


class StoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached (message in Swedish for staff)."""
