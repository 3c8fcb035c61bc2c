"""Restore å/ä/ö in OCR text that lost its diacritics ("forsorjningsstod" → "försörjningsstöd").

The lexicon is wordfreq's Swedish list (about 340 000 words with Zipf frequencies), loaded once.
A word is changed only when its form as written is rare or unknown and one restoration is a clearly
more frequent Swedish word. Restorations replace one character by one (a→ä/å, o→ö, d→ä/å/ö, i→ä,
6→ö, é→ö/ä/å, 4→ä, &→å/ä, 1→l), so offsets in the corrected text equal offsets in the original;
the few exceptions (an OCR glyph split in two, "féormedla"; a doubled capital, "Kkorta") are
recorded as longer-than-corrected repairs.

Choices, documented because they trade recall for precision:
* Each substitution has a cost in Zipf units (log10 of how much less likely it is than a clean
  letter); a candidate scores ``zipf - cost`` and must beat the word as written by ``_KNOWN_MARGIN``
  (10×) and the runner-up by ``_DOMINANCE``. Hence "for"→"för" and "ar"→"är" are repaired, while
  "stod"/"stöd", "satt"/"sätt" and "man"/"män" (both frequent) are left as written.
* "for", "over" … are kept when a neighbouring word is English ("Centre for Health").
* "ar" after a number or a counting word becomes "år" ("5 ar"), which frequency alone gets wrong.
* t→ä and a→ö occur in OCR too but would double the candidates for many common words; left out.
* Unknown compounds are split into known parts (with a linking s) and restored part by part.
* ``repair`` does nothing on text that does not look damaged unless told ``damaged=True``.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from functools import cache, lru_cache
from itertools import product

from index.records import Repair

logger = logging.getLogger(__name__)

# source char (lower case) → (replacement, cost in Zipf units)
_SUBS: dict[str, tuple[tuple[str, float], ...]] = {
    "a": (("ä", 0.2), ("å", 0.2)),
    "o": (("ö", 0.2),),
    "d": (("ä", 0.6), ("å", 0.6), ("ö", 0.6)),
    "i": (("ä", 1.0),),
    "é": (("ö", 0.1), ("ä", 0.3), ("å", 0.5)),
    "6": (("ö", 0.1),),
    "4": (("ä", 0.1),),
    "&": (("å", 0.1), ("ä", 0.1)),
    "1": (("l", 0.3),),
}
# one OCR glyph read as two characters: (pair, replacement, cost)
_MERGES: tuple[tuple[str, str, float], ...] = (
    ("éo", "ö", 0.3), ("oé", "ö", 0.3), ("éd", "ä", 0.5), ("éd", "å", 0.7),
)
_FOLD = str.maketrans("åäö", "aao")
# how a source char may appear in the folded key of its restoration (d may stay d or be ä/å/ö …)
_FOLD_OPTIONS = {"d": "dao", "i": "ia", "é": "éoa", "6": "o", "4": "a", "&": "a", "1": "l"}
_MAX_VARIANTS = 64
_KNOWN_MARGIN = 1.0  # a known original must be 10× rarer than its restoration
_DOMINANCE = 0.5  # the chosen restoration must be ~3× likelier than the runner-up
_PART_MIN = 2.5  # compound parts must be at least this frequent
_SHORT_PART_MIN = 4.0  # … and parts of three letters much more so
_COMPOUND_COST = 0.75  # per extra part
_COMPOUND_MARGIN = 0.5  # a restored compound must beat the written one by this much
_COMPOUND_MIN = 1.5  # … and score at least this
_NORMAL_RATE = 40.0  # å/ä/ö per 1000 letters in clean reports (40-50); damage counts fully below 20
_MIN_EVIDENCE = 5  # restorable words needed before a text counts as fully damaged
_UNITS = frozenset({"st", "kr", "tkr", "mkr", "min", "h", "kg", "km", "m", "cm", "mm", "dgr", "ggr", "tim"})
_COUNTERS = frozenset({"ett", "per", "varje", "i", "hela", "samma", "senaste", "förra", "nästa", "halvt", "två",
                       "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "femton", "tjugo", "trettio"})
_QUANTIFIERS = frozenset({"många", "flera", "några", "fler"})  # "i många år", but "många är"
_TIME_PREPOSITIONS = frozenset({"i", "på", "under", "efter", "sedan", "för"})
_YEAR_AFTER_COUNT = {"ar": "år"}

_ORDINAL = re.compile(r"\d+[ae]")
_WORD = re.compile(r"(?:[^\W_]|&)+")
_SKIP_CHUNK = re.compile(r"@|://|www\.|\.(?:se|com|org|nu|net)\b|\d{2,}.*-|-.*\d{2,}", re.IGNORECASE)


@cache
def _lexicon() -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
    """Load wordfreq's Swedish list once: word → Zipf, and folded form → words."""
    from wordfreq import get_frequency_dict

    zipf: dict[str, float] = {}
    folded: dict[str, list[str]] = {}
    for word, freq in get_frequency_dict("sv", wordlist="large").items():
        if not word.isalpha():
            continue
        zipf[word] = math.log10(freq * 1e9)
        folded.setdefault(word.translate(_FOLD), []).append(word)
    logger.debug("repair lexicon: %d words", len(zipf))
    return zipf, {key: tuple(words) for key, words in folded.items()}


def _zipf(word: str) -> float:
    return _lexicon()[0].get(word, 0.0)


def _cost(written: str, candidate: str) -> float | None:
    """Total substitution cost turning ``written`` into ``candidate``; None if not a restoration."""
    total = 0.0
    for src, dst in zip(written, candidate, strict=True):
        if src != dst:
            step = next((c for r, c in _SUBS.get(src, ()) if r == dst), None)
            if step is None:
                return None
            total += step
    return total


def _fold_keys(form: str) -> Iterator[str]:
    """Folded lookup keys for ``form``; ambiguous chars are expanded, capped at ``_MAX_VARIANTS``."""
    options: list[str] = []
    variants = 1
    for ch in form:
        choice = _FOLD_OPTIONS.get(ch, ch).translate(_FOLD)
        if variants * len(choice) > _MAX_VARIANTS:
            choice = choice[0]  # past the cap, d/i/é are taken as written
        variants *= len(choice)
        options.append(choice)
    for chars in product(*options):
        yield "".join(chars)


@lru_cache(maxsize=200_000)
def _restorations(form: str) -> tuple[tuple[str, float], ...]:
    """Known words ``form`` may stand for, with scores (Zipf minus cost), best first."""
    zipf, folded = _lexicon()
    found: dict[str, float] = {}
    for key in _fold_keys(form):
        for word in folded.get(key, ()):
            if len(word) == len(form) and (cost := _cost(form, word)) is not None:
                found[word] = zipf[word] - cost
    return tuple(sorted(found.items(), key=lambda item: -item[1]))


def _part_readings(segment: str, final: bool) -> Iterator[tuple[str, int, str, float]]:
    """How a compound part may sit in the lexicon: (lookup, chars kept, suffix, cost).

    A final part may be a genitive ("-förmågans"); a non-final part may carry a linking s ("stöds-") or have dropped or changed its final vowel
    ("deltagar-" from "deltagare", "förmåge-" from "förmåga").
    """
    yield segment, len(segment), "", 0.0
    if final:
        if segment.endswith("s") and len(segment) > 4:
            yield segment[:-1], len(segment) - 1, "s", 0.3  # genitive: "förmågans"
        return
    if segment.endswith("s") and len(segment) > 4:
        yield segment[:-1], len(segment) - 1, "s", 0.0
    yield segment + "e", len(segment), "", 0.3
    yield segment + "a", len(segment), "", 0.3
    if segment.endswith("e"):
        yield segment[:-1] + "a", len(segment) - 1, "e", 0.3


@lru_cache(maxsize=200_000)
def _best_part(segment: str, changes: bool, final: bool) -> tuple[str, float] | None:
    """The best known word a compound part stands for, restored (``changes``) or as written."""
    best: tuple[str, float] | None = None
    for lookup, keep, suffix, cost in _part_readings(segment, final):
        options = _restorations(lookup)[:2] if changes else ((lookup, _zipf(lookup)),)
        for word, score in options:
            part = word[:keep] + suffix
            if len(part) <= 3 and part != segment:
                continue  # a restored three-letter part ("går" in "deltagarmål") is too often chance
            # a part must be a real word (raw frequency); the costs only rank the readings
            if _zipf(word) >= (_SHORT_PART_MIN if len(part) <= 3 else _PART_MIN):
                if best is None or score - cost > best[1]:
                    best = (part, score - cost)
    return best


@lru_cache(maxsize=50_000)
def _compound(form: str, changes: bool) -> tuple[str, float] | None:
    """Split ``form`` into two or three known parts; score = weakest part minus a cost per extra part."""
    best: tuple[str, float] | None = None
    for i in range(3, len(form) - 2):
        if (head := _best_part(form[:i], changes, False)) is None:
            continue
        for (tail, tail_score), parts in _tails(form[i:], changes):
            score = min(head[1], tail_score) - _COMPOUND_COST * (parts - 1)
            if best is None or score > best[1]:
                best = (head[0] + tail, score)
    return best


def _tails(rest: str, changes: bool) -> Iterator[tuple[tuple[str, float], int]]:
    """Readings of a compound's remainder as one known part or two, with the total part count."""
    if whole := _best_part(rest, changes, True):
        yield whole, 2
    for j in range(3, len(rest) - 2):
        if (mid := _best_part(rest[:j], changes, False)) and (end := _best_part(rest[j:], changes, True)):
            yield (mid[0] + end[0], min(mid[1], end[1])), 3


def _merged_forms(form: str) -> Iterator[tuple[str, float]]:
    """``form`` itself and, for each split glyph ("éo"), the form with it merged, with the cost."""
    yield form, 0.0
    for pair, repl, cost in _MERGES:
        if pair in form:
            yield form.replace(pair, repl), cost


def _min_score(form: str) -> float:
    """Long words rarely match a lexicon entry by chance, so rarer restorations are trusted."""
    return 3.0 if len(form) <= 3 else 2.0 if len(form) <= 5 else 1.5 if len(form) <= 7 else 0.5


def _whole_word(form: str) -> str | None:
    """The dominant restoration of ``form`` (and of its merged-glyph variants) that is a lexicon word."""
    scored: dict[str, float] = {}
    for merged, extra in _merged_forms(form):
        for word, score in _restorations(merged)[:3]:
            scored[word] = max(scored.get(word, -9.0), score - extra)
    written = scored.pop(form, _zipf(form))
    ranked = sorted(scored.values(), reverse=True) + [0.0]
    best = max(scored, key=scored.__getitem__, default=None)
    if best is None or ranked[0] < _min_score(best) or ranked[0] - max(ranked[1], 0.0) < _DOMINANCE:
        return None
    # a form the lexicon knows must be 10x rarer; an unknown one loses to any trusted restoration,
    # even when it could be read as a compound of known parts ("hushall" = hus+hall)
    return best if written <= 0 or ranked[0] - written >= _KNOWN_MARGIN else None


@lru_cache(maxsize=100_000)
def _decide(form: str) -> str | None:
    """The restoration of a lower-cased word, or None to leave it as written."""
    if not any(ch in _SUBS for ch in form) or form.isdigit():
        return None
    if (word := _whole_word(form)) is not None or _zipf(form) > 0 or len(form) < 7:
        return word
    # neither form is a lexicon word: compare the best restored compound with the written one
    for merged, extra in _merged_forms(form):
        split = _compound(merged, changes=True)
        if split is None or split[0] == form:
            continue
        plain = _compound(form, changes=False)
        score = split[1] - extra
        if score >= _COMPOUND_MIN and score - (plain[1] if plain else 0.0) >= _COMPOUND_MARGIN:
            return split[0]
    return None


def _apply_case(written: str, lower: str) -> str:
    """Give the restoration the case of the written word (GAVLE→GÄVLE, Gavleborg→Gävleborg, pAminna→påminna)."""
    letters = [ch for ch in written if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return lower.upper()
    if len(lower) != len(written):
        return lower[:1].upper() + lower[1:] if written[:1].isupper() else lower
    out = []
    for i, (src, dst) in enumerate(zip(written, lower, strict=True)):
        keep_upper = src.isupper() and (i == 0 or src.lower() == dst)  # a stray inner "A" is an å
        out.append(dst.upper() if keep_upper else dst)
    return "".join(out)


def _tokens(text: str) -> Iterator[tuple[int, int, str]]:
    """Candidate words: skip e-mail addresses, URLs, dates/phone numbers, abbreviations, units."""
    for chunk in re.finditer(r"\S+", text):
        if _SKIP_CHUNK.search(chunk.group()):
            continue
        for m in _WORD.finditer(chunk.group()):
            word = m.group()
            if len(word) < 2 or not any(ch.isalpha() for ch in word) or word == word[0] * len(word):
                continue  # "mm", "dd" in date templates
            if word[0].isdigit() and (word.lstrip("0123456789").lower() in _UNITS or _ORDINAL.fullmatch(word)):
                continue  # 6st, 5kr, 2a
            yield chunk.start() + m.start(), chunk.start() + m.end(), word


def _doubled_capital(word: str) -> str | None:
    """"Kkorta" → "korta": OCR doubled a lower-case initial as a capital; only when that makes a word."""
    lower = word.lower()
    if len(word) > 3 and word[0].isupper() and word[1:].islower() and word[1] == lower[0]:
        return lower[1:] if _zipf(lower) == 0 and _zipf(lower[1:]) >= 3.0 else None
    return None


@lru_cache(maxsize=50_000)
def _is_english(word: str) -> bool:
    """Much more frequent in English than in Swedish (wordfreq's English list)."""
    from wordfreq import zipf_frequency

    english = zipf_frequency(word.lower(), "en")
    return english >= 3.5 and english - _zipf(word.lower()) >= 1.0


def _year_after_count(text: str, tokens: list[tuple[int, int, str]], k: int) -> str | None:
    """"5 ar", "ett ar", "i manga ar": after a number or a counting word "ar" is "år", not "är"."""
    start, _, word = tokens[k]
    if word.lower() not in _YEAR_AFTER_COUNT:
        return None
    before, prev = ([""] * 2 + [_restored(w) for w in re.findall(r"[^\W\d_]+", text[max(0, start - 40):start])])[-2:]
    counted = prev in _COUNTERS or (prev in _QUANTIFIERS and before in _TIME_PREPOSITIONS)
    if counted or re.search(r"\d\s*$", text[max(0, start - 8):start]):
        return _apply_case(word, _YEAR_AFTER_COUNT[word.lower()])
    return None


def _restored(word: str) -> str:
    return _decide(word.lower()) or word.lower()


def _is_abbreviation(word: str) -> bool:
    return word.isupper() and len(word) <= 3 and sum(ch.isalpha() for ch in word) >= 2


def _kept_by_context(text: str, tokens: list[tuple[int, int, str]], k: int) -> bool:
    """Whether the neighbours say to keep a word as written.

    Keeps "for" between English words ("Centre for Health"; a neighbour that is itself damaged
    Swedish, like "hog", or a name in capitals does not count), short capitals (AF, R&D) unless they
    stand in a heading set in capitals ("INSATSER FOR INDIVIDER"), and two-letter tokens alone on
    their line, which are more likely OCR debris ("() ol . .") than words.
    """
    start, end, word = tokens[k]
    near = [tokens[j] for j in (k - 1, k + 1) if 0 <= j < len(tokens)]
    if _zipf(word.lower()) > 0 and _is_english(word) and near and all(
        _is_english(n[2]) and not n[2].isupper() and _decide(n[2].lower()) is None for n in near
    ):
        return True
    if _is_abbreviation(word) and not any(n[2].isupper() and len(n[2]) > 3 for n in near):
        return True
    same_line = [n for n in near if "\n" not in text[min(n[1], start):max(n[0], end)]]
    return len(word) <= 2 and not same_line


def _proposals(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, written, corrected) for every word the lexicon and its neighbours say to restore."""
    tokens = list(_tokens(text))
    out: list[tuple[int, int, str, str]] = []
    for k, (start, end, word) in enumerate(tokens):
        fixed = _doubled_capital(word) or _year_after_count(text, tokens, k)
        if fixed is None and (restored := _decide(word.lower())) is not None:
            fixed = _apply_case(word, restored)
        if fixed is not None and not _kept_by_context(text, tokens, k):
            out.append((start, end, word, fixed))
    return out


def _diacritic_rate(text: str) -> float:
    letters = sum(ch.isalpha() for ch in text)
    return 1000.0 * sum(ch in "åäöÅÄÖ" for ch in text) / letters if letters else 0.0


def _score(text: str, proposals: int) -> float:
    words = sum(1 for _ in _tokens(text))
    if not words:
        return 0.0
    by_share = min(1.0, max(0.0, (proposals / words - 0.01) / 0.04))
    by_rate = min(1.0, max(0.0, (_NORMAL_RATE - _diacritic_rate(text)) / 20.0))
    evidence = min(1.0, proposals / _MIN_EVIDENCE)  # "Hon sa att det var bra" is not proof of damage
    return round(by_share * by_rate * evidence, 3)


def damage_score(text: str) -> float:
    """How much ``text`` looks like Swedish that lost å/ä/ö, from 0 (clean) to 1 (clearly damaged).

    The product of three signals: the share of words the lexicon would restore (5 % or more counts
    fully), how far the rate of å/ä/ö per 1000 letters falls below normal Swedish (40 or more, as
    in clean reports, counts as none), and how many restorable words there are (five or more count
    fully), so clean Swedish, English and short snippets all score near 0.

    Args:
        text: Any text.

    Returns:
        A score in [0, 1].
    """
    return _score(text, len(_proposals(text)))


def needs_repair(text: str) -> bool:
    """Whether ``text`` looks like Swedish that lost its diacritics (see :func:`damage_score`)."""
    return damage_score(text) >= 0.5


def repair(text: str, *, damaged: bool | None = None) -> tuple[str, list[Repair]]:
    """Restore å/ä/ö word by word.

    Args:
        text: The text as parsed.
        damaged: Force (True) or skip (False) repair; None decides with :func:`needs_repair`, so clean
            text is returned untouched. Pass True to repair a passage of a document found damaged.

    Returns:
        The corrected text and one :class:`Repair` per changed word, offsets into ``text``. Repairs
        are same-length except for split glyphs ("féormedla") and doubled capitals ("Kkorta").
    """
    proposals = [] if damaged is False else _proposals(text)
    if damaged is None and _score(text, len(proposals)) < 0.5:
        proposals = []
    parts: list[str] = []
    last = 0
    for start, end, _, corrected in proposals:
        parts += [text[last:start], corrected]
        last = end
    parts.append(text[last:])
    return "".join(parts), [Repair(*p) for p in proposals]
