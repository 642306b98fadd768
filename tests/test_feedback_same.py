"""退回修改 copies written the cheaper way (xlsx/copy_read, xlsx/copy_write, excel.fit_rows in
one pass, issue 20) show exactly what the old way showed.

The old way is kept here: openpyxl's load_workbook, fit_rows row by row (as it was), openpyxl's
writer. For returns of every kind we have (ours, WPS-like, openpyxl-written, LibreOffice-written,
a return that is our own earlier copy), each with real findings and findings placed on merged,
hidden and other sheets' cells, both copies are written and compared: part by part, byte for
byte, and through openpyxl (values, styles, comments, merges, heights, hidden rows and columns,
the findings sheet). The one difference: the old fit_rows made every missing cell of a row
(ws[r]), so the old copy has an empty <row r="N"></row> for a row with no cell; it shows
nothing, and the new copy leaves it out.
"""

from __future__ import annotations

import copy
import datetime as dt
import gc
import io
import re
import shutil
import weakref
import zipfile
from pathlib import Path

import pytest
from conftest import needs_soffice, soffice_convert
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.reader.strings import read_string_table
from openpyxl.styles import Border, Side
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha import layout
from dapaicha.app import gcmode, validate
from dapaicha.findings import FileResult, make
from dapaicha.read import sniff
from dapaicha.xlsx import copy_read, copy_write, excel, feedback
from dapaicha.xlsx.excel import _width, lines_height, wrapped_lines

DATA = Path(__file__).parent / "data" / "returns"
EMPTY_ROW = re.compile(rb'<row r="\d+"></row>')


def old_fit_rows(ws: Worksheet, rows: range) -> None:
    """excel.fit_rows before issue 20, as it was."""
    spans = {
        (m.min_row, m.min_col): m.max_col - m.min_col + 1
        for m in ws.merged_cells.ranges
        if m.min_row == m.max_row
    }
    inner = {
        (r, c)
        for m in ws.merged_cells.ranges
        for r in range(m.min_row, m.max_row + 1)
        for c in range(m.min_col, m.max_col + 1)
        if m.min_row != m.max_row
    }
    widths: dict[int, float] = {}
    for r in rows:
        need = 0.0
        for cell in ws[r] if r <= ws.max_row else ():
            v, c = cell.value, cell.column
            if not isinstance(v, str) or not v or (r, c) in inner:
                continue
            if not (cell.alignment is not None and cell.alignment.wrap_text):
                continue
            width = 0.0
            for k in range(spans.get((r, c or 1), 1)):
                width += _width(ws, (c or 1) + k, widths)
            size = float(cell.font.sz or 11) if cell.font is not None else 11.0
            need = max(need, lines_height(wrapped_lines(v, width, size), size))
        have = ws.row_dimensions[r].ht if r in ws.row_dimensions else None
        if need and (have is None or have < need):
            ws.row_dimensions[r].height = need


def openpyxl_load(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data), keep_vba=False)


def old_copy(source: Path, result: FileResult, out: Path) -> Path:
    """write_copy before issue 20: openpyxl's reader, the old fit_rows, openpyxl's writer."""
    data = source.read_bytes()
    sn = sniff.sniff(data)
    wb, names = feedback.opened(data, sn, result, load=openpyxl_load)
    excel.save(feedback.marked(wb, names, data, sn, result, fit=old_fit_rows), out)
    return out


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> list[Path]:
    """Every return in tests/data that opens, two of them saved again by LibreOffice, and a
    return with hidden rows and columns, merged cells over many rows, a comment and text
    typed in a fixed-height row (openpyxl-written)."""
    d = tmp_path_factory.mktemp("same")
    found = [p for p in sorted(DATA.iterdir()) if not p.name.startswith("~$")]
    found = [p for p in found if sniff.sniff(p.read_bytes()).kind in ("xlsx", "xls", "ods")]
    for name in ("02_逐项规则.xlsx", "06_通知附件原表.xlsx"):
        src = d / "src" / f"lo_{name}"
        src.parent.mkdir(exist_ok=True)
        shutil.copy(DATA / name, src)
        found.append(soffice_convert(src, "xlsx", d / "lo"))
    wb = load_workbook(DATA / "02_逐项规则.xlsx")
    ws = wb.worksheets[0]
    ws.row_dimensions[9].hidden = True
    ws.column_dimensions["K"].hidden = True
    ws.merge_cells("L20:M24")
    ws["L20"].border = Border()  # the range's borders on its other cells only
    ws["M24"].border = Border(right=Side("thick"), bottom=Side("thick"))
    ws["L24"].border = Border(left=Side("thin"), bottom=Side("thick"))
    ws["B40"].border = Border(top=Side("thin"), left=Side("thin"))
    ws.merge_cells("B40:E40")
    ws["F12"] = "村民反映" * 40  # far more than its row shows
    ws.row_dimensions[12].height = 15
    ws["F12"].comment = Comment("村里的批注", "村文书")  # kept below ours
    ws["H14"].comment = Comment("另一条", "村文书")
    wb.save(d / "odd.xlsx")
    return [*found, d / "odd.xlsx"]


def findings_for(path: Path, cl, ros) -> FileResult:
    """The return's own findings, and findings on merged, hidden and other sheets' cells."""
    fr, _ = validate.validate_return(path, path.name, cl, ros)
    sheet = fr.findings[0].sheet if fr.findings and fr.findings[0].sheet else "整改台账"
    extra = [
        make("owner-missing", path.name, sheet=sheet, cell=cell, item=3)
        for cell in ("A1", "B2", "K9", "M23", "F12", "C5")
    ]
    extra.append(make("owner-missing", path.name, sheet="填报说明", cell="A2", item=None))
    return FileResult(file=fr.file, village=fr.village, findings=[*fr.findings, *extra])


def _sheets(z: zipfile.ZipFile) -> list[str]:
    return [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]


def assert_same_parts(old: Path, new: Path) -> None:
    """new == old part by part, byte for byte, but for the old copy's empty row elements."""
    zo, zn = zipfile.ZipFile(old), zipfile.ZipFile(new)
    assert zn.namelist() == zo.namelist()
    for name in zo.namelist():
        a, b = zo.read(name), zn.read(name)
        if name in _sheets(zo):
            assert EMPTY_ROW.sub(b"", a) == b, name
        else:
            assert a == b, name


def _dims(ws: Worksheet) -> tuple[dict, dict]:
    rows = {r: (d.ht, bool(d.hidden)) for r, d in ws.row_dimensions.items()}
    cols = {k: (d.width, bool(d.hidden), d.min, d.max) for k, d in ws.column_dimensions.items()}
    return rows, cols


def _style(cell) -> tuple:
    """A cell's fill, font, border, number format, alignment, protection (copies: openpyxl's
    style proxies never equal each other)."""
    keys = ("fill", "font", "border", "alignment", "protection")
    return (cell.number_format, *(copy.copy(getattr(cell, k)) for k in keys))


def assert_same_shown(old: Path, new: Path) -> None:
    """What a clerk sees, read back by openpyxl: the same in both copies."""
    wo, wn = load_workbook(old), load_workbook(new)
    assert wn.sheetnames == wo.sheetnames
    assert wn.active.title == wo.active.title == layout.SHEET_FINDINGS
    for so, sn_ in zip(wo.worksheets, wn.worksheets, strict=True):
        assert sn_.sheet_state == so.sheet_state
        assert sorted(map(str, sn_.merged_cells.ranges)) == sorted(map(str, so.merged_cells.ranges))
        assert _dims(sn_) == _dims(so)
        assert sn_.max_row == so.max_row and sn_.max_column == so.max_column
        for row_o, row_n in zip(so.iter_rows(), sn_.iter_rows(), strict=True):
            for co, cn in zip(row_o, row_n, strict=True):
                assert cn.value == co.value, cn.coordinate
                assert _style(cn) == _style(co), cn.coordinate
                old_note = (co.comment.text, co.comment.author) if co.comment else None
                assert ((cn.comment.text, cn.comment.author) if cn.comment else None) == old_note


@needs_soffice
def test_copies_are_what_the_old_way_wrote(returns, cl, ros, tmp_path) -> None:
    made = 0
    for src in returns:
        fr = findings_for(src, cl, ros)
        old = old_copy(src, fr, tmp_path / "old" / f"{made}.xlsx")
        new = feedback.write_copy(src, fr, tmp_path / "new" / f"{made}.xlsx")
        assert_same_parts(old, new)
        assert_same_shown(old, new)
        # a copy sent back as it was: our comments, fills and findings sheet replaced again
        again_old = old_copy(new, fr, tmp_path / "old" / f"{made}_again.xlsx")
        again_new = feedback.write_copy(new, fr, tmp_path / "new" / f"{made}_again.xlsx")
        assert_same_parts(again_old, again_new)
        assert_same_shown(again_old, again_new)
        made += 1
    assert made == len(returns) >= 13


def test_some_old_copies_had_empty_rows_the_new_ones_do_not(cl, ros, tmp_path) -> None:
    """The one difference is real (the assertion above is not vacuous) and shows nothing."""
    src = DATA / "06_通知附件原表.xlsx"
    fr = findings_for(src, cl, ros)
    old = zipfile.ZipFile(old_copy(src, fr, tmp_path / "old.xlsx"))
    new = zipfile.ZipFile(feedback.write_copy(src, fr, tmp_path / "new.xlsx"))
    empty = [n for n in _sheets(old) if EMPTY_ROW.search(old.read(n))]
    assert empty and not any(EMPTY_ROW.search(new.read(n)) for n in _sheets(new))


@needs_soffice
def test_the_reader_makes_openpyxls_workbook(returns) -> None:
    """copy_read.load and load_workbook: the same workbook, saved to the same bytes."""
    for src in returns:
        data = src.read_bytes()
        if sniff.sniff(data).kind != "xlsx":
            continue
        assert excel.workbook_bytes(copy_read.load(data)) == excel.workbook_bytes(
            openpyxl_load(data)
        ), src.name


def test_a_part_with_a_comment_is_read_by_defusedxml_the_same(tmp_path) -> None:
    """A sheet or string table holding "!" (a comment, CDATA) goes to openpyxl's own parser."""
    data = (DATA / "02_逐项规则.xlsx").read_bytes()
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in zin.namelist():
            body = zin.read(name)
            if name == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<sheetData>", b"<!-- x --><sheetData>", 1)
                assert b"<!-- x -->" in body
            z.writestr(name, body)
    changed = out.getvalue()
    assert sniff.sniff(changed).kind == "xlsx"
    assert excel.workbook_bytes(copy_read.load(changed)) == excel.workbook_bytes(
        openpyxl_load(changed)
    )


def test_string_table_is_openpyxls() -> None:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    body = (
        f'<sst xmlns="{ns}"><si><t>甲</t></si><si><t xml:space="preserve"> 乙 </t></si>'
        "<si><r><rPr><b/></rPr><t>上</t></r><r><t>下</t></r></si><si><t/></si>"
        '<si><t>读</t><rPh sb="0" eb="1"><t>ドク</t></rPh></si><si><t>a_x005F_x000D_b</t></si>'
        "<si><r><t>一</t><t>二</t></r></si></sst>"
    ).encode()
    want = read_string_table(io.BytesIO(body))
    assert (
        copy_read.string_table(body) == want == ["甲", " 乙 ", "上下", "", "读", "a_x000D_b", "二"]
    )
    cdata = body.replace("<t>甲</t>".encode(), "<t><![CDATA[甲!]]></t>".encode())
    assert cdata != body
    assert copy_read.string_table(cdata) == read_string_table(io.BytesIO(cdata))


def test_the_writer_writes_openpyxls_bytes() -> None:
    """Rows of plain cells by copy_write, the others by openpyxl: the bytes openpyxl writes."""

    def book() -> Workbook:
        wb = Workbook()
        ws = excel.first_sheet(wb)
        ws.append([1, 2.5, -0.0, 10**17, 1e-300, " 前后 ", "a&b<c>d\"e'", "\n", "x\ny", None])
        ws.append([dt.date(2022, 3, 30), True, "=A1", float("nan")])  # openpyxl's own rows
        ws.append([CellRichText([TextBlock(InlineFont(b=True), "粗"), "细"])])
        ws["B5"].font = excel.FONT_HEAD  # a styled empty cell
        excel.put(ws["C6"], "=不是公式")
        ws["D7"].hyperlink = "http://example.invalid/"
        ws.row_dimensions[8].height = 30  # a row with no cells
        ws.merge_cells("A9:C10")
        ws["A11"] = "有批注"
        ws["A11"].comment = Comment("批注", "村文书")
        return wb

    assert copy_write.workbook_bytes(book()) == excel.workbook_bytes(book())


def test_a_copys_workbook_is_collected_as_it_is_dropped() -> None:
    """validate makes each copy in gcmode.young (the collector paused, then one young pass):
    the workbook, full of cycles, is gone after it, though the run keeps the collector paused."""
    was = gc.isenabled()
    with gcmode.paused():
        with gcmode.young():
            wb = Workbook()
            wb.create_sheet("二")
            dropped = weakref.ref(wb)
            del wb
            assert dropped() is not None  # a cycle: reference counting alone keeps it
        assert dropped() is None and not gc.isenabled()
    assert gc.isenabled() == was
