"""Lists across the archive judged by meaning as well as words, over fakes: a stand-in embedder whose vectors
carry one "concept" (a report that ends early), fictional insatser and sentences."""

import math

from assistant.answer import Passage
from assistant.catalog import Catalog, ReportInfo
from assistant.extractive.absent import ReportTerms
from assistant.extractive.across import ListAnswerer
from assistant.extractive.meaning import SentenceMeaning, calibrated, membership_clause
from assistant.extractive.sentences import judge_sentences
from assistant.intent import membership_words, read_question
from index.grouping import aliases, insats_id
from index.records import Chunk, Insats


def _insats(name: str, kommun: str) -> Insats:
    return Insats(insats_id(name, kommun), name, kommun, tuple(aliases(name, kommun)), (f"{name}.md",))


INSATSER = [
    _insats(n, k) for n, k in [("Bron", "Gävle"), ("Stigen", "Ockelbo"), ("Ledet", "Bollnäs"), ("Vägen", "Hofors")]
]
CATALOG = Catalog(
    1,
    tuple(INSATSER),
    {i.reports[0]: ReportInfo(i.reports[0], "slutrapport", i.kommun, i, (2022, 2023)) for i in INSATSER},
)
TEXTS = {
    # Says it in other words: no word of the question, but the meaning.
    "Bron.md": ["Insatsen avslutades sex månader före planerat slutdatum när regionen drog sig ur."],
    "Stigen.md": ["Samtalsgrupperna träffades varje vecka i biblioteket under hela projekttiden."],
    "Ledet.md": ["Arbetsträning på riktiga arbetsplatser gav deltagarna tro på sin förmåga."],
    # Close in meaning, but it says the thing did not happen.
    "Vägen.md": ["Ingen avslutning före planerat slutdatum har behövts i insatsen."],
}


class _ConceptEmbedder:
    """e5-like vectors in four dimensions: a shared base (every Swedish sentence is somewhat alike) plus one
    dimension for texts about ending before the planned date. Counts what it embeds."""

    name = "fake-e5"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def _vector(self, text: str) -> list[float]:
        early = any(cue in text.lower() for cue in ("före planerat", "avbr", "i förtid"))
        vector = [1.0, 0.6 if early else 0.0, 0.0, 0.0]
        norm = math.sqrt(sum(v * v for v in vector))
        return [v / norm for v in vector]

    def embed_passages(self, texts):
        self.embedded.extend(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text):
        return self._vector(text)


def _passage(source: str) -> Passage:
    text = TEXTS[source][0]
    chunk = Chunk(f"{source}-0", source, text, 0, len(text), 1, "resultat", ("5. Resultat",), "")
    insats = CATALOG.reports[source].insats
    return Passage(chunk, 1.0, insats.name, insats.id, "slutrapport")


class _Search:
    def search(self, query, *, k=6, filters=None):
        return [_passage(s) for s in TEXTS if CATALOG.reports[s].insats.id == filters.insats][:k]


class _Reports:
    def chunks_of(self, source):
        return [_passage(source).chunk]


def _lists(meaning):
    return ListAnswerer(
        _Search(), catalog=lambda: CATALOG, per_insats=4, terms=ReportTerms(_Reports()), meaning=meaning
    )


def _ask(answerer, question):
    query = read_question(question, catalog=CATALOG)
    return answerer.answer(query, membership_words(query), None)


def test_an_insats_that_says_it_in_other_words_qualifies_by_meaning():
    draft = _ask(_lists(SentenceMeaning(_ConceptEmbedder())), "Fick någon insats avbrytas i förtid?")
    assert draft.text.splitlines()[0] == "1 av 4 insatser i arkivet:"
    assert draft.text.splitlines()[1].startswith("- **Bron** (Gävle): Enligt Bron, slutrapporten: ”Insatsen avslutades")
    assert "Vägen" not in draft.text  # "Ingen avslutning …" denies it, however close in meaning


def test_without_an_embedder_only_words_qualify():
    draft = _ask(_lists(None), "Fick någon insats avbrytas i förtid?")
    assert draft.abstained


def test_sentence_vectors_are_remembered_across_questions():
    embedder = _ConceptEmbedder()
    answerer = _lists(SentenceMeaning(embedder))
    _ask(answerer, "Fick någon insats avbrytas i förtid?")
    first = len(embedder.embedded)
    _ask(answerer, "Vilka insatser avbröts innan perioden var slut?")
    assert first and len(embedder.embedded) == first


def test_the_membership_clause_leaves_out_the_follow_up():
    assert membership_clause("fick nån insats avbrytas i förtid? i så fall vilken och varför") == (
        "fick nån insats avbrytas i förtid"
    )
    assert membership_clause("Vilka insatser hade brukarråd, och hur många träffar hade de?") == (
        "Vilka insatser hade brukarråd"
    )


def test_margins_hold_for_e5_only():
    assert calibrated("bundled:multilingual-e5-small") and calibrated("intfloat/multilingual-e5-small@remote")
    assert not calibrated("hashing")


def test_common_ground_cannot_make_up_for_a_missing_specific_word():
    text = "Målet var att deltagarna skulle nå arbete eller studier inom ett år."
    chunk = Chunk("c", "Bron.md", text, 0, len(text), 1, "mal", ("4. Mål",), "")
    passage = Passage(chunk, 1.0, "Bron", INSATSER[0].id, "slutrapport")
    words = [{"mal"}, {"konsfordelning"}, {"deltag"}]
    # "deltagarna" is common ground, "mål" is there, "könsfördelning" is not: one of two specific words.
    judged = judge_sentences([passage], words, common=[False, False, True])
    assert judged and not judged[0].covers
    assert judge_sentences([passage], [{"mal"}, {"deltag"}], common=[False, True])[0].covers


def test_a_word_no_report_uses_is_not_asked_of_each_insats():
    # "strul" is nobody's word: the samtalsgrupper of Stigen qualify on the words the reports do use.
    query = read_question("Vilka insatser hade strul med samtalsgrupperna?", catalog=CATALOG)
    words = membership_words(query)
    assert _lists(None).judge(query, words, None)[1][INSATSER[1].id].by_words is not None
    assert _ask(_lists(None), "Vilka insatser hade strul med samtalsgrupperna?").text.startswith("1 av 4 insatser")


def test_qualification_is_relative_to_the_archives_median():
    from assistant.extractive.across import Judgment, qualified
    from assistant.extractive.sentences import _Sentence

    said = {name: _Sentence(f"{name} säger det.", _passage("Bron.md"), 1.0) for name in "abcde"}
    judgments = {
        "a": Judgment(None, said["a"], 0.90),  # no words, but clearly closer than the rest: qualifies
        "b": Judgment(said["b"], said["b"], 0.84),  # words, meaning near the median: qualifies
        "c": Judgment(said["c"], said["c"], 0.79),  # words in a sentence about something else: does not
        "d": Judgment(None, said["d"], 0.84),
        "e": Judgment(None, said["e"], 0.83),
    }
    assert qualified(judgments) == {"a": said["a"], "b": said["b"]}
    # Without meaning (no embedder), words alone decide.
    assert set(qualified({k: Judgment(j.by_words, None, None) for k, j in judgments.items()})) == {"b", "c"}


def test_a_pre_study_is_judged_with_the_rest_but_named_only_when_pre_studies_are_asked_about():
    # Stigen's only report is a förstudie: what it proposes is no insats's work, so "vilka insatser …" leaves it
    # out and says so in words; it still counts for the archive's median, so the others are judged as before.
    proposal = {**CATALOG.reports, "Stigen.md": ReportInfo("Stigen.md", "forstudie", "Ockelbo", INSATSER[1], None)}
    catalog = Catalog(1, CATALOG.insatser, proposal)
    texts = {**TEXTS, "Stigen.md": ["Arbetsträning på riktiga arbetsplatser ska ge deltagarna tro på sin förmåga."]}

    class Search(_Search):
        def search(self, query, *, k=6, filters=None):
            return [_at(s) for s in texts if catalog.reports[s].insats.id == filters.insats][:k]

    def _at(source):
        chunk = Chunk(f"{source}-0", source, texts[source][0], 0, len(texts[source][0]), 1, "resultat", (), "")
        insats = catalog.reports[source].insats
        return Passage(chunk, 1.0, insats.name, insats.id, catalog.reports[source].report_type)

    lists = ListAnswerer(Search(), catalog=lambda: catalog, per_insats=4, terms=ReportTerms(_Reports()), meaning=None)

    def ask(question):
        query = read_question(question, catalog=catalog)
        return lists.answer(query, membership_words(query), None).text

    done = ask("Vilka insatser har haft arbetsträning på riktiga arbetsplatser?")
    assert "**Ledet**" in done and "**Stigen**" not in done
    assert done.startswith("1 av 3 insatser i arkivet (en förstudie, som bara föreslår en insats, räknas inte):")
    proposed = ask("Vilka förstudier föreslår arbetsträning på riktiga arbetsplatser?")
    assert "**Stigen**" in proposed and "**Ledet**" in proposed
