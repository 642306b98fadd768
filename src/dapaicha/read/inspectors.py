"""Reading the inspectors' findings list (督查发现问题) into Inspections.

The first worksheet with a header (village or code, and item number or item text) is
read; bad rows are kept with a `problem` (Chinese). The file goes through book.py's guard.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from dapaicha.errors import UserError
from dapaicha.normalize import clean_text, parse_date, parse_int
from dapaicha.read import book

HEADER_SCAN_ROWS = 10
MAX_ROWS = 100_000

# Field → header names of the inspectors' list, compared after _hkey().
HEADERS: dict[str, tuple[str, ...]] = {
    "county": ("县", "县（市、区）", "县区", "县市区", "县（市区）"),
    "township": ("乡", "乡镇", "乡（镇、街道）", "乡镇（街道）", "乡（镇）"),
    "village": ("村", "行政村", "村（社区）", "村名", "行政村名称"),
    "code": ("村代码", "行政村代码", "区划代码", "统计用区划代码"),
    "item_no": ("项目序号", "排查项目序号", "清单序号", "条目序号", "对应序号"),
    "no": ("序号",),
    "item": ("排查项目", "排查内容", "项目", "排查事项", "问题类别", "对应排查项目"),
    "description": ("问题描述", "督查发现问题", "发现问题", "存在问题", "问题"),
    "date": ("发现日期", "发现时间", "督查日期", "检查日期"),
    "unit": ("发现单位", "督查单位", "督查组", "检查单位"),
}


def _hkey(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = "".join(s.split()).lower().rstrip("*:")
    return s[:-2] if s.endswith("名称") and len(s) > 2 else s


_ALIAS = {_hkey(a): f for f, names in HEADERS.items() for a in names}


@dataclass(frozen=True)
class Inspection:
    """One row of the inspectors' list, as read."""

    row: int  # 1-based row in the source sheet
    county: str = ""
    township: str = ""
    village: str = ""
    code: str = ""
    no: int | None = None
    item: str = ""  # item text when there is no 序号
    description: str = ""
    found: dt.date | None = None
    unit: str = ""
    problem: str = ""  # why the row cannot be used ("" when it can)


def _header(table: list[list[object]]) -> tuple[dict[str, int], int] | None:
    for i, row in enumerate(table[:HEADER_SCAN_ROWS]):
        cols: dict[str, int] = {}
        for j, cell in enumerate(row):
            f = _ALIAS.get(_hkey(cell))
            if f and f not in cols:
                cols[f] = j
        if "item_no" in cols:
            cols["no"] = cols.pop("item_no")
        elif "no" in cols and "item" in cols and _counter(table[i + 1 :], cols["no"]):
            del cols["no"]  # a plain 序号 counting the rows 1, 2, 3 …: items go by their text
        if ("village" in cols or "code" in cols) and ("no" in cols or "item" in cols):
            return cols, i + 1
    return None


def _counter(rows: list[list[object]], j: int) -> bool:
    """Whether column j numbers the rows 1, 2, 3 … (at least 3 of them)."""
    nums = [parse_int(r[j]) for r in rows if j < len(r) and r[j] not in (None, "")]
    vals = [n.value for n in nums]
    return len(vals) >= 3 and vals == list(range(1, len(vals) + 1))


def read_findings(path: Path | str, *, year: int) -> list[Inspection]:
    """Every non-blank row of the first sheet with a header; bad rows carry a `problem`.

    year: the campaign year, for dates written without one (4月5日).
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到督查发现问题清单：{path}。")

    def accept(table: book.Table) -> list[Inspection] | None:
        found = _header(table)
        return None if found is None else _rows(table, *found, year=year)

    try:
        rows = book.first_table(path, accept, max_rows=MAX_ROWS)
    except book.Unreadable as err:
        raise UserError(
            f"督查发现问题清单 {path.name} 无法读取（{err.reason}）：{err.hint}"
        ) from None
    if rows is None:
        raise UserError(
            f"督查发现问题清单 {path.name} 的前 {HEADER_SCAN_ROWS} 行中没有找到表头："
            "应有“村”（或“村代码”）列，以及“项目序号”（或“排查项目”）列。"
        )
    return rows


def _text(v: object) -> str:
    return clean_text(v) or ""


def _rows(
    table: list[list[object]], cols: dict[str, int], start: int, *, year: int
) -> list[Inspection]:
    out: list[Inspection] = []
    for i in range(start, min(len(table), MAX_ROWS)):
        raw = table[i]
        v = {f: (raw[j] if j < len(raw) else None) for f, j in cols.items()}
        t = {f: _text(x) for f, x in v.items()}
        if not any(t.values()):
            continue
        problems: list[str] = []
        if not (t.get("village") or t.get("code")):
            problems.append("缺少村名")
        no = parse_int(v.get("no"))
        if not no.ok:
            problems.append(f"项目序号“{t.get('no')}”无法识别")
        elif no.value is None and not t.get("item"):
            problems.append("缺少项目序号（或排查项目）")
        d = parse_date(v.get("date"), year=year)
        if d.status == "blank":
            problems.append("缺少发现日期")
        elif not d.ok:
            problems.append(f"发现日期“{d.raw}”无法识别")
        code = "".join(t.get("code", "").split()).lstrip("'")
        out.append(
            Inspection(
                row=i + 1, county=t.get("county", ""), township=t.get("township", ""),
                village=t.get("village", ""), code=code, no=no.value, item=t.get("item", ""),
                description=t.get("description", ""), found=d.value, unit=t.get("unit", ""),
                problem="；".join(problems),
            )
        )  # fmt: skip
    return out
