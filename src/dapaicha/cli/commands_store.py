"""Commands on the store: merge, rollup, history, crosscheck, store info / export.

Each command imports its app module when it runs (tests/test_house.py LAZY_IMPORTS): a
command does not pay for the others' imports (issue 20).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from dapaicha.cli import render
from dapaicha.cli import workspace as ws_defaults
from dapaicha.cli.base import (
    COMMAND,
    DEFAULT_STORE,
    ChecklistOpt,
    CountyOpt,
    RosterOpt,
    StatusAsOfOpt,
    StoreOpt,
    VerboseOpt,
    WorkersOpt,
    app,
    as_of_day,
    loading,
    state,
    store_app,
)
from dapaicha.config.roster import Roster

if TYPE_CHECKING:
    import pandas as pd

LevelOpt = Annotated[
    str,
    typer.Option(
        "--level",
        help="本级单位层级：市（默认：各县排名）或 县（本县：只写本县的县级汇总表、周报和文字稿，各乡镇排名）。",
    ),
]
UnitOpt = Annotated[str, typer.Option("--unit", help="本级单位名称，县级时为本县名称。")]
OfficeOpt = Annotated[str, typer.Option("--office", help="落款的办公室全称。")]
PhoneOpt = Annotated[str, typer.Option("--phone", help="落款的联系电话。")]


@app.command("rollup", cls=COMMAND)
def rollup_cmd(
    ctx: typer.Context,
    roster: RosterOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="汇总表和周报的输出文件夹。例：-o 汇总")],
    inputs: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(
            metavar="RETURNS",
            help="不用 --store 时：报送台账文件夹或合并台账（可多个），先合并入临时数据库再汇总。",
            exists=True,
        ),
    ] = None,
    store: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--store", "-s", help="dapaicha merge 入库的数据库文件。例：-s dapaicha.sqlite"
        ),
    ] = None,
    period: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--period", "-p", help="汇总第几期（默认：数据库中最新的一期）。"),
    ] = None,
    checklist: ChecklistOpt = None,
    templates: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--templates",
            help="修改过的周报文字稿模板所在文件夹（默认用内置模板）。",
            file_okay=False,
            exists=True,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出本期各单位的整改进展和写出的文件。")
    ] = False,
    level: LevelOpt = "",
    unit: UnitOpt = "",
    office: OfficeOpt = "",
    phone: PhoneOpt = "",
) -> None:
    """汇总：各县县级汇总表、市级汇总表、周报及周报文字稿（.md 和 .txt）。

    在县级工作文件夹中（或 --level 县）只写本县的：县级汇总表（各乡镇排名）、周报和文字稿。

    例：dapaicha rollup -s dapaicha.sqlite -r roster.xlsx -o 汇总
    退出码：0 完成；2 用法错误或无法读取输入。
    """
    with loading():
        from dapaicha.app import rollup
        from dapaicha.cli import render_more
    con = render.console(stderr=as_json)

    def roster_errors(ros: Roster) -> None:
        if ros.errors:
            con.print(
                f"[yellow]村名册有 {len(ros.errors)} 行有误，这些行未计入应报村数（运行 dapaicha roster 查看）。[/]"
            )

    store = ws_defaults.rollup_store(state["workspace"], store, inputs)
    tier = ws_defaults.tier(level, unit, office, phone)
    res = rollup.command(
        roster, out, checklist_path=checklist, store_path=store, inputs=inputs or (),
        period=period, templates=templates, on_roster=roster_errors, tier=tier,
        by_period=state["workspace"] is not None and not _typed(ctx, "out"),
    )  # fmt: skip
    for src, m in zip(inputs or (), res.merged, strict=False):
        con.print(
            f"已校验并合并 {escape(str(src))}：新入库 {m.added} 个文件，其中退回 {m.rejected} 个。"
        )
    r = res.rollup
    _outside(con, r.outside)
    if as_json:
        render.emit_json(render_more.weekly_payload(r, res.paths, res.level, res.arrivals))
        raise typer.Exit(0)
    render_more.print_weekly(r, con, res.level)
    kinds = {".xlsx": "工作簿", ".md": "文字稿（Markdown）", ".txt": "文字稿（纯文本）"}
    render.print_paths(
        con, f"第{r.period}期汇总已写出：", [(kinds.get(p.suffix, "文件"), p) for p in res.paths]
    )
    raise typer.Exit(0)


@app.command("merge", cls=COMMAND)
def merge_cmd(
    ctx: typer.Context,
    returns: Annotated[
        Path,
        typer.Argument(
            help="报送台账所在文件夹（或单个文件；也可以是下级的合并台账）。", exists=True
        ),
    ],
    roster: RosterOpt,
    checklist: ChecklistOpt = None,
    store: StoreOpt = DEFAULT_STORE,
    period: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--period",
            "-p",
            help="本批报送属于第几期（默认按“第3期”这样的文件夹名，再按今天所在的一期；"
            "今天不在行动期间时须指定）。",
        ),
    ] = None,
    as_of: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--as-of",
            help="把此日期当作今天：没有期次信息的报送归入它所在的一期，按时与否按此日收到判断。"
            "例：--as-of 2022-04-08",
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="全库合并台账的保存位置（命令行给出 -o 或加 --all-ledgers 时写出；只给 -o 时只写这一份）；"
            "不给 -o 时各县合并台账写在默认位置旁边的“合并台账\\第N期”文件夹。",
        ),
    ] = Path("全市问题整改台账.xlsx"),
    all_ledgers: Annotated[
        bool,
        typer.Option(
            "--all-ledgers",
            help="重写全部合并台账：每个县的，以及全库的（-o）。不加时只重写本次入库涉及的县。",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出合并结果和校验结果（不输出表格）。")
    ] = False,
    workers: WorkersOpt = None,
    county: CountyOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """校验并合并各村台账：通过的入库，写出合并后的问题整改台账。

    例：dapaicha merge returns/第2期 -r roster.xlsx -s dapaicha.sqlite
    同一文件重复合并不会重复入库；同一村同一期的新报送替代旧报送，旧的仍保留在库中。
    合并台账按县写出，只重写本次有新报送的县；全库一份的合并台账在给出 -o 或加 --all-ledgers 时写出。
    退出码：0 全部通过；1 有文件被退回（其余照常入库）；2 用法错误或无法读取输入。
    """
    with loading():
        from dapaicha.app import merge
        from dapaicha.cli import store_render

    con = render.console(stderr=as_json)
    given = _typed(ctx, "out")
    whole = all_ledgers or given
    res = merge.command(
        returns, roster, checklist, store_path=store, period=period, as_of=as_of, out=out,
        progress=render.progress_of(con, "校验并入库"), workers=workers, whole=whole,
        units=all_ledgers or not given, all_units=all_ledgers,  # -o alone: that ledger only
        archive_root=ws.root if (ws := state["workspace"]) is not None else None, county=county,
        grace=ws_defaults.resubmit_days(state["workspace"]),
    )  # fmt: skip
    if as_json:
        render.emit_json(store_render.merge_payload(res))
        raise typer.Exit(0 if res.report.valid else 1)
    render.print_report(res.report, con, verbose=verbose)
    store_render.print_result(res, con)
    raise typer.Exit(0 if res.report.valid else 1)


@app.command("history", cls=COMMAND)
def history_cmd(
    village: Annotated[
        str,
        typer.Argument(help="村代码或村名，如 411024100201 或 大马村（重名时写全称：县乡村）。"),
    ],
    store: StoreOpt = DEFAULT_STORE,
    roster: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--roster", "-r", help="村名册（可选，用于按名册查找村）。"),
    ] = None,
    as_of: StatusAsOfOpt = None,
) -> None:
    """一个村历次报送：按期次列出每次报送、各期状态，以及相邻两次通过的报送之间的变化。

    例：dapaicha history 大马村 -s dapaicha.sqlite
    """
    with loading():
        from dapaicha.app import history
        from dapaicha.cli import store_render

    h = history.command(village, store, roster, as_of_day(as_of))
    store_render.print_history(h, render.console())
    raise typer.Exit(0)


@store_app.command("info", cls=COMMAND)
def store_info_cmd(store: StoreOpt = DEFAULT_STORE) -> None:
    """数据库概况：各期报送数（通过、退回、被替代）、报送村数。

    例：dapaicha store info -s dapaicha.sqlite
    """
    with loading():
        from dapaicha.app import store as store_app_mod
        from dapaicha.cli import store_render

    store_render.print_info(store_app_mod.info(store), render.console())
    raise typer.Exit(0)


@store_app.command("export", cls=COMMAND)
def store_export_cmd(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="导出的工作簿，每张表一个工作表。例：-o 数据库导出.xlsx"),
    ],
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """把数据库的每张表导出到一个 Excel 工作簿（数据不会被锁在数据库里）。

    例：dapaicha store export -s dapaicha.sqlite -o 数据库导出.xlsx
    """
    with loading():
        from dapaicha.app import store as store_app_mod

    escaped: dict[str, int] = {}
    counts = store_app_mod.export(store, out, escaped)
    con = render.console()
    con.print("；".join(f"{t} {n} 行" for t, n in counts.items()))
    if escaped:
        where = "、".join(f"{t} {n} 处" for t, n in escaped.items())
        con.print(f"[yellow]注意：{where}文字含控制字符，导出时已写成 \\xNN 形式。[/yellow]")
    render.print_paths(con, "已写出：", [("数据库导出", out)])
    raise typer.Exit(0)


@app.command("crosscheck", cls=COMMAND)
def crosscheck_cmd(
    findings: Annotated[
        Path,
        typer.Option(
            "--findings",
            "-f",
            help="督查发现问题清单（工作簿）。例：-f 督查发现问题.xlsx",
            exists=True,
            dir_okay=False,
        ),
    ],
    roster: RosterOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="比对结果的输出文件夹。例：-o 督查比对")],
    store: StoreOpt = DEFAULT_STORE,
    checklist: ChecklistOpt = None,
    county: CountyOpt = None,
) -> None:
    """督查比对：把督查发现的问题与各村发现之日的台账对照，分为已自查、漏排、无法匹配。

    漏排明细列出村级三位签字人和联乡帮村干部，以及与之不符的那一期台账。
    例：dapaicha crosscheck -f 督查发现问题.xlsx -r roster.xlsx -s dapaicha.sqlite -o 督查比对
    退出码：0 完成；2 用法错误或无法读取输入。
    """
    with loading():
        from dapaicha.app import crosscheck, crosscheck_command

    res, path = crosscheck_command.command(findings, roster, store, out, checklist, county)
    crosscheck.print_result(res, render.console(), path)
    raise typer.Exit(0)


def _typed(ctx: typer.Context, name: str) -> bool:
    """The option was typed on the command line (typer may carry its own click: by name)."""
    return getattr(ctx.get_parameter_source(name), "name", "") == "COMMANDLINE"


def _outside(con: Console, outside: pd.DataFrame) -> None:
    """Villages in the store but not in the roster: named, not counted."""
    if len(outside):
        names = "、".join(outside["village"].astype(str).head(5))
        more = "等" if len(outside) > 5 else ""
        con.print(f"[yellow]名册中没有的 {len(outside)} 个村未计入汇总：{escape(names)}{more}。[/]")
