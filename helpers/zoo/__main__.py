"""``python -m helpers.zoo prepare|list|verify``: see :func:`helpers.zoo.main`."""

import sys

from helpers.zoo import main

if __name__ == "__main__":
    sys.exit(main())
