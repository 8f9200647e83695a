"""``python -m stepbytoken``: see :mod:`stepbytoken.cli`."""

import sys

from stepbytoken.cli import main

sys.exit(main())
