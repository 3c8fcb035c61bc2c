"""A malformed-input archive: well over 100 bad files mixed with good fictional reports.

Used by tests/test_badfiles.py and bench/badfiles.py. Every file carries its expectation: ``ok`` (must be
indexed), ``failed`` (must be listed with a Swedish reason containing ``reason``), ``either`` (a damaged file
that may still be readable, such as a PDF cut near its end: indexed or listed, never a crash) or ``skipped``
(not a report file at all: hidden names, FIFOs, folders, dangling links; neither indexed nor listed).

Decisions on the borderline cases:
  - UTF-16 (with or without BOM), Latin-1 and CP1252 text is *good*: staff save reports from old Word and
    Notepad this way, and the reader decodes it exactly.
  - UTF-8 with a few broken bytes is *good*: read as UTF-8 with U+FFFD for the broken bytes (not as CP1252,
    which would garble every å).
  - a PDF encrypted with an owner password only opens without a password, so it is *good*.
  - a file whose name is not UTF-8 is *failed*: its name cannot be stored or cited.
"""

from __future__ import annotations

import os
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "rapporter"


@dataclass(frozen=True)
class Case:
    source: str  # path relative to the archive root (str; may hold surrogates for a non-UTF-8 name)
    category: str
    expect: str  # "ok" | "failed" | "either" | "skipped"
    reason: str = ""  # Swedish words the failure reason must contain


def good_report(i: int, *, name: str | None = None) -> str:
    """A fictional final report in the template, distinct per ``i`` (no real report's text)."""
    name = name or f"Provinsats {i}"
    return f"""Slutrapport
Insats för samverkansmedel

## 1. Allmänna uppgifter

| Insatsens namn<br>{name} |
| Insatstid – åååå-mm-dd<br>2022-01-01 - 2023-12-31 |
| Beviljade medel för insatsen<br>{400 + i} 000 kr |

## 5. Resultat och utfall av insats

Målet var {20 + i} deltagare. Totalt deltog {10 + i} personer och {i % 7 + 1} gick vidare till arbete.

## 6. Analys

#### 6.4 Beskriv framgångsfaktorer/positiva effekter:

Provinsats {i} byggde på täta möten mellan handläggare från kommun, region och Arbetsförmedlingen.
Deltagarna fick prova på praktik i ö-kommunens verkstäder och på äldreboenden.

#### 6.5 Beskriv identifierade systemfel som påverkat insatsens resultat:

Väntetider hos vården gjorde att rehabiliteringen drog ut på tiden för deltagare {i}.
"""


def pdf_bytes(pages: list[str], **kw: object) -> bytes:
    """A PDF with one page per text, each line drawn as text (reportlab)."""
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, **kw)  # type: ignore[arg-type]
    for text in pages:
        y = 800
        for line in text.splitlines():
            c.drawString(50, y, line)
            y -= 14
        c.showPage()
    c.save()
    return out.getvalue()


def _docx_bytes(text: str) -> bytes:
    import io

    import docx

    document = docx.Document()
    for block in text.split("\n\n"):
        document.add_paragraph(block)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def generate(root: Path, *, big_mb: int = 200, seed: int = 0) -> list[Case]:
    """Write the archive under ``root``; returns one Case per file (and per deliberately skipped entry)."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def put(name: str, data: bytes, category: str, expect: str, reason: str = "") -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        cases.append(Case(name, category, expect, reason))

    # --- good: the fictional examples, generated reports, honest encodings ------------------------------
    for path in sorted(EXAMPLES.iterdir()):
        put(f"exempel/{path.name}", path.read_bytes(), "good: examples", "ok")
    for i in range(6):
        put(f"god/rapport_{i:02}.md", good_report(i).encode(), "good: generated", "ok")
    put("god/rapport_docx.docx", _docx_bytes(good_report(50)), "good: generated", "ok")
    put("god/rapport_pdf.pdf", pdf_bytes(good_report(51).splitlines()[:40:2]), "good: generated", "ok")
    encodings = {
        "utf-16": "utf-16",
        "utf-16-le": "utf-16-le",
        "utf-16-be": "utf-16-be",
        "latin-1": "latin-1",
        "cp1252": "cp1252",
        "utf-8-sig": "utf-8-sig",
    }
    for i, (label, encoding) in enumerate(encodings.items()):
        text = good_report(60 + i).replace("–", "-")  # Latin-1 has no en dash
        put(f"kodning/{label}.txt", text.encode(encoding), "good: other encoding", "ok")
    damaged = bytearray(good_report(70).encode())
    for at in (120, 400, 700):
        damaged[at] = 0xFF
    put("kodning/utf-8 med tre trasiga byte.md", bytes(damaged), "good: UTF-8 with broken bytes", "ok")
    owner_only = pdf_bytes([good_report(71)[:400]], encrypt=_owner_only())
    put("kodning/agarlosenord.pdf", owner_only, "good: owner-password PDF", "ok")

    # --- good content, awkward names --------------------------------------------------------------------
    odd_names = [
        "namn med mellanslag.md",
        "  inledande mellanslag.md",
        "åäö ÅÄÖ é ü.md",
        "日本語 ελληνικά.md",
        "Ölme nfc.md",
        "O\u0308lme nfd.md",
        "-rapport.md",
        "--help.md",
        "-rf .txt",
        "rapport..slut.md",
        "a..b..c.txt",
        "[red]rich[/red] markup.md",
        "<script>alert(1)<script>.md",
        "$(rm -rf ~); echo.md",
        "citat \"och\" 'apostrof'.md",
        "rad\nbrytning.md",
        "tab\there.md",
        "bakstreck\\namn.md",
        "procent %s %d.md",
        "x" * 240 + ".md",
        "undermapp med mellanslag/-- ..md",
        "djup/å/ä/ö/rapport.md",
    ]
    for i, name in enumerate(odd_names):
        put(name, good_report(100 + i).encode(), "good: odd file name", "ok")
    # names that are hidden by convention, and entries that are not regular files
    put("..rapport.md", good_report(130).encode(), "skipped: hidden name", "skipped")
    put(".dold/rapport.md", good_report(131).encode(), "skipped: hidden name", "skipped")
    os.mkfifo(root / "fifo.md")
    cases.append(Case("fifo.md", "skipped: not a regular file", "skipped"))
    (root / "mapp.md").mkdir()
    cases.append(Case("mapp.md", "skipped: not a regular file", "skipped"))
    (root / "slinga.md").symlink_to("slinga.md")
    cases.append(Case("slinga.md", "skipped: not a regular file", "skipped"))
    (root / "dod_lank.txt").symlink_to("finns-inte.txt")
    cases.append(Case("dod_lank.txt", "skipped: not a regular file", "skipped"))
    bad_name = os.fsdecode(b"namn \xff\xfe latin1 \xe5.md")
    (root / bad_name).write_bytes(good_report(132).encode())
    cases.append(Case(bad_name, "bad: name not UTF-8", "failed", "inte giltig UTF-8"))

    # --- bad: empty ---------------------------------------------------------------------------------------
    for suffix in (".pdf", ".docx", ".md", ".txt", ".MD", ".Pdf"):
        for i in range(2):
            put(f"tom/tom_{i}{suffix}", b"", "bad: zero bytes", "failed", "tom")
    put("tom/bara_blanksteg.md", b" \n\n\t  \n" * 50, "bad: whitespace only", "failed", "ingen text")
    put("tom/bara_bom.txt", b"\xef\xbb\xbf", "bad: whitespace only", "failed", "ingen text")

    # --- bad: PDFs ----------------------------------------------------------------------------------------
    whole = pdf_bytes([good_report(200)[:500], good_report(201)[:500]])
    for fraction in (0.02, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
        put(
            f"pdf/avkortad_{int(fraction * 100):02}.pdf",
            whole[: int(len(whole) * fraction)],
            "bad: truncated PDF",
            "failed",
            "trasig",
        )
    for fraction in (0.7, 0.8, 0.9, 0.97):  # the page streams may survive; pdfium rebuilds a lost xref
        put(
            f"pdf/avkortad_{int(fraction * 100):02}.pdf",
            whole[: int(len(whole) * fraction)],
            "bad: truncated PDF",
            "either",
            "trasig",
        )
    for i in range(12):
        put(
            f"pdf/krypterad_{i}.pdf",
            pdf_bytes([f"Hemlig rapport {i}"], encrypt=f"lösen{i}"),
            "bad: encrypted PDF",
            "failed",
            "lösenordsskyddad",
        )
    for i in range(10):
        put(f"pdf/skrap_{i}.pdf", rng.randbytes(2000 + 500 * i), "bad: random bytes as PDF", "failed", "trasig")
    put("pdf/bara_huvud.pdf", b"%PDF-1.7\n", "bad: header only PDF", "failed", "trasig")
    put("pdf/html.pdf", b"<html><body>Inte en PDF</body></html>", "bad: HTML as PDF", "failed", "trasig")
    put("pdf/docx_som_pdf.pdf", _docx_bytes("Fel filändelse"), "bad: DOCX as PDF", "failed", "trasig")
    for i in range(3):
        put(f"pdf/bildsidor_{i}.pdf", pdf_bytes([""] * (i + 1)), "bad: image-only PDF", "failed", "textlager")

    # --- bad: binary with a text or docx suffix -------------------------------------------------------
    for i in range(8):
        suffix = (".txt", ".md")[i % 2]
        put(f"binar/slump_{i}{suffix}", rng.randbytes(3000 + 1000 * i), "bad: binary as text", "failed", "binär")
    put("binar/png.md", b"\x89PNG\r\n\x1a\n" + rng.randbytes(4000), "bad: binary as text", "failed", "binär")
    put("binar/elf.txt", b"\x7fELF\x02\x01\x01" + bytes(4000), "bad: binary as text", "failed", "binär")
    put("binar/pdf_som_text.txt", pdf_bytes([""]) + bytes(2000), "bad: binary as text", "failed", "binär")
    put("binar/nollor.md", bytes(5000), "bad: binary as text", "failed", "binär")
    for i in range(6):
        put(f"binar/slump_{i}.docx", rng.randbytes(2000 + 300 * i), "bad: binary as DOCX", "failed", "trasig")
    put("binar/pdf_som_docx.docx", whole, "bad: binary as DOCX", "failed", "trasig")
    put("binar/text_som_docx.docx", good_report(202).encode(), "bad: binary as DOCX", "failed", "trasig")
    put("binar/zip_utan_word.docx", _zip({"hej.txt": b"inte word"}), "bad: zip that is no DOCX", "failed", "trasig")
    whole_docx = _docx_bytes(good_report(203))
    for fraction in (0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.99):
        put(
            f"binar/avkortad_{int(fraction * 100):02}.docx",
            whole_docx[: int(len(whole_docx) * fraction)],
            "bad: truncated DOCX",
            "failed",
            "trasig",
        )
    import gzip

    for i in range(2):
        put(
            f"binar/gzip_{i}.txt",
            gzip.compress(good_report(204 + i).encode() * 20),
            "bad: binary as text",
            "failed",
            "binär",
        )
    for i, encoding in enumerate(("utf-32", "utf-32-le")):
        put(f"text/utf32_{i}.txt", good_report(206 + i).encode(encoding), "bad: UTF-32 text", "failed", "binär")
    for i in range(2):  # a crashed save: the report followed by the preallocated zeros
        put(
            f"text/nollfylld_{i}.md",
            good_report(208 + i).encode() + bytes(20_000),
            "bad: text padded with NUL",
            "failed",
            "binär",
        )

    # --- bad: zip bombs -----------------------------------------------------------------------------------
    for i, megabytes in enumerate((30, 60, 250)):
        put(
            f"bomb/zipbomb_{i}.docx",
            _zip({"word/document.xml": b"\0" * (megabytes << 20)}),
            "bad: DOCX zip bomb",
            "failed",
            "zip-bomb",
        )
    many = {f"word/media/bild{n}.xml": b"a" * 20_000 for n in range(400)}
    put("bomb/manga_delar.docx", _zip(many), "bad: DOCX zip bomb", "failed", "zip-bomb")
    put("bomb/entiteter.docx", _entity_bomb(), "bad: XML entity bomb DOCX", "failed", "trasig")

    # --- bad: text that is not text -----------------------------------------------------------------------
    for i in range(6):
        junk = bytes(rng.choice(range(0x80, 0x100)) for _ in range(4000))  # high bytes only: garbage in any codec
        noise = bytes(rng.choice(list(range(0, 9)) + list(range(14, 32))) for _ in range(400))
        put(f"text/ogiltig_utf8_{i}.txt", junk + noise, "bad: invalid UTF-8 noise", "failed", "binär")
    for i in range(4):
        put(
            f"text/utf16_halv_{i}.txt",
            "Text".encode("utf-16-le")[:-1] + rng.randbytes(3000),
            "bad: broken UTF-16",
            "failed",
            "binär",
        )

    # --- bad: size ----------------------------------------------------------------------------------------
    big = root / "stor" / "jattefil_200mb.txt"
    big.parent.mkdir(parents=True, exist_ok=True)
    line = ("Deltagarna i Provinsats träffades varje vecka för att planera nästa steg. " * 12 + "\n").encode()
    block = line * ((1 << 20) // len(line) + 1)
    with big.open("wb") as out:
        for _ in range(big_mb):
            out.write(block[: 1 << 20])
    cases.append(Case("stor/jattefil_200mb.txt", "bad: 200 MB text", "failed", "för stor"))
    # wrong suffixes are not report files
    put("annat/bild.png", b"\x89PNG", "skipped: other suffix", "skipped")
    put("annat/rapport.odt", b"x", "skipped: other suffix", "skipped")
    return cases


def _zip(members: dict[str, bytes]) -> bytes:
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _entity_bomb() -> bytes:
    """A DOCX whose document.xml defines nested entities ("billion laughs"); must not be expanded."""
    import io

    base = _docx_bytes("Vanlig text")
    entities = '<!ENTITY l0 "ha">' + "".join(f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode()
                head, rest = text.split("?>", 1)
                data = (head + f"?><!DOCTYPE w:document [{entities}]>" + rest.replace("Vanlig text", "&l9;")).encode()
            archive.writestr(info, data)
    return out.getvalue()


def _owner_only() -> object:
    from reportlab.lib.pdfencrypt import StandardEncryption

    return StandardEncryption("", ownerPassword="agare", canPrint=1, canModify=0)


def summary(cases: list[Case]) -> dict[str, int]:
    """Files per category."""
    counts: dict[str, int] = {}
    for case in cases:
        counts[case.category] = counts.get(case.category, 0) + 1
    return counts


# Run with ``python -c PEAK_RSS arkiv-args…``: the CLI in a child process that reports its own peak RSS at exit
# (VmHWM is per process and reset at exec; getrusage(RUSAGE_CHILDREN) would carry over the parent's peak).
PEAK_RSS = """import sys, atexit
from assistant.cli import main
def peak():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM"))
    sys.stderr.write(f"PEAK_RSS_KB {kb}\\n")
atexit.register(peak)
sys.exit(main(sys.argv[1:]))
"""
