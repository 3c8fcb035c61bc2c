"""Handlers for the ``arkiv`` sub-commands: parse arguments into calls, render results for people or machines."""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from assistant.answer import Answer, Passage
from assistant.archive import Archive
from assistant.board.chart import chart_png
from assistant.board.export import to_docx, to_markdown
from assistant.board.overview import Overview
from assistant.board.summary import Summary
from assistant.cli.evaluate import Retrieved
from assistant.cli.evaluate import evaluate as run_eval
from assistant.compose import build_assistant, build_retriever, open_archive
from assistant.config import Settings
from assistant.errors import ArkivError, IndexNotFound
from assistant.names import resolve_insats
from assistant.privacy import mask_passage, mask_personal_data
from assistant.retrieve import Filters
from assistant.service import semantic_line
from assistant.web.auth import UserStore
from assistant.web.frontdesk import TERMINAL_USER, Frontdesk
from index.analyze import analyze
from index.build import Consistency, check_consistency, repair_stores

console = Console(stderr=False, highlight=False)
errors = Console(stderr=True, highlight=False)


def emit_json(data: object) -> None:
    """One JSON line on stdout, flushed (the machine protocols read line by line)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def insatser(args: argparse.Namespace, settings: Settings) -> int:
    archive = _open(settings)
    desk = Frontdesk.build(settings, archive)  # the register as every front end shows it: masked alike
    catalog = archive.catalog()
    chosen = list(catalog.insatser)
    if args.find:
        matches = resolve_insats(args.find, chosen)
        if args.json:
            emit_json(
                [
                    {"score": round(m.score, 1), "alias": m.alias, **desk.insats_json(TERMINAL_USER, m.insats.id)}
                    for m in matches
                ]
            )
            return 0
        if not matches:
            console.print(f'Ingen insats liknar "{escape(args.find)}".')
            return 1
        if len(matches) > 1:
            console.print(f'{len(matches)} insatser passar "{escape(args.find)}" lika bra; välj rätt:')
        chosen = [m.insats for m in matches]
    if args.json:
        data: dict[str, Any] = {"insatser": [desk.insats_json(TERMINAL_USER, i.id) for i in chosen]}
        if not args.find:
            data["omnamnda"] = _mentions_json(archive, settings)
        emit_json(data)
        return 0
    table = Table(title="Insatser i arkivet", show_lines=True)
    for column in ("Insats", "Kommun", "Period", "Beviljat (kr)", "Utnyttjat (kr)", "Rapporter", "Id"):
        table.add_column(column)
    for item in chosen:
        data = desk.insats_json(TERMINAL_USER, item.id)
        period = ", ".join(sorted({f"{p['start']} – {p['slut']}" for p in data["perioder"]})) or "–"
        table.add_row(
            escape(data["namn"]),
            escape(item.kommun or "–"),
            period,
            _money(data["beviljade_medel"]),
            _money(data["utnyttjade_medel"]),
            "\n".join(f"{escape(r['fil'])} ({r['typ']})" for r in data["rapporter"]),
            item.id,
        )
    console.print(table)
    if not args.find:
        mentions = _mentions_json(archive, settings)
        if mentions:
            console.print(
                "Omnämnda insatser, projekt och metoder (utan egen rapport): "
                + ", ".join(escape(m["namn"]) for m in mentions)
            )
    return 0


def _money(values: list[dict[str, Any]]) -> str:
    distinct = sorted({v["värde"] for v in values})
    text = " / ".join(f"{int(v):,}".replace(",", " ") for v in distinct) or "–"
    return text + (" (skiljer sig)" if len(distinct) > 1 else "")


def _mask(text: str, settings: Settings) -> str:
    return mask_personal_data(text) if settings.mask_personal_data else text


def _mentions_json(archive: Archive, settings: Settings) -> list[dict[str, Any]]:
    catalog = archive.catalog()
    known = catalog.insatser
    found: dict[str, dict[str, Any]] = {}
    for source, mention in catalog.mentions:
        matches = resolve_insats(mention.name, known)
        if matches and matches[0].score >= 90:
            continue  # a registered insats, not a mere mention
        entry = found.setdefault(mention.name.lower(), {"namn": mention.name, "omnämnanden": []})
        entry["omnämnanden"].append(
            {"källa": source, "start": mention.start, "slut": mention.end, "text": _mask(mention.context, settings)}
        )
    return sorted(found.values(), key=lambda m: m["namn"].lower())


def search(args: argparse.Namespace, settings: Settings) -> int:
    archive = _open(settings)
    retriever = build_retriever(archive, settings)
    k = args.k or settings.top_k
    filters = Filters(
        insats=args.insats, kommun=args.kommun, report_type=args.report_type, year=args.year, section=args.section
    )
    if args.jsonl or args.question == "-":
        for _line_no, item in _jsonl(sys.stdin):
            try:
                passages = _shown(retriever.search(str(item.get("question", "")), k=k, filters=filters), settings)
                emit_json({"id": item.get("id"), "results": [_result(p) for p in passages]})
            except ArkivError as exc:
                emit_json({"id": item.get("id"), "results": [], "error": str(exc)})
        return 0
    passages = _shown(retriever.search(args.question, k=k, filters=filters), settings)
    if args.json:
        emit_json({"question": args.question, "results": [_result(p) for p in passages]})
        return 0
    if not passages:
        console.print("Inga träffar.")
        return 0
    terms = set(analyze(args.question))
    for rank, passage in enumerate(passages, start=1):
        chunk = passage.chunk
        where = " · ".join(
            x
            for x in (
                escape(chunk.source),
                escape(passage.insats or "okänd insats"),
                escape(" > ".join(chunk.heading_path[-2:])),
                f"sida {chunk.page}" if chunk.page else "",
                f"poäng {passage.score:.4f}",
            )
            if x
        )
        console.print(f"[bold cyan]{rank}.[/] {where}")
        console.print(_highlight(chunk.text, terms))
        if chunk.corrected:
            console.print(Text.assemble(("Korrigerad OCR-text: ", "dim"), _highlight(chunk.corrected, terms)))
        console.print()
    return 0


def _shown(passages: list[Passage], settings: Settings) -> list[Passage]:
    """Passages as people may see them: personal data masked unless the setting is off."""
    return [mask_passage(p) for p in passages] if settings.mask_personal_data else passages


def ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = build_assistant(_open(settings), settings)
    filters = Filters(insats=args.insats) if args.insats else None
    if args.jsonl or args.question == "-":
        for _, item in _jsonl(sys.stdin):
            try:
                answer = assistant.ask(str(item.get("question", "")), filters=filters)
                emit_json({"id": item.get("id"), **_answer_json(answer)})
            except ArkivError as exc:
                emit_json({"id": item.get("id"), "answer": str(exc), "abstained": True, "citations": []})
        return 0
    answer = assistant.ask(args.question, filters=filters)
    console.print(escape(answer.text))
    for notice in answer.notices:
        console.print(f"[yellow]Obs:[/] {escape(notice)}")
    if answer.citations:
        console.print("\n[bold]Källor[/]")
        for citation in answer.citations:
            chunk = citation.passage.chunk
            where = " · ".join(
                x
                for x in (
                    chunk.source,
                    citation.passage.insats or "",
                    " > ".join(chunk.heading_path[-2:]),
                    f"sida {chunk.page}" if chunk.page else "",
                )
                if x
            )
            console.print(f"[{citation.n}] {escape(where)}")
    return 0


def summary(args: argparse.Namespace, settings: Settings) -> int:
    fmt = args.format or ("docx" if args.output and args.output.suffix.lower() == ".docx" else "md")
    if fmt == "docx" and not args.output:
        raise ArkivError("Ett Word-dokument kan inte skrivas till skärmen; ange en fil med -o, t.ex. -o rapport.docx.")
    many = len(args.insatser) > 1 or args.all or args.kommun or args.from_year or args.to_year
    if not args.insatser and not many:
        raise ArkivError("Ange en insats, flera insatser, --kommun, --from/--to eller --all.")
    if args.diagram and not many:
        raise ArkivError("Diagrammet finns bara i en jämförelse av flera insatser (t.ex. --all).")
    assistant = build_assistant(_open(settings), settings)
    doc: Summary | Overview
    if many:
        doc = assistant.summarize_many(
            args.insatser, kommun=args.kommun, from_year=args.from_year, to_year=args.to_year
        )
    else:
        doc = assistant.summarize(args.insatser[0])
    chart = chart_png(doc) if isinstance(doc, Overview) and (args.diagram or fmt == "docx") else None
    if args.diagram:
        if chart is None:
            raise ArkivError("Rapporterna anger inga medel att rita.")
        args.diagram.write_bytes(chart)
        errors.print(f"Diagrammet sparades i {escape(str(args.diagram))}.")
    if fmt == "docx":
        args.output.write_bytes(to_docx(doc, chart=chart))
    elif args.output:
        args.output.write_text(to_markdown(doc), encoding="utf-8")
    else:
        sys.stdout.write(to_markdown(doc))
        return 0
    errors.print(f"{escape(doc.title)} sparades i {escape(str(args.output))}.")
    return 0


def _answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "answer": answer.text,
        "abstained": answer.abstained,
        "citations": [
            {"n": c.n, **{k: v for k, v in _result(c.passage).items() if k != "score"}} for c in answer.citations
        ],
    }


def _result(passage: Passage) -> dict[str, Any]:
    return {
        "source": passage.chunk.source,
        "text": passage.chunk.text,
        "score": round(passage.score, 6),
        "insats": passage.insats,
        "section": passage.chunk.section,
        "page": passage.chunk.page,
    }


def _highlight(text: str, terms: set[str]) -> Text:
    """The text with the words that matched the query in bold yellow.

    Built as a rich Text, never as markup: report text like "[telefonnummer]" or "[link=…]" must print as
    written, and escaping word by word cannot see a bracket pair split around a highlighted word.
    """
    out = Text()
    for part in re.split(r"(\w+)", text):
        if part and re.fullmatch(r"\w+", part) and terms & set(analyze(part)):
            out.append(part, style="bold yellow")
        else:
            out.append(part)
    return out


def _jsonl(stream: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    for line_no, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            emit_json({"id": None, "results": [], "error": f"Rad {line_no} är inte giltig JSON."})
            continue
        if not isinstance(item, dict):
            emit_json({"id": None, "results": [], "error": f"Rad {line_no} är inget JSON-objekt."})
            continue
        yield line_no, item


def evaluate(args: argparse.Namespace, settings: Settings) -> int:
    if not args.file.is_file():
        raise ArkivError(f"Filen {args.file} finns inte.")
    archive = _open(settings)
    retriever = build_retriever(archive, settings)
    items = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]

    def search(question: str) -> list[Retrieved]:
        return [Retrieved(p.chunk.source, p.chunk.text) for p in retriever.search(question, k=args.k)]

    result = run_eval(items, search)
    summary = result.summary()
    if args.json:
        emit_json(
            {
                "summary": summary,
                "items": [
                    vars(s) if not hasattr(s, "__slots__") else {k: getattr(s, k) for k in s.__slots__}
                    for s in result.items
                ],
            }
        )
        return 0
    table = Table(title=f"Sökning mot {args.file.name}")
    columns = ("recall@1", "recall@5", "recall@10", "mrr", "alla_i_topp5", "filtäckning", "antal")
    table.add_column("typ")
    for column in columns:
        table.add_column(column, justify="right")
    for name, row in summary.items():
        table.add_row(
            name,
            *(
                f"{row[c]:.2f}" if c in row and c != "antal" else str(int(row.get(c, 0))) if c == "antal" else "–"
                for c in columns
            ),
        )
    console.print(table)
    return 0


def check(args: argparse.Namespace, settings: Settings) -> int:
    archive = _open(settings)
    state = check_consistency(archive.stores)
    _print_consistency(state)
    progress = archive.semantic_progress()
    if not progress.complete:
        console.print(f"{semantic_line(progress).capitalize()} (enligt den senaste inläsningen).")
    if not state.ok and args.repair:
        console.print("Lagar …")
        state = repair_stores(archive.stores, archive.embedder)
        _print_consistency(state)
    if state.ok:
        console.print("[green]Allt stämmer överens.[/]")
        return 0
    console.print(
        "[red]Lagren stämmer inte överens.[/] Kör 'arkiv check --repair'."
        if not args.repair
        else "[red]Alla fel kunde inte lagas.[/]"
    )
    return 1


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from assistant.web.app import create_app

    updates: dict[str, Any] = {"host": args.host or settings.host, "port": args.port or settings.port}
    if args.archive is not None:
        if not args.archive.is_dir():
            raise ArkivError(f"Mappen {args.archive} finns inte.")
        updates["archive_dir"] = args.archive
    settings = settings.model_copy(update=updates)
    if not UserStore(settings.data_dir / "users.json").any():
        if settings.host not in _LOOPBACK:
            errors.print(
                "[yellow]Inga användare är inlagda, så servern lyssnar bara på 127.0.0.1 "
                f"(inte {escape(settings.host)}).[/]"
                " Lägg till användare med 'arkiv users add NAMN --role admin' för att öppna den för andra."
            )
        settings = settings.model_copy(update={"host": "127.0.0.1"})
        mode = "lokalt läge utan inloggning"
    else:
        mode = "inloggning krävs"
    console.print(
        f"Arkiv startar på [bold]http://{settings.host}:{settings.port}[/] ({mode}); "
        f"arkivet {escape(str(settings.archive_dir))} läses in i bakgrunden. Avsluta med Ctrl+C."
    )
    app = create_app(settings)
    # uvicorn's own logging config would replace ours; its loggers propagate to the root handlers instead.
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, timeout_graceful_shutdown=10)
    return 0


def users(args: argparse.Namespace, settings: Settings) -> int:
    store = UserStore(settings.data_dir / "users.json")
    if args.users_command == "list":
        listed = store.users()
        if not listed:
            console.print("Inga användare: appen körs i lokalt läge (bara den här datorn, ingen inloggning).")
        for user in listed:
            console.print(f"{escape(user.name)} ({user.role})")
        return 0
    if args.users_command == "remove":
        store.remove(args.name)
        console.print(f"Användaren {escape(args.name)} är borttagen.")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Lösenord: ")
        if getpass.getpass("Lösenord igen: ") != password:
            raise ArkivError("Lösenorden stämmer inte överens.")
    user = store.add(args.name, password, args.role)
    console.print(f"Användaren {escape(user.name)} ({user.role}) är sparad. Inloggning krävs nu i appen och API:t.")
    return 0


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _print_consistency(state: Consistency) -> None:
    console.print(
        f"Register: {state.chunks} passager · Chroma: {state.vectors} vektorer · Lexikalt index: {state.lexical} "
        f"· föräldralösa vektorer: {state.orphan_vectors} · saknade vektorer: {state.missing_vectors} · "
        f"lexikalt index inaktuellt: {'ja' if state.lexical_stale else 'nej'} · "
        f"dubbletter: {state.duplicate_lexical_ids} · rapporter utan insats: {state.unlinked_reports}"
    )


def _open(settings: Settings) -> Archive:
    archive = open_archive(settings)
    if archive.is_empty():
        raise IndexNotFound(
            f"Inget är inläst i {settings.data_dir} än. "
            "Kör först: arkiv ingest MAPP (t.ex. arkiv ingest examples/rapporter)."
        )
    return archive
