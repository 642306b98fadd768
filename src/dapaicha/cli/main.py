"""Entry point: `dapaicha` and `python -m dapaicha.cli`; errors become one Chinese line."""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import multiprocessing
import sys

import typer

from dapaicha.cli import zh
from dapaicha.cli.base import app, state
from dapaicha.errors import UserError
from dapaicha.store import db as store_db

# isort: off
# Importing a module registers its commands; `dapaicha -h` lists them in this order.
from dapaicha.cli import commands_inputs, commands_store, commands_status, commands_demo  # noqa: F401

# isort: on


def main() -> None:
    """Every UserError becomes one Chinese line and exit code 2."""
    multiprocessing.freeze_support()  # a frozen or `py -m` launch on Windows: no respawn loop
    gc.freeze()  # what the imports made lives as long as the process: never walk it again
    atexit.register(gc.freeze)  # nor at the exit (0.4 s): the process's end frees it all
    try:
        _main()
    finally:
        gc.unfreeze()  # called in a process that goes on (a test): its collector as it was


def _main() -> None:
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
        if (known := _known(err)) is not None and not state["debug"]:
            typer.secho(f"错误：{known}", fg="red", err=True)
            sys.unraisablehook = lambda _: None  # no half-written generator noise at exit
            sys.exit(2)
        _internal(err)


def _known(err: Exception) -> str | None:
    """One line for a fault of the machine, not of the program: a damaged store, a full disk."""
    if (known := store_db.explain(err)) is not None:
        return str(known)
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        where = f" {err.filename}" if err.filename else ""
        return f"磁盘空间不足，无法写入{where}（{err.strerror}）：请腾出磁盘空间后再试。"
    return None


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
