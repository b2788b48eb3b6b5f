"""The actions of the verbs that scripts call most, kept apart from their Typer declarations.

The quick path (`crank_cli.cli.quick`) runs these without importing Typer or click; the Typer
commands in `crank_cli.cli` hand their arguments to the same functions.
"""
