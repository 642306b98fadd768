"""校验报告.xlsx: one row per file, every finding, villages not reported, files skipped.

Also the table-sheet and ordering helpers shared with feedback.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha.findings import CODES, SEVERITY_ZH, FileResult, Finding, Report, Severity
from dapaicha.layout import column_letter
from dapaicha.xlsx import excel, splice

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
    lines = max([1, *(_lines(v, w) for v, w in zip(values, widths, strict=False))])
    return excel.row_points(lines, line, pad=4, cap=400)


def _lines(v: Any, w: float) -> int:
    """The lines one cell wraps to in a column w wide (1: blank)."""
    if v is None or v == "":
        return 1
    per = max(int(w) - 1, 1)
    text = str(v)
    if len(text) * (1 if text.isascii() else 2) <= per and "\n" not in text:
        return 1  # one line, whatever its characters (text_width <= 2 a character)
    return sum(-(-excel.text_width(t) // per) or 1 for t in text.split("\n"))


def heights_of(rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> list[float]:
    """[row_height(r, widths) for r in rows], each column's distinct texts measured once
    (a province's 未报 list: 46,000 rows of a few hundred counties and townships)."""
    return column_heights(list(zip(*rows, strict=True)), widths, len(rows))


def column_heights(
    columns: Sequence[Sequence[Any]], widths: Sequence[float], n: int
) -> list[float]:
    """heights_of the n rows given column by column."""
    wrapped = []  # the lines of each cell, of the columns where some cell wraps
    for values, w in zip(columns, widths, strict=False):
        try:
            joined = "".join(values)
        except TypeError:  # not all texts
            wrapped.append([_lines(v, w) for v in values])
            continue
        wide = 1 if joined.isascii() else 2
        if "\n" not in joined and max(map(len, values)) * wide <= max(int(w) - 1, 1):
            continue  # every text on one line (_lines)
        lines = {v: _lines(v, w) for v in set(values)}
        if any(n > 1 for n in lines.values()):
            wrapped.append([lines[v] for v in values])
    most = [max(cell) for cell in zip(*wrapped, strict=True)]  # each row's most lines
    points = {n: excel.row_points(n, 14.0, pad=4, cap=400) for n in {1, *most}}
    return [points[k] for k in most] if wrapped else [points[1]] * n


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
    passed = sum(f.accepted for f in files)
    back = sum(f.sent_back for f in files)
    unused = len(files) - passed - back
    errors = sum(f.errors for f in files)
    warnings = sum(f.warnings for f in files)
    return (
        f"共校验 {len(files)} 个文件：通过 {passed} 个，退回修改 {back} 个"
        + (f"，未通过但本村另有一份已采用 {unused} 个；" if unused else "；")
        + f"错误 {errors} 处，提醒 {warnings} 处；未报 {len(report.missing)} 个村；"
        f"未能校验 {len(report.skipped)} 个文件。"
    )


STATUS_MARKS = {
    "退回修改": 0,
    "通过（": 1,
    "未通过（": 1,
}  # 状态 → the fill of the list (BAD, WARN)
MARK_FILLS = (excel.BAD_FILL, excel.WARN_FILL)


def write(report: Report, path: Path, *, title: str = DEFAULT_TITLE) -> None:
    """Write 校验报告.xlsx atomically (sheets 文件, 问题明细, 未报, 跳过).

    Write-only sheets with their rows spliced in at save (xlsx.splice): time and memory
    grow with the rows shown, never with openpyxl's cell objects.
    """
    files = ordered_files(report.files)
    wb = splice.new_book()
    rows = [
        (f.county, f.township, f.village, f.village_code, f.file, f.status, f.errors,
         f.warnings, f.report_date)
        for f in files
    ]  # fmt: skip
    fast_sheet(wb, "文件", title, _summary(report), FILE_COLS, rows, (5, STATUS_MARKS))
    _findings_sheet(wb, files, title)
    missing = report.missing  # roster order
    fast_columns(
        wb,
        "未报",
        f"{title}：未报送的村",
        f"村名册中有 {len(missing)} 个村本次未报送。",
        MISSING_COLS,
        [
            [m.get(k, "") for m in missing]
            for k in ("county", "township", "village", "village_code")
        ],
    )
    fast_sheet(
        wb,
        "跳过",
        f"{title}：未能校验的文件",
        f"共 {len(report.skipped)} 个文件未能校验。",
        SKIPPED_COLS,
        sorted(report.skipped),
    )
    excel.save(wb, path, splice.workbook_bytes)


def _cell(ws: Worksheet, value: Any, **style: Any) -> Cell:
    c = excel.put(WriteOnlyCell(ws), value)
    for k, v in style.items():
        setattr(c, k, v)
    return c


def _text(v: Any) -> Any:
    """A value as excel.put stores it ("" as an empty cell); text_xml drops the control
    characters, a lone surrogate (from a file name) is escaped here."""
    if type(v) is not str:
        return v
    if not v:
        return None
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return excel.clean_text(v)
    return v


def _texts(column: Sequence[Any]) -> list[Any]:
    """[_text(v) for v in column]; a column of well-formed texts at once."""
    try:
        "".join(column).encode("utf-8")
    except (TypeError, UnicodeEncodeError):  # not all texts, or a lone surrogate
        return [_text(v) for v in column]
    return [v or None for v in column]


def fast_sheet(
    wb: Workbook,
    name: str,
    title: str,
    subtitle: str,
    cols: Sequence[tuple[str, float]],
    rows: Sequence[Sequence[Any]],
    mark: tuple[int, dict[str, int]] | None = None,
) -> int:
    """table_sheet on a write-only sheet of wb, the rows spliced in at save (splice.Splice).

    mark: (0-based column, {prefix: i}) fills a cell starting with prefix with MARK_FILLS[i].
    Returns the number of data rows.
    """
    return fast_columns(wb, name, title, subtitle, cols, list(zip(*rows, strict=True)), mark)


def fast_columns(
    wb: Workbook,
    name: str,
    title: str,
    subtitle: str,
    cols: Sequence[tuple[str, float]],
    data: Sequence[Sequence[Any]],
    mark: tuple[int, dict[str, int]] | None = None,
) -> int:
    """fast_sheet of the rows given column by column (data: one sequence a column; none or
    empty ones: no rows)."""
    n = len(data[0]) if data else 0
    ws = wb.create_sheet(name)
    last, head, widths = column_letter(len(cols) - 1), FIRST_DATA_ROW - 1, [w for _, w in cols]
    # write-only: properties, views and columns go out with the first row
    excel.print_setup(ws, title_rows=f"{head}:{head}")
    excel.bound_scale(ws, widths, title_cols="A:C" if cols[0][0] == "县" else None)
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    for c, w in enumerate(widths):
        ws.column_dimensions[column_letter(c)].width = w
    ws.auto_filter.ref = f"A{head}:{last}{head + n}"
    ws.row_dimensions[1].height = 30
    ws.append([_cell(ws, title, font=excel.FONT_TITLE, alignment=excel.CENTER)])
    ws.row_dimensions[2].height = row_height([subtitle], [sum(widths)])
    ws.append([_cell(ws, subtitle, font=excel.FONT_BODY, alignment=excel.WRAP)])
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    style = {"font": excel.FONT_HEAD, "alignment": excel.CENTER, "fill": excel.HEAD_FILL}
    ws.append([_cell(ws, h, border=excel.BORDER, **style) for h, _ in cols])
    if not n:
        return 0
    body = {"font": excel.FONT_BODY, "alignment": excel.WRAP, "border": excel.BORDER}
    proto = [_cell(ws, splice.TOKEN, **body) for _ in cols]
    proto += [_cell(ws, splice.TOKEN, fill=fill, **body) for fill in MARK_FILLS]
    ws.append(proto)
    columns = [_texts(col) for col in data]
    if mark is not None:
        j, prefixes = mark
        columns[j] = [_marked(v, prefixes) for v in columns[j]]
    heights = column_heights(data, widths, n)
    splice.register(wb, splice.Splice(len(wb.worksheets), FIRST_DATA_ROW, columns, heights,
                                      len(MARK_FILLS)))  # fmt: skip
    return n


def _marked(v: Any, prefixes: dict[str, int]) -> Any:
    if isinstance(v, str):
        for word, i in prefixes.items():
            if v.startswith(word):
                return splice.Marked(v, i)
    return v


def _findings_sheet(wb: Workbook, files: list[FileResult], title: str) -> None:
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
    marks = {SEVERITY_ZH[Severity.ERROR]: 0, SEVERITY_ZH[Severity.WARNING]: 1}
    fast_sheet(
        wb,
        "问题明细",
        f"{title}：问题明细",
        f"共 {len(rows)} 处：错误 {n_err} 处，提醒 {len(rows) - n_err} 处。",
        FINDING_COLS,
        rows,
        (4, marks),
    )
