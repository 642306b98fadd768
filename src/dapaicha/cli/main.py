"""Entry point: `dapaicha` and `python -m dapaicha.cli`; errors become one Chinese line."""

from __future__ import annotations

import contextlib
import multiprocessing
import sys

import typer

from dapaicha.cli import zh
from dapaicha.cli.base import app, state
from dapaicha.errors import UserError

# isort: off
# Importing a module registers its commands; `dapaicha -h` lists them in this order.
from dapaicha.cli import commands_inputs, commands_store, commands_status, commands_demo  # noqa: F401

# isort: on


def main() -> None:
    """Every UserError becomes one Chinese line and exit code 2."""
    multiprocessing.freeze_support()  # a frozen or `py -m` launch on Windows: no respawn loop
    for stream in (sys.stdout, sys.stderr):  # a GBK console must not crash on a rare glyph
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    try:
        rc = app(standalone_mode=False)  # typer returns (not raises) Exit codes here
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except UserError as err:
        if state["debug"]:
            raise
        typer.secho(f"错误：{err}", fg="red", err=True)
        sys.exit(2)
    except typer.Exit as ex:
        sys.exit(ex.exit_code)
    except typer.Abort:
        typer.secho("已取消。", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as err:
        _internal(err)


def _internal(err: Exception) -> None:
    """A usage error from click, or a bug: one line, exit code 2."""
    if zh.is_click_error(err):
        line = zh.usage_line(err)
        if line is None:
            err.show()  # type: ignore[attr-defined]
        else:
            typer.secho(f"错误：{line}", fg="red", err=True)
        sys.exit(2)
    if state["debug"]:
        raise err
    typer.secho(
        f"错误：程序内部出错（{type(err).__name__}: {err}）。加 --debug 可查看详细信息。",
        fg="red",
        err=True,
    )
    sys.exit(2)


if __name__ == "__main__":
    main()
