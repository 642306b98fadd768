"""催报: the list of villages still owing this period's return, and a notice per township."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from dapaicha.config.periods import day_of
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


@dataclass(frozen=True)
class Due:
    """The day the 催报 asks each owing village to send its return by: one date, in the list
    and in the notices, that does not make a village which keeps it late."""

    as_of: dt.date
    days: int  # resubmit_days: the time a 退回通知 gives
    deadline: dt.date  # the period's

    def of(self, v: VillageStatus) -> dt.date:
        """未报送: the period's deadline (sent by then, it is on time); 退回待改: its 退回通知's
        day (the rejected file's receipt + days: a correction by then goes by the earlier
        receipt, config.periods.Receipts.judged) while not passed; else as_of + days."""
        later = dt.timedelta(days=self.days)
        if v.status is Status.UNREPORTED:
            return self.deadline
        sent = day_of(v.received_at) if v.status is Status.RETURNED and v.received_at else None
        if sent is not None and sent + later >= self.as_of:
            return sent + later
        return self.as_of + later


def _why(v: VillageStatus) -> str:
    if v.status is Status.RETURNED:
        return f"报送的“{v.file}”未通过校验，请按退回修改意见改正后重新报送"
    return "尚未报送本期台账"


def write_list(villages: Sequence[VillageStatus], path: Path, title: str, due: Due) -> Path:
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
        when = excel.cn_date(due.of(v))
        row = (v.county, v.township, v.village, v.code, str(v.status), when, _why(v))
        for j, value in enumerate(row, 1):
            excel.write(ws, i, j, value, font=excel.FONT_BODY, alignment=excel.WRAP,
                        border=excel.BORDER)  # fmt: skip
    ws.freeze_panes = "A3"
    excel.print_setup(ws, title_rows="2:2")
    excel.save(wb, path)
    return path


def notice_text(township: str, villages: Sequence[VillageStatus], *, period: int, due: Due,
                office: str, phone: str) -> str:  # fmt: skip
    """One township's 催报通知 (公文 habits: no spaces around numbers; office, date, phone);
    each village's date as in the 催报名单, said once when they share one."""
    days = [excel.cn_date(due.of(v)) for v in villages]
    one = len(set(days)) == 1
    lines = [f"{township}：", ""]
    lines.append(
        f"截至{excel.cn_date(due.as_of)}，你乡（镇、街道）以下村第{period}期问题整改台账尚未报送或未通过校验，"
        + (f"请督促于{days[0]}前报送：" if one else "请督促按以下期限报送：")
    )
    for i, (v, day) in enumerate(zip(villages, days, strict=True), 1):
        lines.append(
            f"{i}.{v.village}（{v.status}）：{_why(v)}" + ("。" if one else f"，请于{day}前报送。")
        )
    lines += ["", office or "", excel.cn_date(due.as_of)]
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
