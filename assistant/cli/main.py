"""The ``arkiv`` command line: a thin layer over Archive, HybridRetriever and the register.

Machine protocols (kept exactly, outside tools drive them):
    arkiv search --jsonl -k N -   stdin {"id", "question"} lines → {"id", "results": [{"source", "text",
                                  "score", "insats", "section", "page"}, …]} lines, best first.
    arkiv ask --jsonl -           stdin {"id", "question"} lines → {"id", "answer", "abstained", "citations":
                                  [{"n", "source", "text", "insats", "section", "page"}, …]} lines.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import ArkivError
from assistant.privacy import MaskingFilter
from index.remote_embed import EmbedderUnavailable

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    overrides: dict[str, Any] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = args.data_dir
    settings = Settings(**overrides)
    _configure_logging(settings, verbose=args.verbose or args.command == "serve")
    try:
        result: int = args.handler(args, settings)
        return result
    except (ArkivError, EmbedderUnavailable) as exc:
        _err(f"Fel: {exc}")
        return 1
    except KeyboardInterrupt:
        _err("Avbrutet.")
        return 130


Handler = Callable[[argparse.Namespace, Settings], int]


def _command(name: str) -> Handler:
    """The handler ``name`` of ``commands``, imported when it runs: those handlers bring the ask path, the
    board and the web app's user store, which ``arkiv ingest`` needs none of (a re-ingest of an unchanged
    archive is mostly process start)."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        from assistant.cli import commands

        handler: Handler = getattr(commands, name)
        return handler(args, settings)

    return run


def _parser() -> argparse.ArgumentParser:
    from assistant.cli import ingest as ingesting  # on first use: imports the archive and its stores

    parser = argparse.ArgumentParser(prog="arkiv", description="Sök och fråga i arkivet av insatsrapporter.")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="datakatalog (standard: ARKIV_DATA_DIR eller ./arkiv-data)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="skriv mer logg till stderr")
    sub = parser.add_subparsers(dest="command")

    ingest = sub.add_parser("ingest", help="läs in en mapp med rapporter (inkrementellt)")
    ingest.add_argument("dir", type=Path, help="mappen med rapporter (.pdf, .docx, .md, .txt)")
    ingest.add_argument("--prune", action="store_true", help="ta bort filer ur indexet som inte längre finns i mappen")
    ingest.set_defaults(handler=ingesting.ingest)

    insatser = sub.add_parser("insatser", help="visa registret över insatser")
    insatser.add_argument("--json", action="store_true", help="maskinläsbar JSON")
    insatser.add_argument("--find", metavar="TEXT", help="hitta insatser vars namn liknar TEXT")
    insatser.set_defaults(handler=_command("insatser"))

    search = sub.add_parser("search", help="sök passager i arkivet")
    search.add_argument("question", help='frågan, eller "-" för JSON-rader på stdin (med --jsonl)')
    search.add_argument("-k", type=int, default=None, help="antal träffar")
    search.add_argument("--insats", help="bara denna insats (namn eller id)")
    search.add_argument("--kommun", help="bara rapporter från denna kommun")
    search.add_argument("--typ", dest="report_type", help="slutrapport, kvartalsrapport eller utvardering")
    search.add_argument("--ar", dest="year", type=int, help="bara rapporter vars period omfattar året")
    search.add_argument("--section", help="bara detta avsnitt, t.ex. framgangsfaktorer")
    search.add_argument("--json", action="store_true", help="maskinläsbar JSON")
    search.add_argument("--jsonl", action="store_true", help='JSON-rader in och ut (frågan måste vara "-")')
    search.set_defaults(handler=_command("search"))

    ask = sub.add_parser("ask", help="ställ en fråga och få ett svar med källor")
    ask.add_argument("question", help='frågan, eller "-" för JSON-rader på stdin (med --jsonl)')
    ask.add_argument("--insats", help="bara denna insats (namn eller id)")
    ask.add_argument("--jsonl", action="store_true", help='JSON-rader in och ut (frågan måste vara "-")')
    ask.set_defaults(handler=_command("ask"))

    summary = sub.add_parser(
        "summary",
        help="sammanfattning för styrelsen: en insats, eller en jämförelse av flera",
        description="En insats ger en sammanfattning med fast struktur; flera insatser, --kommun, --from/--to "
        "eller --all ger en sammanställning för styrelsen med jämförelsetabell och diagram. Varje uppgift har "
        "en källa (rapport, avsnitt, sida).",
    )
    summary.add_argument("insatser", nargs="*", metavar="NAMN", help="insatsens namn; flera namn ger en jämförelse")
    summary.add_argument("--all", action="store_true", help="jämför alla insatser i arkivet")
    summary.add_argument("--kommun", help="jämför insatserna i denna kommun")
    summary.add_argument(
        "--from", dest="from_year", type=int, metavar="ÅR", help="bara insatser som pågick detta år eller senare"
    )
    summary.add_argument(
        "--to", dest="to_year", type=int, metavar="ÅR", help="bara insatser som pågick detta år eller tidigare"
    )
    summary.add_argument(
        "--format", choices=("md", "docx"), default=None, help="md (standard) eller docx; docx kräver -o"
    )
    summary.add_argument("-o", "--output", type=Path, metavar="FIL", help="skriv till FIL i stället för till skärmen")
    summary.add_argument("--diagram", type=Path, metavar="FIL", help="spara jämförelsens diagram som PNG")
    summary.set_defaults(handler=_command("summary"))

    check = sub.add_parser("check", help="kontrollera att register, vektorer och sökindex stämmer överens")
    check.add_argument("--repair", action="store_true", help="laga det som går att laga")
    check.set_defaults(handler=_command("check"))

    serve = sub.add_parser("serve", help="starta webbappen och API:t (läser in arkivet i bakgrunden)")
    serve.add_argument("--archive", type=Path, default=None, help="mappen med rapporter (standard: ARKIV_ARCHIVE_DIR)")
    serve.add_argument("--host", default=None, help="adress att lyssna på (standard 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (standard 8000)")
    serve.set_defaults(handler=_command("serve"))

    users = sub.add_parser("users", help="hantera användare (inloggning krävs när det finns minst en)")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="lägg till eller ändra en användare")
    add.add_argument("name", help="användarnamn")
    add.add_argument("--role", default="läsare", help="läsare eller admin (standard läsare)")
    add.add_argument("--password-stdin", action="store_true", help="läs lösenordet från stdin i stället för att fråga")
    users_sub.add_parser("list", help="visa användarna")
    remove = users_sub.add_parser("remove", help="ta bort en användare")
    remove.add_argument("name", help="användarnamn")
    users.set_defaults(handler=_command("users"))

    evaluate = sub.add_parser("eval", help="mät sökträffsäkerheten mot en fil med frågor och belägg")
    evaluate.add_argument("file", type=Path, help="JSONL-fil i formatet för shared/eval/dev.jsonl")
    evaluate.add_argument("-k", type=int, default=10, help="antal passager att hämta per fråga")
    evaluate.add_argument("--json", action="store_true", help="maskinläsbar JSON")
    evaluate.set_defaults(handler=_command("evaluate"))
    return parser


def _configure_logging(settings: Settings, *, verbose: bool) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(logging.INFO if verbose else logging.WARNING)
    stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(stderr)
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(settings.data_dir / "arkiv.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    except OSError:
        logger.warning("cannot write the log file in %s", settings.data_dir)
    if settings.mask_personal_data:
        # On the handlers, not the root logger: a logger's filters do not see records from child loggers.
        for installed in root.handlers:
            installed.addFilter(MaskingFilter())
    for noisy in ("chromadb", "httpx", "sentence_transformers", "bm25s", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _err(message: str) -> None:
    sys.stderr.write(message + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
