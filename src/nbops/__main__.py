"""``python -m nbops``: the ``nbops`` command, for when the script is not on PATH."""

from nbops.cli import main

raise SystemExit(main())
