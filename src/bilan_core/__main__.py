"""``python -m bilan_core`` runs the ``bilan`` command line."""

import sys

from bilan_core.cli import main

sys.exit(main())
