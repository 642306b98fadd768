"""The 督查比对 workbook: 汇总 by county and township, 漏排明细, 无法匹配."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha.config import checklist
from dapaicha.figures.crosscheck import CLASSES, MISSED, SELF, UNMATCHED, Match, Result
from dapaicha.fsutil import inside
from dapaicha.xlsx import excel

SHEET_SUMMARY, SHEET_MISSED, SHEET_UNMATCHED = "汇总", "漏排明细", "无法匹配"
SUMMARY_HEADS = ("县（市、区）", "乡（镇、街道）", "督查发现问题", SELF, MISSED, UNMATCHED)
MISSED_HEADS = (
    "县（市、区）",
    "乡（镇、街道）",
    "行政村",
    "村代码",
    "项目序号",
    "排查项目",
    "督查发现问题",
    "发现日期",
    "发现单位",
    "台账情况",
    "对照台账",
    "期次",
    "填报日期",
    "台账单元格",
    "联乡帮村干部",
    "清单行号",
)  # fmt: skip; the signers' titles go before 联乡帮村干部 (missed_heads)


def missed_heads(signers: Sequence[str]) -> tuple[str, ...]:
    """漏排明细's header: the village's signers (campaign.village_signers) before the liaison."""
    return (*MISSED_HEADS[:-2], *signers, *MISSED_HEADS[-2:])


UNMATCHED_HEADS = (
    "清单行号", "县（市、区）", "乡（镇、街道）", "行政村", "村代码", "项目序号", "排查项目",
    "督查发现问题", "发现日期", "发现单位", "原因",
)  # fmt: skip


def out_path(out_dir: Path, findings: Path | str) -> Path:
    return inside(Path(out_dir), f"督查比对_{Path(findings).stem}.xlsx")


def _missed_row(m: Match, n_signers: int) -> list[object]:
    f, v = m.finding, m.village
    signers = (tuple(v.signers) if v else ()) + ("",) * n_signers
    signers = signers[:n_signers]
    return [
        m.county, m.township, m.village_name, v.code if v else f.code, m.no, m.topic, f.description,
        f.found, f.unit, m.reason, m.file, f"第{m.period}期" if m.period else "", m.report_date, m.cell,
        *signers, v.liaison if v else "", f.row,
    ]  # fmt: skip


def _unmatched_row(m: Match) -> list[object]:
    f = m.finding
    return [
        f.row,
        f.county,
        f.township,
        f.village,
        f.code,
        f.no,
        f.item,
        f.description,
        f.found,
        f.unit,
        m.reason,
    ]


def _summary_rows(result: Result) -> list[list[object]]:
    """Townships by county, a 小计 after each county, then 合计."""
    rows: list[list[object]] = []
    prev = None
    summary = result.summary()
    for i, (county, township, c) in enumerate(summary):
        rows.append(
            [county if county != prev else "", township, sum(c.values()), *(c[k] for k in CLASSES)]
        )
        prev = county
        if i + 1 == len(summary) or summary[i + 1][0] != county:
            sub = [sum(x[2][k] for x in summary if x[0] == county) for k in CLASSES]
            rows.append(["", "小计", sum(sub), *sub])
    tot = result.totals()
    rows.append(["合计", "", sum(tot.values()), *(tot[k] for k in CLASSES)])
    return rows


def write(
    result: Result,
    path: Path,
    title: str = "督查发现问题与村级台账比对",
    *,
    signers: Sequence[str] | None = None,
) -> Path:
    """The comparison workbook; signers: the campaign's signer titles (default checklist's)."""
    titles = list(signers) if signers is not None else checklist.load().campaign.village_signers
    wb = Workbook()
    ws = excel.first_sheet(wb)
    ws.title = SHEET_SUMMARY
    n = len(SUMMARY_HEADS)
    excel.write(ws, 1, 1, title, font=excel.FONT_TITLE, alignment=excel.CENTER)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    excel.write(ws, 2, 1, f"督查清单：{result.source}", font=excel.FONT_BODY)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    _table(ws, 3, SUMMARY_HEADS, _summary_rows(result), (14, 16, 12, 10, 10, 10))
    excel.print_setup(ws, title_rows="3:3")
    excel.bound_scale(ws, (14, 16, 12, 10, 10, 10))
    for name, heads, body, widths in (
        (SHEET_MISSED, missed_heads(titles),
         [_missed_row(m, len(titles)) for m in result.of(MISSED)],
         (10, 12, 12, 14, 6, 10, 30, 11, 12, 18, 24, 6, 11, 8, *[10] * len(titles), 10, 6)),
        (SHEET_UNMATCHED, UNMATCHED_HEADS, [_unmatched_row(m) for m in result.of(UNMATCHED)],
         (6, 10, 12, 12, 14, 6, 14, 30, 11, 12, 36)),
    ):  # fmt: skip
        ws = wb.create_sheet(name)
        _table(ws, 1, heads, body, widths)
        ws.freeze_panes = "A2"
        excel.print_setup(ws, title_rows="1:1")
        village = get_column_letter(list(heads).index("行政村") + 1)
        excel.bound_scale(ws, widths, title_cols=f"A:{village}")  # who, on each page
        ws.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{max(1, len(body) + 1)}"
    excel.save(wb, path)
    return path


def _table(
    ws: Worksheet,
    top: int,
    heads: Sequence[str],
    rows: list[list[object]],
    widths: Sequence[float],
) -> None:
    for j, h in enumerate(heads, 1):
        excel.write(
            ws,
            top,
            j,
            h,
            font=excel.FONT_HEAD,
            alignment=excel.CENTER,
            border=excel.BORDER,
            fill=excel.HEAD_FILL,
        )
    for i, row in enumerate(rows, top + 1):
        for j, x in enumerate(row, 1):
            excel.write(
                ws, i, j, x, font=excel.FONT_BODY, alignment=excel.WRAP, border=excel.BORDER
            )
    for j, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = w
