"""Check examples/questions.jsonl against the fictional reports in examples/rapporter/.

For every evidence item the quote must be an exact substring of its file as read with the right encoding
(BOM/UTF-16, UTF-8 or CP1252; CRLF read as LF). For the generated PDF and DOCX the quote is checked
against the source text in examples/src/ and, after normalisation (whitespace collapsed, table "|"
separators removed), against the text extracted from the PDF/DOCX itself. Each quote must be 5-40 words,
both split on whitespace and counted as \\w+ tokens (as in /work/shared/eval/README.md).

    python examples/check_questions.py       # exit 1 and list the problems if anything is wrong
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTS = HERE / "rapporter"
SRC = HERE / "src"
QUESTIONS = HERE / "questions.jsonl"
TYPES = {"fact", "list", "insats", "reason", "summary", "negative"}
NEGATIVE_ANSWER = "finns inte i arkivet"


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    elif data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def extracted_text(path: Path) -> str | None:
    """Text of a PDF or DOCX as a reader sees it, or None when the library is missing."""
    try:
        if path.suffix == ".pdf":
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(str(path))
            return "\n".join(page.get_textpage().get_text_range() for page in pdf)
        import docx

        document = docx.Document(str(path))
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.append(" ".join(cell.text for cell in row.cells))
        return "\n".join(parts)
    except ImportError:
        return None


def loose(s: str) -> str:
    s = s.replace("|", " ").replace("\u00ad", "")
    return re.sub(r"\s+", " ", s).strip().lower()


def main() -> int:
    problems: list[str] = []
    cache: dict[str, tuple[str, str | None]] = {}
    ids: set[str] = set()
    counts: dict[str, int] = {}
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    for lineno, line in enumerate(lines, start=1):
        item = json.loads(line)
        qid = item.get("id", f"rad {lineno}")
        if qid in ids:
            problems.append(f"{qid}: id förekommer två gånger")
        ids.add(qid)
        missing = {"id", "question", "type", "insatser", "answer", "evidence"} - item.keys()
        if missing:
            problems.append(f"{qid}: saknar {sorted(missing)}")
            continue
        if item["type"] not in TYPES:
            problems.append(f"{qid}: okänd typ {item['type']}")
        counts[item["type"]] = counts.get(item["type"], 0) + 1
        if item["type"] == "negative":
            if item["answer"] != NEGATIVE_ANSWER or item["evidence"]:
                problems.append(f"{qid}: negative ska ha svaret '{NEGATIVE_ANSWER}' och tom evidence")
            continue
        if not item["evidence"]:
            problems.append(f"{qid}: evidence saknas")
        if item["type"] == "summary" and not 3 <= len(item["evidence"]) <= 6:
            problems.append(f"{qid}: summary ska ha 3-6 passager")
        for ev in item["evidence"]:
            name, quote = ev["file"], ev["quote"]
            path = REPORTS / name
            if not path.is_file():
                problems.append(f"{qid}: filen {name} finns inte")
                continue
            if name not in cache:
                if path.suffix in (".pdf", ".docx"):
                    source = (SRC / f"{path.stem}.txt").read_text(encoding="utf-8")
                    cache[name] = (source, extracted_text(path))
                else:
                    cache[name] = (decode(path.read_bytes()), None)
            text, rendered = cache[name]
            if quote not in text:
                problems.append(f"{qid}: citatet finns inte ordagrant i {name}: {quote[:60]!r}")
            if rendered is not None and loose(quote) not in loose(rendered):
                problems.append(f"{qid}: citatet finns inte i den genererade {path.suffix}-filens text: {quote[:60]!r}")
            n_ws, n_w = len(quote.split()), len(re.findall(r"\w+", quote))
            if not (5 <= n_ws <= 40 and 5 <= n_w <= 40):
                problems.append(f"{qid}: citatet har {n_ws}/{n_w} ord (ska vara 5-40): {quote[:60]!r}")
    for problem in problems:
        sys.stdout.write(problem + "\n")
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    sys.stdout.write(f"{len(lines)} frågor ({summary}); {len(problems)} problem\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
