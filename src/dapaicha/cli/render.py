"""What the terminal shows: rich tables of a validation report, progress, JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from dapaicha.app import progress as app_progress
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
    t = Table(title="校验结果", show_lines=False)
    for h in ("文件数", "通过", "退回修改", "未报村数", "跳过文件"):
        t.add_column(h, justify="right")
    t.add_row(
        str(len(files)),
        str(acc),
        str(len(files) - acc),
        str(len(report.missing)),
        str(len(report.skipped)),
    )
    con.print(t)
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
        who = "".join((fr.county, fr.township, fr.village)) or "（未识别）"
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
