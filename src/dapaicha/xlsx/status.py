"""报送情况.xlsx: every roster village's status in one period, and the counts by township."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha.model import Status
from dapaicha.store.status import PeriodStatus, VillageStatus
from dapaicha.xlsx import excel

HEADS = ("县（市、区）", "乡（镇、街道）", "行政村", "村代码", "报送状态", "报送文件", "填报日期",
         "收到时间", "错误数", "提醒数")  # fmt: skip
WIDTHS = (12, 14, 12, 14, 14, 36, 12, 18, 8, 8)
COUNT_HEADS = ("县（市、区）", "乡（镇、街道）", "应报村数", *(str(s) for s in Status))


def _row(v: VillageStatus) -> list[object]:
    received = v.received_at[:16].replace("T", " ")
    return [v.county, v.township, v.village, v.code, str(v.status), v.file, v.report_date,
            received, v.errors, v.warnings]  # fmt: skip


def township_counts(villages: Sequence[VillageStatus]) -> list[list[object]]:
    """One row per township (roster order) and a 合计 row: villages, then each status."""
    towns: dict[tuple[str, str], Counter[Status]] = {}
    for v in villages:
        towns.setdefault((v.county, v.township), Counter())[v.status] += 1
    rows: list[list[object]] = [
        [c, t, sum(n.values()), *(n[s] for s in Status)] for (c, t), n in towns.items()
    ]
    total = Counter(v.status for v in villages)
    rows.append(["合计", "", len(villages), *(total[s] for s in Status)])
    return rows


def _table(ws: Worksheet, title: str, heads: Sequence[str], rows: list[list[object]],
           widths: Sequence[float]) -> None:  # fmt: skip
    excel.write(ws, 1, 1, title, font=excel.FONT_TITLE, alignment=excel.CENTER)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(heads))
    for j, h in enumerate(heads, 1):
        excel.write(ws, 2, j, h, font=excel.FONT_HEAD, alignment=excel.CENTER,
                    border=excel.BORDER, fill=excel.HEAD_FILL)  # fmt: skip
        ws.column_dimensions[get_column_letter(j)].width = widths[j - 1]
    for i, row in enumerate(rows, 3):
        for j, value in enumerate(row, 1):
            excel.write(ws, i, j, value, font=excel.FONT_BODY, alignment=excel.WRAP,
                        border=excel.BORDER)  # fmt: skip
    ws.freeze_panes = "A3"
    excel.print_setup(ws, title_rows="2:2")


def write(ps: PeriodStatus, path: Path, campaign_title: str) -> Path:
    """The workbook: 报送情况 (a row per village) and 按乡镇统计."""
    wb = Workbook()
    ws = excel.first_sheet(wb)
    ws.title = "报送情况"
    title = f"{campaign_title}第{ps.period}期报送情况（截止 {excel.cn_date(ps.deadline)}，" \
            f"统计至 {excel.cn_date(ps.as_of)}）"  # fmt: skip
    _table(ws, title, HEADS, [_row(v) for v in ps.villages], WIDTHS)
    ws.auto_filter.ref = f"A2:{get_column_letter(len(HEADS))}{len(ps.villages) + 2}"
    counts = wb.create_sheet("按乡镇统计")
    widths = (12, 14, 10, *(12,) * len(Status))
    _table(
        counts,
        f"第{ps.period}期报送情况按乡镇统计",
        COUNT_HEADS,
        township_counts(ps.villages),
        widths,
    )
    excel.save(wb, path)
    return path
