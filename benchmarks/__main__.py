"""``python -m benchmarks --events N --database URL``: see ``benchmarks.cli``."""

from benchmarks.cli import main

main()
