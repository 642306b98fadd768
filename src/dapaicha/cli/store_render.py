"""Terminal output of merge, history and store info (rich tables, Chinese)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dapaicha.app.merge import MergeResult
from dapaicha.store.query import StoreInfo, VillageHistory


def _yn(v: bool | None) -> str:
    return "未知" if v is None else ("是" if v else "否")


def print_result(res: MergeResult, con: Console) -> None:
    """What the merge stored and wrote."""
    con.print(
        f"\n[bold]入库[/bold]：新入库 {res.added} 个（其中退回 {res.rejected} 个，只记录不采用），"
        f"已在库中 {res.already} 个（未重复入库）。数据库：{escape(str(res.store))}"
    )
    for f, why in res.unstored:
        con.print(f"  [yellow]![/yellow] {escape(f)}：未入库，{escape(why)}")
    if res.written is not None:
        w = res.written
        con.print(
            f"[bold]合并台账[/bold]（{escape(w.unit)}，第{res.period}期）：{w.villages} 个村，"
            f"{w.problems} 个问题 → {escape(str(w.path))}"
        )
    elif res.period is None:
        con.print("[yellow]数据库中还没有通过校验的台账，未写出合并台账。[/]")
    if res.units:
        names = "、".join(w.unit for w in res.units[:5]) + ("等" if len(res.units) > 5 else "")
        con.print(
            f"[bold]各县合并台账[/bold]（第{res.period}期）：重写 {len(res.units)} 个县（{escape(names)}）"
            f" → {escape(str(res.units[0].path.parent))}"
        )


def print_info(info: StoreInfo, con: Console) -> None:
    con.print(f"[bold]数据库[/bold] {escape(info.path)}（第 {info.version} 版）")
    if info.checklist_id:
        con.print(f"行动：{escape(info.title)}（清单 {escape(info.checklist_id)}）")
    con.print(
        f"村：{info.villages} 个（名册中 {info.in_roster} 个，从未通过报送 {info.never_reported} 个）"
    )
    t = Table(title="各期报送")
    for h in ("期次", "起止日期", "通过", "退回", "被替代", "报送村数", "按时报送村数"):
        t.add_column(h, justify="left" if h == "起止日期" else "right")
    for p in info.periods:
        t.add_row(
            f"第{p.n}期",
            f"{p.start} 至 {p.deadline}",
            *map(str, (p.accepted, p.rejected, p.superseded, p.villages, p.on_time)),
        )
    con.print(t)


def print_history(h: VillageHistory, con: Console) -> None:
    name = f"{h.county}{h.township}{h.village}"
    con.print(f"[bold]{escape(name)}[/bold]（{escape(h.code or h.key)}）")
    t = Table(title="历次报送")
    for head in ("期次", "文件", "填报日期", "按时", "状态", "错误", "提醒", "问题数"):
        right = head in ("错误", "提醒", "问题数")
        t.add_column(
            head,
            justify="right" if right else "left",
            no_wrap=head in ("期次", "填报日期"),
            overflow="fold",
        )
    for e in h.entries:
        if not e.accepted:
            status = "[red]退回[/]"
        elif e.superseded_by:
            status = f"已被替代（{escape(e.superseded_by)}）"
        else:
            status = "[green]采用[/]"
        t.add_row(
            f"第{e.period}期", escape(e.file), e.report_date or "", _yn(e.on_time), status,
            str(e.errors), str(e.warnings), str(e.problems),
        )  # fmt: skip
    con.print(t)
    if h.statuses:
        con.print("各期状态：" + "；".join(f"第{n}期：{st}" for n, st in h.statuses))
    files = {e.id: (e.period, e.file) for e in h.entries}
    for a, b, changes in h.changes:
        (pa, fa), (pb, fb) = files[a], files[b]
        con.print(f"\n[bold]第{pa}期 {escape(fa)} → 第{pb}期 {escape(fb)}[/bold]")
        if not changes:
            con.print("  无变化")
        for c in changes:
            if c.what == "新增问题":
                text = f"新增问题：{c.new}"
            elif c.what == "问题消失":
                text = f"问题消失：{c.old}"
            else:
                text = f"{c.what}：{c.old or '（空）'} → {c.new or '（空）'}"
            gone = "（清单修订已删除此项）" if c.no < 0 else ""  # model.Row.no
            con.print(f"  第{abs(c.no)}项{gone}（问题{c.seq}） {escape(text)}")


def merge_payload(res: MergeResult) -> dict[str, object]:
    """merge --json: what was stored, the merged ledger, and the full validation report."""
    return {
        "store": str(res.store),
        "period": res.period,
        "added": res.added,
        "already": res.already,
        "rejected": res.rejected,
        "unstored": [{"file": f, "reason": why} for f, why in res.unstored],
        "merged_ledger": str(res.written.path) if res.written is not None else None,
        "county_ledgers": [
            {"county": w.unit, "path": str(w.path), "villages": w.villages, "problems": w.problems}
            for w in res.units
        ],
        "report": res.report.to_dict(),
    }
