"""Entry point of the desktop bundle: the same `ticket` command as the pip install."""

from ticket.cli import main

raise SystemExit(main())
