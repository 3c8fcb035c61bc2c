"""Safe display of report text for the web UI (used by ui/render.py). Pure.

Passages, answers and file names come from reports anyone could have written: they are shown as text,
never interpreted. ``escape_text`` is for Markdown components (Gradio's Chatbot and Markdown), ``escape_html``
for raw HTML. Both drop the Unicode controls that reorder text (a file name shown backwards) or hide it.
"""

from __future__ import annotations

import html
import re

# Bidirectional overrides and isolates, zero-width characters and the BOM: invisible, and able to make
# "rapport‮fdp.exe" read as something else.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Markdown punctuation, backslash-escaped. & < > " ' are left to html.escape, which turns them into entities
# that Markdown shows as the characters.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~=:])")


def strip_invisible(text: str) -> str:
    """The text without characters that reorder or hide what is shown."""
    return _INVISIBLE.sub("", text)


def escape_html(text: str) -> str:
    """Text for an HTML context: every character shown as itself, line breaks kept as <br>."""
    return html.escape(_INVISIBLE.sub("", text), quote=True).replace("\n", "<br>\n")


def escape_text(text: str) -> str:
    """Text for a Markdown context: no links, images, raw HTML, emphasis, headings or tables, just the text.

    Markdown punctuation is backslash-escaped and & < > " ' become entities, so "[x](javascript:…)" shows
    as written instead of becoming a link, and "<script>" as text instead of an element.
    """
    return html.escape(_MARKDOWN.sub(r"\\\1", _INVISIBLE.sub("", text)), quote=True)
