"""Prompt files in prompts/, each declaring its variables in a small front matter, rendered strictly.

A prompt that uses an undeclared variable, or a render call that misses or adds one, fails loudly: a silent
"{passages}" left in a prompt would make the model answer without sources.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from assistant.answer import Passage

_FRONT = re.compile(r"\A---\nvariables:\s*\[(?P<names>[^\]]*)\]\n---\n", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Prompt:
    name: str
    template: str
    variables: frozenset[str]

    def render(self, **values: str) -> str:
        given = set(values)
        if given != self.variables:
            missing, unknown = sorted(self.variables - given), sorted(given - self.variables)
            raise ValueError(f"prompt {self.name}: missing {missing}, unknown {unknown}")
        return self.template.format(**values)


@cache
def load_prompt(name: str) -> Prompt:
    """``prompts/<name>.md`` with its declared variables checked against the placeholders it uses."""
    text = resources.files("prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")
    front = _FRONT.match(text)
    if front is None:
        raise ValueError(f"prompt {name} lacks its '---\\nvariables: [...]\\n---' header")
    declared = frozenset(v.strip() for v in front.group("names").split(",") if v.strip())
    template = text[front.end() :]
    used = frozenset(field for _, field, _, _ in string.Formatter().parse(template) if field)
    if used != declared:
        raise ValueError(f"prompt {name}: declares {sorted(declared)} but uses {sorted(used)}")
    return Prompt(name, template, declared)


_DELIMITER = re.compile(r"<\s*/?\s*utdrag\s*>", re.IGNORECASE)


def number_passages(passages: Sequence[Passage]) -> str:
    """The context block: passages as [1]..[k] with where they come from.

    The prompt puts this block between <utdrag> and </utdrag>; a passage that carries those tags itself
    (planted to close the data block early) has them bracketed out, so the block ends only where the prompt
    ends it.
    """
    blocks = []
    for n, passage in enumerate(passages, start=1):
        chunk = passage.chunk
        where = " · ".join(x for x in (passage.insats or "", chunk.source, " > ".join(chunk.heading_path[-2:])) if x)
        body = _DELIMITER.sub("(utdrag)", chunk.corrected or chunk.text)
        blocks.append(f"[{n}] ({_DELIMITER.sub('(utdrag)', where)})\n{body}")
    return "\n\n".join(blocks)
