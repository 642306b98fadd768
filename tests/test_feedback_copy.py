"""退回修改 copies of a real return saved by LibreOffice: formulas, links, hidden rows, pictures."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import needs_soffice, problem, soffice_convert
from openpyxl import load_workbook

from dapaicha import layout
from dapaicha.app import validate
from dapaicha.xlsx import excel, feedback

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
DRAWING = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"'
    ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<xdr:oneCellAnchor><xdr:from><xdr:col>13</xdr:col><xdr:colOff>0</xdr:colOff>"
    "<xdr:row>3</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
    '<xdr:ext cx="952500" cy="952500"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="照片"/>'
    '<xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId1"/>'
    "<a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr>"
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic>'
    "<xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>"
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _add_picture_and_outside_name(src: Path, dst: Path) -> None:
    """A picture on the ledger sheet and a defined name into another workbook, as in the
    village's file (openpyxl cannot write either without Pillow / an external link)."""
    zin = zipfile.ZipFile(src)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name in zin.namelist():
            body = zin.read(name)
            if name == "xl/worksheets/sheet1.xml":
                body = body.replace(b"</worksheet>", b'<drawing r:id="rIdPic"/></worksheet>')
            elif name == "xl/worksheets/_rels/sheet1.xml.rels":
                rel = f'<Relationship Id="rIdPic" Type="{REL}/drawing" Target="../drawings/drawing1.xml"/>'
                body = body.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            elif name == "[Content_Types].xml":
                extra = (
                    '<Default Extension="png" ContentType="image/png"/>'
                    '<Override PartName="/xl/drawings/drawing1.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>'
                )
                body = body.replace(b"</Types>", extra.encode() + b"</Types>")
            elif name == "xl/workbook.xml":
                outside = b'<definedName name="Outside">[1]Sheet1!$A$1</definedName>'
                body = body.replace(b"</definedNames>", outside + b"</definedNames>")
            z.writestr(name, body)
        z.writestr("xl/media/image1.png", PNG)
        z.writestr("xl/drawings/drawing1.xml", DRAWING)
        z.writestr(
            "xl/drawings/_rels/drawing1.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}'
            '/image" Target="../media/image1.png"/></Relationships>',
        )


@pytest.fixture(scope="module")
def village_file(tmp_path_factory, cl, ros, blank_ledgers) -> Path:
    """A return whose 整改期限 is =K2+11, with a hyperlink, links to another workbook, a
    hidden row and column holding the flagged cell, and a picture; saved by LibreOffice so
    every formula carries its cached value (as Excel and WPS save them)."""
    from dapaicha.xlsx import fill

    d = tmp_path_factory.mktemp("fbcopy")
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
    first = fill.fill_ledger(
        blank_ledgers[ros.villages[0].code],
        d / "filled.xlsx",
        {3: problem(owner=None)},
        default={"has_problem": "否"},
        report_date=dt.date(2022, 3, 30),
        signers=signers,
    )
    wb = load_workbook(first)
    ws = wb[layout.SHEET_LEDGER]
    ws["I6"] = "=K2+11"  # 整改期限 = 填报日期 + 11 days
    excel.put(ws["M6"], "见链接")
    ws["M6"].hyperlink = "http://example.invalid/x"
    ws["M8"] = "=[other.xlsx]Sheet1!A1"
    ws.row_dimensions[6].hidden = True
    ws.column_dimensions["J"].hidden = True
    wb.save(d / "typed.xlsx")
    lo = soffice_convert(d / "typed.xlsx", "xlsx", d / "lo")
    out = d / "returns" / "丙村.xlsx"
    out.parent.mkdir()
    _add_picture_and_outside_name(lo, out)
    return out


@needs_soffice
def test_copy_is_clean_and_the_corrected_copy_passes(village_file, cl, ros, tmp_path) -> None:
    returns = tmp_path / "returns"
    returns.mkdir()
    shutil.copy(village_file, returns / "丙村.xlsx")
    names = zipfile.ZipFile(village_file).namelist()
    assert "xl/externalLinks/externalLink1.xml" in names  # the village's file has them all
    rep, _ = validate.validate_folder(returns, cl, ros)
    (fr,) = rep.files
    # the outside link shows #N/A (LibreOffice's cached error): said, and read as blank
    assert [(f.code, f.cell) for f in fr.findings] == [
        ("formula-unread", "M8"),
        ("owner-missing", "J6"),
    ]
    assert "（显示为“#N/A”）" in fr.findings[0].message

    out = feedback.write_copy(returns / "丙村.xlsx", fr, tmp_path / "fb" / "丙村_退回修改.xlsx")
    z = zipfile.ZipFile(out)
    assert not [n for n in z.namelist() if "externalLink" in n or n.startswith("xl/media/")]
    for name in z.namelist():
        body = z.read(name).decode("utf-8", "replace")
        assert "example.invalid" not in body and "<hyperlink" not in body
        assert "<f>" not in body and "<f " not in body
    assert not re.search(r"<definedName[^>]*>[^<]*\[", z.read("xl/workbook.xml").decode())
    wb = load_workbook(out)
    ws = wb[layout.SHEET_LEDGER]
    assert ws["I6"].value == dt.datetime(2022, 4, 10)  # the cached value, as a date
    assert ws["I6"].is_date and ws["I6"].number_format == "yyyy-mm-dd"
    assert ws["M6"].value == "见链接" and ws["M6"].hyperlink is None
    assert not ws.row_dimensions[6].hidden
    assert not any(d.hidden for d in ws.column_dimensions.values() if d.min <= 10 <= d.max)
    notes = [c.value for row in wb[layout.SHEET_FINDINGS].iter_rows() for c in row if c.value]
    assert feedback.PICTURES_DROPPED.format(1) in notes

    # the village fixes the flagged cell in the copy and sends it back: it passes
    ws["J6"] = "李四"
    again = tmp_path / "again"
    again.mkdir()
    wb.save(again / "丙村_退回修改.xlsx")
    rep2, _ = validate.validate_folder(again, cl, ros)
    (fr2,) = rep2.files
    assert fr2.findings == [] and fr2.status == "通过"


def test_copy_without_pictures_says_nothing_of_them(village_file, tmp_path) -> None:
    from dapaicha.findings import FileResult, make

    plain = tmp_path / "plain.xlsx"
    load_workbook(village_file).save(plain)  # openpyxl drops the picture itself
    fr = FileResult(file="plain.xlsx", findings=[make("owner-missing", "plain.xlsx", cell="J6")])
    out = feedback.write_copy(plain, fr, tmp_path / "fb" / "plain_退回修改.xlsx")
    texts = [c.value for row in load_workbook(out)[layout.SHEET_FINDINGS].iter_rows() for c in row]
    assert not any(isinstance(t, str) and "图片" in t for t in texts)
