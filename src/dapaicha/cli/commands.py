"""typer commands only: parse, one core call, render, exit code."""

from __future__ import annotations

import contextlib
import datetime as dt
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
    debug: Annotated[
        bool, typer.Option("--debug", help="出错时显示完整的技术信息（供开发人员排查）。")
    ] = False,
    version: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option("--version", callback=_version, is_eager=True, help="显示版本号。"),
    ] = None,
) -> None:
    _state["debug"] = debug


ChecklistOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--checklist", "-c", help="排查清单文件（默认使用内置的 66 项清单）。例：-c checklist.yaml"
    ),
]
RosterOpt = Annotated[
    Path, typer.Option("--roster", "-r", help="村名册（.xlsx 或 .csv）。例：-r roster.xlsx")
]

# --- commands are added below this line, one function each ---


@app.command()
def validate(
    returns: Annotated[
        Path, typer.Argument(help="报送台账所在文件夹（或单个文件）。", exists=True)
    ],
    roster: RosterOpt,
    checklist: ChecklistOpt = None,
    report: Annotated[Path, typer.Option("--report", help="校验报告工作簿的保存位置。")] = Path(
        "校验报告.xlsx"
    ),
    feedback: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--feedback", help="为有问题的台账生成“退回修改”副本和退回通知的文件夹。"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出完整校验结果（不输出表格）。")
    ] = False,
    show_all: Annotated[bool, typer.Option("--all", help="也列出通过文件的提醒。")] = False,
    deadline: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--deadline",
            help="退回通知中的重新报送期限，例：--deadline 2022-04-08"
            "（默认：本批最晚填报日期之后的下一个报送截止日）。",
        ),
    ] = None,
) -> None:
    """校验各村报送的整改台账，列出每个文件的问题。

    例：dapaicha validate returns/第1期 -r roster.xlsx --feedback 退回修改
    退出码：0 全部通过；1 有文件被退回；2 用法错误或无法读取输入。
    """
    from dapaicha.app import validate as val
    from dapaicha.cli import render
    from dapaicha.config import checklist as cl_mod
    from dapaicha.read import roster as roster_mod
    from dapaicha.xlsx import report as report_xlsx

    cl = cl_mod.load(checklist)
    due = _typed_date("--deadline", deadline, cl.campaign.year) if deadline else None
    ros = roster_mod.load(roster)
    con = render.console(stderr=as_json)
    files, skipped = val.list_files(returns)
    if not files:  # the wrong folder, most likely: say so rather than "all passed"
        also = f"，另有 {len(skipped)} 个其他文件已跳过" if skipped else ""
        raise UserError(
            f"“{returns}”中没有找到台账文件（.xlsx、.xlsm、.xls、.ods）{also}，请检查文件夹是否选对。"
        )
    with render.progress(con, len(files), "校验中") as advance:
        rep, _subs = val.validate_folder(returns, cl, ros, on_file=advance)
    report_xlsx.write(rep, report, title=f"{cl.campaign.title}台账校验报告")
    written: list[tuple[str, Path | str]] = [("校验报告", report)]
    if feedback is not None:
        from dapaicha.xlsx import feedback as fb

        paths = fb.write_all(
            rep,
            returns if returns.is_dir() else returns.parent,
            feedback,
            campaign_title=cl.campaign.title,
            deadline=render.zh_date(due or _resubmit_by(rep, cl.campaign, returns)),
        )
        copies = sum(p.suffix == ".xlsx" for p in paths)
        notices = sum(p.suffix == ".txt" for p in paths)
        written.append(("退回修改", f"{feedback}（{copies} 份修改副本、{notices} 份退回通知）"))
    if as_json:
        typer.echo(render.to_json(rep.to_dict()))
    else:
        render.print_report(rep, con, show_all=show_all)
        render.print_paths(con, "已写出：", written)
    raise typer.Exit(0 if rep.valid else 1)


def _typed_date(option: str, typed: str, year: int) -> dt.date:
    from dapaicha.normalize import parse_date

    r = parse_date(typed, year=year)
    if r.status != "ok":
        raise UserError(f"{option} 无法识别为日期：“{typed}”，请写成如 2022-04-08。")
    return r.value


def _resubmit_by(rep, campaign, returns: Path) -> dt.date:
    """The next cut-off after the batch's 填报日期 (the middle one of those inside the
    campaign, so one mistyped year does not move it), never before the folder's period."""
    import statistics

    from dapaicha.check.rules import REPORTING_AFTER_END
    from dapaicha.config import periods

    last = campaign.end + REPORTING_AFTER_END
    dates = [dt.date.fromisoformat(f.report_date) for f in rep.files if f.report_date]
    dates = [d for d in dates if campaign.start <= d <= last]
    p = periods.Periods(campaign)
    folder = returns if returns.is_dir() else returns.parent
    ns = [periods.folder_number(folder.name)] + [periods.from_folder(f.file) for f in rep.files]
    floors = [p.get(n).start - dt.timedelta(days=1) for n in ns if n]
    as_of = [statistics.median_high(dates)] if dates else []
    return p.resubmit_by(max(as_of + floors, default=None))


@app.command("roster")
def roster_cmd(
    path: Annotated[
        Path, typer.Argument(metavar="ROSTER", help="村名册文件（.xlsx、.xls、.ods 或 .csv）。")
    ],
) -> None:
    """检查村名册：按县、乡镇统计村数，列出有问题的行。

    例：dapaicha roster examples/roster.xlsx
    退出码：0 名册可用（可能有提醒）；1 有错误行；2 无法读取名册。
    """
    from collections import Counter

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from dapaicha.findings import SEVERITY_ZH, Severity
    from dapaicha.read import roster as roster_mod

    ros = roster_mod.load(path)
    con = Console()
    towns = Counter((v.county, v.township) for v in ros.villages)
    coded = Counter((v.county, v.township) for v in ros.villages if v.code)
    table = Table(title=f"村名册：{escape(path.name)}")
    for name in ("县（市、区）", "乡（镇、街道）", "村数", "有村代码"):
        table.add_column(name, justify="right" if name in ("村数", "有村代码") else "left")
    for county in dict.fromkeys(c for c, _ in towns):
        keys = [k for k in towns if k[0] == county]
        for i, key in enumerate(keys):
            first = escape(county) if i == 0 else ""
            table.add_row(first, escape(key[1]), str(towns[key]), str(coded[key]))
        n, m = sum(towns[k] for k in keys), sum(coded[k] for k in keys)
        table.add_row("", "[bold]小计[/]", f"[bold]{n}[/]", str(m), end_section=True)
    total = f"[bold]{len(ros.villages)}[/]"
    table.add_row(
        "[bold]合计[/]", f"{len(towns)} 个乡（镇、街道）", total, str(sum(coded.values()))
    )
    con.print(table)
    if ros.problems:
        bad = Table(title="有问题的行")
        bad.add_column("行号", justify="right")
        bad.add_column("类别")
        bad.add_column("问题", overflow="fold")
        for p in ros.problems:
            color = "red" if p.severity == Severity.ERROR else "yellow"
            bad.add_row(str(p.row), f"[{color}]{SEVERITY_ZH[p.severity]}[/]", escape(p.message))
        con.print(bad)
    errors = len(ros.errors)
    warnings = len(ros.problems) - errors
    con.print(f"共 {len(ros.villages)} 个村；错误 {errors} 行，提醒 {warnings} 条。")
    if not ros.villages:
        con.print("[red]名册中没有读到任何村，请核对文件。[/]")
    raise typer.Exit(1 if errors or not ros.villages else 0)


@app.command("checklist")
def checklist_cmd(checklist: ChecklistOpt = None) -> None:
    """显示排查清单的全部条目，并检查清单（序号重复或缺号、内容为空、暂定条目）。

    例：dapaicha checklist -c checklist-2023.yaml
    退出码：0 清单可用（可能有提醒）；1 清单有错误；2 无法读取清单。
    """
    from rich.markup import escape
    from rich.table import Table

    from dapaicha.cli import render
    from dapaicha.config import checklist as cl_mod

    cl = cl_mod.load(checklist)
    con = render.console()
    table = Table(title=f"{escape(cl.title)}（{len(cl.items)} 项）", show_lines=False)
    from rich.cells import cell_len

    w_cat = max(cell_len(f"{c.code}、{c.name}") for c in cl.categories)
    w_topic = max([cell_len(i.topic) for _, i in cl.items] + [8])
    # The content gets what the terminal has left: 5 columns = 6 rules + 10 padding.
    w_text = min(80, max(16, con.width - w_cat - 4 - w_topic - 4 - 16))
    for name, kw in (
        ("类别", {"width": w_cat, "no_wrap": True}),
        ("序号", {"justify": "right", "width": 4, "no_wrap": True}),
        ("排查项目", {"width": w_topic, "no_wrap": True}),
        ("排查内容", {"width": w_text, "no_wrap": True, "overflow": "ellipsis"}),
        ("暂定", {"width": 4, "no_wrap": True}),
    ):
        table.add_column(name, **kw)
    for cat in cl.categories:
        for k, item in enumerate(cat.items):
            table.add_row(
                escape(f"{cat.code}、{cat.name}") if k == 0 else "",
                str(item.no),
                escape(item.topic),
                escape(item.content),
                "[yellow]暂定[/]" if item.provisional else "",
                end_section=k == len(cat.items) - 1,
            )
    con.print(table)
    problems = cl_mod.lint(cl)
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        color, label = ("red", "错误") if p.severity == "error" else ("yellow", "提醒")
        con.print(f"[{color}]{label}[/] {escape(p.where)}：{escape(p.message)}")
    con.print(
        f"共 {len(cl.categories)} 类 {len(cl.items)} 项；错误 {len(errors)} 处，"
        f"提醒 {len(problems) - len(errors)} 处。"
    )
    raise typer.Exit(1 if errors else 0)


@app.command("generate")
def generate_cmd(
    roster: RosterOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="台账的输出文件夹。例：-o 台账")],
    checklist: ChecklistOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="覆盖已存在且可能已填写的台账（慎用）。")
    ] = False,
) -> None:
    """按村名册逐村生成空白问题整改台账：输出文件夹/县/乡/村_问题整改台账.xlsx。

    重复运行是安全的：未改动的台账保持不变，已被打开修改过的台账不会被覆盖（除非加 --force）。
    例：dapaicha generate -r roster.xlsx -o 台账
    退出码：0 完成；2 用法错误或无法读取清单、名册。
    """
    from rich.markup import escape

    from dapaicha.app import generate as gen
    from dapaicha.cli import render
    from dapaicha.config import checklist as cl_mod
    from dapaicha.findings import Severity
    from dapaicha.read import roster as roster_mod

    cl = cl_mod.load(checklist)
    errors = [p for p in cl_mod.lint(cl) if p.severity == "error"]
    if errors:
        raise UserError(
            "排查清单有错误，未生成台账："
            + "；".join(f"{p.where}{p.message}" for p in errors[:5])
            + "。请先运行 dapaicha checklist 查看。"
        )
    ros = roster_mod.load(roster)
    con = render.console()
    for p in ros.problems:
        color = "red" if p.severity == Severity.ERROR else "yellow"
        con.print(f"[{color}]村名册第 {p.row} 行：{escape(p.message)}[/]")
    if not ros.villages:
        raise UserError(f"村名册 {roster.name} 中没有读到任何村，未生成台账。")
    with render.progress(con, len(ros.villages), "生成台账", min_total=51) as advance:
        result = gen.generate(cl, ros.villages, out, force=force, progress=advance)
    gen.print_summary(result, con)
    raise typer.Exit(0)


@app.command("rollup")
def rollup_cmd(
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
) -> None:
    """汇总：各县县级汇总表、市级汇总表、周报及周报文字稿（.md 和 .txt）。

    例：dapaicha rollup -s dapaicha.sqlite -r roster.xlsx -o 汇总
    退出码：0 完成；2 用法错误或无法读取输入。
    """
    from rich.markup import escape

    from dapaicha.cli import render
    from dapaicha.config import checklist as cl_mod
    from dapaicha.read import roster as roster_mod
    from dapaicha.xlsx import weekly

    cl = cl_mod.load(checklist)
    ros = roster_mod.load(roster)
    con = render.console()
    if ros.errors:
        con.print(
            f"[yellow]村名册有 {len(ros.errors)} 行有误，这些行未计入应报村数（运行 dapaicha roster 查看）。[/]"
        )
    res = weekly.run(
        cl, ros, out, store_path=store, inputs=inputs or (), period=period, templates=templates
    )
    for src, m in zip(inputs or (), res.merged, strict=False):
        con.print(
            f"已校验并合并 {escape(str(src))}：新入库 {m.added} 个文件，其中退回 {m.rejected} 个。"
        )
    r = res.rollup
    if len(r.outside):
        names = "、".join(r.outside["village"].astype(str).head(5))
        more = "等" if len(r.outside) > 5 else ""
        con.print(
            f"[yellow]名册中没有的 {len(r.outside)} 个村未计入汇总：{escape(names)}{more}。[/]"
        )
    weekly.print_table(r, con)
    kinds = {".xlsx": "工作簿", ".md": "文字稿（Markdown）", ".txt": "文字稿（纯文本）"}
    render.print_paths(
        con, f"第{r.period}期汇总已写出：", [(kinds.get(p.suffix, "文件"), p) for p in res.paths]
    )
    raise typer.Exit(0)


StoreOpt = Annotated[
    Path, typer.Option("--store", "-s", help="数据库文件（SQLite）。例：-s dapaicha.sqlite")
]


@app.command("merge")
def merge_cmd(
    returns: Annotated[
        Path,
        typer.Argument(
            help="报送台账所在文件夹（或单个文件；也可以是下级的合并台账）。", exists=True
        ),
    ],
    roster: RosterOpt,
    checklist: ChecklistOpt = None,
    store: StoreOpt = Path("dapaicha.sqlite"),
    period: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--period",
            "-p",
            help="本批报送属于第几期（默认按“第3期”这样的文件夹名，再按填报日期判断）。",
        ),
    ] = None,
    as_of: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--as-of",
            help="按此日期所在的期次处理没有期次信息的报送，并写出该期台账。例：--as-of 2022-04-08",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="合并后问题整改台账的保存位置。")] = Path(
        "全市问题整改台账.xlsx"
    ),
) -> None:
    """校验并合并各村台账：通过的入库，写出合并后的问题整改台账。

    例：dapaicha merge returns/第2期 -r roster.xlsx -s dapaicha.sqlite
    同一文件重复合并不会重复入库；同一村同一期的新报送替代旧报送，旧的仍保留在库中。
    退出码：0 全部通过；1 有文件被退回（其余照常入库）；2 用法错误或无法读取输入。
    """
    from dapaicha.app import merge
    from dapaicha.app import validate as val
    from dapaicha.cli import render, store_render
    from dapaicha.config import checklist as cl_mod
    from dapaicha.read import roster as roster_mod

    cl = cl_mod.load(checklist)
    ros = roster_mod.load(roster)
    day = merge.parse_day(as_of, cl) if as_of else None
    con = render.console()
    files, _ = val.list_files(returns)
    with render.progress(con, len(files), "校验并入库") as advance:
        res = merge.run(returns, cl, ros, store, period=period, as_of=day, out=out, on_file=advance)
    render.print_report(res.report, con)
    store_render.print_result(res, con)
    raise typer.Exit(0 if res.report.valid else 1)


@app.command("history")
def history_cmd(
    village: Annotated[
        str,
        typer.Argument(help="村代码或村名，如 411024100201 或 大马村（重名时写全称：县乡村）。"),
    ],
    store: StoreOpt = Path("dapaicha.sqlite"),
    roster: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--roster", "-r", help="村名册（可选，用于按名册查找村）。"),
    ] = None,
) -> None:
    """一个村历次报送：按期次列出每次报送，以及相邻两次通过的报送之间的变化。

    例：dapaicha history 大马村 -s dapaicha.sqlite
    """
    from dapaicha.cli import render, store_render
    from dapaicha.read import roster as roster_mod
    from dapaicha.store import query as store_query

    key = None
    if roster is not None:
        ros = roster_mod.load(roster)
        hit = ros.find(code=village) or ros.find(village=village)
        key = hit.key if hit else None
    h = store_query.history(store, village, key=key)
    store_render.print_history(h, render.console())
    raise typer.Exit(0)


store_app = typer.Typer(help="查看或导出数据库。", no_args_is_help=True)
app.add_typer(store_app, name="store")


@store_app.command("info")
def store_info_cmd(store: StoreOpt = Path("dapaicha.sqlite")) -> None:
    """数据库概况：各期报送数（通过、退回、被替代）、报送村数。

    例：dapaicha store info -s dapaicha.sqlite
    """
    from dapaicha.cli import render, store_render
    from dapaicha.store import query as store_query

    store_render.print_info(store_query.info(store), render.console())
    raise typer.Exit(0)


@store_app.command("export")
def store_export_cmd(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="导出的工作簿，每张表一个工作表。例：-o 数据库导出.xlsx"),
    ],
    store: StoreOpt = Path("dapaicha.sqlite"),
) -> None:
    """把数据库的每张表导出到一个 Excel 工作簿（数据不会被锁在数据库里）。

    例：dapaicha store export -s dapaicha.sqlite -o 数据库导出.xlsx
    """
    from dapaicha.cli import render
    from dapaicha.store import query as store_query

    counts = store_query.export(store, out)
    con = render.console()
    con.print("；".join(f"{t} {n} 行" for t, n in counts.items()))
    render.print_paths(con, "已写出：", [("数据库导出", out)])
    raise typer.Exit(0)


@app.command("crosscheck")
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
    store: StoreOpt = Path("dapaicha.sqlite"),
) -> None:
    """督查比对：把督查发现的问题与各村发现之日的台账对照，分为已自查、漏排、无法匹配。

    漏排明细列出村级三位签字人和联乡帮村干部，以及与之不符的那一期台账。
    例：dapaicha crosscheck -f 督查发现问题.xlsx -r roster.xlsx -s dapaicha.sqlite -o 督查比对
    退出码：0 完成；2 用法错误或无法读取输入。
    """
    from dapaicha.app import crosscheck
    from dapaicha.cli import render
    from dapaicha.read import roster as roster_mod

    ros = roster_mod.load(roster)
    res = crosscheck.run(findings, ros, store)
    path = crosscheck.write(res, crosscheck.out_path(out, findings))
    crosscheck.print_result(res, render.console(), path)
    raise typer.Exit(0)


@app.command("demo")
def demo_cmd(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="演示文件的输出文件夹。")] = Path(
        "dapaicha-demo"
    ),
    seed: Annotated[
        int, typer.Option("--seed", help="随机种子：同一种子得到相同的台账和报送文件。")
    ] = 1,
) -> None:
    """演示：用内置示例村名册完整走一遍两期排查整改，并说明每个输出文件是什么、用哪条命令生成。

    生成台账 → 模拟各村报送 → 校验和退回修改 → 合并入库 → 汇总和周报 → 督查比对。
    例：dapaicha demo            （输出到 dapaicha-demo 文件夹，可重复运行）
    退出码：0 完成；2 用法错误或文件夹不可用。
    """
    from dapaicha.app import demo
    from dapaicha.cli import render

    con = render.console()
    res = demo.run(folder, seed=seed, on_step=lambda m: con.print(f"[dim]{m}[/]"))
    typer.echo(demo.tour(res))
    raise typer.Exit(0)


@app.command("simulate")
def simulate_cmd(
    ledgers: Annotated[
        Path, typer.Argument(metavar="LEDGERS_DIR", help="dapaicha generate 生成的台账文件夹。")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="模拟报送的输出文件夹。例：--out returns/第1期")
    ],
    seed: Annotated[int, typer.Option("--seed", help="随机种子：同一种子得到相同的文件。")] = 1,
    period: Annotated[
        int, typer.Option("--period", "-p", help="模拟第几期（第2期在第1期的基础上整改）。")
    ] = 1,
    mistakes: Annotated[
        float, typer.Option("--mistakes", help="有填报错误的村的比例（0 到 1）。")
    ] = 0.2,
    missing: Annotated[float, typer.Option("--missing", help="未报送的村的比例（0 到 1）。")] = 0.1,
    late: Annotated[float, typer.Option("--late", help="逾期报送的村的比例（0 到 1）。")] = 0.1,
    checklist: ChecklistOpt = None,
) -> None:
    """模拟各村填报台账（供演示、培训和测试）：部分村有填报错误、未报或逾期。

    另写出模拟记录（输出文件夹名_模拟记录.json），记录每村填了什么、故意犯了哪些错。
    例：dapaicha simulate 台账 --out returns/第1期 --seed 1
    退出码：0 完成；2 用法错误或无法读取台账。
    """
    from dapaicha.app import simulate
    from dapaicha.config import checklist as cl_mod

    cl = cl_mod.load(checklist)
    rec, path = simulate.run(
        cl, ledgers, out, seed=seed, period=period, mistakes=mistakes, missing=missing, late=late
    )
    sent = [v for v in rec.villages if v.reported]
    typer.echo(
        f"第{period}期：{len(rec.villages)} 个村中 {len(sent)} 个报送（逾期 {sum(v.late for v in sent)} 个），"
        f"{sum(bool(v.mistakes) for v in sent)} 个有填报错误，{len(rec.villages) - len(sent)} 个未报。"
    )
    typer.echo(f"已写出：{out}（报送台账）；{path}（模拟记录）")
    raise typer.Exit(0)


@app.command("init")
def init_cmd(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="工作文件夹（不存在则新建）。")],
) -> None:
    """新建工作文件夹：排查清单、空白村名册（带一行示例）、各环节文件夹和每周操作说明 README.txt。

    已有的文件不会被覆盖。
    例：dapaicha init 大排查2022
    退出码：0 完成；2 用法错误或无法写入。
    """
    from dapaicha.app import init as init_mod

    res = init_mod.run(folder)
    for name in res.created:
        typer.echo(f"已建立：{folder / name}")
    for name in res.kept:
        typer.echo(f"已存在，保留未改：{folder / name}")
    typer.echo(
        f"下一步：填写 {folder / init_mod.ROSTER}，然后按 {folder / init_mod.README} 中的步骤操作。"
    )
    raise typer.Exit(0)


def _zh_typer() -> None:
    """typer's own help strings in Chinese (module globals read when help is shown)."""
    from typer import rich_utils as ru
    from typer._click import decorators as deco

    ru.ARGUMENTS_PANEL_TITLE, ru.OPTIONS_PANEL_TITLE, ru.COMMANDS_PANEL_TITLE = (
        "参数",
        "选项",
        "命令",
    )
    ru.DEFAULT_STRING, ru.REQUIRED_LONG_STRING = "[默认：{}]", "[必填]"
    ru.ERRORS_PANEL_TITLE, ru.ABORTED_TEXT = "错误", "已取消。"
    ru.RICH_HELP = "运行 [blue]'{command_path} {help_option}'[/] 查看说明。"
    original = deco.help_option
    if getattr(original, "_dapaicha_zh", False):
        return

    def help_option(param_decls: list[str]):  # type: ignore[no-untyped-def]
        add = original(param_decls)

        def apply(cmd):  # type: ignore[no-untyped-def]
            out = add(cmd)
            cmd.params[-1].help = "显示帮助并退出。"
            return out

        return apply

    help_option._dapaicha_zh = True  # type: ignore[attr-defined]
    deco.help_option = help_option


_zh_typer()

_USAGE_ZH = (  # (pattern of click's message, Chinese), {0} = the first group; case-insensitive
    (r"No such command '(.*)'\.?", "没有命令“{0}”"),
    (r"Missing command\.?", "缺少命令"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", "多余的参数：{0}"),
    (r"Option '(.*)' requires (?:an argument|\d+ arguments)\.?", "选项 {0} 后面缺少值"),
    (r"Option '(.*)' does not take a value\.?", "选项 {0} 不带值"),
    (r"(?:Value )?'?(.*?)'? is not a valid (?:int|integer)\.?", "“{0}”不是整数"),
    (r"(?:Value )?'?(.*?)'? is not a valid float\.?", "“{0}”不是数字"),
    (r"Input should be a valid integer.*", "应为整数"),
    (r"Input should be a valid number.*", "应为数字"),
    (r"(?:Path|File|Directory) '(.*)' does not exist\.?", "“{0}”不存在"),
    (r"(?:Path|File) '(.*)' is a directory\.?", "“{0}”是文件夹，应为文件"),
    (r"(?:Path|Directory) '(.*)' is a file\.?", "“{0}”是文件，应为文件夹"),
)


def _usage_zh(err: Exception) -> str | None:
    """A click usage error as one Chinese line (None: no translation, show click's own)."""
    import re

    from typer._click import exceptions as ex

    if isinstance(err, ex.NoArgsIsHelpError) or not isinstance(err, ex.UsageError):
        return None
    ctx = err.ctx
    tail = f"运行 {ctx.command_path} -h 查看用法。" if ctx is not None else ""

    def zh(msg: str) -> str | None:
        for pat, text in _USAGE_ZH:
            m = re.fullmatch(pat, msg.strip(), re.IGNORECASE | re.DOTALL)
            if m:
                return text.format(*m.groups())
        return None

    if isinstance(err, ex.NoSuchOption):
        near = f"（是否想用 {'、'.join(sorted(err.possibilities))}？）" if err.possibilities else ""
        return f"没有选项 {err.option_name}{near}。{tail}"
    param = getattr(err, "param", None)
    hint = ""
    if param is not None:
        try:
            hint = param.get_error_hint()
        except TypeError:  # pragma: no cover - click's own signature takes ctx
            hint = param.get_error_hint(ctx)
    if isinstance(err, ex.MissingParameter):
        kind = "参数" if getattr(param, "param_type_name", "") == "argument" else "选项"
        return f"缺少{kind} {hint}。{tail}" if hint else f"缺少参数。{tail}"
    if isinstance(err, ex.BadParameter):
        msg = zh(err.message) or err.message.strip().rstrip(".")
        return f"{hint} 的值无效：{msg}。{tail}" if hint else f"值无效：{msg}。{tail}"
    msg = zh(err.message)
    return f"{msg}。{tail}" if msg else None


def main() -> None:
    """Entry point: every UserError becomes one Chinese line and exit code 2."""
    for stream in (sys.stdout, sys.stderr):  # a GBK console must not crash on a rare glyph
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[attr-defined]
    try:
        rc = app(standalone_mode=False)  # typer returns (not raises) Exit codes here
        if isinstance(rc, int) and rc:
            sys.exit(rc)
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
    except Exception as err:
        try:
            from typer import _click as click_mod  # typer ≥ 0.26 bundles its own click
        except ImportError:  # pragma: no cover
            import click as click_mod

        if isinstance(err, click_mod.exceptions.ClickException):
            line = _usage_zh(err)
            if line is None:
                err.show()
            else:
                typer.secho(f"错误：{line}", fg="red", err=True)
            sys.exit(2)
        if _state["debug"]:
            raise
        typer.secho(
            f"错误：程序内部出错（{type(err).__name__}: {err}）。加 --debug 可查看详细信息。",
            fg="red",
            err=True,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
