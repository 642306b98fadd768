"""`dapaicha status`: where every roster village stands in a period."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from dapaicha.app import status as status_app
from dapaicha.cli import render
from dapaicha.cli.base import COMMAND, DEFAULT_STORE, ChecklistOpt, StoreOpt, app
from dapaicha.errors import UserError
from dapaicha.model import Status
from dapaicha.store.status import PeriodStatus
from dapaicha.xlsx.status import COUNT_HEADS, township_counts


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--as-of 的日期“{text}”无法识别，请写成 2022-04-08 的形式。") from None


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
    as_of: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--as-of",
            help="按哪一天统计（默认今天）：过了截止日仍未报送的为“逾期未报”。例：--as-of 2022-04-08",
        ),
    ] = None,
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
    ps, path = status_app.command(store, period, _day(as_of), out, checklist)
    if as_json:
        render.emit_json(_payload(ps))
    else:
        _print(ps, path)
    raise typer.Exit(0)
