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
