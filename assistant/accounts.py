"""An insats's money as its final account states it: the register's granted and used amounts, read from the report
that accounts for the money at the end (a final report, else a förstudie's or an untyped report's). An interim
report's figures are money used so far, and an evaluation does not account for the money.

Both the search (which insatser a money question is about) and the answer (what is left, quoted) read them here.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.catalog import Catalog
from assistant.intent import MoneyCondition
from index.records import Field, Insats

# The reports that account for an insats's money at its end, best first.
FINAL_ACCOUNTS = ("slutrapport", "forstudie", "rapport", "okand")


@dataclass(frozen=True, slots=True)
class Account:
    """One insats's money as its final account states it."""

    insats: Insats
    source: str
    granted: Field
    used: Field

    @property
    def left(self) -> int:
        return int(self.granted.value) - int(self.used.value)


def final_account(insats: Insats, catalog: Catalog) -> Account | None:
    """The insats's granted and used money from one report, its final account first; None when no such report
    states both."""
    by_source: dict[str, dict[str, Field]] = {}
    for source, field in insats.fields:
        if field.name in ("beviljade_medel", "utnyttjade_medel"):
            by_source.setdefault(source, {}).setdefault(field.name, field)
    ranked = []
    for source, fields in by_source.items():
        info = catalog.reports.get(source)
        kind = info.report_type if info else "okand"
        if kind in FINAL_ACCOUNTS and len(fields) == 2:
            ranked.append((FINAL_ACCOUNTS.index(kind), source, fields))
    if not ranked:
        return None
    _, source, fields = min(ranked)
    return Account(insats, source, fields["beviljade_medel"], fields["utnyttjade_medel"])


def meets(account: Account, condition: MoneyCondition) -> bool:
    """Whether the account has the money left (or overspent) the condition asks for."""
    left = account.left
    if condition.over:
        return left < 0 and -left > condition.minimum
    return left > 0 and left > condition.minimum
