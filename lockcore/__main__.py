"""``python -m lockcore status DIR`` and ``python -m lockcore break FILE``."""

import sys

from lockcore._cli import main

if __name__ == "__main__":
    sys.exit(main())
