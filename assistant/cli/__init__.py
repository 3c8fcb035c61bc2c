"""The ``arkiv`` command line: argument parsing in ``main``, one handler per sub-command in ``commands``,
retrieval scoring for ``arkiv eval`` in ``evaluate``."""

from assistant.cli.main import main

__all__ = ["main"]
