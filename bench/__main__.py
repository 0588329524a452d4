"""``python -m bench``: run every benchmark in bench/ (see bench/runner.py)."""

import sys

from bench.runner import main

sys.exit(main())
