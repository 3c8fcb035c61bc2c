import io
import re

import pytest
from conftest import EXAMPLES, SEEDS, assistant_of, needs_seeds
from docx import Document

from assistant.board.chart import chart_png
from assistant.board.export import to_docx, to_markdown
from assistant.board.reading import Block, units
from assistant.cli import main
from assistant.errors import AmbiguousInsats, BadFilter, InsatsNotFound
from index.analyze import fold

TITLES = [
    "Om insatsen",
    "Mål och måluppfyllelse",
    "Resultat",
    "Framgångsfaktorer",
    "Hinder och systemfel",
    "Ekonomi",
    "Lärdomar och rekommendationer",
]


EXAMPLES_DATA = {}  # the examples fixture's data directory, for the CLI test


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    """The fictional example archive, ingested once for the module with the hashing embedder."""
    from assistant.compose import build_assistant, open_archive
    from assistant.config import Settings
    from index.embed import HashingEmbedder

    data = tmp_path_factory.mktemp("summary-examples")
    settings = Settings(data_dir=data, embedding_model="hashing")
    archive = open_archive(settings, embedder=HashingEmbedder())
    archive.ingest(EXAMPLES)
    EXAMPLES_DATA["dir"] = data
    yield build_assistant(archive, settings)
    archive.close()


def _statements(doc):
    for part in doc.parts:
        for figure in part.figures:
            yield from figure.values
        for goal in part.goals:
            yield goal.target
            yield from goal.outcomes
        yield from part.statements


def _squash(text):
    return re.sub(r"\W+", "", fold(text))


def test_fixed_structure_and_every_statement_cited(examples):
    summary = examples.summarize("Steg för steg Sandviken")  # a final report and a university evaluation
    assert [p.title for p in summary.parts] == [*TITLES[:3], "Utvärderingen", *TITLES[3:]]
    assert [p.title for p in examples.summarize("Vägen framåt Söderhamn").parts] == TITLES  # no evaluation
    numbers = {s.n for s in summary.sources}
    assert numbers == set(range(1, len(summary.sources) + 1))
    for statement in _statements(summary):
        assert statement.notes and set(statement.notes) <= numbers, statement
    for source in summary.sources:
        assert (EXAMPLES / source.source).is_file() and source.heading


def test_an_evaluation_is_heard_in_its_own_words(examples):
    summary = examples.summarize("Steg för steg Sandviken")
    part = next(p for p in summary.parts if p.title == "Utvärderingen")
    by_n = {s.n: s for s in summary.sources}
    assert part.statements and len(part.statements) <= 3
    for statement in part.statements:
        assert all(by_n[n].report_type == "utvardering" for n in statement.notes)
        assert "|" not in statement.text and len(statement.text.split()) >= 8  # sentences, not table rows


def test_quotes_are_the_reports_own_words(examples):
    summary = examples.summarize("Steg för steg Sandviken")
    texts = {s.n: _squash((EXAMPLES / s.source).read_text(encoding="utf-8")) for s in summary.sources}
    for part in summary.parts:
        quoted = [*part.statements, *(g.target for g in part.goals)]
        for statement in quoted:
            body = _squash(statement.text.removesuffix(" …"))
            assert any(body in texts[n] for n in statement.notes), statement.text


def test_figures_that_differ_between_reports_are_side_by_side_and_flagged(examples):
    summary = examples.summarize("steg för steg")
    figures = {f.label: f for p in summary.parts for f in p.figures}
    assert figures["Period"].differs
    assert [v.text for v in figures["Period"].values] == ["2021-03-01 – 2023-02-28", "2021-03-15 – 2023-02-28"]
    assert figures["Deltagare"].differs and {v.text.split()[0] for v in figures["Deltagare"].values} == {"36", "34"}
    assert figures["Beviljat"].values[0].text == "2\u00a0100\u00a0000\u00a0kr" and not figures["Beviljat"].differs
    assert figures["Andel utnyttjat"].values[0].text.startswith("94,6 %")
    goals = {g.target.text: g for p in summary.parts for g in p.goals}
    share = goals["Minst 40 % går vidare till arbete eller studier"]
    assert share.differs and "41 %" in share.outcomes[0].text and "38 %" in share.outcomes[1].text
    sources = {s.n: s.source for s in summary.sources}
    assert {sources[o.notes[0]] for o in share.outcomes} == {
        "slutrapport_steg_for_steg_sandviken.md",
        "utvardering_steg_for_steg_sandviken_hig.md",
    }
    assert summary.notices and "period" in summary.notices[0]


def test_parts_the_reports_do_not_cover_say_so(examples):
    summary = examples.summarize("Kompetensbron Ovanåker")
    missing = {p.title: p.missing for p in summary.parts if p.missing}
    assert all(text.startswith("Rapporterna tar inte upp") for text in missing.values())
    assert "Framgångsfaktorer" not in missing  # the quarterly report's assessment names them


def test_names_resolve_or_fail_in_swedish(examples):
    with pytest.raises(InsatsNotFound, match="Ingen insats"):
        examples.summarize("Finns inte alls någonstans")
    with pytest.raises(AmbiguousInsats) as ambiguous:
        examples.summarize("Vägen framåt")
    assert len(ambiguous.value.candidates) == 2 and "Flera insatser" in str(ambiguous.value)
    assert examples.summarize("vägen framåt söderhamn").insats == "Vägen framåt Söderhamn"


def test_overview_scopes(examples):
    everything = examples.summarize_many()
    assert len(everything.rows) == 7 and everything.scope == "Alla insatser i arkivet"
    assert [r.insats for r in examples.summarize_many(kommun="sandviken").rows] == ["Steg för steg Sandviken"]
    years = examples.summarize_many(from_year=2024, to_year=2024)
    assert {r.insats for r in years.rows} >= {"Vägen framåt i Nordanstig (VF)", "Friskare tillsammans Gävle"}
    assert "Steg för steg Sandviken" not in {r.insats for r in years.rows}
    named = examples.summarize_many(["Steg för steg", "Arbetsnära stöd Hofors"])
    assert len(named.rows) == 2
    with pytest.raises(BadFilter, match="Inga insatser"):
        examples.summarize_many(kommun="Kiruna")


def test_overview_row_and_common_themes(examples):
    overview = examples.summarize_many()
    row = next(r for r in overview.rows if r.insats == "Steg för steg Sandviken")
    assert row.granted_kr == 2_100_000 and row.used_kr == 1_987_350
    assert row.outcome is not None and row.outcome.text == "41 % / 38 %" and "Utfall" in row.flagged
    success, failures = overview.parts
    assert success.title == "Gemensamma framgångsfaktorer" and success.statements
    assert all(s.notes for s in success.statements + failures.statements)
    assert re.match(r"\w+ nämns av \d av 7 insatser", success.statements[0].text)


def test_markdown_has_the_headings_and_sources(examples):
    text = to_markdown(examples.summarize("Steg för steg Sandviken"))
    for title in [*TITLES, "Källor"]:
        assert f"\n## {title}\n" in text
    assert "| Mål | Utfall |" in text and "(skiljer sig mellan rapporterna)" in text
    assert re.search(r"^1\. slutrapport_steg_for_steg_sandviken\.md \(slutrapport\), avsnitt ", text, re.MULTILINE)
    overview = to_markdown(examples.summarize_many())
    assert (
        "| Insats | Kommun | Period | Deltagare | Mål | Utfall | Beviljat | Utnyttjat | Andel utnyttjat |" in overview
    )


def test_docx_structure_read_back(examples):
    summary = examples.summarize("Steg för steg Sandviken")
    document = Document(io.BytesIO(to_docx(summary)))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == ("Heading 1", "Sammanfattning: Steg för steg Sandviken")
    assert [text for style, text in headings[1:]] == [*TITLES[:3], "Utvärderingen", *TITLES[3:], "Källor"]
    assert {style for style, _ in headings[1:]} == {"Heading 2"}
    goals = next(p for p in summary.parts if p.goals).goals
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Mål", "Utfall"] and len(table.rows) == len(goals) + 1
    superscripts = [r for p in document.paragraphs for r in p.runs if r.font.superscript]
    assert superscripts, "footnote numbers are superscript"
    sources = [p.text for p in document.paragraphs if re.match(r"\d+\.\t", p.text)]
    assert len(sources) == len(summary.sources) and sources[0].startswith("1.\t")


def test_overview_docx_has_table_and_chart(examples):
    overview = examples.summarize_many()
    png = chart_png(overview)
    assert png is not None and png.startswith(b"\x89PNG")
    document = Document(io.BytesIO(to_docx(overview, chart=png)))
    assert document.paragraphs[0].style.name == "Heading 1"
    table = document.tables[0]
    assert len(table.rows) == len(overview.rows) + 1 and table.rows[0].cells[-1].text == "Andel utnyttjat"
    assert len(document.inline_shapes) == 1
    section = document.sections[0]
    assert section.page_width > section.page_height  # landscape for the wide table


def test_units_mend_page_breaks_and_drop_page_furniture():
    text = (
        "5.1 Maluppfyllelse: Ange mal och resultat.\n"
        "Vi har arbetat med deltagarna och\n\nSida 3(7)\nhttp://www.exempel.example/\n\n"
        "fortsatt efter sidbrytningen.\n\n- Resultat: 19,2 %\n"
    )
    block = Block("maluppfyllelse", "Maluppfyllelse", 0, text, ((0, None),))
    found = [u.text for u in units(block)]
    assert found == ["Vi har arbetat med deltagarna och fortsatt efter sidbrytningen.", "Resultat: 19,2 %"]


def test_cli_summary(examples, tmp_path, capsys, monkeypatch):
    data = ["--data-dir", str(EXAMPLES_DATA["dir"])]
    monkeypatch.setenv("ARKIV_EMBEDDING_MODEL", "hashing")
    assert main([*data, "summary", "Steg för steg Sandviken"]) == 0
    assert capsys.readouterr().out.startswith("# Sammanfattning: Steg för steg Sandviken")
    out = tmp_path / "styrelsen.docx"
    chart = tmp_path / "diagram.png"
    assert main([*data, "summary", "--kommun", "Sandviken", "-o", str(out)]) == 0
    assert main([*data, "summary", "--all", "-o", str(out), "--diagram", str(chart)]) == 0
    assert Document(str(out)).tables and chart.read_bytes().startswith(b"\x89PNG")
    assert main([*data, "summary", "--all", "--format", "docx"]) == 1
    assert "-o" in capsys.readouterr().err
    assert main([*data, "summary"]) == 1


@needs_seeds
def test_seed_summaries_hold_the_reports_figures(make_archive):
    archive = make_archive()
    archive.ingest(SEEDS)
    assistant = assistant_of(archive)
    for insats in archive.catalog().insatser:
        summary = assistant.summarize(insats.id)
        by_note = {s.n: s for s in summary.sources}
        statements = list(_statements(summary))
        shown = {(by_note[n].source, _squash(s.text)) for s in statements for n in s.notes}

        def stated(source, text, shown=shown):
            return any(src == source and _squash(text) in body for src, body in shown)

        for source, field in insats.fields:
            if field.name in ("beviljade_medel", "utnyttjade_medel"):
                amount = f"{int(field.value):,}".replace(",", "\u00a0") + "\u00a0kr"
                assert stated(source, amount), (insats.name, field.name)
            if field.name in ("period_start", "period_end", "diarienummer", "organisation"):
                assert stated(source, field.value) or field.name == "diarienummer", (insats.name, field.name)
        goals = [g for p in summary.parts for g in p.goals]
        assert goals and all(g.target.notes for g in goals), insats.name
        assert sum(bool(g.outcomes) for g in goals) >= len(goals) - 1, insats.name
        economy = next(p for p in summary.parts if p.title == "Ekonomi")
        assert economy.figures or economy.statements, insats.name
    overview = assistant.summarize_many()
    assert len(overview.rows) == len(archive.catalog().insatser)
    assert to_markdown(overview).count("\n| ") == len(overview.rows) + 1
    document = Document(io.BytesIO(to_docx(overview)))
    assert len(document.tables[0].rows) == len(overview.rows) + 1 and len(document.inline_shapes) == 1
