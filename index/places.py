"""Sweden's kommuner, as the register and the question reader recognise place names. Pure, cached."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from index.analyze import fold


@lru_cache(maxsize=1)
def kommuner() -> dict[str, str]:
    """Folded kommun name → its proper spelling, for all Swedish kommuner."""
    data = resources.files("index").joinpath("data/kommuner.txt").read_text(encoding="utf-8")
    names = [line.strip() for line in data.splitlines() if line.strip() and not line.startswith("#")]
    return {fold(name): name for name in names}


@lru_cache(maxsize=1)
def landskap() -> dict[str, tuple[str, frozenset[str]]]:
    """Folded landskap name ("halsingland") → its proper spelling and the folded names of its kommuner.

    A question names a region by its landskap as often as by its kommuner ("insatser i Hälsingland"). Two
    kommuner fold to one name (Habo, Håbo): such a name belongs to both landskap.
    """
    data = resources.files("index").joinpath("data/landskap.txt").read_text(encoding="utf-8")
    regions: dict[str, tuple[str, frozenset[str]]] = {}
    for line in data.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, members = line.split(":", 1)
        kommuner_in = frozenset(fold(m.strip()) for m in members.split(",") if m.strip())
        regions[fold(name.strip())] = (name.strip(), kommuner_in)
    return regions
