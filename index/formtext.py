"""Form text: the report template's own words to the person filling it in, which are never evidence.

A final or quarterly report is a form: between the reporter's answers stand the form's instructions
("Beskriv kortfattat vilka aktiviteter som genomförts.", "Ange mål och resultat.") and its notes to the
reporter ("Stöd för kvartalsrapport finner du på förbundets hemsida."). They contain the question's words,
so search finds them, but they say nothing about the insats. Three signs hold whatever the template:
  - the sentence opens with an instruction verb in the imperative, addressed to the reporter;
  - it speaks to the reader as "du" outside quoted speech (a report tells about the insats in the first or
    third person);
  - the form speaks of itself: "Slutredovisningen lämnas … senast tre månader efter …", "Mallen ersätter …",
    "Mall för slutredovisning (fastställd av styrelsen …)": the subject is the document kind, the verb how
    such documents are handled.
"""

from __future__ import annotations

import re

# Imperatives a form uses to ask for content; a report's own sentences do not open with them.
_INSTRUCTIONS = (
    "ange",
    "använd",
    "besvara",
    "beskriv",
    "bifoga",
    "fyll",
    "förklara",
    "kommentera",
    "motivera",
    "redogör",
    "redovisa",
    "skriv",
    "specificera",
    "svara",
    "uppge",
)
_OPENING = re.compile(r"^[\W\d_]*(?:\d+(?:\.\d+)*\.?\s+)?(?:[^\W\d_][\w ]{0,40}:\s*)?(\w+)")
_QUOTED = re.compile(r"[\"”“«»]")
# The document kind as subject, then how such documents are handled; or a template's own title line.
_ABOUT_ITSELF = re.compile(
    r"^[\W\d_]*(?:\w*(?:rapport|redovisning)(?:en|erna)|mallen|blanketten)\s+(?:ska\s+|skall\s+)?"
    r"(?:lämnas|skickas|används|ersätter|publiceras|fastställ\w*|gäller för|fylls i)\b"
    r"|^[\W\d_]*mall för \w+",
    re.IGNORECASE,
)
_SECOND_PERSON = re.compile(r"\b(?:du|din|ditt|dina)\b", re.IGNORECASE)


def is_form_text(sentence: str) -> bool:
    """Whether ``sentence`` is the form speaking to the reporter, not the reporter speaking."""
    match = _OPENING.match(sentence.strip())
    if match and match.group(1).lower() in _INSTRUCTIONS:
        return True
    if _ABOUT_ITSELF.match(sentence.strip()):
        return True
    # Quoted speech ("Du är den första som lyssnat", sa en deltagare) is the report quoting someone.
    return not _QUOTED.search(sentence) and bool(_SECOND_PERSON.search(sentence))
