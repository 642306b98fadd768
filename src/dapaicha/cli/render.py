"""What the terminal shows: rich tables of a validation report, a roster and a checklist;
progress, JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from dapaicha.app import progress as app_progress
from dapaicha.app.lint import RosterCheck
from dapaicha.config.checklist import Checklist, LintProblem
from dapaicha.findings import CODES, SEVERITY_ZH, FileResult, Report, Severity

MAX_SHOWN = 200  # findings printed in the terminal; the workbook has all of them


def console(stderr: bool = False) -> Console:
    """A console deciding once whether it writes to a terminal: stderr is a temporary file
    for a moment while calamine reads a file (read/quiet), and a progress bar that asked
    then would skip its update."""
    terminal = Console(stderr=stderr).is_terminal or None
    return Console(stderr=stderr, highlight=False, soft_wrap=False, force_terminal=terminal)


def progress_of(con: Console, label: str, min_total: int = 20) -> app_progress.Progress:
    """An app.progress.Progress showing a bar on con."""
    return lambda total: progress(con, total, label, min_total)


@contextmanager
def progress(
    con: Console, total: int, label: str, min_total: int = 20
) -> Iterator[app_progress.Advance]:
    """A transient progress bar when there is enough to wait for; yields advance()."""
    if total < min_total or not con.is_terminal:
        yield lambda *_: None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=con,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda *_: bar.advance(task)


def print_report(
    report: Report, con: Console, *, show_all: bool = False, verbose: bool = False
) -> None:
    """Summary table, counts by code, then the findings of rejected files (worst first, at
    most MAX_SHOWN lines; verbose: every file and finding, in file order)."""
    files = report.files
    acc = sum(f.accepted for f in files)
    back = sum(f.sent_back for f in files)
    t = Table(title="校验结果", show_lines=False)
    for h in ("文件数", "通过", "退回修改", "未报村数", "跳过文件"):
        t.add_column(h, justify="right")
    t.add_row(
        str(len(files)),
        str(acc),
        str(back),
        str(len(report.missing)),
        str(len(report.skipped)),
    )
    con.print(t)
    if unused := len(files) - acc - back:
        con.print(f"另有{unused}个文件未通过，但本村另有一份已采用，不退回。")
    counts = report.count_by_code()
    if counts:
        ct = Table(title="问题分类统计")
        for h in ("级别", "代码", "问题", "处数"):
            ct.add_column(h)
        for code, n in sorted(
            counts.items(), key=lambda kv: (CODES[kv[0]].severity != Severity.ERROR, -kv[1], kv[0])
        ):
            c = CODES[code]
            ct.add_row(SEVERITY_ZH[c.severity], code, c.title, str(n))
        con.print(ct)
    _print_files(files, con, show_all=show_all, verbose=verbose)
    if report.skipped:
        con.print("\n跳过的文件：" + "；".join(f"{f}（{r}）" for f, r in report.skipped[:20]))


def print_paths(con: Console, title: str, paths: Iterable[tuple[str, Path | str]]) -> None:
    con.print(f"\n[bold]{title}[/bold]")
    for label, p in paths:
        con.print(f"  {label}：{p}")


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def emit_json(data: Any) -> None:
    """JSON on stdout: UTF-8 bytes when redirected (JSON is UTF-8, whatever the console's
    code page, e.g. GBK on a Chinese Windows); the console's own encoding on a terminal."""
    text = to_json(data) + "\n"
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is None or out.isatty():
        typer.echo(text, nl=False)
        return
    out.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _print_files(files: list[FileResult], con: Console, *, show_all: bool, verbose: bool) -> None:
    listed = [fr for fr in files if fr.findings and (show_all or verbose or not fr.accepted)]
    if not verbose:  # at scale: the worst cases; the report file has them all
        listed.sort(key=lambda fr: (fr.accepted, -fr.errors, -fr.warnings))
    shown = 0
    for fr in listed:
        if shown >= MAX_SHOWN and not verbose:
            break
        who = "".join((fr.county, fr.township, fr.village)) or (
            "（合并台账）" if fr.kind == "merged" else "（未识别）"
        )
        colour = "green" if fr.accepted else "red"
        con.print(
            f"\n[bold]{escape(fr.file)}[/bold]  {escape(who)}  [{colour}]{fr.status}[/]  "
            f"错误 {fr.errors}，提醒 {fr.warnings}"
        )
        for f in fr.findings if verbose else fr.findings[: max(MAX_SHOWN - shown, 0)]:
            mark = "[red]✗[/red]" if f.severity is Severity.ERROR else "[yellow]![/yellow]"
            con.print(f"  {mark} {escape(f.message)}")
            shown += 1
    if shown >= MAX_SHOWN and not verbose:
        rest = sum(len(fr.findings) for fr in listed) - shown
        if rest > 0:
            con.print(
                f"\n（只显示问题最多的前 {MAX_SHOWN} 条，另有 {rest} 条见校验报告；加 --verbose 显示全部）"
            )


def print_roster(check: RosterCheck, con: Console, name: str) -> None:
    """Villages by county and township, then the roster's problem rows."""
    ros, towns, coded = check.roster, check.towns, check.coded
    table = Table(title=f"村名册：{escape(name)}")
    for head in ("县（市、区）", "乡（镇、街道）", "村数", "有村代码"):
        table.add_column(head, justify="right" if head in ("村数", "有村代码") else "left")
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


def print_checklist(cl: Checklist, problems: list[LintProblem], con: Console) -> None:
    """Every item by category, then the checklist's problems."""
    table = Table(title=f"{escape(cl.title)}（{len(cl.items)} 项）", show_lines=False)
    w_cat = max(cell_len(f"{c.code}、{c.name}") for c in cl.categories)
    w_topic = max([cell_len(i.topic) for _, i in cl.items] + [8])
    # The content gets what the terminal has left: 5 columns = 6 rules + 10 padding.
    w_text = min(80, max(16, con.width - w_cat - 4 - w_topic - 4 - 16))
    for head, kw in (
        ("类别", {"width": w_cat, "no_wrap": True}),
        ("序号", {"justify": "right", "width": 4, "no_wrap": True}),
        ("排查项目", {"width": w_topic, "no_wrap": True}),
        ("排查内容", {"width": w_text, "no_wrap": True, "overflow": "ellipsis"}),
        ("暂定", {"width": 4, "no_wrap": True}),
    ):
        table.add_column(head, **kw)
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
    if cl.revisions:
        for v in cl.versions:
            day = v.date.isoformat() if v.date else "日期未填"
            con.print(f"版本 {escape(v.label)}（{day}）：{len(v.entries)} 项")
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        color, label = ("red", "错误") if p.severity == "error" else ("yellow", "提醒")
        con.print(f"[{color}]{label}[/] {escape(p.where)}：{escape(p.message)}")
    con.print(
        f"共 {len(cl.categories)} 类 {len(cl.items)} 项；错误 {len(errors)} 处，"
        f"提醒 {len(problems) - len(errors)} 处。"
    )
