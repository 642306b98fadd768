"""`dapaicha status`: where every roster village stands in a period; `dapaicha week`.

Each command imports its app module when it runs (tests/test_house.py LAZY_IMPORTS): a
command does not pay for the others' imports (issue 20).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dapaicha.cli import render
from dapaicha.cli.base import (
    COMMAND,
    DEFAULT_STORE,
    ChecklistOpt,
    StatusAsOfOpt,
    StoreOpt,
    app,
    as_of_day,
    loading,
)
from dapaicha.config import workspace
from dapaicha.errors import UserError
from dapaicha.model import Status

if TYPE_CHECKING:
    from dapaicha.app import week as week_app
    from dapaicha.store.status import PeriodStatus


def _payload(ps: PeriodStatus) -> dict[str, object]:
    counts = {str(s): sum(v.status is s for v in ps.villages) for s in Status}
    return {
        "period": ps.period,
        "deadline": ps.deadline.isoformat(),
        "as_of": ps.as_of.isoformat(),
        "counts": counts,
        "villages": [v.to_dict() for v in ps.villages],
    }


def _print(ps: PeriodStatus, out: Path | None) -> None:
    with loading():
        from dapaicha.xlsx.status import COUNT_HEADS, township_counts

    con = render.console()
    table = Table(
        title=f"第{ps.period}期报送情况（截止 {ps.deadline:%Y-%m-%d}，统计至 {ps.as_of:%Y-%m-%d}）"
    )
    for h in COUNT_HEADS:
        table.add_column(h)
    for row in township_counts(ps.villages):
        table.add_row(*(str(x) for x in row))
    con.print(table)
    if out is not None:
        render.print_paths(con, "已写出：", [("报送情况", out)])


@app.command("status", cls=COMMAND)
def status_cmd(
    store: StoreOpt = DEFAULT_STORE,
    period: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--period",
            "-p",
            help="第几期（默认：今天所在的一期；行动已结束时为数据库中最新的一期）。",
        ),
    ] = None,
    as_of: StatusAsOfOpt = None,
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--out", "-o", help="写出报送情况工作簿。例：-o 报送情况.xlsx"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出每个村的报送状态。")] = False,
    checklist: ChecklistOpt = None,
) -> None:
    """报送情况：名册中每个村本期的状态（未报送、逾期未报、退回待改、已通过、已通过（迟报）），按乡镇统计。

    例：dapaicha status -s dapaicha.sqlite -p 2 -o 报送情况.xlsx
    退出码：0 完成；2 用法错误或无法读取数据库。
    """
    with loading():
        from dapaicha.app import status as status_app

    ps, path = status_app.command(store, period, as_of_day(as_of), out, checklist)
    if as_json:
        render.emit_json(_payload(ps))
    else:
        _print(ps, path)
    raise typer.Exit(0)


def _print_week(w: week_app.WeekResult) -> None:
    con = render.console()
    counts = {s: sum(v.status is s for v in w.status.villages) for s in Status}
    if w.nothing_new:
        day = f"{w.as_of.year}年{w.as_of.month}月{w.as_of.day}日"
        con.print(
            f"第{w.period}期没有新的报送文件（共{w.files}个，均已处理），数据库和汇总表未改动；"
            f"催报名单和催报通知按{day}各村状态写出。"
        )
    else:
        stored = w.new - len(w.unread)
        errors, warnings = w.findings
        con.print(
            f"第{w.period}期：共 {w.files} 个报送文件，其中新收到 {w.new} 个，已校验，"
            f"入库 {stored} 个（其中退回修改 {w.rejected} 个）；发现错误 {errors} 处、提醒 {warnings} 处，"
            "详见校验报告。"
        )
    con.print("各村状态：" + "，".join(f"{s}{n}个" for s, n in counts.items()))
    for file, n in w.elsewhere:
        con.print(
            f"[yellow]{escape(file)} 与第{n}期已入库的文件完全相同，不计入本期[/]，请村里报送本期台账。"
        )
    if w.nothing_new:
        return
    for file, why in w.unread:
        who = "县" if file in w.ledgers else "村"
        con.print(f"[red]无法入库：{escape(file)}[/]（{escape(why)}），请联系报送的{who}重新发送。")
    if not w.rolled_up:
        con.print("[yellow]本期还没有通过校验的台账，暂不写汇总表和周报。[/]")
    _next_steps(con, w)
    render.print_paths(con, "已写出：", [(label, p) for label, p in w.written])


def _next_steps(con: Console, w: week_app.WeekResult) -> None:
    rejected = [p for label, p in w.written if label == "退回修改"]
    notices = [p for label, p in w.written if label == "催报通知"]
    steps = []
    if rejected:
        steps.append(
            f"把“退回修改”文件夹中的修改副本和退回通知发回对应的村（{len(rejected)} 个文件）。"
        )
    if notices:
        steps.append(f"把催报通知发给各乡镇（{len(notices)} 个乡镇），催促未报送和退回待改的村。")
    if w.rolled_up:
        steps.append("汇总表和周报打印后请分管负责同志签字，按要求报送。")
    con.print("\n[bold]下一步：[/bold]")
    for i, step in enumerate(steps, 1):
        con.print(f"  {i}. {step}")
    if w.voided:
        con.print(f"  已改正通过的村，其旧的退回修改副本已移入“已作废”（{len(w.voided)} 个文件）。")


@app.command("week", cls=COMMAND)
def week_cmd(
    period: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--period", "-p", help="第几期（默认：今天所在的一期）。"),
    ] = None,
    as_of: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--as-of",
            help="按哪一天办理（默认今天），决定期次和重新报送期限。例：--as-of 2022-04-08",
        ),
    ] = None,
) -> None:
    """每周一条命令：校验本期新收到的台账并入库，写出退回修改、汇总表、周报、催报名单和催报通知。

    在工作文件夹（dapaicha init 新建）中运行；把各村报送的台账放进 returns\\第N期 后运行即可。
    例：dapaicha week        例：dapaicha week -p 2 --as-of 2022-04-08
    退出码：0 完成；2 用法错误、不在工作文件夹中或无法读取输入。
    """
    with loading():
        from dapaicha.app import week as week_app

    found = workspace.find(Path.cwd())
    if found is None:
        raise UserError("请在工作文件夹中运行 dapaicha week（先用 dapaicha init 新建工作文件夹）。")
    _print_week(week_app.run(workspace.load(found), period, as_of_day(as_of)))
    raise typer.Exit(0)
