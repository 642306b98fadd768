"""退回修改: the village's own workbook with its problems marked, and the notice to send with it.

The copy keeps everything openpyxl keeps (protection, validations, the very hidden
metadata sheet), highlights each finding's cell, puts the messages in a comment, and adds a
first sheet listing the findings. Files openpyxl cannot open (.xls, .ods, odd WPS files) are
rebuilt as a plain .xlsx from their values. The source file is only ever read.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import re
import shutil
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha import layout, resources
from dapaicha.errors import UserError
from dapaicha.findings import SEVERITY_ZH, FileResult, Finding, Report, Severity, place
from dapaicha.fsutil import atomic_write, atomic_write_text, inside, safe_component
from dapaicha.read import book, sniff
from dapaicha.read.reader import is_panic
from dapaicha.xlsx import copy_clean, copy_read, copy_write, excel
from dapaicha.xlsx import report as report_xlsx

AUTHOR = copy_clean.AUTHOR
UNKNOWN_COUNTY = "未识别"
NOTICE_TEMPLATE = "退回通知.txt.j2"
COPY_SUFFIX = "_退回修改"
NOTICE_SUFFIX = "_退回通知"
FINDING_COLS = (("序号", 6), ("级别", 6), ("单元格", 14), ("项目", 8), ("说明", 90))
_BAD_TITLE = re.compile(r"[\\*?:/\[\]]")
_MAX_COMMENT = 2000
PICTURES_DROPPED = (
    "注：原文件中的{}张图片（照片、截图）未能带入本副本，请在原文件中保留；"
    "修改后重新报送时，请把图片一并附上。"
)
_TEXT = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}


class CopyError(UserError):
    """The source cannot be opened, so no copy: the notice goes alone."""


# -- names and texts ------------------------------------------------------------------


def _stem(result: FileResult) -> str:
    return safe_component(result.village or Path(result.file).stem)[:60]


def out_name(result: FileResult) -> str:
    """'<village or file stem>_退回修改.xlsx', safe as a file name."""
    return safe_component(f"{_stem(result)}{COPY_SUFFIX}.xlsx")


def copy_path(feedback_dir: Path, result: FileResult) -> Path:
    """<feedback_dir>/<county>/<out_name>; county '' → 未识别."""
    return inside(Path(feedback_dir), result.county or UNKNOWN_COUNTY, out_name(result))


def detail(f: Finding) -> str:
    """The message without its leading place (the cell is shown next to it)."""
    prefix = place(f.file, f.sheet, f.cell, f.item) + "："
    return f.message[len(prefix) :] if f.message.startswith(prefix) else f.message


def _main_sheet(findings: list[Finding]) -> str:
    counts = Counter(f.sheet for f in findings if f.sheet)
    return counts.most_common(1)[0][0] if counts else ""


def where(f: Finding, main_sheet: str = "") -> str:
    """Where a finding is, for a village: 'F12', '表名!F12', '“表名”表' or '整个文件'."""
    if f.cell:
        return f.cell if f.sheet in ("", main_sheet) else f"{f.sheet}!{f.cell}"
    if f.item is not None:
        return f"第{f.item}项"
    return f"“{f.sheet}”表" if f.sheet else "整个文件"


def heading(result: FileResult) -> str:
    name = result.village or Path(result.file).name
    n, e, w = len(result.findings), result.errors, result.warnings
    if e:
        return f"{name}：本台账有{n}处需修改（错误{e}处，提醒{w}处），请修改后重新报送"
    return f"{name}：本台账已通过校验，有{w}处提醒，请逐项核实，如需更正请修改后重新报送"


# -- the copy ---------------------------------------------------------------------------


def write_copy(source: Path, result: FileResult, out_path: Path) -> Path:
    """Write the annotated copy of source; returns the path written (always .xlsx).

    The copy goes back to a village and is opened by clerks: macros are dropped and the
    village's formulas become their cached values (text when none), hyperlinks and external
    links are removed, so nothing in it runs or links anywhere.

    Raises CopyError when the source cannot be opened, UserError when out_path cannot be written.
    """
    try:
        data = Path(source).read_bytes()
    except OSError as err:
        raise CopyError(f"无法读取 {source}：{err.strerror or err}，未生成退回修改副本。") from err
    sn = sniff.sniff(data)
    if sn.kind not in ("xlsx", "xls", "ods"):
        raise CopyError(f"{result.file} 无法打开（{sn.detail or sn.kind}），未生成退回修改副本。")
    wb, names = opened(data, sn, result)
    out = Path(out_path).with_suffix(".xlsx")
    excel.save(marked(wb, names, data, sn, result), out, copy_write.workbook_bytes)
    return out


def opened(
    data: bytes,
    sn: sniff.Sniff,
    result: FileResult,
    load: Callable[[bytes], Workbook] = copy_read.load,
) -> tuple[Workbook, dict[str, str]]:
    """The source as a workbook (load: openpyxl's reader, the cheaper way), or rebuilt from
    its values; with the sheet each of the source's sheet names became."""
    if sn.kind == "xlsx" and not sn.oversized_sheets:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wb = load(data)
            return wb, {n: n for n in wb.sheetnames}
        except Exception:  # odd files from WPS: rebuild from the values instead
            pass
    try:
        return _rebuild(data, sn)
    except BaseException as err:  # calamine raises several kinds, and may panic
        if not (isinstance(err, Exception) or is_panic(err)):
            raise
        raise CopyError(
            f"{result.file} 无法打开（{type(err).__name__}），未生成退回修改副本。"
        ) from err


def marked(
    wb: Workbook,
    names: dict[str, str],
    data: bytes,
    sn: sniff.Sniff,
    result: FileResult,
    fit: Callable[[Worksheet, range], None] = excel.fit_rows,
) -> Workbook:
    """The opened source made safe, its findings marked, the findings sheet added."""
    findings = report_xlsx.ordered(result.findings)
    copy_clean.defuse_formulas(wb, copy_clean.cached(data, sn, wb))
    copy_clean.unlink_outside(wb)
    copy_clean.clear_previous(wb)
    _mark(wb, findings, names)
    for ws in wb.worksheets:  # text typed in a fixed-height row is shown whole
        fit(ws, range(1, min(ws.max_row, sniff.MAX_ROWS) + 1))
    _findings_sheet(wb, result, findings, copy_clean.pictures(data) - copy_clean.kept_pictures(wb))
    return wb


def anchors(
    ws: Worksheet, cells: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int]]:
    """The top-left cell of the merged range holding each cell (itself when not merged).

    One pass over the ranges, each looking up only the rows with findings inside it
    (bisect): findings + ranges, not findings × ranges.
    """
    out = {pos: pos for pos in cells}
    by_row: dict[int, list[int]] = {}
    for r, c in out:
        by_row.setdefault(r, []).append(c)
    rows = sorted(by_row)
    for rng in ws.merged_cells.ranges:
        lo, hi = bisect.bisect_left(rows, rng.min_row), bisect.bisect_right(rows, rng.max_row)
        for r in rows[lo:hi]:
            for c in by_row[r]:
                if rng.min_col <= c <= rng.max_col:
                    out[r, c] = (rng.min_row, rng.min_col)
    return out


def _mark(wb: Workbook, findings: list[Finding], names: dict[str, str]) -> None:
    """Fill and comment each finding's cell; several findings on a cell share one comment."""
    placed: dict[str, list[tuple[tuple[int, int], Finding]]] = {}
    for f in findings:
        title = names.get(f.sheet)
        pos = report_xlsx.cell_position(f.cell) if f.cell else None
        if (
            title is None
            or title not in wb.sheetnames
            or pos is None
            or pos[0] > 1_048_576
            or pos[1] > 16_384
        ):
            continue
        if isinstance(wb[title], Worksheet):
            placed.setdefault(title, []).append((pos, f))
    cells: dict[tuple[str, int, int], list[Finding]] = {}
    for title, items in placed.items():
        anchor = anchors(wb[title], (pos for pos, _ in items))
        for pos, f in items:
            cells.setdefault((title, *anchor[pos]), []).append(f)
    for (title, row, col), fs in cells.items():
        _unhide(wb[title], row, col)
        cell = wb[title].cell(row=row, column=col)
        bad = any(f.severity is Severity.ERROR for f in fs)
        cell.fill = copy.copy(excel.BAD_FILL if bad else excel.WARN_FILL)
        text = "\n".join(f"【{SEVERITY_ZH[f.severity]}】{detail(f)}" for f in fs)
        if cell.comment is not None and cell.comment.text:
            text += f"\n（原批注）{cell.comment.text}"
        text = text[:_MAX_COMMENT]
        lines = sum(len(t) // 22 + 1 for t in text.split("\n"))
        cell.comment = Comment(text, AUTHOR, height=min(24 + 16 * lines, 400), width=320)


def _unhide(ws: Worksheet, row: int, col: int) -> None:
    """A flagged cell is shown: its row, its column (range) and a hidden sheet unhidden."""
    if ws.sheet_state == "hidden":
        ws.sheet_state = "visible"
    if row in ws.row_dimensions and ws.row_dimensions[row].hidden:
        ws.row_dimensions[row].hidden = False
    for dim in ws.column_dimensions.values():
        if dim.hidden and (dim.min or 0) <= col <= (dim.max or 0):
            dim.hidden = False


def _findings_sheet(
    wb: Workbook, result: FileResult, findings: list[Finding], dropped: int = 0
) -> None:
    ws = wb.create_sheet(layout.SHEET_FINDINGS, 0)
    main = _main_sheet(findings)
    rows = [
        (
            n,
            SEVERITY_ZH[f.severity],
            where(f, main) if f.cell or f.item is None else "—",
            "" if f.item is None else f"第{f.item}项",
            detail(f),
        )
        for n, f in enumerate(findings, start=1)
    ]
    subtitle = (
        f"文件：{Path(result.file).name}　　校验结果：{result.status}　　"
        "红色底纹为错误（必须修改），黄色底纹为提醒（请核实）；把鼠标移到单元格上可看批注。"
    )
    report_xlsx.table_sheet(ws, heading(result), subtitle, FINDING_COLS, rows)
    for r in range(report_xlsx.FIRST_DATA_ROW, ws.max_row + 1):
        cell = ws.cell(row=r, column=2)
        bad = cell.value == SEVERITY_ZH[Severity.ERROR]
        cell.fill = copy.copy(excel.BAD_FILL if bad else excel.WARN_FILL)
    if dropped > 0:
        r, text = ws.max_row + 2, PICTURES_DROPPED.format(dropped)
        excel.write(ws, r, 1, text, font=excel.FONT_BODY, alignment=excel.WRAP)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(FINDING_COLS))
        ws.row_dimensions[r].height = report_xlsx.row_height(
            [text], [sum(w for _, w in FINDING_COLS)]
        )
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = 0
    for view in wb.views:
        view.firstSheet = 0


def _sheet_title(name: str, used: set[str]) -> str:
    base = _BAD_TITLE.sub("_", name).strip("'")[:31] or "Sheet"
    title, i = base, 1
    while title in used:
        i += 1
        title = f"{base[:28]}({i})"
    used.add(title)
    return title


def _rebuild(data: bytes, sn: sniff.Sniff) -> tuple[Workbook, dict[str, str]]:
    """A plain .xlsx from the values of every sheet (read with calamine, bounded)."""
    wb = Workbook()
    wb.remove(excel.first_sheet(wb))
    names: dict[str, str] = {}
    used: set[str] = {layout.SHEET_FINDINGS}
    for sheet in book.all_sheets(data, sn, skip=layout.SHEET_FINDINGS):
        ws = wb.create_sheet(_sheet_title(sheet.name, used))
        names[sheet.name] = ws.title
        ws.sheet_state = sheet.state
        widths: dict[int, int] = {}
        grid = sheet.rows
        for r, row in enumerate(grid, start=1):
            for c, v in enumerate(row[: sniff.MAX_COLS], start=1):
                if v is None or v == "":
                    continue
                excel.write(
                    ws, r, c, copy_clean.plain(v), font=excel.FONT_BODY, alignment=excel.WRAP
                )
                widths[c] = max(widths.get(c, 0), min(excel.text_width(v), 40))
        for c, w in widths.items():
            ws.column_dimensions[layout.column_letter(c - 1)].width = max(w + 2, 6)
        _merge(ws, sheet.merged, len(grid))
    return wb, names


def _merge(
    ws: Worksheet, merged: Iterable[tuple[tuple[int, int], tuple[int, int]]], n: int
) -> None:
    """Set the merged ranges at once, as openpyxl's reader does: ws.merge_cells checks each
    new range against every earlier one (ranges × ranges)."""
    ranges = []
    for (r0, c0), (r1, c1) in merged:
        if r1 < n and c1 < sniff.MAX_COLS and (r0, c0) != (r1, c1):
            mcr = MergedCellRange(ws, f"{get_column_letter(c0 + 1)}{r0 + 1}:"
                                  f"{get_column_letter(c1 + 1)}{r1 + 1}")  # fmt: skip
            ws._clean_merge_range(mcr)  # type: ignore[attr-defined]
            ranges.append(mcr)
    ws.merged_cells = MultiCellRange(ranges)


# -- the notice -------------------------------------------------------------------------


def notice_text(
    result: FileResult,
    *,
    campaign_title: str,
    deadline: str,
    templates: Path | None = None,
    attachment: str | None = "",
    office: str = "",
    phone: str = "",
    issued: dt.date | None = None,
) -> str:
    """The 退回通知 for one file (templates/退回通知.txt.j2).

    attachment: the copy's file name; "" → out_name(result); None → no copy was made.
    office, phone, issued (default today): the sender, contact and date at the end.
    """
    env = _env(str(templates or resources.templates_dir()))
    findings = report_xlsx.ordered(result.findings)
    main = _main_sheet(findings)
    unit = f"{result.county}{result.township}{result.village}"
    keys = ("county", "township", "village", "errors", "warnings", "status", "accepted")
    return env.get_template(NOTICE_TEMPLATE).render(
        **{k: getattr(result, k) for k in keys},
        unit=unit or f"文件“{Path(result.file).name}”的报送单位",
        file=Path(result.file).name,
        ledger_title=layout.title_text("", campaign_title),
        campaign_title=campaign_title,
        deadline=deadline,
        total=len(findings),
        attachment=out_name(result) if attachment == "" else (attachment or ""),
        office=office,
        phone=phone,
        issued=excel.cn_date(issued or dt.date.today()),
        sheet_name=layout.SHEET_FINDINGS,
        findings=[
            {
                "n": n,
                "severity": SEVERITY_ZH[f.severity],
                "where": where(f, main) + (f"（第{f.item}项）" if f.cell and f.item else ""),
                "text": detail(f),
                "code": f.code,
            }
            for n, f in enumerate(findings, start=1)
        ],
    )


@dataclass(frozen=True)
class Staged:
    """A copy written ahead (in a validating worker), moved into place by write_all when the
    file's findings are still those it was made from (a duplicate or a refused merged ledger
    gets more, or other, findings after the batch: its copy is then made again)."""

    path: Path | None  # None: the source could not be opened (the notice goes alone)
    made_from: tuple[object, ...]


def _made_from(result: FileResult) -> tuple[object, ...]:
    """What a copy shows of its FileResult (write_copy reads nothing else of it)."""
    return (tuple(result.findings), result.file, result.village, result.status)


def stage_copy(source: Path, result: FileResult, path: Path) -> Staged | None:
    """write_copy ahead of write_all (None: no findings, no copy)."""
    if not result.findings:
        return None
    try:
        made: Path | None = write_copy(source, result, path)
    except CopyError:
        made = None
    return Staged(made, _made_from(result))


def _copy(source: Path, result: FileResult, target: Path, staged: Staged | None) -> Path | None:
    if staged is None or staged.made_from != _made_from(result):
        try:
            return write_copy(source, result, target)
        except CopyError:
            return None
    if staged.path is not None:
        atomic_write(target, lambda tmp: shutil.move(staged.path, tmp))  # type: ignore[arg-type]
        return target
    return None


_ENVS: dict[str, Environment] = {}


def _env(folder: str) -> Environment:
    """One Jinja environment a templates folder: a template is compiled once, not per notice
    (it is reloaded when its file changes)."""
    if folder not in _ENVS:
        _ENVS[folder] = Environment(
            loader=FileSystemLoader(folder), autoescape=False, undefined=StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        )  # fmt: skip
    return _ENVS[folder]


def write_all(
    report: Report,
    returns_dir: Path,
    feedback_dir: Path,
    *,
    campaign_title: str,
    deadline: str,
    office: str = "",
    phone: str = "",
    issued: dt.date | None = None,
    staged: dict[str, Staged] | None = None,
) -> list[Path]:
    """A copy and a notice for every file with findings; returns the paths written.

    A file that cannot be opened (not a workbook, encrypted, gone) gets the notice only.
    Notices are UTF-8 with BOM and CRLF line ends, for Notepad on older Windows.
    staged: file → its copy made ahead (stage_copy), moved into place when still right.
    """
    staged = staged or {}
    written: list[Path] = []
    taken: set[Path] = set()
    # the file a village's figures come from gets the plain name
    for result in sorted(report_xlsx.ordered_files(report.files), key=lambda r: not r.used):
        if not result.findings or result.replaced:
            continue  # a failed file its village has replaced: nothing to send back
        target = _free_path(Path(feedback_dir), result, taken)
        made = _copy(Path(returns_dir) / result.file, result, target, staged.get(result.file))
        if made is not None:
            written.append(made)
        text = notice_text(
            result,
            campaign_title=campaign_title,
            deadline=deadline,
            attachment=made.name if made else None,
            office=office,
            phone=phone,
            issued=issued,
        )
        stem = target.stem.removesuffix(COPY_SUFFIX)
        notice = target.with_name(f"{stem}{NOTICE_SUFFIX}.txt")
        atomic_write_text(notice, text.replace("\r\n", "\n").replace("\n", "\r\n"), "utf-8-sig")
        written.append(notice)
    return written


def _free_path(feedback_dir: Path, result: FileResult, taken: set[Path]) -> Path:
    """copy_path, made unique when one village has several files (or names collide)."""
    path = copy_path(feedback_dir, result)
    if path in taken:
        extra = safe_component(Path(result.file).stem)[:40]
        path = path.with_name(f"{_stem(result)}_{extra}{COPY_SUFFIX}.xlsx")
    i = 1
    while path in taken:
        i += 1
        path = path.with_name(f"{_stem(result)}_{i}{COPY_SUFFIX}.xlsx")
    taken.add(path)
    return path
