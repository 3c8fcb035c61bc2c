#!/usr/bin/env python3
"""Kontrollerar archive-d: citat, register och fråge-id (anpassad från verktygsskriptet i archive-c).

Kör:  /work/main/.venv/bin/python examples/archive-d/check.py [--words] [--chance]

- varje citat (quote) finns ordagrant i sin fil och är 5–40 ord, både räknat på blanksteg och som \\w+-token;
  DOCX extraheras med python-docx (stycken och tabeller i dokumentordning, tabellrader som "| a | b |"),
  PDF med pypdf (eller pypdfium2 om pypdf saknas); för DOCX och PDF måste citatet också finnas i källan i src/.
  PDF-text jämförs efter att blanktecken slagits ihop (radbrytningarna i PDF:en är inte källtextens).
- txt-filer avkodas som UTF-8, annars CP1252.
- varje fil i files/ står i register.json exakt en gång och varje fil i registret finns;
- fråge-id är unika, typerna giltiga, negativa frågor saknar evidens, icke-negativa har evidens,
  varje evidensfil hör till en insats i frågans insatser-lista (annars varning),
  listfrågor har evidens från minst en fil per angiven insats.
- insats_tokens.json har en nyckel per insats i registret (namnet gemenat, å/ä→a, ö→o), och varje
  värde är en icke-tom lista med gemena, vikta strängar.
- listfrågor har minst två insatser; summary-frågor har 3–6 evidensposter.
- fråge-id är d4-01 … d4-40 i ordning; frågor märkta SIFFROR SKILJER SIG har evidens från minst två filer.
--words skriver ut ordantal per fil.
--chance räknar citat som av en slump träffar fönster (400/1000/2000 tecken) i en annan fil,
  med träffregeln från shared/eval/README.md (delsträng eller 60 % av orden i ordning).
"""

import json
import re
import sys
from pathlib import Path

from assistant.cli.evaluate import hits  # the scorer's hit rule (shared/eval/README.md)

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
SRC = HERE / "src"
TYPES = {"fact", "list", "insats", "reason", "summary", "negative"}

SRC_OF = {
    "Slutredovisning Ungdomsbron Timrå.docx": "Slutredovisning Ungdomsbron Timrå.txt",
    "Larande_natverk_Mittnorr_verksamhetsuppfoljning_2023.docx": "Larande_natverk_Mittnorr_verksamhetsuppfoljning_2023.txt",
    "Boendespåret Sundsvall slutredovisning.docx": "Boendespåret Sundsvall slutredovisning.txt",
    "FoU_HogaKusten_rapport_2024-3_Kompassen.pdf": "FoU_HogaKusten_rapport_2024-3_Kompassen.txt",
    "FamiljeJobb_Ornskoldsvik_slutredovisning.pdf": "FamiljeJobb_Ornskoldsvik_slutredovisning.txt",
}


def docx_text(path):
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = Document(str(path))
    out = []
    for el in doc.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append(Paragraph(el, doc).text)
        elif tag == "tbl":
            for row in Table(el, doc).rows:
                out.append("| " + " | ".join(c.text for c in row.cells) + " |")
    return "\n".join(out)


def pdf_text(path):
    try:
        from pypdf import PdfReader

        return "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)
    except ImportError:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def read_text(path):
    suf = path.suffix.lower()
    if suf == ".docx":
        return docx_text(path)
    if suf == ".pdf":
        return pdf_text(path)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def fold(name):
    name = name.lower()
    for a, b in (("å", "a"), ("ä", "a"), ("ö", "o")):
        name = name.replace(a, b)
    return name


def ws(s):
    return re.sub(r"\s+", " ", s).strip()


def chance_hits(texts, questions):
    for width in (400, 1000, 2000):
        bad = []
        for q in questions:
            for ev in q["evidence"]:
                for f, t in texts.items():
                    if f == ev["file"]:
                        continue
                    if any(hits(t[i : i + width], ev["quote"]) for i in range(0, max(1, len(t) - width // 2), width // 2)):
                        bad.append((q["id"], f, ev["quote"][:50]))
        print("fönster %4d tecken: %d träffar i fel fil" % (width, len(bad)))
        for b in bad:
            print("   %s  %s  %r" % b)


def main():
    errors, warnings = [], []
    register = json.loads((HERE / "register.json").read_text(encoding="utf-8"))
    file_to_insats = {}
    for ins in register:
        for f in ins["filer"]:
            if f in file_to_insats:
                errors.append(f"fil listad två gånger i register.json: {f}")
            file_to_insats[f] = ins["namn"]
            if not (FILES / f).exists():
                errors.append(f"fil i register.json saknas: {f}")
    on_disk = sorted(p.name for p in FILES.iterdir() if p.is_file())
    for f in on_disk:
        if f not in file_to_insats:
            errors.append(f"fil saknas i register.json: {f}")

    tokens = json.loads((HERE / "insats_tokens.json").read_text(encoding="utf-8"))
    if len(tokens) != len(register):
        errors.append("insats_tokens.json har %d nycklar, registret %d insatser" % (len(tokens), len(register)))
    for ins in register:
        if fold(ins["namn"]) not in tokens:
            errors.append("insats_tokens.json saknar nyckeln %r" % fold(ins["namn"]))
    for key, vals in tokens.items():
        if not vals or not isinstance(vals, list):
            errors.append("insats_tokens.json: tom eller felaktig lista för %r" % key)
            continue
        for v in vals:
            if v != fold(v).replace("é", "e"):
                errors.append("insats_tokens.json: %r under %r är inte gemen och vikt" % (v, key))

    texts = {f: read_text(FILES / f) for f in on_disk}
    srcs = {f: (SRC / s).read_text(encoding="utf-8") for f, s in SRC_OF.items()}
    if "--words" in sys.argv:
        for f in on_disk:
            print("%5d ord  %s" % (len(texts[f].split()), f))

    ids = set()
    n_q = n_ev = 0
    counts = {}
    for _ln, line in enumerate((HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        q = json.loads(line)
        n_q += 1
        qid = q["id"]
        if qid in ids:
            errors.append(f"dubblerat id: {qid}")
        if qid != "d4-%02d" % n_q:
            errors.append(f"id {qid} borde vara d4-{n_q:02d}")
        ids.add(qid)
        counts[q["type"]] = counts.get(q["type"], 0) + 1
        if q["type"] not in TYPES:
            errors.append("{}: okänd typ {}".format(qid, q["type"]))
        for key in ("question", "answer", "insatser", "evidence"):
            if key not in q:
                errors.append(f"{qid}: saknar {key}")
        if q["type"] == "negative":
            if q["evidence"]:
                errors.append(f"{qid}: negativ fråga med evidens")
            if q["answer"] != "finns inte i arkivet":
                errors.append(f"{qid}: negativt svar ska vara 'finns inte i arkivet'")
            continue
        if not q["evidence"]:
            errors.append(f"{qid}: saknar evidens")
        ev_insatser = set()
        for ev in q["evidence"]:
            n_ev += 1
            f, quote = ev["file"], ev["quote"]
            if f not in texts:
                errors.append(f"{qid}: okänd fil {f}")
                continue
            ev_insatser.add(file_to_insats.get(f))
            if file_to_insats.get(f) not in q["insatser"]:
                warnings.append(f"{qid}: evidensfilen {f} hör till {file_to_insats.get(f)}, som inte står i insatser")
            nw, nt = len(quote.split()), len(re.findall(r"\w+", quote))
            if not (5 <= nw <= 40 and 5 <= nt <= 40):
                errors.append("%s: citatet har %d ord / %d token: %r" % (qid, nw, nt, quote[:60]))
            if f.endswith(".pdf"):
                ok = ws(quote) in ws(texts[f])
            else:
                ok = quote in texts[f]
            if not ok:
                errors.append(f"{qid}: citatet finns inte i {f}: {quote[:80]!r}")
            if f in srcs and quote not in srcs[f]:
                errors.append(f"{qid}: citatet finns inte i källan för {f}: {quote[:80]!r}")
        if "SIFFROR SKILJER SIG" in q.get("notes", "") and len({ev["file"] for ev in q["evidence"]}) < 2:
            errors.append(f"{qid}: SIFFROR SKILJER SIG men evidens från färre än två filer")
        if q["type"] == "summary" and not (3 <= len(q["evidence"]) <= 6):
            errors.append("%s: summary ska ha 3–6 evidensposter, har %d" % (qid, len(q["evidence"])))
        if q["type"] == "list" and len(q["insatser"]) < 2:
            errors.append(f"{qid}: listfråga med färre än två insatser")
        if q["type"] == "list":
            reg_names = {i["namn"] for i in register}
            for name in q["insatser"]:
                if name in reg_names and name not in ev_insatser:
                    errors.append(f"{qid}: listfråga utan evidens för {name}")

    if "--chance" in sys.argv:
        chance_hits(texts, [json.loads(x) for x in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()])

    for w in warnings:
        print("VARNING:", w)
    for e in errors:
        print("FEL:", e)
    print(
        "%d frågor (%s), %d evidensposter, %d filer, %d insatser"
        % (n_q, ", ".join("%s %d" % kv for kv in sorted(counts.items())), n_ev, len(on_disk), len(register))
    )
    if errors:
        print("MISSLYCKADES: %d fel" % len(errors))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
