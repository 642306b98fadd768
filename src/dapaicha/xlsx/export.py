"""The store export: every table to one workbook, a sheet per table."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from dapaicha.xlsx import excel

MAX_SHEET_ROWS = 1_048_575  # Excel's limit, minus the header
SHEET_FIELDS = "字段说明"  # last sheet: table, column, Chinese header

# Chinese headers of the store's columns (sheet names stay the table names, stable keys)
COLUMN_ZH = {
    "version": "数据库版本",
    "id": "编号",
    "checklist_id": "清单标识",
    "checklist_hash": "清单校验值",
    "title": "行动名称",
    "start": "开始日期",
    "first_deadline": "第1期截止日期",
    "end_date": "结束日期",
    "report_every_days": "报送间隔（天）",
    "campaign_id": "行动编号",
    "no": "序号",
    "category_code": "类别代码",
    "category": "类别",
    "topic": "排查项目",
    "content": "排查内容",
    "n": "期次",
    "deadline": "截止日期",
    "key": "村标识",
    "code": "村代码",
    "county": "县（市、区）",
    "township": "乡（镇、街道）",
    "village": "村",
    "in_roster": "在村名册中",
    "period": "期次",
    "village_key": "村标识",
    "file": "文件",
    "sha256": "文件校验值（SHA-256）",
    "source_kind": "来源类型",
    "report_date": "填报日期",
    "on_time": "按时报送",
    "received_at": "收到时间",
    "accepted": "通过校验",
    "errors": "错误数",
    "warnings": "提醒数",
    "problems": "问题数",
    "superseded_by": "被替代（新报送编号）",
    "submission_id": "报送编号",
    "seq": "问题序号",
    "has_problem": "是否存在问题",
    "description": "自查问题描述",
    "measure": "整改措施",
    "kind": "整改类型",
    "owner": "责任人",
    "result": "整改结果",
    "done_date": "完成时间",
    "note": "备注",
    "row": "行号",
    "cell": "单元格",
    "severity": "级别",
    "sheet": "工作表",
    "item": "项目序号",
    "message": "说明",
}
# a column whose meaning differs by table
TABLE_COLUMN_ZH = {("rows", "deadline"): "整改期限"}


def header(table: str, column: str) -> str:
    """The Chinese header of a store column (its name when none is known)."""
    return TABLE_COLUMN_ZH.get((table, column)) or COLUMN_ZH.get(column, column)


def write_tables(
    tables: Iterable[tuple[str, list[str], Iterable[tuple[object, ...]]]],
    out: Path | str,
    escaped: dict[str, int] | None = None,
) -> dict[str, int]:
    """Each (name, columns, rows) to its sheet (split when over Excel's row limit); row counts.

    Text with characters xlsx cannot hold is written escaped (\\xNN); escaped counts
    such cells per table.
    """
    counts: dict[str, int] = {}
    fields: list[tuple[str, str, str]] = []
    escaped = {} if escaped is None else escaped
    wb = Workbook(write_only=True)
    for table, columns, recs in tables:
        names = [header(table, c) for c in columns]
        fields += [(table, c, h) for c, h in zip(columns, names, strict=True)]
        n, part, ws = 0, 0, None
        for rec in recs:
            if ws is None or n % MAX_SHEET_ROWS == 0:
                part += 1
                ws = wb.create_sheet(table if part == 1 else f"{table}_{part}")
                ws.freeze_panes = "A2"
                ws.append([excel.put(WriteOnlyCell(ws), c) for c in names])
            ws.append([_cell(ws, x, table, escaped) for x in rec])
            n += 1
        if ws is None:
            ws = wb.create_sheet(table)
            ws.append(names)
        counts[table] = n
    ws = wb.create_sheet(SHEET_FIELDS)
    ws.append(["表（工作表名）", "字段名", "表头（中文）"])
    for row in fields:
        ws.append(list(row))
    excel.save(wb, Path(out))
    return counts


def _cell(ws: Any, x: object, table: str, escaped: dict[str, int]) -> object:
    if not isinstance(x, str):
        return x
    if excel.needs_escape(x):
        escaped[table] = escaped.get(table, 0) + 1
        x = excel.escape_text(x)
    return excel.put(WriteOnlyCell(ws), x) if _risky(x) else x


def _risky(s: str) -> bool:
    return s[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") or len(s) > 32000
