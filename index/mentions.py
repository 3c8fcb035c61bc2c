"""Other insatser, projects and methods a report names in passing, and the abbreviations it defines.

Pure functions over report text; metadata.extract_meta stores what they find with the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.analyze import fold, swedish_lexicon
from index.records import Mention

_CUE = r"\b(?:projektet|projekt|insatsen|insats|förstudien|förstudie|vid namn|metoden|modellen|verktygen|verktyget)"
# "förstudie, Prova vägar vidare, i …" (a name set off by commas or quotes may have lower-case words) and
# "projektet Steget(t) bedrevs" (otherwise only capitalised words belong to the name).
_FUNCTION_WORD = r"(?:som|och|i|med|på|för|till|av|har|är|var|den|det|att|vid|under)\b"
_MENTION_DELIMITED = re.compile(
    _CUE + r"(?:, |:? [\"“]| )([A-ZÅÄÖ][\w()'-]*(?: (?!" + _FUNCTION_WORD + r")[\w()'-]+){0,3}?)(?=[,\"”])"
)
_MENTION_CAPITALISED = re.compile(_CUE + r" ([A-ZÅÄÖ][\w()'-]*(?: [A-ZÅÄÖ][\w()'-]*){0,4})")
_NOT_A_NAME = frozenset(
    "i av pa om med for till under inom efter organisation organisations postadress postnummer region "
    "primarvarden arbetsmarknadsenheten kommun vo".split()
)
_NAME_WITH_KOMMUN = re.compile(r"\b([A-ZÅÄÖ][\w]*(?:[ -][A-ZÅÄÖ][\w]*){0,3})[ -]([A-ZÅÄÖ][a-zåäö]+)\b")


def find_mentions(text: str, *, exclude: str | None = None) -> list[Mention]:
    """Other insatser, projects and methods a report names in passing."""
    from index.places import kommuner

    found: dict[str, Mention] = {}
    own = fold(exclude or "")
    names = kommuner()
    for pattern in (_MENTION_DELIMITED, _MENTION_CAPITALISED):
        for match in pattern.finditer(text):
            _add_mention(found, text, match.group(1), match.start(1), own)
    for match in _NAME_WITH_KOMMUN.finditer(text):
        if fold(match.group(2)) in names and fold(match.group(1)) not in names and _looks_like_a_name(match.group(1)):
            _add_mention(found, text, match.group(0), match.start(), own)
    return list(found.values())


def _looks_like_a_name(words: str) -> bool:
    """ "Steget Vidare", "SE Coach", "IPS", "Mysam" name something; "Hälsocentralen" is an ordinary noun."""
    parts = re.split(r"[ -]", words)
    if len(parts) >= 2:
        return True
    return swedish_lexicon().get(fold(parts[0]), 1 << 30) >= 50_000


def _add_mention(found: dict[str, Mention], text: str, name: str, start: int, own: str) -> None:
    name = name.strip(" ,.-")
    key = fold(name)
    words = name.split()
    if len(name) < 3 or len(words) > 6 or key in own or (own and own in key) or key in found:
        return
    if any(other.startswith(key + " ") for other in found):  # "Prova" after "Prova vägar vidare"
        return
    if fold(words[0]) in _NOT_A_NAME:
        return
    if key in ("samordningsforbund", "samordningsforbundet", "region", "kommunen"):
        return
    end = start + len(name)
    sentence_start = max(text.rfind(".", 0, start), text.rfind("\n", 0, start)) + 1
    sentence_end = min(i for i in (text.find(".", end), text.find("\n", end), len(text)) if i >= 0)
    found[key] = Mention(name, start, end, text[sentence_start : sentence_end + 1].strip())


_DEFINITION = re.compile(r"((?:[A-ZÅÄÖ]?[\w-]+ ){1,6})\(([A-ZÅÄÖ]{2,8})\)")
_BRACKETED_CAPITALS = re.compile(r"\([A-ZÅÄÖ]{2,8}\)")


def _defined_abbreviations(text: str) -> Iterator[re.Match[str]]:
    """``_DEFINITION``'s matches in ``text``, looked for only on the lines with a bracketed abbreviation.

    A definition never spans lines (neither its words nor its spaces match a line break), so this finds
    the same matches as scanning the whole text, without trying six words back at every word of it.
    """
    starts = dict.fromkeys(text.rfind("\n", 0, m.start()) + 1 for m in _BRACKETED_CAPITALS.finditer(text))
    for start in starts:
        end = text.find("\n", start)
        yield from _DEFINITION.finditer(text, start, len(text) if end < 0 else end)


def abbreviations(text: str) -> Iterator[tuple[str, str]]:
    """Short forms the report defines: "Ett hållbart arbetsliv (EHA)" and "EHA<TAB>Ett hållbart arbetsliv"."""
    seen: set[str] = set()
    for match in _defined_abbreviations(text):
        short, words = match.group(2), match.group(1).split()
        initials = "".join(w[0] for w in words).upper()
        for n in range(len(short), min(len(words), len(short) + 2) + 1):
            if initials[-n:].startswith(short[0]) and short not in seen:
                seen.add(short)
                yield short, " ".join(words[-n:])
                break
    for match in re.finditer(r"^([A-ZÅÄÖ]{2,8})\t+([^\t\n]{3,80})$", text, re.MULTILINE):
        if match.group(1) not in seen:
            seen.add(match.group(1))
            yield match.group(1), match.group(2).strip()
