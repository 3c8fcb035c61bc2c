"""``python -m assistant.cli``: the same as the ``arkiv`` console script."""

from assistant.cli.main import main

raise SystemExit(main())
