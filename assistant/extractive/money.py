"""Lists decided by money ("vilka insatser hade mer än 100 000 kr kvar?", "… överskred budgeten?"): the register's
granted and used amounts are compared per insats, not matched as words.

Each insats is read from its own final account (``assistant.accounts``). What is left is computed and said to be
computed; the sentence that explains it, when the report gives one, is quoted beside.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.accounts import Account, final_account, meets
from assistant.answer import Passage
from assistant.catalog import Catalog
from assistant.extractive.draft import NO_ANSWER, Draft
from assistant.extractive.fact import SourceReader, _kronor
from assistant.extractive.sentences import _pieces, _quote, _Sentence
from assistant.intent import MoneyCondition, Query
from index.analyze import fold
from index.money import ungrouped
from index.places import landskap
from index.records import Field

# A sentence that gives a cause: "beror på", "eftersom", "på grund av", "därför att", "främst".
_CAUSE = re.compile(r"\b(?:beror|berodde|eftersom|pa grund av|darfor|framst|framfor allt|orsak\w*)\b")


class MoneyList:
    """Answers a list question whose condition is money left or overspent.

    Args:
        catalog: returns the current catalog.
        sources: reads a report's stored passages (register fields point into them, and the sentence that
            explains the amount is read from them).
    """

    def __init__(
        self,
        *,
        catalog: Callable[[], Catalog],
        sources: SourceReader,
    ) -> None:
        self.catalog, self.sources = catalog, sources

    def answer(self, query: Query, condition: MoneyCondition) -> Draft:
        catalog = self.catalog()
        region = frozenset().union(*(landskap()[r][1] for r in query.regions))
        insatser = [i for i in catalog.insatser if not region or fold(i.kommun or "") in region]
        accounts = [a for i in insatser if (a := final_account(i, catalog)) is not None]
        members = sorted((a for a in accounts if meets(a, condition)), key=lambda a: (-abs(a.left), a.insats.name))
        if not members:
            return Draft(NO_ANSWER, abstained=True)
        used: list[Passage] = []
        bullets = [self._bullet(account, used) for account in members]
        head = f"{len(members)} av {len(accounts)} insatser med beviljade och utnyttjade medel i arkivet:"
        lines = [head, *bullets]
        if missing := len(insatser) - len(accounts):
            lines.append(
                f"{missing} insatser i arkivet anger inte både beviljade och utnyttjade medel i en slutrapport."
            )
        names = tuple(dict.fromkeys(p.insats for p in used if p.insats))
        return Draft("\n".join(lines), tuple(used), names)

    def _bullet(self, account: Account, used: list[Passage]) -> str:
        insats = account.insats
        kommun = f" ({insats.kommun})" if insats.kommun else ""
        cited = dict.fromkeys(self._cite(account, field, used) for field in (account.used, account.granted))
        notes = "".join(f"[{n}]" for n in cited if n)
        left = account.left
        # The difference stands in a sentence of its own, without a marker: it is computed, not quoted.
        rest = f"{_kronor(left)} blev kvar" if left >= 0 else f"{_kronor(-left)} mer än beviljat användes"
        line = (
            f"- **{insats.name}**{kommun}: utnyttjat {_kronor(int(account.used.value))} av beviljade "
            f"{_kronor(int(account.granted.value))} {notes}. {rest[:1].upper()}{rest[1:]} (beräknat)."
        )
        why = self._explained(account)
        return f"{line} {_quote(why, used)}" if why is not None else line

    def _cite(self, account: Account, field: Field, used: list[Passage]) -> int:
        passage = self._passage_at(account, field.start)
        if passage is None:
            return 0
        n = next((i for i, p in enumerate(used, start=1) if p.chunk.id == passage.chunk.id), 0)
        if not n:
            used.append(passage)
            n = len(used)
        return n

    def _passage_at(self, account: Account, offset: int) -> Passage | None:
        info = self.catalog().reports.get(account.source)
        for chunk in self.sources.chunks_of(account.source):
            if chunk.start <= offset < chunk.end:
                return Passage(chunk, 1.0, account.insats.name, account.insats.id, info.report_type if info else None)
        return None

    def _explained(self, account: Account) -> _Sentence | None:
        """The report's sentence on the amount left or overspent: one that states that amount and gives a
        cause, else one that states it, else a sentence of its money section that gives a cause."""
        info = self.catalog().reports.get(account.source)
        amount = str(abs(account.left))
        stating: list[_Sentence] = []
        causes: list[_Sentence] = []
        for chunk in self.sources.chunks_of(account.source):
            passage = Passage(chunk, 1.0, account.insats.name, account.insats.id, info.report_type if info else None)
            for text, matched in _pieces(passage):
                digits = ungrouped(matched)
                cause = bool(_CAUSE.search(fold(matched)))
                if len(amount) >= 3 and re.search(rf"(?<!\d){amount}(?!\d)", digits):
                    stating.append(_Sentence(text, passage, 2.0 if cause else 1.0, matched))
                elif cause and chunk.section == "ekonomi":
                    causes.append(_Sentence(text, passage, 0.5, matched))
        ranked = sorted(stating, key=lambda s: -s.score) + causes
        return ranked[0] if ranked else None
