"""What the terminal shows for generate, rollup and demo."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dapaicha.app.demo import DemoResult
from dapaicha.app.generate import Result as Generated
from dapaicha.app.generate import provisional_warning
from dapaicha.figures import rollup
from dapaicha.figures.rollup import Rollup
from dapaicha.store.status import Arrival
from dapaicha.xlsx.excel import cn_date
from dapaicha.xlsx.sheets import DASH
from dapaicha.xlsx.weekly import is_nan, pct


def print_generated(result: Generated, con: Console, limit: int = 100) -> None:
    """The run's outcome: counts, where, what was skipped and why."""
    if warn := provisional_warning(result):
        con.print(f"[yellow]{escape(warn)}[/]")
    for note in result.notes:
        con.print(f"[yellow]{escape(note)}[/]")
    done = len(result.written) + len(result.updated) + len(result.unchanged)
    con.print(
        f"共 {result.total} 个村：新生成 {len(result.written)} 份，更新 {len(result.updated)} 份，"
        f"已是最新 {len(result.unchanged)} 份，未覆盖 {len(result.skipped)} 份。"
    )
    if done:
        con.print(f"台账位于：{escape(str(result.out))}")
    if result.renamed:
        con.print(
            f"[yellow]同一乡镇内有同名的村，以下台账文件名加了区分（{len(result.renamed)} 个）：[/]"
        )
        for name, rel in result.renamed[:limit]:
            con.print(f"  {escape(name)} → {escape(rel)}")
    if result.skipped:
        con.print(f"[yellow]未覆盖的文件（{len(result.skipped)} 个）：[/]")
        for rel, reason in result.skipped[:limit]:
            con.print(f"  {escape(rel)}：{escape(reason)}")
        if len(result.skipped) > limit:
            con.print(f"  ……另有 {len(result.skipped) - limit} 个未列出。")


def print_weekly(r: Rollup, con: Console, level: rollup.Level = "county") -> None:
    """The 周报 figures as a terminal table (per county, or a county's townships)."""
    w = rollup.weekly(r, level)
    t = Table(title=f"第{r.period}期（截至{cn_date(r.deadline)}）整改进展")
    head = "县（市、区）" if level == "county" else "乡（镇、街道）"
    for name in (
        "排名", head, "上报率", "排查问题", "本周新增", "本周完成", "整改率", "变化", "逾期未整改",
    ):  # fmt: skip
        t.add_column(name, justify="left" if name == head else "right")
    for rec in w.to_dict("records"):
        pp = DASH if is_nan(rec["change_pp"]) else f"{rollup.pp_value(rec['change_pp']):+.2f}"
        rank = "" if is_nan(rec["rank"]) else str(rec["rank"])
        t.add_row(rank, escape(str(rec["unit"])), pct(rec["report_rate"]), str(rec["problems"]), str(rec["new"]),
                  str(rec["completed"]), pct(rec["rate"]), pp, str(rec["overdue"]))  # fmt: skip
    con.print(t)


def tour(res: DemoResult) -> str:
    """The short Chinese tour printed at the end of the demo."""
    out: Path = res.out
    lines = [
        f"演示完成：用示例村名册模拟了一次两期的排查整改（随机种子 {res.seed}）。所有文件在 {out}/ 中。",
        "每一步都可以在该文件夹中用一条命令重做（cd 进去后运行）：",
        "",
    ]
    last = ""
    for s in res.steps:
        if s.command != last:
            lines.append(f"$ {s.command}")
            last = s.command
        lines.append(f"    {s.title}")
        lines.append(f"      → {s.path.relative_to(out).as_posix()}")
    lines += [
        "",
        "正式使用：dapaicha init 工作文件夹 —— 建好名册模板、清单和文件夹，并附每周操作说明。",
        "以后每周只需一条命令：把各村报回的台账放进 returns\\第N期，在工作文件夹中运行"
        " dapaicha week，它完成上面的校验、退回、入库、汇总，并写出催报名单和各乡镇催报通知；",
        "再按屏幕上的“下一步”把文件发给各村、各乡镇。",
        "每条命令加 -h 可查看说明，例如：dapaicha validate -h",
    ]
    return "\n".join(lines)


def _pct(v: object) -> float | None:
    """A rate as the papers print it, in percent, rounded half up (65.625% → 65.63)."""
    if is_nan(v):
        return None
    return float(rollup.half_up(float(v) * 100))  # type: ignore[arg-type]


# expected = reported (on_time + late) + returned (退回待改) + missing (sent nothing)
_VILLAGE_COUNTS = ("expected", "reported", "on_time", "late", "returned", "missing")


def weekly_payload(
    r: Rollup, paths: list[Path], level: rollup.Level = "county", arrivals: Sequence[Arrival] = ()
) -> dict[str, object]:
    """rollup --json: the 周报 figures per unit (percentages as printed) and the files;
    level: the units (counties, or a county's townships); county_ledgers: when each county's
    merged ledger of the period arrived (on_time null: received outside the campaign)."""
    units = []
    for rec in rollup.weekly(r, level).to_dict("records"):
        units.append({
            "unit": str(rec["unit"]),
            "rank": None if is_nan(rec["rank"]) else int(rec["rank"]),
            "report_rate_pct": _pct(rec["report_rate"]),
            "problems": int(rec["problems"]),
            "new": int(rec["new"]),
            "completed": int(rec["completed"]),
            "rate_pct": _pct(rec["rate"]),
            "change_pp": rollup.pp_value(rec["change_pp"]),
            "overdue": int(rec["overdue"]),
            **{k: int(rec[k]) for k in _VILLAGE_COUNTS},
        })  # fmt: skip
    return {
        "period": r.period,
        "deadline": r.deadline.isoformat(),
        "level": level,
        "units": units,
        "files": [str(p) for p in paths],
        "county_ledgers": [
            {"county": a.county, "file": a.file, "received_at": a.received_at,
             "received_on": a.received_on.isoformat(), "on_time": a.on_time}
            for a in arrivals
        ],
    }  # fmt: skip
