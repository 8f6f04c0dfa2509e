"""The subcommands of `kpireview`, by what they work on; ``kpireview.cli`` registers them."""
