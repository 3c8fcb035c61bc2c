"""Restore å/ä/ö in OCR text that lost its diacritics ("forsorjningsstod" → "försörjningsstöd").

The lexicon is wordfreq's Swedish list (~340 000 words with Zipf frequencies), loaded once on first use.
Restorations replace one character by one (a→ä/å, o→ö, d→ä/å/ö, i→ä, 6→ö, é→ö/ä/å, 4→ä, &→å/ä,
1→l), so offsets in the corrected text equal those in the original. Merging an OCR glyph split in two
("féormedla") or a doubled capital ("Kkorta") shortens a word; ``repair`` does that only on request.

How a word is decided (precision before recall):
* Each substitution costs Zipf units (log10 of how much rarer it is than a clean letter); a candidate
  scores ``zipf - cost``. A form the lexicon knows changes only for a 10× more frequent candidate
  ("for"→"för", "ar"→"är"); "stod"/"stöd", "satt"/"sätt", "man"/"män" stay as written. The winner
  must also beat the runner-up ~3× ("varden": "vården" or "värden"? left alone).
* Unknown compounds are split into known parts (linking s, dropped final vowel) and restored per part.
* Neighbours: "for" between English words stays; "ar" after a number or counting word is "år";
  short capitals (AF) stay unless the line is set in capitals; a lone two-letter token is debris.
* Left out: t→ä and a→ö (seen in OCR, but they multiply candidates for common words), and
  insertions ("hjlpa"). ``repair`` leaves text that does not look damaged alone unless told otherwise.
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

# written char (lower case) → (restoration, cost); d/i are also ordinary letters, so they cost more
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
_MERGES = (("éo", "ö", 0.3), ("oé", "ö", 0.3), ("éd", "ä", 0.5), ("éd", "å", 0.7))  # one glyph read as two
_FOLD = str.maketrans("åäö", "aao")
_HAS_DIACRITIC = re.compile("[åäö]")
_FOLD_OPTIONS = {"d": "dao", "i": "ia", "é": "éoa", "6": "o", "4": "a", "&": "a", "1": "l"}
_MAX_VARIANTS = 64  # lookup keys per word; past it d/i/é are taken as written
_KNOWN_MARGIN = 1.0  # a form the lexicon knows must be 10× rarer than its restoration
_DOMINANCE = 0.5  # the restoration must be ~3× likelier than the runner-up
_PART_MIN, _SHORT_PART_MIN = 2.5, 4.0  # Zipf a compound part needs (three-letter parts: more)
_COMPOUND_COST = 0.75  # per extra compound part
_COMPOUND_MARGIN, _COMPOUND_MIN = 0.5, 1.5  # a restored compound must beat the written one and this
_NORMAL_RATE = 40.0  # å/ä/ö per 1000 letters in clean reports (40-50); damage counts fully below 20
_MIN_EVIDENCE = 5  # restorable words before a text counts as fully damaged
_UNITS = frozenset("st kr tkr mkr min h kg km m cm mm dgr ggr tim".split())
_COUNTERS = frozenset(
    "ett per varje i hela samma senaste förra nästa halvt två tre fyra fem sex sju åtta nio tio tjugo trettio".split()
)
_QUANTIFIERS = frozenset("många flera några fler".split())  # "i många år", but "många är"
_TIME_PREPOSITIONS = frozenset("i på under efter sedan för".split())

_ORDINAL = re.compile(r"\d+[ae]")
_WORD = re.compile(r"(?:[^\W_]|&)+")
_SKIP_CHUNK = re.compile(r"@|://|www\.|\.(?:se|com|org|nu|net)\b|\d{2,}.*-|-.*\d{2,}", re.IGNORECASE)

Token = tuple[int, int, str]


@cache
def _lexicon() -> tuple[dict[str, float], dict[str, list[str]]]:
    """wordfreq's Swedish list, loaded once: word → frequency, and folded form → words with å/ä/ö.

    Words without å/ä/ö are their own folded form, so only the others are indexed (fast to build).
    """
    from wordfreq import get_frequency_dict

    freqs: dict[str, float] = get_frequency_dict("sv", wordlist="large")
    folded: dict[str, list[str]] = {}
    for word in freqs:
        if _HAS_DIACRITIC.search(word):
            folded.setdefault(word.translate(_FOLD), []).append(word)
    logger.debug("repair lexicon: %d words, %d with å/ä/ö", len(freqs), len(folded))
    return freqs, folded


@lru_cache(maxsize=500_000)
def _zipf(word: str) -> float:
    freq = _lexicon()[0].get(word)
    return math.log10(freq * 1e9) if freq else 0.0


def _cost(written: str, candidate: str) -> float | None:
    """Total cost of turning ``written`` into ``candidate``; None if that is not a restoration."""
    total = 0.0
    for src, dst in zip(written, candidate, strict=True):
        if src != dst:
            step = next((c for r, c in _SUBS.get(src, ()) if r == dst), None)
            if step is None:
                return None
            total += step
    return total


def _fold_keys(form: str) -> Iterator[str]:
    """Folded lookup keys for ``form``, expanding the chars that may or may not be damage."""
    options: list[str] = []
    variants = 1
    for ch in form:
        choice = _FOLD_OPTIONS.get(ch, ch).translate(_FOLD)
        if variants * len(choice) > _MAX_VARIANTS:
            choice = choice[0]
        variants *= len(choice)
        options.append(choice)
    return ("".join(chars) for chars in product(*options))


@lru_cache(maxsize=200_000)
def _restorations(form: str) -> tuple[tuple[str, float], ...]:
    """Lexicon words ``form`` may stand for (itself included), scored Zipf minus cost, best first."""
    folded = _lexicon()[1]
    found: dict[str, float] = {}
    for key in _fold_keys(form):
        for word in (key, *folded.get(key, ())):
            if len(word) == len(form) and (cost := _cost(form, word)) is not None and _zipf(word) > 0:
                found[word] = _zipf(word) - cost
    return tuple(sorted(found.items(), key=lambda item: -item[1]))


def _part_readings(segment: str, final: bool) -> Iterator[tuple[str, int, str, float]]:
    """How a compound part may sit in the lexicon: (lookup, chars kept, suffix, cost).

    A final part may be a genitive ("-förmågans"); an inner part may carry a linking s ("stöds-")
    or have dropped or changed its final vowel ("deltagar-" of "deltagare", "förmåge-" of "förmåga").
    """
    yield segment, len(segment), "", 0.0
    if segment.endswith("s") and len(segment) > 4:
        yield segment[:-1], len(segment) - 1, "s", 0.3 if final else 0.0
    if not final:
        yield segment + "e", len(segment), "", 0.3
        yield segment + "a", len(segment), "", 0.3
        if segment.endswith("e"):
            yield segment[:-1] + "a", len(segment) - 1, "e", 0.3


@lru_cache(maxsize=200_000)
def _best_part(segment: str, changes: bool, final: bool) -> tuple[str, float] | None:
    """The best known word a compound part stands for, restored (``changes``) or as written."""
    best: tuple[str, float] | None = None
    for lookup, keep, suffix, cost in _part_readings(segment, final):
        for word, score in _restorations(lookup)[:2] if changes else ((lookup, _zipf(lookup)),):
            part = word[:keep] + suffix
            if len(part) <= 3 and part != segment:
                continue  # a restored three-letter part ("går" in "deltagarmål") is too often chance
            # a part must be a real word by raw frequency; the costs only rank the readings
            if _zipf(word) >= (_SHORT_PART_MIN if len(part) <= 3 else _PART_MIN):
                if best is None or score - cost > best[1]:
                    best = (part, score - cost)
    return best


@lru_cache(maxsize=50_000)
def _compound(form: str, changes: bool) -> tuple[str, float] | None:
    """Best split of ``form`` into 2-3 known parts; score = weakest part minus a cost per extra part."""
    best: tuple[str, float] | None = None
    for i in range(3, len(form) - 2):
        if (head := _best_part(form[:i], changes, False)) is None:
            continue
        for tail, tail_score, parts in _tails(form[i:], changes):
            score = min(head[1], tail_score) - _COMPOUND_COST * (parts - 1)
            if best is None or score > best[1]:
                best = (head[0] + tail, score)
    return best


def _tails(rest: str, changes: bool) -> Iterator[tuple[str, float, int]]:
    """Readings of a compound's remainder as one known part or two: (text, score, total parts)."""
    if whole := _best_part(rest, changes, True):
        yield whole[0], whole[1], 2
    for j in range(3, len(rest) - 2):
        if (mid := _best_part(rest[:j], changes, False)) and (end := _best_part(rest[j:], changes, True)):
            yield mid[0] + end[0], min(mid[1], end[1]), 3


def _merged_forms(form: str) -> Iterator[tuple[str, float]]:
    """``form`` and, for each split glyph in it ("éo"), the form with the glyph merged, with a cost."""
    yield form, 0.0
    yield from ((form.replace(pair, repl), cost) for pair, repl, cost in _MERGES if pair in form)


def _whole_word(form: str) -> str | None:
    """The dominant restoration of ``form`` that is a lexicon word as a whole, if trusted."""
    scored: dict[str, float] = {}
    for merged, extra in _merged_forms(form):
        for word, score in _restorations(merged)[:3]:
            scored[word] = max(scored.get(word, -9.0), score - extra)
    written = scored.pop(form, _zipf(form))
    if not scored:
        return None
    best = max(scored, key=scored.__getitem__)
    ranked = sorted(scored.values(), reverse=True) + [0.0]
    # long words rarely match a lexicon entry by chance, so rarer ones are trusted
    floor = 3.0 if len(form) <= 3 else 2.0 if len(form) <= 5 else 1.5 if len(form) <= 7 else 0.5
    if ranked[0] < floor or ranked[0] - max(ranked[1], 0.0) < _DOMINANCE:
        return None
    # an unknown form loses to a trusted whole word even if it splits into parts ("hushall" = hus+hall)
    return best if written <= 0 or ranked[0] - written >= _KNOWN_MARGIN else None


@lru_cache(maxsize=100_000)
def _decide(form: str) -> str | None:
    """The restoration of a lower-cased word, or None to leave it as written."""
    if not any(ch in _SUBS for ch in form) or form.isdigit():
        return None
    if (word := _whole_word(form)) is not None or _zipf(form) > 0 or len(form) < 7:
        return word
    plain = _compound(form, changes=False)
    for merged, extra in _merged_forms(form):
        split = _compound(merged, changes=True)
        if split is None or split[0] == form:
            continue
        score = split[1] - extra
        if score >= _COMPOUND_MIN and score - (plain[1] if plain else 0.0) >= _COMPOUND_MARGIN:
            return split[0]
    return None


def _apply_case(written: str, lower: str) -> str:
    """Case the restoration like the written word: GAVLE→GÄVLE, Gavleborg→Gävleborg, pAminna→påminna."""
    if sum(ch.isalpha() for ch in written) > 1 and all(ch.isupper() for ch in written if ch.isalpha()):
        return lower.upper()
    if len(lower) != len(written):
        return lower[:1].upper() + lower[1:] if written[:1].isupper() else lower
    # an upper-case letter that was replaced inside a word ("pAminna") was an OCR å, not a capital
    return "".join(
        dst.upper() if src.isupper() and (i == 0 or src.lower() == dst) else dst
        for i, (src, dst) in enumerate(zip(written, lower, strict=True))
    )


def _tokens(text: str) -> Iterator[Token]:
    """Words that may be repaired: not in e-mail addresses, URLs, dates, phone numbers or units."""
    for chunk in re.finditer(r"\S+", text):
        if _SKIP_CHUNK.search(chunk.group()):
            continue
        for m in _WORD.finditer(chunk.group()):
            word = m.group()
            if len(word) < 2 or not any(ch.isalpha() for ch in word) or word == word[0] * len(word):
                continue  # "mm", "dd" in date templates
            if word[0].isdigit() and (_ORDINAL.fullmatch(word) or word.lstrip("0123456789") in _UNITS):
                continue  # 2a, 6st, 5kr
            yield chunk.start() + m.start(), chunk.start() + m.end(), word


def _doubled_capital(word: str) -> str | None:
    """Drop a doubled initial ("Kkorta" → "korta"): OCR read a lower-case letter twice, once as a capital."""
    lower = word.lower()
    if len(word) > 3 and word[0].isupper() and word[1:].islower() and word[1] == lower[0]:
        return lower[1:] if _zipf(lower) == 0 and _zipf(lower[1:]) >= 3.0 else None
    return None


@lru_cache(maxsize=50_000)
def _english_lead(word: str) -> float:
    """How much likelier ``word`` is as English than as Swedish, written or restored (Zipf units).

    "for" leads (7.0 in English against "för" 7.2 less the 10× margin), "hog" does not ("hög").
    """
    from wordfreq import zipf_frequency

    lower = word.lower()
    english = float(zipf_frequency(lower, "en"))
    restored = _decide(lower)
    swedish = max(_zipf(lower), _zipf(restored) - _KNOWN_MARGIN if restored else 0.0)
    return english - swedish if english >= 3.5 and not word.isupper() else -9.0


def _year_after_count(text: str, start: int, word: str) -> str | None:
    """After a number or a counting word "ar" is "år", not "är": "5 ar", "ett ar", "i manga ar"."""
    if word.lower() != "ar":
        return None
    before = re.findall(r"[^\W\d_]+", text[max(0, start - 40) : start])[-2:]
    before, prev = ([""] * 2 + [_decide(w.lower()) or w.lower() for w in before])[-2:]
    counted = prev in _COUNTERS or (prev in _QUANTIFIERS and before in _TIME_PREPOSITIONS)
    after_number = re.search(r"\d\s*$", text[max(0, start - 8) : start])
    return _apply_case(word, "år") if counted or after_number else None


def _kept_by_context(text: str, tokens: list[Token], k: int) -> bool:
    """Whether the neighbours say to keep a word as written.

    Keeps "for" between English words ("Centre for Health"; damaged Swedish like "hog" and words in
    capitals do not count as English), short capitals (AF, R&D) unless the line is set in capitals
    ("INSATSER FOR INDIVIDER"), and two-letter tokens alone on their line (OCR debris: "() ol . .").
    """
    start, end, word = tokens[k]
    near = [tokens[j] for j in (k - 1, k + 1) if 0 <= j < len(tokens)]
    if _zipf(word.lower()) > 0 and near and all(_english_lead(w) > 0 for w in (word, *(n[2] for n in near))):
        return True
    if word.isupper() and len(word) <= 3 and sum(ch.isalpha() for ch in word) >= 2:
        return not any(n[2].isupper() and len(n[2]) > 3 for n in near)
    return len(word) <= 2 and all("\n" in text[min(n[1], start) : max(n[0], end)] for n in near)


def _proposals(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, written, corrected) for every word the lexicon and its neighbours say to restore."""
    tokens = list(_tokens(text))
    out: list[tuple[int, int, str, str]] = []
    for k, (start, end, word) in enumerate(tokens):
        fixed = _doubled_capital(word) or _year_after_count(text, start, word)
        if fixed is None and (restored := _decide(word.lower())) is not None:
            fixed = _apply_case(word, restored)
        if fixed is not None and not _kept_by_context(text, tokens, k):
            out.append((start, end, word, fixed))
    return out


def _diacritic_rate(text: str) -> float:
    letters = sum(map(str.isalpha, text))
    return 1000.0 * sum(map(text.count, "åäöÅÄÖ")) / letters if letters else 0.0


def _by_rate(text: str) -> float:
    return min(1.0, max(0.0, (_NORMAL_RATE - _diacritic_rate(text)) / 20.0))


def _score(text: str, proposals: int, by_rate: float) -> float:
    words = sum(1 for _ in _tokens(text))
    if not words:
        return 0.0
    by_share = min(1.0, max(0.0, (proposals / words - 0.01) / 0.04))
    return round(by_share * by_rate * min(1.0, proposals / _MIN_EVIDENCE), 3)


def damage_score(text: str) -> float:
    """How much ``text`` looks like Swedish that lost å/ä/ö, from 0 (clean) to 1 (clearly damaged).

    The product of three signals: the share of words the lexicon would restore (5 % or more counts
    fully), how far å/ä/ö per 1000 letters fall below clean Swedish (40 or more counts as clean, 20
    or fewer as fully damaged), and the number of restorable words (five or more count fully), so
    clean Swedish, English and short snippets ("Hon sa att det var bra.") all score near 0.

    Args:
        text: Any text.

    Returns:
        A score in [0, 1].
    """
    by_rate = _by_rate(text)
    # The score is a product of factors of at most 1: clean Swedish (by_rate 0) needs no word-by-word look.
    return _score(text, len(_proposals(text)), by_rate) if by_rate else 0.0


def needs_repair(text: str) -> bool:
    """Whether ``text`` looks like Swedish that lost its diacritics (see :func:`damage_score`)."""
    return bool(_when_damaged(text))


def _when_damaged(text: str) -> list[tuple[int, int, str, str]]:
    """The proposals for ``text`` if it looks damaged (:func:`needs_repair`), else none."""
    by_rate = _by_rate(text)
    # by_rate is one factor of the score, the others at most 1: below 0.5 the score cannot reach 0.5.
    proposals = _proposals(text) if by_rate >= 0.5 else []
    return proposals if proposals and _score(text, len(proposals), by_rate) >= 0.5 else []


def repair(text: str, *, damaged: bool | None = None, same_length: bool = True) -> tuple[str, list[Repair]]:
    """Restore å/ä/ö word by word.

    Args:
        text: The text as parsed.
        damaged: True to repair regardless (a passage of a document already found damaged), False
            to skip; None repairs only when the text itself looks damaged (:func:`damage_score`).
        same_length: Keep only repairs that replace a word by one of the same length, so offsets in
            the corrected text equal those in ``text``. False also merges split glyphs ("féormedla"
            → "förmedla") and doubled capitals ("Kkorta" → "korta"), which shorten the text.

    Returns:
        The corrected text and one :class:`Repair` per changed word, with offsets into ``text``.
    """
    proposals = [] if damaged is False else _proposals(text) if damaged else _when_damaged(text)
    if same_length:
        proposals = [p for p in proposals if len(p[2]) == len(p[3])]
    parts: list[str] = []
    last = 0
    for start, end, _, corrected in proposals:
        parts += [text[last:start], corrected]
        last = end
    parts.append(text[last:])
    return "".join(parts), [Repair(*p) for p in proposals]
