"""``python -m snt``: the same command-line interface as ``snt``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
