from assistant.answer import Passage
from assistant.cite import drop_invalid_markers, extract_citations, figures, unsupported_figures
from index.records import Chunk


def _passage(text: str, source: str = "a.md") -> Passage:
    return Passage(Chunk("id-" + text[:8], source, text, 0, len(text), None, None, (), ""), 1.0, None, None, None)


PASSAGES = [_passage("Beviljade medel 2 530 000 kr."), _passage("37 deltagare och 42 % vidare.", "b.md")]


def test_markers_become_citations_and_bad_ones_are_dropped():
    citations = extract_citations("Beviljat [1]. Deltagare [2] [2] [0] [3] [17].", PASSAGES)
    assert [c.n for c in citations] == [1, 2]
    assert citations[1].passage.source == "b.md"
    assert drop_invalid_markers("a [1] b [3] c [0]", 2) == "a [1] b  c "


def test_figures_are_normalised():
    assert figures("2 530 000 kr, 31,7 % och 2024-03-20") == {"2530000", "31.7", "2024-03-20", "2024"}
    assert figures("Insatstid 20230101 - 20240831") == {"2023-01-01", "2023", "2024-08-31", "2024"}


def test_a_figure_needs_a_cited_passage_that_contains_it():
    ok = "Insatsen beviljades 2 530 000 kr [1]. Den hade 37 deltagare [2]."
    assert unsupported_figures(ok, PASSAGES) == []
    wrong = "Insatsen beviljades 2 600 000 kr [1]. Den hade 37 deltagare [1]."
    assert [(p.figure) for p in unsupported_figures(wrong, PASSAGES)] == ["2600000", "37"]
    uncited = "Det var 45 deltagare."
    assert [p.figure for p in unsupported_figures(uncited, PASSAGES)] == ["45"]
    assert unsupported_figures(uncited, PASSAGES, uncited=False) == []
