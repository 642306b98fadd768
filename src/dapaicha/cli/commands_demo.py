"""Commands for trying the tool: demo, simulate, init.

Each command imports its app module when it runs (tests/test_house.py LAZY_IMPORTS): a
command does not pay for the others' imports (issue 20).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from dapaicha.cli import render
from dapaicha.cli.base import COMMAND, ChecklistOpt, app, loading
from dapaicha.config import workspace


@app.command("demo", cls=COMMAND)
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
    with loading():
        from dapaicha.app import demo
        from dapaicha.cli import render_more

    con = render.console()
    res = demo.run(folder, seed=seed, on_step=lambda m: con.print(f"[dim]{m}[/]"))
    typer.echo(render_more.tour(res))
    raise typer.Exit(0)


@app.command("simulate", cls=COMMAND)
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
    with loading():
        from dapaicha.app import simulate

    rec, path = simulate.command(
        ledgers, out, checklist,
        seed=seed, period=period, mistakes=mistakes, missing=missing, late=late,
    )  # fmt: skip
    sent = [v for v in rec.villages if v.reported]
    typer.echo(
        f"第{period}期：{len(rec.villages)} 个村中 {len(sent)} 个报送（逾期 {sum(v.late for v in sent)} 个），"
        f"{sum(bool(v.mistakes) for v in sent)} 个有填报错误，{len(rec.villages) - len(sent)} 个未报。"
    )
    typer.echo(f"已写出：{out}（报送台账）；{path}（模拟记录）")
    raise typer.Exit(0)


@app.command("init", cls=COMMAND)
def init_cmd(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="工作文件夹（不存在则新建）。")],
    level: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--level", help="本级单位层级：县 或 市。例：--level 县"),
    ] = None,
    unit: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--unit", help="本级单位名称。例：--unit 禹州市"),
    ] = None,
    office: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--office", help="办公室全称（通知落款）。"),
    ] = None,
    phone: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--phone", help="联系电话（写入通知）。例：--phone 0374-8888888"),
    ] = None,
) -> None:
    """新建工作文件夹：设置文件 dapaicha.yaml、排查清单、空白村名册（带一行示例）、各环节文件夹和每周操作说明 README.txt。

    在工作文件夹（或其下级文件夹）中运行命令时，名册、清单、数据库和输出文件夹取 dapaicha.yaml
    中的设置，不必再写 -r、-c、-s、-o。已有的文件不会被覆盖。
    例：dapaicha init 禹州市大排查 --level 县 --unit 禹州市 --phone 0374-8888888
    退出码：0 完成；2 用法错误或无法写入。
    """
    with loading():
        from dapaicha.app import init

    settings = workspace.settings(level, unit, office, phone)
    res = init.run(folder, settings)
    for name in res.created:
        typer.echo(f"已建立：{folder / name}")
    for name in res.kept:
        typer.echo(f"已存在，保留未改：{folder / name}")
    typer.echo(f"下一步：填写 {folder / init.ROSTER}，然后按 {folder / init.README} 中的步骤操作。")
    raise typer.Exit(0)
