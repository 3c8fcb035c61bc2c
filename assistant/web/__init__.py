"""The web wing: the composition root (``app``), the REST API (``api``), the front-end service every front end
shares (``frontdesk``: audit, masking, register browsing, document views), users and sessions (``auth``),
background ingest (``jobs``), uploads (``uploads``) and the register as rows and views (``browse``).

Nothing in the ask path, the board summaries or ``index`` imports this package."""
