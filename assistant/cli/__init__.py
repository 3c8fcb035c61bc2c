"""The ``arkiv`` command line: argument parsing in ``main``, one handler per sub-command in ``commands`` (imported
when one runs) except ``arkiv ingest`` in ``ingest``, retrieval scoring for ``arkiv eval`` in ``evaluate``."""

from assistant.cli.main import main

__all__ = ["main"]
