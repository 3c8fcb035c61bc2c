"""What every answerer hands the assistant: a Draft, before its citations are checked."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer import Passage

NO_ANSWER = "Det finns inget svar på det i arkivet."


@dataclass(frozen=True, slots=True)
class Draft:
    """An answer before citations are attached: text with [n] markers numbered over ``passages``."""

    text: str
    passages: tuple[Passage, ...] = ()
    insatser: tuple[str, ...] = ()
    abstained: bool = False
    notices: tuple[str, ...] = ()
    generated: bool = False  # written by a language model (its figures need checking), not quoted
