"""The command line: typer commands and terminal rendering only."""

from dapaicha.cli.commands import app, main

__all__ = ["app", "main"]
