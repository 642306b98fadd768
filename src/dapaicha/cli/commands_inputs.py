"""Commands on the inputs: validate returns, check roster and checklist, generate ledgers.

Each command imports its app module when it runs (tests/test_house.py LAZY_IMPORTS): a
command does not pay for the others' imports (issue 20: validate needs no pandas).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from dapaicha import fsutil
from dapaicha.cli import render
from dapaicha.cli import workspace as ws_defaults
from dapaicha.cli.base import (
    COMMAND,
    ChecklistOpt,
    CountyOpt,
    RosterOpt,
    VerboseOpt,
    WorkersOpt,
    app,
    loading,
    state,
)
from dapaicha.config.roster import Roster
from dapaicha.errors import UserError
from dapaicha.findings import Severity

if TYPE_CHECKING:
    from dapaicha.app import validate as validate_app

NO_REPORT_HINT = "未保存校验报告；如需工作簿（可打印、下发），请加 --report 校验报告.xlsx。"


def _written(res: validate_app.Validated, feedback: Path | None) -> list[tuple[str, Path | str]]:
    """What validate wrote, for the terminal."""
    written: list[tuple[str, Path | str]] = []
    if res.report_path is not None:
        written.append(("校验报告", res.report_path))
    if res.feedback is not None:
        copies = sum(p.suffix == ".xlsx" for p in res.feedback)
        notices = sum(p.suffix == ".txt" for p in res.feedback)
        written.append(("退回修改", f"{feedback}（{copies} 份修改副本、{notices} 份退回通知）"))
    return written


@app.command("validate", cls=COMMAND)
def validate(
    returns: Annotated[
        Path, typer.Argument(help="报送台账所在文件夹（或单个文件）。", exists=True)
    ],
    roster: RosterOpt,
    checklist: ChecklistOpt = None,
    report: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--report",
            help="把校验报告工作簿保存到这里，例：--report 校验报告_第2期.xlsx（不加此项时：在工作文件夹中"
            "写到 校验报告\\校验报告_第N期.xlsx，不在工作文件夹中则只在屏幕上显示结果，不写文件）。",
        ),
    ] = None,
    feedback: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--feedback",
            help="为有问题的台账生成“退回修改”副本和退回通知的文件夹"
            "（在工作文件夹中默认为 退回修改\\第N期）。",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出完整校验结果（不输出表格）。")
    ] = False,
    json_out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--json-out", help="把完整校验结果以 JSON（UTF-8 编码）写入此文件。"),
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help="也列出通过文件的提醒。")] = False,
    workers: WorkersOpt = None,
    county: CountyOpt = None,
    verbose: VerboseOpt = False,
    deadline: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--deadline",
            help="退回通知中的重新报送期限，例：--deadline 2022-04-08"
            "（默认：--as-of 的日期加上规定天数，见 dapaicha.yaml 的 resubmit_days，默认 3 天）。",
        ),
    ] = None,
    as_of: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--as-of",
            help="按此日期计算退回通知中的重新报送期限（默认：今天；重放已结束的行动时"
            "按本批填报日期之后的下一个报送截止日）。例：--as-of 2022-04-08",
        ),
    ] = None,
) -> None:
    """校验各村报送的整改台账，列出每个文件的问题。

    例：dapaicha validate returns/第1期 -r roster.xlsx --report 校验报告.xlsx --feedback 退回修改
    校验报告只在加 --report 时保存（不加则只在屏幕上显示，不写文件）。
    退出码：0 全部通过；1 有文件被退回；2 用法错误或无法读取输入。
    """
    with loading():
        from dapaicha.app import validate as validate_app
    con = render.console(stderr=as_json)
    ws = state["workspace"]
    report, feedback = ws_defaults.validate_outputs(ws, returns, report, feedback)
    res = validate_app.command(
        returns, roster, checklist, report_path=report, feedback_dir=feedback,
        deadline=deadline, as_of=as_of, resubmit_days=ws_defaults.resubmit_days(ws),
        progress=render.progress_of(con, "校验中"), workers=workers, county=county,
    )  # fmt: skip
    rep = res.report
    written = _written(res, feedback)
    if json_out is not None:
        fsutil.atomic_write_text(json_out, render.to_json(rep.to_dict()) + "\n")
        written.append(("JSON 校验结果", json_out))
    if as_json:
        render.emit_json(rep.to_dict())
    else:
        render.print_report(rep, con, show_all=show_all, verbose=verbose)
        if written:
            render.print_paths(con, "已写出：", written)
        if res.report_path is None:
            con.print(NO_REPORT_HINT)
    raise typer.Exit(0 if rep.valid else 1)


@app.command("roster", cls=COMMAND)
def roster_cmd(
    path: Annotated[
        Path, typer.Argument(metavar="ROSTER", help="村名册文件（.xlsx、.xls、.ods 或 .csv）。")
    ],
    checklist: ChecklistOpt = None,
) -> None:
    """检查村名册：按县、乡镇统计村数，列出有问题的行。

    例：dapaicha roster examples/roster.xlsx
    退出码：0 名册可用（可能有提醒）；1 有错误行；2 无法读取名册。
    """
    with loading():
        from dapaicha.app import lint

    check = lint.roster(path, checklist)
    render.print_roster(check, Console(), path.name)
    raise typer.Exit(1 if check.failed else 0)


@app.command("checklist", cls=COMMAND)
def checklist_cmd(
    action: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(metavar="[diff A B]", help="diff 版本A 版本B：列出两个版本之间的改动。"),
    ] = None,
    labels: Annotated[Optional[list[str]], typer.Argument(hidden=True)] = None,  # noqa: UP045
    checklist: ChecklistOpt = None,
) -> None:
    """显示排查清单的全部条目和各版本，并检查清单（序号重复或缺号、内容为空、暂定条目、修订）。

    例：dapaicha checklist -c checklist-2023.yaml
    例：dapaicha checklist diff 初版 第2版
    退出码：0 清单可用（可能有提醒）；1 清单有错误；2 无法读取清单或用法错误。
    """
    with loading():
        from dapaicha.app import lint

    if action is not None:
        if action != "diff" or len(labels or []) != 2:
            raise UserError(
                "用法：dapaicha checklist diff 版本A 版本B（版本名见 dapaicha checklist）。"
            )
        a, b = labels or []
        for line in lint.checklist_diff(checklist, a, b):
            render.console().print(escape(line), soft_wrap=True)
        raise typer.Exit(0)
    cl, problems = lint.checklist(checklist)
    render.print_checklist(cl, problems, render.console())
    raise typer.Exit(1 if any(p.severity == "error" for p in problems) else 0)


@app.command("generate", cls=COMMAND)
def generate_cmd(
    roster: RosterOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="台账的输出文件夹。例：-o 台账")],
    checklist: ChecklistOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="覆盖已存在且可能已填写的台账（慎用）。")
    ] = False,
    carry_forward: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--carry-forward",
            metavar="STORE",
            help="从数据库沿用各村上次通过的填报内容（按现行序号）预先填入新台账。"
            "例：--carry-forward dapaicha.sqlite",
        ),
    ] = None,
    county: CountyOpt = None,
) -> None:
    """按村名册逐村生成空白问题整改台账：输出文件夹/县/乡/村_问题整改台账.xlsx。

    重复运行是安全的：未改动的台账保持不变，已被打开修改过的台账不会被覆盖（除非加 --force）。
    例：dapaicha generate -r roster.xlsx -o 台账
    清单修订后：dapaicha generate -r roster.xlsx -o 台账-第2版 --carry-forward dapaicha.sqlite
    退出码：0 完成；2 用法错误或无法读取清单、名册。
    """
    with loading():
        from dapaicha.app import generate
        from dapaicha.cli import render_more

    con = render.console()

    def problems(ros: Roster) -> None:
        for p in ros.problems:
            color = "red" if p.severity == Severity.ERROR else "yellow"
            con.print(f"[{color}]村名册第 {p.row} 行：{escape(p.message)}[/]")

    result = generate.command(
        roster, out, checklist, force=force, on_roster=problems,
        progress=render.progress_of(con, "生成台账", min_total=51), carry_forward=carry_forward,
        county=county,
    )  # fmt: skip
    render_more.print_generated(result, con)
    raise typer.Exit(0)
