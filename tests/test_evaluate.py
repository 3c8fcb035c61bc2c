from assistant.cli.evaluate import Retrieved, evaluate, hits, score_item


def test_hits_by_substring_after_folding_and_whitespace():
    assert hits("Det var  MÅLET att nå\n40 % av deltagarna.", "målet att nå 40")
    assert hits("malet att na 40 procent", "Målet att nå 40")


def test_hits_by_words_in_order():
    quote = "en två tre fyra fem sex sju åtta nio tio"
    assert hits("en x två y tre z fyra fem sex", quote)  # 6 of 10 in order
    assert not hits("en två tre fyra fem", quote)  # 5 of 10


def test_score_item_counts_recall_mrr_and_files():
    item = {
        "id": "q",
        "type": "list",
        "evidence": [
            {"file": "a.txt", "quote": "alfa beta gamma delta"},
            {"file": "b.txt", "quote": "epsilon zeta eta theta"},
        ],
    }
    retrieved = [
        Retrieved("x/a.txt", "nothing"),
        Retrieved("x/a.txt", "alfa beta gamma delta"),
        Retrieved("c.txt", "epsilon zeta eta theta"),
    ]
    score = score_item(item, retrieved)
    assert score.recall[1] == 0.0 and score.recall[5] == 0.5
    assert score.reciprocal_rank == 0.5
    assert score.file_coverage == 0.5
    assert not score.all_in_top5


def test_negative_items_are_not_scored_for_retrieval():
    result = evaluate([{"id": "n", "type": "negative", "question": "?", "evidence": []}], lambda q: [])
    assert result.summary() == {}
