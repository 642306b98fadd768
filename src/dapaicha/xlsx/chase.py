"""催报: the list of villages still owing this period's return, and a notice per township."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from dapaicha.fsutil import atomic_write_text, inside
from dapaicha.model import Status
from dapaicha.store.status import VillageStatus
from dapaicha.xlsx import excel

OWING = (Status.OVERDUE, Status.UNREPORTED, Status.RETURNED)
HEADS = ("县（市、区）", "乡（镇、街道）", "行政村", "村代码", "报送状态", "应报送期限", "说明")
WIDTHS = (12, 14, 12, 14, 12, 14, 40)
LIST_NAME = "催报名单.xlsx"


def owing(villages: Sequence[VillageStatus]) -> list[VillageStatus]:
    """Villages that still owe this period's return: 逾期未报, 未报送, 退回待改."""
    return [v for v in villages if v.status in OWING]


def _why(v: VillageStatus) -> str:
    if v.status is Status.RETURNED:
        return f"报送的“{v.file}”未通过校验，请按退回修改意见改正后重新报送"
    return "尚未报送本期台账"


def write_list(villages: Sequence[VillageStatus], path: Path, title: str, due: dt.date,
               period_deadline: dt.date) -> Path:  # fmt: skip
    """催报名单.xlsx: one row per village owing its return, by township."""
    wb = Workbook()
    ws = excel.first_sheet(wb)
    ws.title = "催报名单"
    excel.write(ws, 1, 1, title, font=excel.FONT_TITLE, alignment=excel.CENTER)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADS))
    for j, h in enumerate(HEADS, 1):
        excel.write(ws, 2, j, h, font=excel.FONT_HEAD, alignment=excel.CENTER,
                    border=excel.BORDER, fill=excel.HEAD_FILL)  # fmt: skip
        ws.column_dimensions[get_column_letter(j)].width = WIDTHS[j - 1]
    for i, v in enumerate(owing(villages), 3):
        when = due if v.status is not Status.UNREPORTED else period_deadline
        row = (v.county, v.township, v.village, v.code, str(v.status), excel.cn_date(when), _why(v))
        for j, value in enumerate(row, 1):
            excel.write(ws, i, j, value, font=excel.FONT_BODY, alignment=excel.WRAP,
                        border=excel.BORDER)  # fmt: skip
    ws.freeze_panes = "A3"
    excel.print_setup(ws, title_rows="2:2")
    excel.save(wb, path)
    return path


def notice_text(township: str, villages: Sequence[VillageStatus], *, period: int,
                as_of: dt.date, due: dt.date, office: str, phone: str) -> str:  # fmt: skip
    """One township's 催报通知 (公文 habits: no spaces around numbers; office, date, phone)."""
    lines = [f"{township}：", ""]
    lines.append(
        f"截至{excel.cn_date(as_of)}，你乡（镇、街道）以下村第{period}期问题整改台账尚未报送或未通过校验，"
        f"请督促于{excel.cn_date(due)}前报送："
    )
    for i, v in enumerate(villages, 1):
        lines.append(f"{i}.{v.village}（{v.status}）：{_why(v)}。")
    lines += ["", office or "", excel.cn_date(as_of)]
    if phone:
        lines.append(f"联系电话：{phone}")
    return "\n".join(lines).rstrip("\n") + "\n"


def write_notices(villages: Sequence[VillageStatus], folder: Path, **kw: object) -> list[Path]:
    """One 催报通知 text per township with villages owing (UTF-8 with BOM, CRLF)."""
    towns: dict[tuple[str, str], list[VillageStatus]] = {}
    for v in owing(villages):
        towns.setdefault((v.county, v.township), []).append(v)
    out = []
    for (county, town), vs in towns.items():
        text = notice_text(town, vs, **kw)  # type: ignore[arg-type]
        path = inside(folder, county, f"{town}_催报通知.txt")
        atomic_write_text(path, text.replace("\n", "\r\n"), "utf-8-sig")
        out.append(path)
    return out
