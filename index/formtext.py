"""Form text: the report template's own words to the person filling it in, which are never evidence.

A final or quarterly report is a form: between the reporter's answers stand the form's instructions
("Beskriv kortfattat vilka aktiviteter som genomförts.", "Ange mål och resultat.") and its notes to the
reporter ("Stöd för kvartalsrapport finner du på förbundets hemsida."). They contain the question's words,
so search finds them, but they say nothing about the insats. Two signs hold whatever the template:
  - the sentence opens with an instruction verb in the imperative, addressed to the reporter;
  - it speaks to the reader as "du" outside quoted speech (a report tells about the insats in the first or
    third person).
"""

from __future__ import annotations

import re

# Imperatives a form uses to ask for content; a report's own sentences do not open with them.
_INSTRUCTIONS = (
    "ange",
    "beskriv",
    "bifoga",
    "fyll",
    "förklara",
    "kommentera",
    "motivera",
    "redogör",
    "redovisa",
    "specificera",
    "uppge",
)
_OPENING = re.compile(r"^[\W\d_]*(?:\d+(?:\.\d+)*\.?\s+)?(?:[^\W\d_][\w ]{0,40}:\s*)?(\w+)")
_QUOTED = re.compile(r"[\"”“«»]")
_SECOND_PERSON = re.compile(r"\b(?:du|din|ditt|dina)\b", re.IGNORECASE)


def is_form_text(sentence: str) -> bool:
    """Whether ``sentence`` is the form speaking to the reporter, not the reporter speaking."""
    match = _OPENING.match(sentence.strip())
    if match and match.group(1).lower() in _INSTRUCTIONS:
        return True
    # Quoted speech ("Du är den första som lyssnat", sa en deltagare) is the report quoting someone.
    return not _QUOTED.search(sentence) and bool(_SECOND_PERSON.search(sentence))
