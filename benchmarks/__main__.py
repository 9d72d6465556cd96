"""``python -m benchmarks [--quick] [--sizes N ...]``: see benchmarks/run.py."""

import sys

from benchmarks.run import main

sys.exit(main())
