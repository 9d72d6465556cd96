"""``python -m benchmarks [--quick] [--runs N] [--sizes N ...]``: see benchmarks/run.py."""

import sys

from benchmarks.run import main

sys.exit(main())
