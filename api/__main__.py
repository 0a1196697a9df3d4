"""``python -m api`` runs the ``tally`` command line."""

from api.cli import main

main()
