"""``python -m medseal_outlook --config DIR/server.toml``: the same as ``medseal serve``."""

from medseal_outlook.cli import main

raise SystemExit(main())
