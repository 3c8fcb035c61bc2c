import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS, needs_seeds

from assistant.cli import main


@pytest.fixture
def indexed(corpus, monkeypatch, tmp_path):
    monkeypatch.setenv("ARKIV_EMBEDDING_MODEL", "hashing")
    assert main(["--data-dir", str(tmp_path / "data"), "ingest", str(corpus)]) == 0
    return ["--data-dir", str(tmp_path / "data")]


def _lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_search_jsonl_protocol(indexed, capsys, monkeypatch):
    capsys.readouterr()
    stdin = '{"id": "q1", "question": "väntetider till psykiatrin"}\n\n{"id": 7, "question": "kuratorn"}\ninte json\n'
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main([*indexed, "search", "--jsonl", "-k", "2", "-"]) == 0
    lines = _lines(capsys)
    assert [line["id"] for line in lines] == ["q1", 7, None]
    first = lines[0]["results"]
    assert len(first) == 2
    assert set(first[0]) == {"source", "text", "score", "insats", "section", "page"}
    assert first[0]["source"] == "slutrapport vägen framåt.md"
    assert first[0]["score"] >= first[1]["score"]
    assert "error" in lines[2]


def test_search_for_people_marks_matched_words(indexed, capsys):
    assert main([*indexed, "search", "väntetider psykiatrin", "-k", "1"]) == 0
    out = capsys.readouterr().out
    assert "slutrapport vägen framåt.md" in out and "Vägen framåt Söderhamn" in out


def test_insatser_json_and_find(indexed, capsys):
    capsys.readouterr()
    assert main([*indexed, "insatser", "--json"]) == 0
    data = _lines(capsys)[0]
    names = {i["namn"]: i for i in data["insatser"]}
    assert set(names) == {"Vägen framåt Söderhamn", "Vägen framåt i Nordanstig (VF)", "Lotsen Hofors"}
    money = names["Vägen framåt Söderhamn"]["beviljade_medel"][0]
    assert money["värde"] == "1250000" and money["källa"] == "slutrapport vägen framåt.md" and money["start"] > 0
    # Every report says why the register put it in its insats, with the spans that show it.
    report = names["Vägen framåt Söderhamn"]["rapporter"][0]
    assert report["varför"] and all(span["text"] for span in report["belägg"])
    assert main([*indexed, "insatser", "--find", "vägen framåt", "--json"]) == 0
    found = _lines(capsys)[0]
    assert sorted(m["kommun"] for m in found) == ["Nordanstig", "Söderhamn"]


def test_check_reports_consistency(indexed, capsys):
    assert main([*indexed, "check"]) == 0
    assert "stämmer" in capsys.readouterr().out


def test_errors_are_swedish_and_clean(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "tom"), "search", "något"]) == 1
    assert "Inget är inläst" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "tom"), "ingest", str(tmp_path / "finns-inte")]) == 1


def test_eval_scores_a_question_file(indexed, tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "a",
                "type": "fact",
                "question": "väntetider psykiatrin",
                "evidence": [
                    {
                        "file": "slutrapport vägen framåt.md",
                        "quote": "Långa väntetider till psykiatrin gjorde att flera deltagare",
                    }
                ],
            }
        )
        + "\n"
    )
    capsys.readouterr()
    assert main([*indexed, "eval", str(questions), "--json"]) == 0
    summary = _lines(capsys)[0]["summary"]
    assert summary["alla"]["recall@1"] == 1.0


@needs_seeds
def test_seed_archive_register(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARKIV_EMBEDDING_MODEL", "hashing")
    data = ["--data-dir", str(tmp_path / "seeds-data")]
    assert main([*data, "ingest", str(SEEDS)]) == 0
    capsys.readouterr()
    assert main([*data, "insatser", "--json"]) == 0
    register = _lines(capsys)[0]
    insatser = register["insatser"]
    assert len(insatser) == 4
    assert sum(len(i["rapporter"]) for i in insatser) == 5
    for insats in insatser:
        assert insats["kommun"] and insats["perioder"], insats["namn"]
        for field in insats["beviljade_medel"] + insats["utnyttjade_medel"]:
            text = (SEEDS / field["källa"]).read_text(encoding="utf-8")
            assert field["text"] == text[field["start"] : field["slut"]]
    assert sum(bool(i["beviljade_medel"]) for i in insatser) == 3
    assert len(register["omnamnda"]) >= 3


def test_ingest_does_not_import_the_ask_path(corpus, tmp_path):
    """`arkiv ingest` of an unchanged archive is mostly process start: it must not load the answerers, the
    question analysis (which reads a word list at import) or the web app."""
    heavy = (
        "assistant.intent",
        "assistant.retrieve",
        "assistant.extractive",
        "assistant.web.auth",
        "assistant.cli.commands",
    )
    script = (
        "import sys\n"
        "from assistant.cli import main\n"
        f"code = main(['--data-dir', {str(tmp_path / 'data')!r}, 'ingest', {str(corpus)!r}])\n"
        f"print(code, [m for m in {heavy!r} if m in sys.modules])\n"
    )
    root = str(Path(__file__).resolve().parents[1])  # this checkout, not an installed copy
    env = {**os.environ, "ARKIV_EMBEDDING_MODEL": "hashing", "PYTHONPATH": root}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "0 []"
