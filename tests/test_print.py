"""Every kind of workbook we write, printed by LibreOffice: A4 landscape, no column cut off.

"No column cut off" is checked on the PDF itself: the first page's text must hold the
last column header of the sheet, so the table fits one page wide.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from conftest import needs_soffice, soffice_convert

from dapaicha import layout
from dapaicha.app import demo
from dapaicha.xlsx import weekly

PDFTOTEXT = shutil.which("pdftotext")

KINDS = {
    "台账": "台账/鄢陵县/陈化店镇/大马村_问题整改台账.xlsx",
    "退回修改副本": None,  # the first copy the demo wrote
    "校验报告": "校验报告_第2期.xlsx",
    "合并台账": "全市问题整改台账_第2期.xlsx",
    "县级汇总表": "汇总/第2期/鄢陵县_县级汇总表_第2期.xlsx",
    "市级汇总表": "汇总/第2期/市级汇总表_第2期.xlsx",
    "周报": "汇总/第2期/周报_第2期.xlsx",
    "督查比对": "督查比对/督查比对_督查发现问题.xlsx",
}


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("print") / "demo"
    demo.run(d, seed=1)
    return d


def _workbook(demo_out: Path, kind: str) -> Path:
    rel = KINDS[kind]
    if rel is None:
        return sorted((demo_out / "退回修改").rglob("*_退回修改.xlsx"))[0]
    return demo_out / rel


def _last_header(path: Path) -> str:
    """Last column header of the active sheet's widest row among the first eight."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=1, max_row=8)]
    best = max(rows, key=lambda r: sum(v not in (None, "") for v in r))
    return str([v for v in best if v not in (None, "")][-1])


@needs_soffice
@pytest.mark.skipif(PDFTOTEXT is None, reason="需要 poppler-utils (pdftotext)，未安装则跳过")
@pytest.mark.parametrize("kind", list(KINDS))
def test_prints_a4_landscape_without_cut_columns(demo_out, kind, tmp_path):
    src = _workbook(demo_out, kind)
    local = tmp_path / f"x{src.suffix}"
    shutil.copy(src, local)
    if kind == "周报":  # its chart page is a picture, not a table: the tables are measured
        book = openpyxl.load_workbook(local)
        del book[weekly.SHEET_CHART]
        book.save(local)
    pdf = soffice_convert(local, "pdf", tmp_path)
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes, kind
    w, h = (float(x) for x in boxes[0])
    assert (round(w), round(h)) == (842, 595), kind  # A4 landscape, in points
    # one page wide: the last header on page 1; wider (printed at >= 9 pt, pages running
    # across): on the first pages, before the data goes down
    across = 1 if _fits(local) else 4
    text = subprocess.run(
        [PDFTOTEXT, "-f", "1", "-l", str(across), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    last = _last_header(local)
    assert re.sub(r"\s", "", last) in re.sub(r"\s", "", text), (kind, last)


def _fits(path: Path) -> bool:
    return bool(openpyxl.load_workbook(path).worksheets[0].sheet_properties.pageSetUpPr.fitToPage)


CJK = re.compile(r"[\u4e00-\u9fff]{2,}")
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def _glyph_sizes(pdf: Path, page: int | None = None) -> list[float]:
    """Printed size (pt) of each all-CJK word: a CJK glyph is as wide as its font size (a
    word turned on its side, as a chart's axis title, as tall)."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    html = subprocess.run(
        [PDFTOTEXT, "-bbox", *pages, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        max(float(x1) - float(x0), float(y1) - float(y0)) / len(w)
        for x0, y0, x1, y1, w in WORD.findall(html)
        if CJK.fullmatch(w)
    ]


def _printed_pt(ws) -> float:
    """Smallest text on paper, from the file: font size × print scale (fit-to-width scale
    estimated at LibreOffice's 7 pt a width unit, the wider of LibreOffice and Excel)."""
    sizes = [c.font.sz for row in ws.iter_rows() for c in row if c.value is not None]
    if ws.sheet_properties.pageSetUpPr.fitToPage:
        letters = {openpyxl.utils.get_column_letter(c + 1) for c in range(ws.max_column)}
        width = sum(ws.column_dimensions[x].width or 8.43 for x in letters)
        scale = min(1.0, (842 - 2 * 0.4 * 72) / (width * 7))
    else:
        scale = ws.page_setup.scale / 100
    return min(sizes) * scale


@needs_soffice
@pytest.mark.skipif(PDFTOTEXT is None, reason="需要 poppler-utils (pdftotext)，未安装则跳过")
@pytest.mark.parametrize(
    ("kind", "max_pages"),
    [
        ("台账", 17),  # 66 items on 15 landscape pages, 填报说明 on 2 portrait ones
        ("合并台账", 18),
        ("督查比对", 8),
        ("校验报告", 10),
        ("县级汇总表", 16),
        ("市级汇总表", 24),
        ("周报", 12),
    ],
)
def test_tables_print_at_9pt_or_more(demo_out, kind, max_pages, tmp_path):
    """The merged ledger, the crosscheck and 校验报告 sheets print at 9 pt or more on A4 landscape,
    headers repeated on every page (measured in the file and on LibreOffice's PDF)."""
    src = _workbook(demo_out, kind)
    wb = openpyxl.load_workbook(src)
    for ws in [w for w in wb.worksheets if w.sheet_state == "visible"]:
        if not any(c.value is not None for row in ws.iter_rows() for c in row):
            continue  # the 周报's chart page: no text
        if ws.page_setup.orientation != "landscape":  # a page of text (填报说明) may stand
            assert _printed_pt(ws) >= 9, (kind, ws.title)
            continue
        assert int(ws.page_setup.paperSize) == 9
        assert _printed_pt(ws) >= 9, (kind, ws.title)
        assert ws.print_title_rows, (kind, ws.title)
    local = tmp_path / f"x{src.suffix}"
    shutil.copy(src, local)
    if kind == "周报":  # its chart page is a picture, not a table: the tables are measured
        book = openpyxl.load_workbook(local)
        del book[weekly.SHEET_CHART]
        book.save(local)
    pdf = soffice_convert(local, "pdf", tmp_path)
    sizes = _glyph_sizes(pdf)
    assert sizes and min(sizes) >= 8.9, (kind, min(sizes))
    text = subprocess.run([PDFTOTEXT, str(pdf), "-"], capture_output=True, text=True).stdout
    pages = text.count("\f")  # pdftotext ends every page with a form feed
    assert pages <= max_pages, (kind, pages)


@needs_soffice
@pytest.mark.skipif(PDFTOTEXT is None, reason="需要 poppler-utils (pdftotext)，未安装则跳过")
def test_village_ledger_prints_one_page_wide_at_9pt(demo_out, tmp_path):
    """The village ledger: every column on one page across (no pages running sideways), its
    smallest text 9 pt or more on paper, the header row on every page, 16 pages at most."""
    src = _workbook(demo_out, "台账")
    ws = openpyxl.load_workbook(src)[layout.SHEET_LEDGER]
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$1:$3"
    # 118 units at LibreOffice's 7 pt: 784.4 / 826 = 0.95 of 10 pt
    assert _printed_pt(ws) >= 9.4
    local = tmp_path / "l.xlsx"
    book = openpyxl.load_workbook(src)
    del book[layout.SHEET_GUIDE]
    sheet = book[layout.SHEET_LEDGER]
    signs = [r for r in range(1, sheet.max_row + 1) if sheet[f"H{r}"].value == "签字日期："]
    for r in signs:  # signing dates as a village types them, at 12 pt
        sheet[f"J{r}"] = dt.date(2022, 3, 28)
    sheet[layout.DATE_CELL] = dt.date(2022, 3, 30)
    book.save(local)
    pdf = soffice_convert(local, "pdf", tmp_path)
    sizes = _glyph_sizes(pdf)
    assert min(sizes) >= 9.0, min(sizes)
    pages = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")[:-1]
    assert 1 < len(pages) <= 16
    for text in pages:  # the header, its first and last column, on each page
        flat = re.sub(r"\s", "", text)
        assert "类别" in flat and "备注" in flat and "完成时间" in flat
        assert "填报日期：2022-03-30" in flat  # rows 1 to 3 repeated, the date whole
    assert "签字" in pages[-1]
    assert len(signs) == 3 and pages[-1].count("2022-03-28") == 3  # whole, not ###


C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"


@needs_soffice
@pytest.mark.skipif(PDFTOTEXT is None, reason="需要 poppler-utils (pdftotext)，未安装则跳过")
def test_weekly_chart_prints_at_9pt_or_more(demo_out, tmp_path):
    """The 周报's chart page: its title, axis labels, axis title and data labels 9 pt or more
    on paper (text size in the chart × the page's print scale), the chart on one page."""
    src = _workbook(demo_out, "周报")
    ws = openpyxl.load_workbook(src)[weekly.SHEET_CHART]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    with zipfile.ZipFile(src) as z:
        chart = ElementTree.fromstring(z.read("xl/charts/chart1.xml"))
        drawing = ElementTree.fromstring(z.read("xl/drawings/drawing1.xml"))
    ext = drawing.find(f".//{XDR}ext")
    assert ext is not None
    w_pt, h_pt = int(ext.get("cx")) / 12700, int(ext.get("cy")) / 12700  # EMU → pt
    # A4 landscape less the margins: 842 − 2 × 0.4 × 72 wide, 595 − (0.6 + 0.7) × 72 high
    scale = min(1.0, 784.4 / w_pt, 501.4 / h_pt)
    assert scale == 1.0, (w_pt, h_pt)
    plot = chart.find(f"{C}chart")
    assert plot is not None
    parts = {
        "标题": plot.find(f"{C}title"),
        "分类轴": plot.find(f".//{C}catAx"),
        "数值轴": plot.find(f".//{C}valAx"),
        "数值轴标题": plot.find(f".//{C}valAx/{C}title"),
        "数据标签": plot.find(f".//{C}dLbls"),
    }
    for name, part in parts.items():
        assert part is not None, name
        sizes = [int(e.get("sz") or 0) for e in part.iter() if e.tag in (f"{A}defRPr", f"{A}rPr")]
        assert sizes and min(sizes) * scale >= 900, (name, sizes)  # sz: hundredths of a pt
    pdf = soffice_convert(shutil.copy(src, tmp_path / "w.xlsx"), "pdf", tmp_path)
    pages = subprocess.run(
        [PDFTOTEXT, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")[:-1]
    assert len(pages) <= 13  # the tables' 12 and the chart's one
    units = [v.text for v in chart.iter(f"{C}v")]  # cached categories, values, names
    on = [i for i, p in enumerate(pages, start=1) if "各县（市、区）整改率" in p]
    assert len(on) == 1, on  # the chart is one page, not cut
    flat = re.sub(r"\s", "", pages[on[0] - 1])
    assert all(u in flat for u in units if u and re.fullmatch(r"[\u4e00-\u9fff]+县", u))
    sizes = _glyph_sizes(pdf, on[0])
    assert sizes and min(sizes) >= 8.9, sizes
