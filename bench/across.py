"""A question across the archive ("vilka insatser …") through ``Assistant.ask`` on an archive of N insatser.

The archive is fictional, generated with a fixed seed (nothing from ../shared): N final reports in the
template of examples/rapporter (allmänna uppgifter, syfte, målgrupp, måluppfyllelse, arbetssätt,
framgångsfaktorer), one per insats, each named "<stem> <kommun>" and telling of three to five of a dozen
ways of working (arbetsträning, IPS, studiebesök, digitala möten …) in sentences drawn from pools. Written
to bench/.cache/across-N/rapporter and ingested into bench/.cache/across-N/data (kept: its vector cache
makes a rerun embed nothing).

Then the list questions below are asked one at a time (after one warm-up question of another wording), each
timed whole: p50, p95 and max seconds, with how many insatser each answer lists. The target is p95 ≤ 5 s at
500 insatser. ``--profile`` prints cProfile of the slowest question.

    python bench/across.py [--insatser 500] [--backend onnx-int8] [--profile] [--json FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import compose  # noqa: E402
from assistant.config import Settings  # noqa: E402
from index.embed import BACKENDS, BUNDLED_MODEL  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
SEED = 14

STEMS = (
    "Vägen vidare", "Steget ut", "Bron till arbete", "Nästa steg", "Framtidsspåret", "Arbetslyftet",
    "Kompassen", "Livslinjen", "Hållbar väg", "Ny start", "Mötesplatsen", "Jobbvägen", "Trappan",
    "Växthuset", "Språngbrädan", "Vändpunkten", "Fotfäste", "Startlinjen", "Hela vägen", "Kraftkällan",
    "Rätt stöd", "Egen kraft", "Samspelet", "Navet", "Ledstången",
)  # fmt: skip
KOMMUNER = (
    "Hofors", "Ockelbo", "Sandviken", "Ljusdal", "Bollnäs", "Ovanåker", "Nordanstig", "Hudiksvall",
    "Söderhamn", "Älvkarleby", "Gävle", "Falun", "Borlänge", "Mora", "Leksand", "Rättvik", "Orsa",
    "Avesta", "Hedemora", "Ludvika",
)  # fmt: skip

# Ways of working: (topic, sentences a report uses when it took that path). Fictional wording.
TOPICS: dict[str, tuple[str, ...]] = {
    "arbetsträning": (
        "Deltagarna har haft arbetsträning hos arbetsgivare inom handel, lager och vård.",
        "Arbetsträningen skedde i små steg, från två timmar om dagen upp till halvtid.",
    ),
    "ips": (
        "Insatsen har arbetat enligt IPS, individanpassat stöd till arbete, "
        "med en arbetsspecialist per tjugo deltagare.",
        "Arbetsspecialisterna följde IPS-modellens trohetsskala och mätte den två gånger.",
    ),
    "studiebesök": (
        "Gruppen gjorde studiebesök på arbetsplatser för att se hur en vanlig arbetsdag ser ut.",
        "Studiebesöken förbereddes tillsammans med deltagarna och följdes upp dagen efter.",
    ),
    "digitala möten": (
        "Under pandemin flyttades samtalen till digitala möten, och många deltagare ville behålla dem.",
        "Digitala möten gjorde det lättare att hålla kontakten med deltagare som bodde långt från centralorten.",
    ),
    "hälsa": (
        "Fysisk aktivitet på recept och promenadgrupper ingick för att stärka deltagarnas hälsa.",
        "En hälsoplan togs fram med varje deltagare, med sömn, kost och rörelse som delar.",
    ),
    "språkstöd": (
        "Deltagare med annat modersmål fick språkstöd med yrkessvenska två förmiddagar i veckan.",
        "Språkstödet gavs i samarbete med vuxenutbildningen och knöts till praktikplatsen.",
    ),
    "motiverande samtal": (
        "Personalen utbildades i motiverande samtal och använde metoden i alla uppföljningar.",
        "Motiverande samtal hjälpte deltagarna att själva formulera sina mål.",
    ),
    "gruppverksamhet": (
        "En gruppverksamhet med tio träffar handlade om självkänsla, vardagsekonomi och arbetsliv.",
        "Gruppträffarna leddes av två handledare och hölls på en neutral plats utanför myndigheterna.",
    ),
    "arbetsgivarkontakter": (
        "En arbetsgivarkoordinator byggde upp kontakter med ett fyrtiotal lokala arbetsgivare.",
        "Arbetsgivarna fick stöd i att anpassa arbetsuppgifterna till deltagarnas förmåga.",
    ),
    "psykisk ohälsa": (
        "Många deltagare hade psykisk ohälsa, och samarbetet med psykiatrin var avgörande.",
        "En sjuksköterska från psykiatrin deltog i teamets veckomöten.",
    ),
    "unga": (
        "Insatsen riktade sig särskilt till unga som varken arbetade eller studerade.",
        "För de unga var en fast kontaktperson viktigare än något enskilt verktyg.",
    ),
    "föräldrar": (
        "Föräldrar i långvarigt försörjningsstöd fick stöd med barnomsorg för att kunna delta.",
        "Träffar för föräldrar hölls på förskolans tider så att fler kunde komma.",
    ),
}
FILLER = (
    "Styrgruppen har träffats fyra gånger per år och följt insatsen noga.",
    "Samverkan mellan parterna har fungerat väl, även om personalbyten har påverkat arbetet.",
    "Deltagarna beskriver i intervjuer att de blivit bemötta med respekt.",
    "Insatsen har dokumenterat sitt arbete i en gemensam metodbok.",
    "Erfarenheterna har spridits vid en avslutande konferens för förbundets parter.",
    "Uppföljningen visar att flera deltagare gått vidare till studier eller arbete.",
)
QUESTIONS = (
    "Vilka insatser har arbetat med arbetsträning?",
    "Vilka insatser använde IPS?",
    "Vilka insatser gjorde studiebesök?",
    "Vilka insatser har haft digitala möten med deltagarna?",
    "Vilka insatser har arbetat med hälsa och fysisk aktivitet?",
    "Vilka insatser gav språkstöd?",
    "Vilka insatser använde motiverande samtal?",
    "Vilka insatser hade gruppverksamhet?",
    "Vilka insatser har samarbetat med psykiatrin?",
    "Vilka insatser riktade sig till unga?",
)
WARM_UP = "Vilka insatser har byggt upp kontakter med arbetsgivare?"


def report_text(number: int, rng: random.Random) -> tuple[str, str]:
    """(file name, text) of one fictional final report."""
    stem = STEMS[number % len(STEMS)]
    kommun = KOMMUNER[(number // len(STEMS)) % len(KOMMUNER)]
    name = f"{stem} {kommun}" if number < len(STEMS) * len(KOMMUNER) else f"{stem} {kommun} {number}"
    topics = rng.sample(sorted(TOPICS), rng.randint(3, 5))
    granted = rng.randrange(400, 3000) * 1000
    used = granted - rng.randrange(0, 200) * 1000
    start = 2019 + number % 4
    ways = " ".join(TOPICS[t][0] for t in topics[:3])
    more = " ".join(s for t in topics for s in TOPICS[t][1:])
    goals = rng.randrange(20, 80)
    reached = rng.randrange(10, goals)
    text = f"""# Slutrapport

**1. Allmänna uppgifter**

**Insatsens namn:** {name}

**Insatstid – åååå-mm-dd:** {start}-01-01 – {start + 2}-12-31

**Beviljade medel för insatsen:** {kronor(granted)} kr

**Utnyttjade medel:** {kronor(used)} kr

**2. Ansvarig för genomförande av insatsen**

**Organisations namn:** {kommun} kommun

**4. Insatsbeskrivning**

**4.1 Syfte och bakgrund till insatsen:** {name} startade för att fler invånare i {kommun} som står långt från
arbetsmarknaden ska komma närmare arbete eller studier. {rng.choice(FILLER)}

**4.2 Målgrupp för insatsen:** Kvinnor och män i {kommun} med behov av samordnat stöd från flera parter.

**5. Resultat och utfall av insats**

**5.1 Måluppfyllelse:** Målet var {goals} deltagare. Resultatet blev {reached} deltagare. {rng.choice(FILLER)}

**5.2 Arbetssätt och verksamhetsbeskrivning:** {ways} {rng.choice(FILLER)}

{more}

**6. Analys**

**6.4 Framgångsfaktorer:** {TOPICS[topics[0]][1]} {rng.choice(FILLER)}
"""
    file = f"slutrapport_{number:04}_{stem.lower().replace(' ', '_')}_{kommun.lower()}.md"
    return file, text


def kronor(amount: int) -> str:
    """1800000 → "1 800 000", as reports write sums."""
    return f"{amount:,}".replace(",", " ")


def write_archive(count: int, folder: Path) -> None:
    rng = random.Random(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for number in range(count):
        file, text = report_text(number, rng)
        wanted.add(file)
        path = folder / file
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for path in folder.glob("*.md"):
        if path.name not in wanted:
            path.unlink()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--insatser", type=int, default=500)
    parser.add_argument("--backend", choices=BACKENDS, default=None, help="embedding backend (default: Settings)")
    parser.add_argument("--model", default=BUNDLED_MODEL)
    parser.add_argument("--profile", action="store_true", help="cProfile the slowest question")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = CACHE / f"across-{args.insatser}"
    write_archive(args.insatser, work / "rapporter")
    options: dict[str, Any] = {"data_dir": work / "data", "embedding_model": args.model}
    if args.backend:
        options["embedding_backend"] = args.backend
    if os.environ.get("ARKIV_MODEL_CACHE_DIR"):
        options["model_cache_dir"] = Path(os.environ["ARKIV_MODEL_CACHE_DIR"])
    settings = Settings(**options)
    archive = compose.open_archive(settings)
    began = time.perf_counter()
    report = archive.ingest(work / "rapporter", prune=True)
    ingest_seconds = time.perf_counter() - began
    insatser = len(archive.catalog().insatser)
    print(
        f"archive: {len(report.indexed) + len(report.unchanged)} reports, {insatser} insatser, "
        f"{len(archive.register.chunk_ids())} passages; ingest {ingest_seconds:.1f} s "
        f"({report.chunks_embedded} embedded); embedder {archive.embedder.name}",
        flush=True,
    )
    assistant = compose.build_assistant(archive, settings)
    assistant.ask(WARM_UP)
    timings: list[float] = []
    rows = []
    slowest: tuple[float, str] = (0.0, "")
    for question in QUESTIONS:
        began = time.perf_counter()
        answer = assistant.ask(question)
        seconds = time.perf_counter() - began
        timings.append(seconds)
        listed = sum(1 for line in answer.text.splitlines() if line.startswith("- "))
        rows.append({"question": question, "seconds": seconds, "listed": listed})
        print(f"{seconds:6.2f} s  {listed:4d} listed  {question}  (load {os.getloadavg()[0]:.1f})", flush=True)
        slowest = max(slowest, (seconds, question))
    p50, p95 = statistics.median(timings), percentile(timings, 95)
    print(
        f"\n{len(timings)} list questions over {insatser} insatser: p50 {p50:.2f} s, p95 {p95:.2f} s, "
        f"max {max(timings):.2f} s (target p95 ≤ 5 s); load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    if args.profile or p95 > 5.0:
        profiler = cProfile.Profile()
        profiler.enable()
        assistant.ask(slowest[1] + " ")  # another text: not served from any cache of the first asking
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue())
    if args.json:
        summary = {"insatser": insatser, "p50": p50, "p95": p95, "questions": rows, "ingest_seconds": ingest_seconds}
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    archive.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
