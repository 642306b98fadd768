"""校验报告.xlsx: one row per file, every finding, villages not reported, files skipped.

Also the table-sheet and ordering helpers shared with feedback.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha.findings import CODES, SEVERITY_ZH, FileResult, Finding, Report, Severity
from dapaicha.layout import column_letter
from dapaicha.xlsx import excel

DEFAULT_TITLE = "报送台账校验报告"

# (header, width) of each sheet
FILE_COLS = (
    ("县", 10),
    ("乡（镇、街道）", 12),
    ("村", 12),
    ("村代码", 14),
    ("文件", 36),
    ("状态", 12),
    ("错误数", 7),
    ("提醒数", 7),
    ("填报日期", 12),
)
FINDING_COLS = (
    ("县", 10),
    ("乡（镇、街道）", 12),
    ("村", 12),
    ("文件", 28),
    ("级别", 6),
    ("问题类型", 16),
    ("工作表", 10),
    ("单元格", 8),
    ("序号", 6),
    ("填写内容", 20),
    ("说明", 60),
    ("问题代码", 20),  # the stable code, last: for filters and scripts
)
MISSING_COLS = (("县", 12), ("乡（镇、街道）", 16), ("村", 16), ("村代码", 16))
SKIPPED_COLS = (("文件", 50), ("原因", 60))
FIRST_DATA_ROW = 4  # title, subtitle, header, then data


# -- shared helpers -------------------------------------------------------------------


def cell_position(cell: str) -> tuple[int, int] | None:
    """'F12' (or the first cell of 'F12:G13') → (row, column), 1-based; None if not an address."""
    try:
        letters, row = coordinate_from_string(cell.split(":")[0].replace("$", ""))
        return row, column_index_from_string(letters)
    except (ValueError, AttributeError):
        return None


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in reading order: whole-file ones first, then by sheet, row, column."""

    def key(f: Finding) -> tuple[Any, ...]:
        pos = cell_position(f.cell) if f.cell else None
        return (pos is not None, f.sheet, pos or (0, 0))

    return sorted(findings, key=key)


def ordered_files(files: Iterable[FileResult]) -> list[FileResult]:
    """Files in division-code order (the roster's order), unidentified last, then by name."""

    def key(r: FileResult) -> tuple[Any, ...]:
        code, county = r.village_code, r.county
        return (not code, not county, code, county, r.township, r.village, r.file)

    return sorted(files, key=key)


def row_height(values: Sequence[Any], widths: Sequence[float], line: float = 14.0) -> float:
    """A row height that shows every wrapped line (LibreOffice and WPS do not autofit)."""
    lines = 1
    for v, w in zip(values, widths, strict=False):
        if v is None or v == "":
            continue
        per = max(int(w) - 1, 1)
        lines = max(lines, sum(-(-excel.text_width(t) // per) or 1 for t in str(v).split("\n")))
    return excel.row_points(lines, line, pad=4, cap=400)


def table_sheet(
    ws: Worksheet,
    title: str,
    subtitle: str,
    cols: Sequence[tuple[str, float]],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Title row, subtitle row, header row, data rows; filter, frozen header, print setup.

    Returns the number of data rows written.
    """
    last = column_letter(len(cols) - 1)
    excel.write(ws, 1, 1, title, font=excel.FONT_TITLE, alignment=excel.CENTER)
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 30
    excel.write(ws, 2, 1, subtitle, font=excel.FONT_BODY, alignment=excel.WRAP)
    ws.merge_cells(f"A2:{last}2")
    head = FIRST_DATA_ROW - 1
    for c, (name, width) in enumerate(cols, start=1):
        style = {"font": excel.FONT_HEAD, "alignment": excel.CENTER, "fill": excel.HEAD_FILL}
        excel.write(ws, head, c, name, border=excel.BORDER, **style)
        ws.column_dimensions[column_letter(c - 1)].width = width
    widths = [w for _, w in cols]
    ws.row_dimensions[2].height = row_height([subtitle], [sum(widths)])
    n = 0
    for n, values in enumerate(rows, start=1):
        r = head + n
        for c, v in enumerate(values, start=1):
            excel.write(
                ws, r, c, v, font=excel.FONT_BODY, alignment=excel.WRAP, border=excel.BORDER
            )
        ws.row_dimensions[r].height = row_height(values, widths)
    ws.auto_filter.ref = f"A{head}:{last}{head + n}"
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    excel.print_setup(ws, title_rows=f"{head}:{head}")
    excel.bound_scale(ws, widths, title_cols="A:C" if cols[0][0] == "县" else None)
    return n


# -- the report -----------------------------------------------------------------------


def _summary(report: Report) -> str:
    files = report.files
    rejected = sum(not f.accepted for f in files)
    errors = sum(f.errors for f in files)
    warnings = sum(f.warnings for f in files)
    return (
        f"共校验 {len(files)} 个文件：通过 {len(files) - rejected} 个，退回修改 {rejected} 个；"
        f"错误 {errors} 处，提醒 {warnings} 处；未报 {len(report.missing)} 个村；"
        f"未能校验 {len(report.skipped)} 个文件。"
    )


def _mark(ws: Worksheet, col: int, fills: dict[str, Any]) -> None:
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        cell = ws.cell(row=r, column=col)
        for word, fill in fills.items():
            if isinstance(cell.value, str) and cell.value.startswith(word):
                cell.fill = fill
                break


def write(report: Report, path: Path, *, title: str = DEFAULT_TITLE) -> None:
    """Write 校验报告.xlsx atomically (sheets 文件, 问题明细, 未报, 跳过)."""
    files = ordered_files(report.files)
    wb = Workbook()
    ws = excel.first_sheet(wb)
    ws.title = "文件"
    table_sheet(
        ws,
        title,
        _summary(report),
        FILE_COLS,
        (
            (
                f.county,
                f.township,
                f.village,
                f.village_code,
                f.file,
                f.status,
                f.errors,
                f.warnings,
                f.report_date,
            )
            for f in files
        ),
    )
    _mark(ws, 6, {"退回修改": excel.BAD_FILL, "通过（": excel.WARN_FILL})

    _findings_sheet(wb.create_sheet("问题明细"), files, title)

    missing = report.missing  # roster order
    table_sheet(
        wb.create_sheet("未报"),
        f"{title}：未报送的村",
        f"村名册中有 {len(missing)} 个村本次未报送。",
        MISSING_COLS,
        (
            tuple(m.get(k, "") for k in ("county", "township", "village", "village_code"))
            for m in missing
        ),
    )
    table_sheet(
        wb.create_sheet("跳过"),
        f"{title}：未能校验的文件",
        f"共 {len(report.skipped)} 个文件未能校验。",
        SKIPPED_COLS,
        sorted(report.skipped),
    )
    excel.save(wb, path)


def _findings_sheet(ws: Worksheet, files: list[FileResult], title: str) -> None:
    """问题明细: one row per finding, errors red and warnings yellow."""
    rows = [
        (
            f.county,
            f.township,
            f.village,
            x.file,
            SEVERITY_ZH[x.severity],
            CODES[x.code].title if x.code in CODES else x.code,
            x.sheet,
            x.cell,
            "" if x.item is None else x.item,
            x.value,
            x.message,
            x.code,
        )
        for f in files
        for x in ordered(f.findings)
    ]
    n_err = sum(r[4] == SEVERITY_ZH[Severity.ERROR] for r in rows)
    table_sheet(
        ws,
        f"{title}：问题明细",
        f"共 {len(rows)} 处：错误 {n_err} 处，提醒 {len(rows) - n_err} 处。",
        FINDING_COLS,
        rows,
    )
    _mark(
        ws,
        5,
        {
            SEVERITY_ZH[Severity.ERROR]: excel.BAD_FILL,
            SEVERITY_ZH[Severity.WARNING]: excel.WARN_FILL,
        },
    )
