import io
import json
import logging

import pytest
from conftest import DEV_SET, EXAMPLES, SEEDS, assistant_of, needs_seeds
from hypothesis import given
from hypothesis import strategies as st

from assistant.cite import figures
from assistant.privacy import (
    PHONE_MASK,
    PNR_MASK,
    MaskedStream,
    MaskingFilter,
    find_personal_data,
    is_personnummer,
    luhn_valid,
    mask_personal_data,
)
from index.parse import read_document


def _check_digit(nine: str) -> str:
    return next(str(d) for d in range(10) if luhn_valid(nine + str(d)))


@st.composite
def personnummer(draw):
    """A Luhn-valid personnummer or samordningsnummer in any of its written forms."""
    century = draw(st.sampled_from(["19", "20"]))
    year = draw(st.integers(0, 99))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28)) + draw(st.sampled_from([0, 60]))
    serial = draw(st.integers(0, 999))
    nine = f"{year:02}{month:02}{day:02}{serial:03}"
    ten = nine + _check_digit(nine)
    sep = draw(st.sampled_from(["-", "+", "", " "]))
    long = draw(st.booleans())
    if not long and not sep and ten.startswith(("070", "072", "073", "076", "079")):
        sep = "-"  # ten bare digits starting like a mobile number are read as one (tested below)
    return (century if long else "") + ten[:6] + sep + ten[6:]


@given(
    personnummer(),
    st.sampled_from(["", "Pnr ", "personnummer: ", "(", "Deltagaren, "]),
    st.sampled_from(["", ".", ")", ", född", " har deltagit"]),
)
def test_every_valid_personnummer_is_masked(pnr, before, after):
    assert is_personnummer(pnr)
    assert mask_personal_data(before + pnr + after) == before + PNR_MASK + after


@given(personnummer())
def test_a_wrong_check_digit_is_not_a_personnummer(pnr):
    wrong = pnr[:-1] + str((int(pnr[-1]) + 1) % 10)
    assert not is_personnummer(wrong)
    assert PNR_MASK not in mask_personal_data(wrong)


@pytest.mark.parametrize(
    "pnr",
    [
        "811228-9874",
        "19811228-9874",
        "198112289874",
        "8112289874",
        "811228+9874",
        "701063-2391",
        "20000229-0005",
        "811228 9874",
        "19811228 9874",
    ],
)
def test_known_personnummer_forms(pnr):
    assert find_personal_data(f"x {pnr} y")[0].kind == "personnummer", pnr


@pytest.mark.parametrize(
    "phone",
    [
        "070-123 45 67",
        "070-1234567",
        "0701234567",
        "070 123 45 67",
        "08-123 456 78",
        "08-12 34 56",
        "08-123 45 67",
        "0651-123 45",
        "0651-12345",
        "026-10 00 00",
        "031-123 45 67",
        "+46 70 123 45 67",
        "+46701234567",
        "+46 (0)8 123 456 78",
        "0046 8 123 456 78",
        "(08) 12 34 56",
        "076-527 87 76",
        "08 – 123 456 78",
    ],
)
def test_swedish_phone_numbers_are_masked(phone):
    for text in (phone, f"Ring {phone}.", f"Tel:{phone}, e-post x@y.se", f"Mobil {phone} (dagtid)"):
        masked = mask_personal_data(text)
        assert PHONE_MASK in masked and not any(ch.isdigit() for ch in masked), (text, masked)


@pytest.mark.parametrize(
    "text",
    [
        "1 250 000 kr",
        "Beviljade medel 2 530 000 kr och utnyttjade 2 348 428 kr",
        "2 050 000 000 kronor",
        "Dnr 2020-03637",
        "SFG 23-14",
        "Diarienummer SFG-1924",
        "dnr 2021/0345",
        "2021-03-01",
        "2021-03-01 - 2023-02-28",
        "2019-10-01- 2022-06-30",
        "20230101 - 20240831",
        "230401 - 230630",
        "191015-220630",
        "211001 - 220131",
        "22-02-15",
        "01-03-2021",
        "08-03-2021",
        "år 2021",
        "2020-2022",
        "33 deltagare",
        "Målet var 40 deltagare, 12 gick till arbete",
        "0 deltagare",
        "0,5 tjänst",
        "31,7 %",
        "ISBN 978-91-7623-254-5",
        "PMID: 23387398",
        "organisationsnummer 212000-2262",
        "kl. 08.30-12.00",
        "802 83 Gävle",
        "v. 12-14",
        "2015;20(6):420-8",
        "811288-9876",
        "811228-9875",
        "Insatstid 220101 - 221231",
        "tel. 112",
        "0,75 procent",
        "Q2 2023",
        "4333-mm-dd",
        "811228 9874 123",
        "1 811228 9874",
    ],
)
def test_amounts_dates_dnr_periods_and_counts_are_not_masked(text):
    assert mask_personal_data(text) == text


def test_a_phone_followed_by_a_year_keeps_the_year():
    assert mask_personal_data("070-123 45 67 2021") == f"{PHONE_MASK} 2021"


def _texts():
    for folder in (SEEDS, EXAMPLES):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                yield path.name, read_document(path, path.name, max_bytes=10**8).text


def test_example_reports_lose_only_their_phone_numbers():
    masked_here = {}
    for name, text in _texts():
        found = find_personal_data(text)
        masked_here[name] = [f.text for f in found]
        assert all(f.kind == "telefonnummer" and f.text.startswith("07") for f in found), (name, found)
        kept = figures(mask_personal_data(text))
        assert figures(text) - kept <= set().union(*(figures(f.text) for f in found)), name
    # The fictional examples carry fictional contact numbers (070-000 00 xx); nothing else is masked.
    assert sum(len(v) for k, v in masked_here.items() if not k[0].isdigit()) >= 10


@needs_seeds
def test_dev_set_answers_are_never_masked_and_evidence_loses_only_phone_numbers():
    masked = []
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        assert mask_personal_data(item.get("answer") or "") == (item.get("answer") or ""), item["id"]
        for evidence in item.get("evidence", []):
            found = find_personal_data(evidence["quote"])
            assert all(f.kind == "telefonnummer" for f in found), (item["id"], found)
            masked.extend((item["id"], f.text) for f in found)
    assert [i for i, _ in masked] == ["d020"]  # a contact person's mobile number, quoted as evidence


def test_logging_filter_masks_messages_args_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    log = logging.getLogger("test.privacy")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("kontakt %s, pnr %s, belopp %s kr", "070-123 45 67", "19811228-9874", "1 250 000")
        try:
            raise ValueError("trasig rad: 811228-9874")
        except ValueError:
            log.exception("misslyckades för %s", "08-123 456 78")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert "070-123" not in out and "9874" not in out and "456 78" not in out
    assert f"kontakt {PHONE_MASK}, pnr {PNR_MASK}, belopp 1 250 000 kr" in out
    assert f"ValueError: trasig rad: {PNR_MASK}" in out


PERSONAL = """Slutrapport

## 1. Allmänna uppgifter

| Insatsens namn<br>Bron till jobb Testby |
| Beviljade medel för insatsen<br>640 000 kr |

## 2. Kontaktperson

Kontaktperson för insatsen var Anna Exempel, telefon 070-123 45 67, vxl 08-123 456 78.

## 5. Resultat och utfall av insats

En deltagare med personnummer 19811228-9874 fick arbete efter 14 månader i Bron till jobb.
"""


@pytest.fixture
def personal(tmp_path, monkeypatch):
    root = tmp_path / "personal"
    root.mkdir()
    (root / "bron.md").write_text(PERSONAL, encoding="utf-8")
    monkeypatch.setenv("ARKIV_EMBEDDING_MODEL", "hashing")
    data = ["--data-dir", str(tmp_path / "data")]
    from assistant.cli import main

    assert main([*data, "ingest", str(root)]) == 0
    return main, data


def _all_text(answer):
    return " ".join([answer.text, *answer.notices, *(c.passage.chunk.text for c in answer.citations)])


def test_assistant_masks_answers_and_cited_passages_unless_told_not_to(make_archive, tmp_path):

    root = tmp_path / "personal"
    root.mkdir()
    (root / "bron.md").write_text(PERSONAL, encoding="utf-8")
    archive = make_archive()
    archive.ingest(root)
    assistant = assistant_of(archive)
    question = "Vilket telefonnummer hade kontaktpersonen Anna Exempel och vilken deltagare fick arbete?"
    masked = assistant.ask(question)
    assert masked.citations and PHONE_MASK in _all_text(masked)
    assert "070-123" not in _all_text(masked) and "9874" not in _all_text(masked)
    assert "640 000" not in _all_text(masked) or "640 000 kr" in PERSONAL  # amounts are left as they are
    plain = assistant.ask(question, mask_personal_data=False)  # an administrator
    assert "070-123 45 67" in _all_text(plain)
    off = assistant_of(make_archive(mask_personal_data=False))
    assert "070-123 45 67" in _all_text(off.ask(question))


def test_cli_search_and_ask_output_is_masked(personal, capsys, monkeypatch):
    main, data = personal
    capsys.readouterr()
    assert main([*data, "search", "telefon kontaktperson personnummer", "--json", "-k", "5"]) == 0
    out = capsys.readouterr().out
    assert PHONE_MASK in out and PNR_MASK in out and "070-123" not in out and "9874" not in out
    assert main([*data, "search", "telefon kontaktperson"]) == 0
    out = capsys.readouterr().out
    assert "070-123" not in out and "telefonnummer" in out
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": 1, "question": "Vilket telefonnummer hade Anna Exempel?"}\n'))
    assert main([*data, "ask", "--jsonl", "-"]) == 0
    out = capsys.readouterr().out
    assert "070-123" not in out and "08-123" not in out
    monkeypatch.setenv("ARKIV_MASK_PERSONAL_DATA", "false")
    assert main([*data, "search", "telefon kontaktperson", "--json"]) == 0
    assert "070-123 45 67" in capsys.readouterr().out


def test_the_log_file_is_masked(personal, tmp_path):
    main, data = personal
    logging.getLogger("assistant.test").warning("kontakt %s", "070-123 45 67")
    log = (tmp_path / "data" / "arkiv.log").read_text(encoding="utf-8")
    assert "kontakt [telefonnummer]" in log and "070-123" not in log


@given(st.lists(st.integers(1, 7), min_size=1, max_size=40))
def test_streamed_text_is_masked_however_it_is_split(cuts):
    text = "Ring Anna på 070-123 45 67 eller 08-123 456 78; pnr 19811228-9874, beviljat 1 250 000 kr (SFG 23-14)."
    pieces, at = [], 0
    for size in cuts:
        pieces.append(text[at : at + size])
        at += size
    pieces.append(text[at:])
    out = []
    stream = MaskedStream(out.append)
    for piece in pieces:
        stream(piece)
    stream.flush()
    assert "".join(out) == mask_personal_data(text)
