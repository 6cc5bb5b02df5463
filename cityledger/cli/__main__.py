"""`python -m cityledger.cli`: the command line."""

from cityledger.cli import main

raise SystemExit(main())
