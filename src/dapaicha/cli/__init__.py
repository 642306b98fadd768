"""The command line: typer commands and terminal rendering only."""

from dapaicha.cli.main import app, main

__all__ = ["app", "main"]
