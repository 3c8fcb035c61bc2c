"""``arkiv ingest``: read a folder into the archive, with progress bars, and say what happened.

Kept apart from ``commands``, which imports the ask path, the board and the web app's user store: ingest needs
none of them, and a re-ingest of an unchanged archive costs little more than starting the process.
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.compose import open_archive
from assistant.config import Settings
from assistant.errors import ArkivError

console = Console(stderr=False, highlight=False)
errors = Console(stderr=True, highlight=False)

PARTIAL = 3  # exit code: the run finished, but some files could not be read (1 is a fatal error)


def ingest(args: argparse.Namespace, settings: Settings) -> int:
    root = args.dir
    if not root.is_dir():
        raise ArkivError(f"Mappen {root} finns inte.")
    archive = open_archive(settings)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=errors,
        transient=False,
    ) as bar:
        files = bar.add_task("Filer", total=None, rate="")
        chunks = bar.add_task("Passager", total=None, rate="")
        sentences = bar.add_task("Meningar", total=None, rate="", visible=False)  # made last, for the answers

        def progress(event: str, amount: int) -> None:
            if event == "files":
                bar.update(files, total=amount)
            elif event == "file":
                bar.advance(files, amount)
            elif event == "chunks":
                bar.advance(chunks, amount)
            elif event == "sentences_found":
                bar.reset(sentences, total=amount, visible=True)  # its clock starts now
            elif event == "sentences":
                bar.advance(sentences, amount)
            for task_id in (files, chunks, sentences):
                task = bar.tasks[task_id]
                speed = task.completed / task.elapsed if task.elapsed else 0.0
                bar.update(task_id, rate=f"{speed:.1f}/s")

        report = archive.ingest(root, prune=args.prune, progress=progress)
    console.print(
        f"Klart på {report.seconds:.1f} s: [green]{len(report.indexed)} inlästa[/], "
        f"{len(report.unchanged)} oförändrade, [red]{len(report.failed)} misslyckade[/], "
        f"{len(report.removed)} borttagna; {report.chunks_added} nya passager, "
        f"{report.chunks_embedded} nyberäknade vektorer, {report.sentences_embedded} för meningar."
    )
    for source, reason in report.failed:
        console.print(f"  [red]✗[/] {escape(_one_line(source))}: {escape(reason)}")
    # 0: every file is indexed; 3: the run finished but the listed files could not be read (1 is a fatal error)
    return PARTIAL if report.failed else 0


def _one_line(name: str) -> str:
    """A file name on one line: control characters (a newline in a name) shown as escapes."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in name)
