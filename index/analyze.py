"""The Swedish analyzer shared by the lexical index and the query side.

fold → join spaced numbers → ``\\w+`` tokens → drop stopwords → Snowball Swedish stem → add the verb of an
irregular verb form → add compound heads.

Folding happens before stemming: Snowball's Swedish suffixes contain no å/ä/ö (its vowel set treats the
folded letters as vowels too), so ``forsorjningsstod`` from an OCR'd file and ``försörjningsstöd`` reach
the same stem. Compounds are split with a Swedish word list (wordfreq, bundled data) so that a query for
``träning`` reaches ``arbetsträning``: the head of a compound is its last part.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Bump when analyze() changes: saved lexical indexes built by another version are rebuilt.
ANALYZER_VERSION = 5

_NUMBER_GROUPS = re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d])")
_TOKEN = re.compile(r"\w+")
# Where a Swedish sentence ends: at . ! or ? before a capital or a figure, but not at the abbreviations that stand
# before a date or a figure ("beviljad t.o.m. 20231231", "fr.o.m. 1 april", "t.ex. 30 deltagare", "kl. 10").
_ABBREVIATIONS = ("t.o.m.", "fr.o.m.", "t.ex.", "bl.a.", "p.g.a.", "s.k.", "ca.", "inkl.", "kl.", "resp.", "nr.")
SENTENCE_BREAK = re.compile(
    "".join(f"(?<!{re.escape(a)})" for a in _ABBREVIATIONS) + r"(?<=[.!?])\s+(?=[\"“(]?[A-ZÅÄÖ0-9])"
)
_FOLD = (("æ", "a"), ("ø", "o"), ("ß", "ss"))  # letters, not accented letters: NFKD leaves them whole

# Function words that carry no topic; folded. Question words are here so that "vilka insatser …"
# is matched on its content words.
STOPWORDS = frozenset(
    """
    alla allt alltid andra annan annat att av bara bland blev bli blir da dar darfor de dem den denna deras
    dess dessa det detta dig din dina ditt du efter eftersom ej eller en ett fanns finns for fran ga gar
    genom ha hade han har hela hennes hon honom hos hur i icke in inom inte ja jag kan kunde man med men
    mellan mer mig min mina mitt mot mycket ni nagon nagot nagra nar nu oavsett och ocksa om oss pa sa
    sadan sadana sig sin sina sitt ska skall skulle som sedan till tills ty uppe ut utan vad var vara vare
    varit varje vars vart vem vi vid vilka vilken vilket vill vara att aven annu dar dit hit sasom samt
    """.split()
)


def fold(text: str) -> str:
    """Lower-case and strip diacritics: å/ä→a, ö→o, é→e (and any other combining accent)."""
    lowered = text.lower()
    for letter, plain in _FOLD:  # str.replace: translate() with a mapping is 10× slower on long texts
        lowered = lowered.replace(letter, plain)
    if lowered.isascii():
        return lowered
    # Only the non-ASCII runs are decomposed: an ASCII character is its own decomposition and a starter,
    # so canonical reordering never crosses it and folding run by run equals folding the whole text.
    return _NON_ASCII.sub(_fold_run, lowered)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=100_000)
def _fold_chars(run: str) -> str:
    decomposed = unicodedata.normalize("NFKD", run)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _fold_run(match: re.Match[str]) -> str:
    return _fold_chars(match.group())


def join_numbers(text: str) -> str:
    """``2 530 000`` → ``2530000``: numbers are written with spaces between digit groups."""
    return _NUMBER_GROUPS.sub(lambda m: re.sub(r"\D", "", m.group(0)), text)


def analyze(text: str) -> list[str]:
    """Tokens for the lexical index and for queries (the same function on both sides)."""
    folded = fold(text)
    tokens: list[str] = []
    # Spaced numbers are indexed both whole and as their groups: "12 100 000" may be one figure or two.
    for match in _NUMBER_GROUPS.finditer(folded):
        tokens.append(re.sub(r"\D", "", match.group(0)))
    for word in _TOKEN.findall(folded):
        if word in STOPWORDS:
            continue
        tokens.extend(_word_terms(word))
    return tokens


@lru_cache(maxsize=500_000)
def _word_terms(word: str) -> tuple[str, ...]:
    if word.isdigit() or len(word) < 3:
        return (word,)
    terms = _stems(word) + _verb_terms(word)
    head = compound_head(word)
    if head is not None:
        terms += _stems(head)
        # The modifier matters too: "brist på tolk" should reach "tolkkostnader".
        modifier = word[: len(word) - len(head)].removesuffix("s")
        if len(modifier) >= 4 and swedish_lexicon().get(modifier, _RARE) < _HEAD_RANK:
            terms += _stems(modifier)
    return tuple(dict.fromkeys(terms))


def _verb_terms(word: str) -> tuple[str, ...]:
    """The stem of the infinitive for an irregular verb form Snowball cannot reach from its suffixes: strong verbs
    change their vowel ("skrevs", "skrivit" → skriva), and the weak verbs of the second class drop or change
    letters ("använde", "använt" → använda). A particle verb's participle carries its particle in front
    ("inskrivna" for "skrivits in", "nedlagd" for "lades ner"): it also counts as the verb alone."""
    verb = _VERB_FORMS.get(word)
    if verb is None:
        particle = next((p for p in _PARTICLES if word.startswith(p) and word[len(p) :] in _VERB_FORMS), None)
        verb = _VERB_FORMS[word[len(particle) :]] if particle else None
    return (_stemmer().stemWord(verb),) if verb else ()


def _stems(word: str) -> tuple[str, ...]:
    # Snowball leaves "faktorer" → "faktor" but "faktor" → "fakt": stemming the stem again gives both
    # forms a shared term, while the single stem keeps exact forms scoring higher.
    stemmer = _stemmer()
    stem = stemmer.stemWord(word)
    again = stemmer.stemWord(stem)
    stems = (stem, again) if again != stem else (stem,)
    root = verbal_root(again)
    return stems + (root,) if root else stems


def verbal_root(stem: str) -> str | None:
    """The verb a Swedish action noun is made from, as Snowball stems the verb: ``implementering`` →
    ``implementer`` (implementera), ``utbildning`` → ``utbild`` (utbilda). Snowball strips inflections, not
    derivations, so without this "vilka har implementerats?" misses "implementeringen". The root must keep
    five letters, which leaves ``tidning`` and ``ledning`` alone."""
    for suffix, keep in (("ering", "er"), ("ning", "")):
        if stem.endswith(suffix) and len(stem) - len(suffix) + len(keep) >= 5:
            return stem[: len(stem) - len(suffix)] + keep
    return None


@lru_cache(maxsize=500_000)
def compound_head(word: str) -> str | None:
    """The last part of a folded Swedish compound (``arbetstraning`` → ``traning``), or None.

    The split must leave a known modifier (with or without a linking ``s``) and a known head of at least
    four letters; the longest such head wins, which keeps ``framgangsfaktorer`` → ``faktorer`` rather
    than a spurious short tail.
    """
    if len(word) < 7 or not word.isalpha():
        return None
    ranks = swedish_lexicon()
    if ranks.get(word, _RARE) < _COMMON_WORD:
        return None  # a common word ("rapporter") is its own unit, whatever it could be split into
    for i in range(4, len(word) - 3):
        head, modifier = word[i:], word[:i]
        # Short heads ("gare", "ning") are mostly noise unless they are common words ("stod", "plan").
        if ranks.get(head, _RARE) >= (_HEAD_RANK if len(head) >= 5 else _SHORT_HEAD_RANK):
            continue
        if _is_modifier(modifier, ranks):
            return head
    return None


def _is_modifier(part: str, ranks: dict[str, int]) -> bool:
    """A known word, maybe with a linking s or e (arbets-, arbetsförmåge-), or itself a compound."""
    if part in ranks or (part[-1] == "s" and part[:-1] in ranks) or (part[-1] == "e" and part[:-1] + "a" in ranks):
        return True
    return len(part) >= 8 and compound_head(part.removesuffix("s")) is not None


# Irregular verb forms (folded) by infinitive. Left out: the light verbs (gå, få, ge, komma, se, göra, säga, ta),
# which say what happened only with their particle or object and, joined, match half the archive; forms that fold
# into another common word: "stod" (stöd), "satt" (sätt), "steg", "låg", "vald" (våld), "första"; and the forms
# that are stopwords (var, blev, fanns).
_IRREGULAR_VERBS = {
    "skriva": "skrev skrevs skrivit skrivits skriven skrivet skrivna",
    "lagga": "lade lades lagt lagts lagd lagda lagger laggs",
    "driva": "drev drevs drivit drivits driven drivet drivna",
    "halla": "holl hollas holls hallit hallits hallen hallet hallna",
    "bryta": "brot brots brutit brutits bruten brutet brutna",
    "draga": "drog drogs dragit dragits dragen draget dragna drar dras",
    "hinna": "hann hunnit hunnits",
    "skjuta": "skot skots skjutit skjutits skjuten skjutet skjutna",
    "sjunka": "sjonk sjunkit sjunken",
    "vinna": "vann vunnit vunnen vunnet vunna",
    "finna": "fann funnit funnen funnet funna",
    "bjuda": "bjod bjods bjudit bjudits bjuden bjudet bjudna",
    "stiga": "stigit",
    "veta": "visste vetat",
    "valja": "valde valdes valt valts valda",
    "anvanda": "anvande anvandes anvant anvants anvand anvanda anvands",
    "behova": "behovde behovdes behovt behovts",
    "folja": "foljde foljdes foljt foljts",
    "kanna": "kande kandes kant kants",
    "hora": "horde hordes hort horts",
    "lara": "larde lardes lart larts",
    "stalla": "stallde stalldes stallt stallts",
    "galla": "gallde gallt",
}
_VERB_FORMS = {form: verb for verb, forms in _IRREGULAR_VERBS.items() for form in forms.split()}
# The particles a Swedish particle verb's participle takes in front ("avbruten", "framtagen", "inbjudna").
_PARTICLES = (
    "tillbaka",
    "vidare",
    "igang",
    "bort",
    "fram",
    "emot",
    "over",
    "till",
    "upp",
    "ned",
    "ner",
    "in",
    "ut",
    "av",
    "om",
    "pa",
    "an",
)

_RARE = 1 << 30
_COMMON_WORD = 20_000
_HEAD_RANK = 120_000
_SHORT_HEAD_RANK = 15_000


@lru_cache(maxsize=1)
def swedish_lexicon() -> dict[str, int]:
    """Folded Swedish words with their frequency rank (wordfreq's bundled list; no network)."""
    from wordfreq import top_n_list

    ranks: dict[str, int] = {}
    for rank, word in enumerate(top_n_list("sv", _HEAD_RANK, wordlist="large")):
        folded = fold(word)
        if folded.isalpha() and len(folded) >= 3:
            ranks.setdefault(folded, rank)
    return ranks


@lru_cache(maxsize=4096)
def is_common_word(word: str) -> bool:
    """Whether ``word`` is an everyday Swedish word (Zipf frequency 5 or more: "se", "av", "du"); an
    abbreviation spelled like one ("SE" for Supported Employment) cannot be matched on its letters."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "sv") >= 5.0


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer  # PyStemmer: Snowball in C

    return Stemmer.Stemmer("swedish")
