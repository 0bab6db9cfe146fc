"""Allow ``python -m ocopsite``."""

from ocopsite.cli import main

raise SystemExit(main())
