"""typer commands only: parse, one core call, render, exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from dapaicha import __version__
from dapaicha.errors import UserError

app = typer.Typer(
    help="巩固脱贫成果“大排查大起底”问题整改台账工具：生成台账、校验报送、合并入库、汇总周报。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dapaicha {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示完整的技术信息（供开发人员排查）。")] = False,
    version: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option("--version", callback=_version, is_eager=True, help="显示版本号。"),
    ] = None,
) -> None:
    _state["debug"] = debug


ChecklistOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--checklist", "-c", help="排查清单文件（默认使用内置的 66 项清单）。例：-c checklist.yaml"),
]
RosterOpt = Annotated[Path, typer.Option("--roster", "-r", help="村名册（.xlsx 或 .csv）。例：-r roster.xlsx")]

# --- commands are added below this line, one function each ---


def main() -> None:
    """Entry point: every UserError becomes one Chinese line and exit code 2."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            pass
    try:
        app(standalone_mode=False)
    except UserError as err:
        if _state["debug"]:
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
    except Exception as err:  # noqa: BLE001
        import click

        if isinstance(err, click.exceptions.ClickException):
            err.show()
            sys.exit(2)
        if _state["debug"]:
            raise
        typer.secho(f"错误：程序内部出错（{type(err).__name__}: {err}）。加 --debug 可查看详细信息。", fg="red", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
