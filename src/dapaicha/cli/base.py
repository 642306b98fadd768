"""The typer application, its shared options and the global --debug state."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from dapaicha import __version__
from dapaicha.app import gcmode
from dapaicha.cli import workspace as ws_defaults
from dapaicha.cli.zh import ZhCommand, ZhGroup
from dapaicha.config import workspace
from dapaicha.errors import UserError

app = typer.Typer(
    cls=ZhGroup,
    help="巩固脱贫成果“大排查大起底”问题整改台账工具：生成台账、校验报送、合并入库、汇总周报。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
store_app = typer.Typer(cls=ZhGroup, help="查看或导出数据库。", no_args_is_help=True)
app.add_typer(store_app, name="store")

COMMAND = ZhCommand  # every command's class: its -h says 显示帮助并退出。


@contextmanager
def loading() -> Iterator[None]:
    """A command's own imports (made when it runs: issue 20): no cycle collection while they
    run, then frozen with the start-up's (main): they live as long as the process, and the
    collector never walks them."""
    with gcmode.paused():
        yield
        if gc.get_freeze_count():  # main() froze the start-up's imports (in a test: not)
            gc.freeze()


state: dict[str, Any] = {"debug": False, "workspace": None}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dapaicha {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="出错时显示完整的技术信息（供开发人员排查）。")
    ] = False,
    version: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option("--version", callback=_version, is_eager=True, help="显示版本号。"),
    ] = None,
) -> None:
    state["debug"] = debug
    # a workspace (dapaicha.yaml here or above) gives every command its defaults; init
    # needs none (and works beside a broken one)
    state["workspace"] = ws = None if ctx.invoked_subcommand == "init" else workspace.here()
    ctx.default_map = ws_defaults.default_map(ws)


ChecklistOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--checklist", "-c", help="排查清单文件（默认使用内置的排查清单）。例：-c checklist.yaml"
    ),
]
RosterOpt = Annotated[
    Path, typer.Option("--roster", "-r", help="村名册（.xlsx 或 .csv）。例：-r roster.xlsx")
]
StoreOpt = Annotated[
    Path, typer.Option("--store", "-s", help="数据库文件（SQLite）。例：-s dapaicha.sqlite")
]
DEFAULT_STORE = Path("dapaicha.sqlite")

WorkersOpt = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--workers", min=1, help="同时校验的进程数（默认：本机处理器核数；1 为不另开进程）。"
    ),
]
CountyOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--county",
        help="只处理名册中这个县的村（县级工作文件夹默认为本县）。例：--county 鄢陵县",
    ),
]
StatusAsOfOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--as-of",
        help="按哪一天统计（默认今天）：过了截止日仍未报送的为“逾期未报”。例：--as-of 2022-04-08",
    ),
]


def as_of_day(text: str | None) -> dt.date | None:
    """--as-of of status and history: an ISO date."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--as-of 的日期“{text}”无法识别，请写成 2022-04-08 的形式。") from None


VerboseOpt = Annotated[
    bool,
    typer.Option("--verbose", help="逐个列出每个文件的全部问题（默认只列问题最多的前 200 条）。"),
]
