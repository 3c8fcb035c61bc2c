"""Citations as data: parse ``[n]`` markers into citations and check the figures next to them. Pure.

A reply cites passages by their 1-based number in the prompt (or in the extractive answer). A marker that
points at no passage is dropped. A figure (amount, count, percentage, date) stated in a sentence must occur
in one of the passages that sentence cites; otherwise it is reported, because a wrong figure in front of
the board is worse than no answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer import Citation, Passage

_MARKER = re.compile(r"\[(\d+)\]")
# Numbers with digit groups ("2 530 000"), decimals ("31,7"), dates ("2024-03-20", "240320").
_FIGURE = re.compile(r"(?<![\w,.])\d{1,3}(?:[ \u00a0]\d{3})+(?![\d])|\d+(?:[,.]\d+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def extract_citations(reply: str, passages: Sequence[Passage]) -> list[Citation]:
    """The passages a reply cites, in order of their numbers; markers outside 1..len(passages) are dropped."""
    refs = sorted({int(n) for n in _MARKER.findall(reply)})
    # 1-based in the prompt; [0] would otherwise silently become passages[-1]
    return [Citation(n, passages[n - 1]) for n in refs if 1 <= n <= len(passages)]


def defuse_markers(quoted: str) -> str:
    """Quoted report text with its own "[n]" written "(n)", so only the answerer's markers cite passages."""
    return _MARKER.sub(r"(\1)", quoted)


def drop_invalid_markers(reply: str, count: int) -> str:
    """The reply without markers that point at no passage."""
    return _MARKER.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= count else "", reply)


# A date, written out ("2023-01-01") or packed ("20230101", as forms' date cells hold it): one figure.
_DATE = re.compile(r"(?<![\d-])((?:19|20)\d\d)-?([01]\d)-?([0-3]\d)(?![\d])")


def figures(text: str) -> set[str]:
    """Normalised figures in ``text``: dates as "2023-01-01" whether written so or packed ("20230101"), with
    their year; digit groups joined, decimal comma as point ("2 530 000" → "2530000")."""
    found = list(_DATE.finditer(text))
    dates = {"-".join(m.groups()) for m in found} | {m.group(1) for m in found}  # a date also states its year
    rest = _DATE.sub(" ", text)
    return dates | {re.sub(r"[ \u00a0]", "", m.group(0)).replace(",", ".") for m in _FIGURE.finditer(rest)}


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A figure stated in a sentence that none of the sentence's cited passages contains."""

    sentence: str
    figure: str


def unsupported_figures(reply: str, passages: Sequence[Passage], *, uncited: bool = True) -> list[Unsupported]:
    """Figures in ``reply`` whose sentence cites no passage containing them.

    Args:
        reply: the answer text with [n] markers.
        passages: the numbered passages.
        uncited: also report figures in sentences that cite nothing (False for text the answerer computed,
            such as a count of insatser).
    """
    problems: list[Unsupported] = []
    for sentence in _SENTENCE.split(reply):
        stated = figures(_MARKER.sub(" ", sentence))
        cited = [c.passage for c in extract_citations(sentence, passages)]
        if not stated or (not cited and not uncited):
            continue
        available = set().union(*(figures(_passage_text(p)) for p in cited)) if cited else set()
        problems.extend(Unsupported(sentence.strip(), figure) for figure in sorted(stated - available))
    return problems


def _passage_text(passage: Passage) -> str:
    chunk = passage.chunk
    return chunk.text + ("\n" + chunk.corrected if chunk.corrected else "")
