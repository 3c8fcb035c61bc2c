"""The board wing: summaries for the styrelse, built from the register and the reports' template sections.

``scope`` (which insatser) → ``reading`` (a report's sections as quotable units) → ``goals`` and ``facts``
(goals beside outcomes, register fields, short sentences per heading) → ``summary`` (one insats) and
``overview`` (a comparison) → ``export`` (Markdown, DOCX) and ``chart`` (PNG). No language model."""
