"""Which insatser a summary covers: one name, several names, a kommun, a span of years, or all. Pure.

Names are resolved with :func:`assistant.names.resolve_insats`; an unknown or ambiguous name is an error
with a Swedish message that says what to do, never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.catalog import Catalog
from assistant.errors import AmbiguousInsats, BadFilter, InsatsNotFound
from assistant.names import resolve_insats
from index.analyze import fold
from index.records import Insats


@dataclass(frozen=True, slots=True)
class Scope:
    """The insatser chosen and a Swedish description of the choice ("Kommun: Ljusdal")."""

    insatser: tuple[Insats, ...]
    description: str


def find_insats(name: str, catalog: Catalog) -> Insats:
    """The one insats ``name`` (or an insats id) refers to.

    Raises:
        InsatsNotFound: when no insats fits.
        AmbiguousInsats: when several fit about equally well.
    """
    wanted = name.strip()
    if not wanted:
        raise InsatsNotFound("Ange vilken insats sammanfattningen gäller.")
    for insats in catalog.insatser:
        if wanted == insats.id or fold(wanted) == fold(insats.name):
            return insats
    matches = resolve_insats(wanted, catalog.insatser)
    if not matches:
        raise InsatsNotFound(f"Ingen insats i arkivet heter ungefär ”{wanted}”. Se listan med: arkiv insatser")
    if len(matches) > 1:
        names = tuple(_named(m.insats) for m in matches)
        raise AmbiguousInsats(
            f"Flera insatser passar ”{wanted}”: {', '.join(names)}. Skriv namnet tydligare, t.ex. med kommunen.",
            names,
        )
    return matches[0].insats


def choose(
    catalog: Catalog,
    names: Sequence[str] = (),
    *,
    kommun: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
) -> Scope:
    """The insatser named (all when none are), narrowed to a kommun and to periods touching the years.

    Raises:
        InsatsNotFound, AmbiguousInsats: for a name that fits no insats or several.
        BadFilter: when nothing is left after narrowing.
    """
    if from_year is not None and to_year is not None and from_year > to_year:
        raise BadFilter(f"Startåret {from_year} ligger efter slutåret {to_year}.")
    chosen = [find_insats(n, catalog) for n in names] if names else list(catalog.insatser)
    chosen = list({i.id: i for i in chosen}.values())
    said = [f"Valda insatser: {', '.join(i.name for i in chosen)}"] if names else []
    if kommun:
        chosen = [i for i in chosen if i.kommun and fold(i.kommun) == fold(kommun.strip())]
        said.append(f"Kommun: {kommun.strip()}")
    if from_year is not None or to_year is not None:
        low, high = from_year or 0, to_year or 9999
        chosen = [i for i in chosen if _touches(i, catalog, low, high)]
        said.append(f"Period: {from_year or '…'}–{to_year or '…'}")
    if not chosen:
        raise BadFilter(f"Inga insatser i arkivet passar urvalet ({'; '.join(said)}).")
    return Scope(tuple(chosen), "; ".join(said) or "Alla insatser i arkivet")


def _touches(insats: Insats, catalog: Catalog, low: int, high: int) -> bool:
    """Whether one of the insats's reports covers a year in ``low``..``high``."""
    for source in insats.reports:
        info = catalog.reports.get(source)
        if info is not None and info.years is not None and info.years[0] <= high and info.years[1] >= low:
            return True
    return False


def _named(insats: Insats) -> str:
    return f"{insats.name} ({insats.kommun})" if insats.kommun else insats.name
