"""`python -m kpireview`: the command line (what `kpireview serve` runs for each browser tab)."""

from kpireview.cli import main

main()
