"""``python -m stepbytoken``: see :mod:`stepbytoken.cli`."""

import sys

from stepbytoken.cli import main

if __name__ == "__main__":
    sys.exit(main())
