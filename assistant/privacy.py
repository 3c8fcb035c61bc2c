"""Find and mask Swedish personal identity numbers and phone numbers in what people see and in the logs. Pure.

Reports name contact people with their phone numbers, and a participant's personnummer can slip into a
quarterly report. Answers, cited passages, search results and log lines are masked (``Settings.
mask_personal_data``, on by default; the web layer turns it off for administrators):

  - personnummer and samordningsnummer (day + 60): ``ÅÅMMDD-NNNK``, ``ÅÅMMDD+NNNK`` (100 years or older),
    ``ÅÅMMDD NNNK``, ``ÅÅMMDDNNNK``, ``ÅÅÅÅMMDD-NNNK`` and ``ÅÅÅÅMMDDNNNK``, kept only when the date is a
    possible date and the Luhn check digit holds, so a period "191015-220630" or a diarienummer is left alone;
  - phone numbers: ``070-123 45 67``, ``08-123 456 78``, ``0651-123 45``, ``(08) 12 34 56``, ``0701234567``,
    ``+46 70 123 45 67``, ``+46 (0)8 123 456 78``, ``0046 8 123 456 78``: a leading 0 (or +46/0046), 8–10
    digits in all, grouped the way Swedish numbers are written.

Money ("1 250 000 kr"), dates ("2021-03-01", "22-02-15"), years, periods, counts, ISBNs and diarienummer do
not have these shapes and are never masked.

Example:
    >>> mask_personal_data("Ring Anna på 070-123 45 67, pnr 811228-9874.")
    'Ring Anna på [telefonnummer], pnr [personnummer].'
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from assistant.answer import Answer, Citation, Passage

PNR_MASK = "[personnummer]"
PHONE_MASK = "[telefonnummer]"

# Not glued to a longer number, a date, a dnr ("SFG 23-14") or a decimal; followed by no further digits.
# A digit and a space before would make it part of a grouped amount ("2 050 000 000 kr").
_PNR = re.compile(
    r"(?<![\w+\-–/.,])(?<!\d[ \u00a0])"
    r"(?P<century>18|19|20)?(?P<date>\d{6})(?P<sep>[-+ ]?)(?P<serial>\d{4})"
    r"(?![\w\-–/]|[.,]\d|[ \u00a0]\d)"
)
_PHONE = re.compile(
    r"(?<![\w+\-–/.,])(?<!\d[ \u00a0])"
    r"(?:(?:\+|00)46[ \-]?(?:\(0\)[ \-]?)?[1-9]|\(0\d{1,3}\)|0[1-9])"  # country code, or trunk 0 (maybe in brackets)
    r"(?:\d|[ ]?[\-–][ ]?(?=\d)|[ ](?=\d)|\)[ ]?(?=\d))*\d"  # digits with single separators between them
    r"(?![\w\-–]|[.,]\d)"
)
_GROUPS = re.compile(r"\d+")
_COUNTRY = re.compile(r"(?:\+|00)46[ \-]?(?:\(0\)[ \-]?)?")
_DATE_LIKE = re.compile(r"\d{2}[-–]\d{2}[-–]\d{2,4}")
_MOBILE = re.compile(r"07[02369]\d{7}")
_NUMBERISH_TAIL = re.compile(r"[\d+()\-– \u00a0]*\Z")  # what could still grow into a number


@dataclass(frozen=True, slots=True)
class Finding:
    """A piece of personal data in a text: ``kind`` is "personnummer" or "telefonnummer"."""

    kind: str
    start: int
    end: int
    text: str


def luhn_valid(digits: str) -> bool:
    """The Luhn check over ``digits`` (for a personnummer: the 10 digits ÅÅMMDDNNNK)."""
    total = 0
    for i, char in enumerate(digits):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def is_personnummer(text: str) -> bool:
    """Whether ``text`` as a whole is a valid personnummer or samordningsnummer (10 or 12 digits)."""
    match = _PNR.fullmatch(text.strip())
    return match is not None and _valid_pnr(match)


def _valid_pnr(match: re.Match[str]) -> bool:
    date, serial, century = match["date"], match["serial"], match["century"]
    if not century and not match["sep"] and _MOBILE.fullmatch(date + serial):
        return False  # "0701234567" without a separator is a mobile number before it is a child born 2007
    year, month, day = int(date[:2]), int(date[2:4]), int(date[4:6])
    if day > 60:  # samordningsnummer
        day -= 60
    if not 1 <= month <= 12 or day < 1:
        return False
    # Without the century any year will do, so 29 February is allowed.
    full_year = int(century) * 100 + year if century else 2000
    if day > calendar.monthrange(full_year, month)[1]:
        return False
    return luhn_valid(date + serial)


def _phone_length(candidate: str) -> int:
    """How much of ``candidate`` (from its start) is a phone number, or 0 when no prefix of it is one.

    The candidate is every digit-and-separator run after a leading 0 or +46; a number followed by a year
    ("070-123 45 67 2021") is cut back to the longest prefix, in whole digit groups, that reads as a number.
    """
    prefix = _COUNTRY.match(candidate)
    international = prefix is not None
    groups = list(_GROUPS.finditer(candidate, prefix.end() if prefix else 0))
    for count in range(len(groups), 0, -1):
        chosen = [g.group() for g in groups[:count]]
        end = groups[count - 1].end()
        if _is_phone(chosen, international=international, text=candidate[:end]):
            return end
    return 0


def _is_phone(groups: list[str], *, international: bool, text: str) -> bool:
    digits = "".join(groups)
    if international:
        digits = "0" + digits
        return 8 <= len(digits) <= 10 and digits[1] != "0"
    if not 8 <= len(digits) <= 10 or not digits.startswith("0") or digits[1] == "0":
        return False
    if len(groups) == 1:
        return len(digits) >= 9  # written without separators: 08-numbers and mobiles
    if _DATE_LIKE.fullmatch(text.strip("()")):
        return False  # "08-03-2021" is 8 March
    area, rest = groups[0], groups[1:]
    if not (area == "08" or 3 <= len(area) <= 4):
        return False  # area codes: 08, or 3–4 digits (031, 0651, 070)
    return all(len(g) >= 2 for g in rest)


def find_personal_data(text: str) -> list[Finding]:
    """Personnummer/samordningsnummer and phone numbers in ``text``, in order."""
    found = [Finding("personnummer", m.start(), m.end(), m.group()) for m in _PNR.finditer(text) if _valid_pnr(m)]
    taken = [(f.start, f.end) for f in found]
    position = 0
    while True:
        match = _PHONE.search(text, position)
        if match is None:
            break
        length = _phone_length(match.group())
        start, end = match.start(), match.start() + length
        if length and not any(s < end and start < e for s, e in taken):
            found.append(Finding("telefonnummer", start, end, text[start:end]))
            position = end
        else:
            # Not a number here; digits further on in the run may start one ("… 2021 070-123 45 67").
            position = match.start() + 1
    return sorted(found, key=lambda f: f.start)


def mask_personal_data(text: str) -> str:
    """``text`` with personnummer replaced by [personnummer] and phone numbers by [telefonnummer]."""
    findings = find_personal_data(text)
    if not findings:
        return text
    parts, last = [], 0
    for finding in findings:
        parts.append(text[last : finding.start])
        parts.append(PNR_MASK if finding.kind == "personnummer" else PHONE_MASK)
        last = finding.end
    parts.append(text[last:])
    return "".join(parts)


def mask_passage(passage: Passage) -> Passage:
    """The passage with its text (and OCR-corrected text) masked.

    The chunk's ``start``/``end`` still point into the file; the masked text can be shorter than that span.
    """
    chunk = passage.chunk
    masked = replace(
        chunk,
        text=mask_personal_data(chunk.text),
        corrected=mask_personal_data(chunk.corrected) if chunk.corrected else chunk.corrected,
        context=mask_personal_data(chunk.context),
    )
    return replace(passage, chunk=masked)


def mask_answer(answer: Answer) -> Answer:
    """The answer with its text, notices and every cited passage masked."""
    return replace(
        answer,
        text=mask_personal_data(answer.text),
        citations=tuple(Citation(c.n, mask_passage(c.passage)) for c in answer.citations),
        notices=tuple(mask_personal_data(n) for n in answer.notices),
    )


class MaskedStream:
    """Wraps a streaming callback (``on_token``) so streamed text is masked too.

    A number can arrive split over tokens ("070", "-123 45", " 67"), so the tail that could still grow into
    one (digits, spaces, + - – ( )) is held back until text that cannot be part of it follows; ``flush()``
    sends the rest when the stream ends.

    Example:
        stream = MaskedStream(on_token)
        answer = assistant.ask(question, on_token=stream)
        stream.flush()
    """

    def __init__(self, sink: Callable[[str], None]) -> None:
        self._sink = sink
        self._held = ""
        self._before = " "  # the last character sent: context for the held text's look-behind

    def __call__(self, token: str) -> None:
        self._held += token
        cut = _NUMBERISH_TAIL.search(self._held)
        assert cut is not None  # the pattern matches the empty tail
        if cut.start() > 0:
            self._send(self._held[: cut.start()])
            self._held = self._held[cut.start() :]

    def flush(self) -> None:
        if self._held:
            self._send(self._held)
            self._held = ""

    def _send(self, text: str) -> None:
        # The text starts after a character that is no part of a number, so no number straddles the cut.
        self._sink(mask_personal_data(self._before + text)[len(self._before) :])
        self._before = text[-1]


class MaskingFilter(logging.Filter):
    """A logging filter (install it on handlers) that masks personal data in messages and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True
