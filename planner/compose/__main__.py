"""``python -m planner.compose --config supergraph.yaml``: same as ``planner compose``."""

from .cli import main

raise SystemExit(main())
