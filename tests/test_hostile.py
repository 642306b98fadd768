"""Hostile and broken inputs: nothing crashes, nothing is lost, nothing gets in.

Every test checks the finding codes (or the error line) AND that every input file is
byte-for-byte unchanged. Large inputs are generated at test time; memory-hungry reads run
in a child process under an address-space limit, so a regression fails one test instead of
taking the machine down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import random
import re
import sqlite3
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from conftest import problem
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell

from dapaicha import fsutil, layout
from dapaicha.app import generate, merge, validate
from dapaicha.config.roster import Village
from dapaicha.errors import UserError
from dapaicha.findings import CODES, FileResult
from dapaicha.read import reader, sniff
from dapaicha.xlsx import feedback
from dapaicha.xlsx import report as report_xlsx

ROOT = Path(__file__).resolve().parents[1]
CHILD_MEMORY = 3 << 30  # address-space limit of the child process (bytes)
SMALL_MB = 400  # what a bounded read may use at most (resident, MB)

# -- helpers ------------------------------------------------------------------------------


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder (relative path → hex)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def codes(report) -> dict[str, list[str]]:
    return {fr.file: [f.code for f in fr.findings] for fr in report.files}


def row(no: int) -> int:
    """Excel row of item no in a generated ledger."""
    return no + layout.ROW_FIRST_ITEM - 1


def col(key: str) -> str:
    return layout.LETTER[key]


def rezip(data: bytes, replace: dict[str, bytes | None] | None = None, add=None) -> bytes:
    """A copy of a zip with some members replaced (None: dropped) or added."""
    replace = replace or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = replace.get(info.filename, src.read(info))
            if body is not None:
                dst.writestr(info.filename, body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def part(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


_CHILD = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from dapaicha import resources
from dapaicha.config import checklist
from dapaicha.read import roster
from dapaicha.app import validate
cl = checklist.load()
ros = roster.load(resources.examples_dir() / "roster.xlsx")
rep, subs = validate.validate_folder(Path(sys.argv[1]), cl, ros)
rows = {{s.file: len(s.rows) for s in subs}}
print(json.dumps({{
    "codes": {{fr.file: [f.code for f in fr.findings] for fr in rep.files}},
    "accepted": {{fr.file: fr.accepted for fr in rep.files}},
    "rows": rows,
    "report": rep.to_dict(),
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
}}, ensure_ascii=False, default=str))
"""


def validate_in_child(folder: Path) -> dict:
    """validate_folder in a fresh process with limited memory; its outcome and peak memory."""
    r = subprocess.run(
        [sys.executable, "-c", _CHILD.format(limit=CHILD_MEMORY), str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


# -- bad files: one finding each, the batch goes on -----------------------------------------


def test_bad_files_one_finding_each_batch_continues(tmp_path, make_return, cl, ros):
    d = tmp_path / "r"
    good = make_return("good.xlsx", {}, folder=d)
    make_return("good2.xlsx", {}, folder=d, village=1)
    data = good.read_bytes()
    (d / "empty.xlsx").write_bytes(b"")
    (d / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    (d / "no-workbook.xlsx").write_bytes(rezip(data, {"xl/workbook.xml": None}))
    junk = random.Random(7).randbytes(20_000)
    (d / "garbage-sheet.xlsx").write_bytes(rezip(data, {"xl/worksheets/sheet1.xml": junk}))
    half_xml = part(data, "xl/worksheets/sheet1.xml")[:20_000]
    (d / "cut-sheet.xlsx").write_bytes(rezip(data, {"xl/worksheets/sheet1.xml": half_xml}))
    import msoffcrypto.format.ooxml as ooxml

    with good.open("rb") as fi, (d / "locked.xlsx").open("wb") as fo:
        ooxml.OOXMLFile(fi).encrypt("pw", fo)
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    (d / "word.xlsx").write_bytes(docx.getvalue())
    (d / "scan.xlsx").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF")
    (d / "wps.et").write_bytes(sniff.OLE_MAGIC + random.Random(3).randbytes(4096))
    (d / "page.xls").write_bytes("<html><body><table><tr><td>序号</td></tr></table>".encode())
    before = digest(d)

    rep, subs = validate.validate_folder(d, cl, ros)

    assert codes(rep) == {
        "cut-sheet.xlsx": ["file-unreadable"],
        "empty.xlsx": ["file-unreadable"],
        "garbage-sheet.xlsx": ["file-unreadable"],
        "good.xlsx": [],
        "good2.xlsx": [],
        "locked.xlsx": ["file-encrypted"],
        "no-workbook.xlsx": ["file-unreadable"],
        "page.xls": ["file-unsupported"],
        "scan.xlsx": ["file-unsupported"],
        "truncated.xlsx": ["file-unreadable"],
        "word.xlsx": ["file-unsupported"],
        "wps.et": ["file-unsupported"],
    }
    msgs = {fr.file: fr.findings[0].message for fr in rep.files if fr.findings}
    assert "空文件" in msgs["empty.xlsx"]
    assert "xl/workbook.xml" in msgs["no-workbook.xlsx"]
    assert "Word" in msgs["word.xlsx"] and "PDF" in msgs["scan.xlsx"]
    assert "WPS" in msgs["wps.et"]
    assert sorted(s.file for s in subs) == ["good.xlsx", "good2.xlsx"]
    assert all(s.accepted and len(s.rows) == 66 for s in subs)
    assert digest(d) == before


def test_ledger_sheet_renamed_hidden_or_missing(tmp_path, make_return, cl, ros):
    d = tmp_path / "sheets"
    p = make_return("renamed.xlsx", {3: problem()}, folder=d)
    wb = openpyxl.load_workbook(p)
    wb[layout.SHEET_LEDGER].title = "Sheet1"
    wb.save(p)
    p = make_return("hidden.xlsx", {}, folder=d, village=1)
    wb = openpyxl.load_workbook(p)
    wb.active = 1
    wb[layout.SHEET_LEDGER].sheet_state = "hidden"
    wb.save(p)
    p = make_return("deleted.xlsx", {}, folder=d, village=2)
    wb = openpyxl.load_workbook(p)
    del wb[layout.SHEET_LEDGER]
    wb.save(p)
    wb = openpyxl.Workbook()
    wb.active.title = "工资表"
    wb.active.append(["姓名", "金额"])
    wb.active.append(["张三", 100])
    wb.save(d / "other.xlsx")
    before = digest(d)

    rep, subs = validate.validate_folder(d, cl, ros)

    assert codes(rep) == {
        "deleted.xlsx": ["not-a-ledger"],
        "hidden.xlsx": ["ledger-sheet-hidden"],
        "other.xlsx": ["not-a-ledger"],
        "renamed.xlsx": [],
    }
    by_file = {s.file: s for s in subs}
    assert by_file["renamed.xlsx"].sheet == "Sheet1" and by_file["renamed.xlsx"].accepted
    probs = [r.description for r in by_file["renamed.xlsx"].rows if r.is_problem]
    assert probs == ["部分监测户信息未更新"]
    assert by_file["hidden.xlsx"].accepted and len(by_file["hidden.xlsx"].rows) == 66
    assert digest(d) == before


def _with_far_cells(good: bytes, cells: bytes, relocate: bool = False) -> bytes:
    """The return with extra XML cells appended to its ledger sheet (raw, any spelling)."""
    name = "xl/worksheets/sheet1.xml"
    body = part(good, name).replace(b"</sheetData>", cells + b"</sheetData>")
    if not relocate:
        return rezip(good, {name: body})
    rels = "xl/_rels/workbook.xml.rels"
    moved = part(good, rels).replace(b"/xl/worksheets/sheet1.xml", b"/evil/s.bin")
    return rezip(good, {name: None, rels: moved}, add={"evil/s.bin": body})


def test_huge_used_range_is_bounded_in_any_spelling(tmp_path, make_return):
    """A stray cell at row 1,048,576 or column XFD must not make calamine allocate the range.

    Besides the usual spelling, the same cells written as other writers (or attackers) may:
    r not first, single quotes, no r at all, an 8-digit row, a sheet part outside
    xl/worksheets/. Each read must stay small; the child would abort if it were not.
    """
    d = tmp_path / "huge"
    p = make_return("openpyxl.xlsx", {}, folder=d)
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws["A1048576"] = "最后一行"
    ws["XFD10"] = "最后一列"
    wb.save(p)
    good = make_return("plain.xlsx", {}, folder=tmp_path / "src").read_bytes()
    inline = b"<is><t>x</t></is></c></row>"
    variants = {
        "attr-order.xlsx": b'<row spans="1:2" r="1048576"><c t="inlineStr" r="XFD1048576">'
        + inline,
        "quotes.xlsx": b"<row r='1048576'><c r='XFD1048576' t='inlineStr'>" + inline,
        "digits.xlsx": b'<row r="99999999"><c r="Z99999999" t="inlineStr">' + inline,
        "no-r.xlsx": b"<row>"
        + b'<c t="inlineStr"><is><t>x</t></is></c>' * 20_000
        + b"</row>"
        + b'<row><c t="inlineStr"><is><t>y</t></is></c></row>' * 5_000,
    }
    for name, cells in variants.items():  # all of one village: duplicate-return is expected
        (d / name).write_bytes(_with_far_cells(good, cells))
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr">' + inline
    (d / "relocated.xlsx").write_bytes(_with_far_cells(good, far, relocate=True))
    (d / "dimension.xlsx").write_bytes(
        rezip(
            good,
            {
                "xl/worksheets/sheet1.xml": re.sub(
                    rb'<dimension ref="[^"]*" />',
                    b'<dimension ref="A1:XFD1048576" />',
                    part(good, "xl/worksheets/sheet1.xml"),
                )
            },
        )
    )
    before = digest(d)

    out = validate_in_child(d)

    truncated = ["content-truncated", "duplicate-return"]  # each far cell holds a value
    assert {f: sorted(c) for f, c in out["codes"].items()} == {
        "attr-order.xlsx": sorted(truncated),
        "digits.xlsx": sorted(truncated),
        "dimension.xlsx": ["duplicate-return"],
        "no-r.xlsx": sorted(truncated),
        "openpyxl.xlsx": sorted(truncated),
        "quotes.xlsx": sorted(truncated),
        "relocated.xlsx": sorted(truncated),
    }
    assert set(out["rows"].values()) == {66}
    assert {f for f, ok in out["accepted"].items() if ok} == {"dimension.xlsx"}
    assert out["maxrss_mb"] < SMALL_MB
    assert digest(d) == before


@pytest.mark.parametrize(
    ("cells", "out"),
    [
        (b'<row r="3000"><c r="BL3000"/></row>', False),  # the last cell read
        (b'<row r="3001"><c r="A3001"/></row>', True),
        (b'<row r="1"><c r="BM1"/></row>', True),
        (b'<row r="1"><c r="AZ1"/><c r="BA1"/></row>', False),
        (b'<row r="1"><c r="CA1"/></row>', True),
        (b'<row r="1"><c r="XFD1048576"/></row>', True),
        (b'<row r="2999"><c r="A2999"/></row><row><c/></row><row><c/></row>', True),  # 3001
        (b'<row r="0003"><c r="A3"/></row>', False),  # leading zeros: walked, in bounds
        (b'<row r="1"><c r="A1"/><c/><c/></row>', False),  # no r: counted on, column C
        (b"<x:row r='1'><x:c r='BM1'/></x:row>", True),
        (b'<row spans="1:2" r="5000"/>', True),
        (b'<row r="1"><c r="A5000"/></row>', True),  # the cell's own r places it
        (b'<row r="5"><c r="A5" r="BL2000000"/></row>', True),  # a parser takes the last r
        (b'<row r="5"><c r="A5"r="XFD1"/></row>', True),
        (b'<row r="5"><c r="A5" s=">" r="XFD1"/></row>', True),  # hidden behind a ">"
        (b'<row r="5" r="9999"><c r="A5"/></row>', True),
        (b'<row r="5"><c r="A5" t="s"><v>r="XFD1"</v></c></row>', False),  # text, not a tag
        (b'<row r="5"><c r="A5" x:r="ZZ5"/></row>', False),  # another attribute
        (b'<row r="5"><c r="A5" r="B5"/></row>', True),  # two r, both in bounds: walked
        (b'<row r="5"><c r="A5" s=">"/></row>', True),  # a ">" inside a value: walked
        (b'<row r="5"><c r="A5" s=\'>\' r="XFD1"/></row>', True),  # behind a ">" in \'…\'
        (b'<row r="5"><c r="A5" s="1" r ="XFD1"/></row>', True),  # space before "="
        (b'<row r="5" customFormat="1"><c r="A5" t="str"><f>"r"</f></c></row>', False),
    ],
)
def test_out_of_bounds_at_the_edges(cells, out):
    # MAX_ROWS = 3000, MAX_COLS = 64 (BL): positions as a parser places them
    body = b"<worksheet><sheetData>" + cells + b"</sheetData></worksheet>"
    assert (sniff.MAX_ROWS, sniff.MAX_COLS) == (3000, 64)
    assert sniff._out_of_bounds(body) is out


_TAG_BITS = [
    b"<row", b"<c", b"<x:row", b"<x:c", b"<col", b"<cols>", b":row", b":c", b" r=", b' r="',
    b" r='", b"r=", b'"', b"'", b" ", b"\t", b"\n", b"/", b">", b"/>", b"A", b"BL", b"BM",
    b"XFD", b"0", b"1", b"3000", b"3001", b"999", b"<v>", b"</c>", b"</row>", b"<",
]  # fmt: skip


@given(st.lists(st.sampled_from(_TAG_BITS), max_size=40))
@settings(max_examples=3000, deadline=None)
def test_fast_bounds_agree_with_the_walk(bits):
    # sniff decides the usual part with a few scans and walks the rest tag by tag: the
    # answer is the walk's, whatever the bytes (the scans say "in bounds" only where it does)
    body = b"".join(bits)
    assert sniff._out_of_bounds(body) is sniff._walk_out_of_bounds(body)


def test_bounded_sheet_that_cannot_be_bounded_is_refused():
    # A sheet whose cells are out of bounds yet escape the cutter would be read densely:
    # bounded_sheet() refuses instead of returning it.
    odd = b'<sheetData><row r="1"><c r="A1"/></row></sheetData>'
    assert sniff.bounded_sheet(odd) == odd
    sneaky = b'<sheetData><foo><c r="XFD1"/></foo></sheetData>'  # a cell outside any row
    with pytest.raises(sniff.Unbounded):
        sniff.bounded_sheet(sneaky)


def test_megabyte_cell_is_cut_and_flagged(tmp_path, make_return, cl, ros):
    d = tmp_path / "long"
    p = make_return("long.xlsx", {3: problem()}, folder=d)
    # openpyxl cuts text at 32,767 characters on save: write the sheet XML directly
    data = p.read_bytes()
    sheet = part(data, "xl/worksheets/sheet1.xml")
    assert sheet.count("部分监测户信息未更新".encode()) == 1
    sheet = sheet.replace("部分监测户信息未更新".encode(), ("问" * 1_000_000).encode())
    p.write_bytes(rezip(data, {"xl/worksheets/sheet1.xml": sheet}))
    before = digest(d)

    rep, subs = validate.validate_folder(d, cl, ros)

    (fr,) = rep.files
    assert [(f.code, f.cell) for f in fr.findings] == [
        ("cell-too-long", f"{col('description')}{row(3)}")
    ]
    assert fr.accepted and "1000000" in fr.findings[0].message
    (desc,) = [r.description for r in subs[0].rows if r.is_problem]
    assert desc == "问" * 5000
    assert all(len(f.value) <= 500 and len(f.message) < 200 for f in fr.findings)
    out = tmp_path / "o" / "校验报告.xlsx"
    report_xlsx.write(rep, out)
    longest = max(
        len(str(c.value))
        for ws in openpyxl.load_workbook(out)
        for r_ in ws.iter_rows()
        for c in r_
        if c.value is not None
    )
    assert longest < 1000
    assert digest(d) == before


def test_odd_file_names(tmp_path, make_return, cl, ros):
    d = tmp_path / "names"
    names = [
        "陈化店镇 大马村 台账 (第1期).xlsx",
        "ＡＢＣ村（第１期）　台账.xlsx",
        "n" * 195 + ".xlsx",  # 200 characters
        "子 文件夹/" + "台" * 80 + ".xlsx",  # 245 bytes of UTF-8, in a folder with a space
        "=1+1.xlsx",
    ]
    for i, n in enumerate(names):
        make_return(n, {5: {"has_problem": None}}, folder=d, village=i)
    before = digest(d)

    rep, subs = validate.validate_folder(d, cl, ros)

    assert codes(rep) == {n: ["has-problem-blank"] for n in names}
    assert sorted(s.file for s in subs) == sorted(names)
    fb = tmp_path / "fb"
    written = feedback.write_all(rep, d, fb, campaign_title="大排查大起底", deadline="4月1日")
    assert len(written) == 2 * len(names)
    assert all(p.resolve().is_relative_to(fb.resolve()) for p in written)
    assert all(len(p.name.encode()) <= 255 and p.is_file() for p in written)
    report_xlsx.write(rep, tmp_path / "校验报告.xlsx")
    shown = [c.value for c in openpyxl.load_workbook(tmp_path / "校验报告.xlsx")["文件"]["E"]]
    assert sorted(n for n in shown if n in names) == sorted(names)
    assert digest(d) == before


# -- attacks ------------------------------------------------------------------------------

LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
_SST = (
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    b'uniqueCount="1"><si><t>%s</t></si></sst>'
)


def _inject(good: bytes, name: str, doctype: bytes, ref: bytes, utf16: bool = False) -> bytes:
    """The return with a DOCTYPE before the root of part name and an entity ref inside it."""
    if name == "xl/sharedStrings.xml":
        body = _SST % ref
        ct = part(good, "[Content_Types].xml").replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        return rezip(good, {"[Content_Types].xml": ct}, add={name: doctype + body})
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", part(good, name))
    if name == "xl/worksheets/sheet1.xml":
        body = body.replace(b"<t>", b"<t>" + ref, 1)
    else:
        body = body.replace(b"<workbookPr />", b"<workbookPr codeName='" + ref + b"' />")
    body = doctype + body
    if utf16:
        body = body.decode().replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>')
        body = body.encode("utf-16")
    return rezip(good, {name: body})


def test_entity_payloads_are_refused_unexpanded(tmp_path, make_return):
    d = tmp_path / "xml"
    good_path = make_return("good.xlsx", {}, folder=d)
    good = good_path.read_bytes()
    cases = {}
    for short, name in (
        ("sheet", "xl/worksheets/sheet1.xml"),
        ("sst", "xl/sharedStrings.xml"),
        ("book", "xl/workbook.xml"),
    ):
        cases[f"laughs-{short}.xlsx"] = _inject(good, name, LAUGHS, b"&lol9;")
        cases[f"xxe-{short}.xlsx"] = _inject(good, name, XXE, b"&xxe;")
    cases["xxe-utf16.xlsx"] = _inject(good, "xl/worksheets/sheet1.xml", XXE, b"&xxe;", True)
    for n, b in cases.items():
        (d / n).write_bytes(b)
    before = digest(d)

    out = validate_in_child(d)

    assert out["codes"] == {"good.xlsx": [], **{n: ["file-unreadable"] for n in cases}}
    report = out["report"]
    for fr in report["files"]:
        if fr["file"] != "good.xlsx":
            assert "不安全的 XML" in fr["findings"][0]["message"], fr
    text = json.dumps(report, ensure_ascii=False)
    assert "root:" not in text and "/bin/" not in text and "lollol" not in text
    assert out["maxrss_mb"] < SMALL_MB
    # the 退回修改 step never opens them either: notices only, no copies
    from dapaicha import resources
    from dapaicha.config import checklist
    from dapaicha.read import roster

    rep, _ = validate.validate_folder(
        d, checklist.load(), roster.load(resources.examples_dir() / "roster.xlsx")
    )
    fb = tmp_path / "fb"
    written = feedback.write_all(rep, d, fb, campaign_title="大排查大起底", deadline="4月1日")
    assert sorted(p.suffix for p in written) == [".txt"] * len(cases)
    assert all("root:" not in p.read_text(encoding="utf-8-sig") for p in written)
    assert digest(d) == before


def _fake_declared_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with member name's uncompressed size rewritten (local and central headers)."""
    buf = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    struct.pack_into("<I", buf, info.header_offset + 22, size)
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        n_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + n_len] == name.encode():
            struct.pack_into("<I", buf, pos + 24, size)
            return bytes(buf)
        pos = data.find(b"PK\x01\x02", pos + 46)
    raise AssertionError(name)


def _streamed_member(zf: zipfile.ZipFile, name: str, megabytes: int) -> None:
    with zf.open(name, "w") as fh:  # by name: the ZipFile's compression and level apply
        chunk = b"0" * (1 << 20)
        for _ in range(megabytes):
            fh.write(chunk)


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


_ODS_MANIFEST = (
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _repeated_ods(rows: int, cols: int) -> bytes:
    """An .ods whose one filled cell is repeated rows × cols times (the parser expands it)."""
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} '
        'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S">'
        f"<table:table-row>{cell.format('序号')}</table:table-row>"
        f'<table:table-row table:number-rows-repeated="{rows}">'
        + cell.format("x").replace(
            "<table:table-cell ", f'<table:table-cell table:number-columns-repeated="{cols}" '
        )
        + "</table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
    return out.getvalue()


def _with_shared_strings(good: bytes, attrs: bytes) -> bytes:
    """The return with a (referenced) shared-strings part whose <sst> has the given attributes."""
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sst = b"<sst " + ns + b" " + attrs + b"><si><t>a</t></si></sst>"
    ct = part(good, "[Content_Types].xml").replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    rels = part(good, "xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId99" /></Relationships>',
    )
    replace = {"[Content_Types].xml": ct, "xl/_rels/workbook.xml.rels": rels}
    return rezip(good, replace, add={"xl/sharedStrings.xml": sst})


def test_zip_bombs(tmp_path, make_return, cl, ros):
    limit = 1_000_000
    small = io.BytesIO()
    with zipfile.ZipFile(small, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (limit + 1))
    assert sniff.sniff(small.getvalue(), max_unzipped=limit).kind == "bomb"
    assert sniff.sniff(small.getvalue(), max_unzipped=limit * 2).kind != "bomb"
    # a non-XML member counts as well (it used to be skipped by the actual-size check)
    media = rezip(small.getvalue(), {"xl/worksheets/sheet1.xml": b"<worksheet/>"})
    media = rezip(media, add={"xl/media/image1.png": b"\x89PNG" + b"0" * limit})
    assert sniff.sniff(media, max_unzipped=limit).kind == "bomb"

    d = tmp_path / "bombs"
    good = make_return("good.xlsx", {}, folder=d).read_bytes()
    big = io.BytesIO(good)
    with zipfile.ZipFile(big, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        _streamed_member(z, "xl/media/image9.png", 250)
    (d / "bomb-declared.xlsx").write_bytes(big.getvalue())
    # the same member claiming to be 1 kB: never inflated past its claim (CRC then fails)
    lying = _fake_declared_size(big.getvalue(), "xl/media/image9.png", 1000)
    (d / "bomb-lying.xlsx").write_bytes(lying)
    (d / "repeated.ods").write_bytes(_repeated_ods(20_000, 1_000))  # 1 kB → 20 million cells
    # a shared-strings part claiming 4e9 strings: the parser would reserve 96 GB and abort
    (d / "sst-count.xlsx").write_bytes(
        _with_shared_strings(good, b'count="1" uniqueCount="4000000000"')
    )
    before = digest(d)

    out = validate_in_child(d)

    assert out["codes"] == {
        "bomb-declared.xlsx": ["file-too-large"],
        "bomb-lying.xlsx": ["file-unreadable"],
        "good.xlsx": [],
        "repeated.ods": ["file-too-large"],
        "sst-count.xlsx": ["file-unreadable"],
    }
    assert out["maxrss_mb"] < SMALL_MB
    assert digest(d) == before


FORMULAS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://example.com","点我")',
    "=cmd|' /C calc'!A0",
]


def _formula_cells(path: Path) -> list[str]:
    """Cells of an xlsx stored as formulas: <f> in the XML, or openpyxl data_type 'f'."""
    bad = []
    z = zipfile.ZipFile(path)
    for n in z.namelist():
        if n.startswith("xl/worksheets/") and re.search(rb"<(?:\w+:)?f[\s/>]", z.read(n)):
            bad.append(f"{path.name}:{n}")
    for ws in openpyxl.load_workbook(path):
        for r_ in ws.iter_rows():
            for c in r_:
                if c.data_type == "f" or (isinstance(c.value, str) and c.data_type != "s"):
                    bad.append(f"{path.name}:{ws.title}!{c.coordinate}")
    return bad


def test_formula_injection_stays_text(tmp_path, make_return, ros, monkeypatch, capsys):
    d = tmp_path / "inj"
    answers = {
        3: problem(description=FORMULAS[0], measure=FORMULAS[1], owner=FORMULAS[2]),
        4: {"has_problem": FORMULAS[0]},
        5: problem(kind=FORMULAS[3]),
        6: problem(result=FORMULAS[4], done_date=None),
        7: problem(deadline=FORMULAS[2], result="正在整改", done_date=None),
        8: problem(description=FORMULAS[5], note=FORMULAS[6]),
        9: problem(description=FORMULAS[7], done_date=FORMULAS[6]),
    }
    make_return("=1+1.xlsx", answers, folder=d)
    make_return("@SUM(1,1).xlsx", {10: problem(description="-2+3", kind="+立行立改")}, folder=d)
    before = digest(d)
    out = tmp_path / "out"
    rc, err = _cli(
        monkeypatch,
        capsys,
        "validate",
        str(d),
        "-r",
        str(ros.source),
        "--report",
        str(out / "校验报告.xlsx"),
        "--feedback",
        str(out / "退回修改"),
    )
    assert rc == 1, err
    books = sorted(out.rglob("*.xlsx"))
    assert len(books) == 3, books  # the report and two 退回修改 copies
    assert [b for p in books for b in _formula_cells(p)] == []
    values = {
        c.value
        for p in books
        for ws in openpyxl.load_workbook(p)
        for r_ in ws.iter_rows()
        for c in r_
        if isinstance(c.value, str)
    }
    # every payload survives as text somewhere in what we wrote
    for s in FORMULAS:
        assert any(s.strip() in v for v in values), s
    assert "=1+1.xlsx" in values and "@SUM(1,1).xlsx" in values
    report = openpyxl.load_workbook(out / "校验报告.xlsx")["问题明细"]
    shown = {c.value for r_ in report.iter_rows() for c in r_}
    assert FORMULAS[0] in shown  # has-problem-invalid keeps the typed value, as text
    assert digest(d) == before


def test_path_traversal_in_roster_names(tmp_path, cl):
    out = tmp_path / "out"
    villages = [
        Village("", "../../逃逸县", "C:\\x", "../../../etc"),
        Village("", "/etc", "..", "passwd"),
        Village("", "县", "乡\x00镇", "..\\..\\win"),
        Village("", "...", ".", "村" * 60),
    ]
    result = generate.generate(cl, villages, out, generated_at="2022-03-01T09:00:00")
    assert len(result.written) == len(villages)
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents]
    assert outside == []
    for rel in result.written:
        p = out / rel
        assert p.is_file() and p.resolve().is_relative_to(out.resolve())
        assert all(part not in ("..", ".", "") for part in Path(rel).parts)
        assert all(len(x.encode()) <= 255 for x in Path(rel).parts)
    # fsutil directly, and a symlinked folder under --out that points outside
    assert fsutil.inside(out, "..", "../..", "C:\\x").resolve().is_relative_to(out.resolve())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "链接县").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UserError, match="超出了输出目录"):
        generate.generate(cl, [Village("", "链接县", "乡", "村")], out)
    assert list(elsewhere.iterdir()) == []
    # the 退回修改 folder: county and village names from a return
    fr = FileResult(file="x.xlsx", county="../../..", village="../../x")
    assert fsutil.inside(tmp_path / "fb") in feedback.copy_path(tmp_path / "fb", fr).parents


def test_overlong_village_name_does_not_stop_generate(tmp_path, cl):
    villages = [Village("", "县", "乡", "村" * 300), Village("", "县", "乡", "好村")]
    result = generate.generate(cl, villages, tmp_path / "out", generated_at="2022-03-01")
    assert len(result.written) == 2


# -- faults -------------------------------------------------------------------------------


def _cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run the real entry point (cli.main) in process: (exit code, stderr)."""
    from dapaicha import cli

    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["dapaicha", *args])
    with pytest.raises(SystemExit) as ei:
        cli.main()
    return ei.value.code, capsys.readouterr().err


def test_unwritable_report_clear_error_no_leftovers(
    tmp_path, make_return, ros, monkeypatch, capsys
):
    d = tmp_path / "in"
    make_return("good.xlsx", {}, folder=d)
    before = digest(d)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    targets = [blocker / "校验报告.xlsx"]  # the --out folder is a file
    existing_dir = tmp_path / "校验报告.xlsx"
    existing_dir.mkdir()
    targets.append(existing_dir)  # --report names a folder
    if os.geteuid() != 0:  # root writes through permissions
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        targets.append(ro / "校验报告.xlsx")
    try:
        for target in targets:
            args = ("validate", str(d), "-r", str(ros.source), "--report", str(target))
            rc, err = _cli(monkeypatch, capsys, *args)
            assert rc == 2, (target, err)
            lines = [x for x in err.splitlines() if x.strip()]
            assert len(lines) == 1 and lines[0].startswith("错误：无法写入"), err
    finally:
        if os.geteuid() != 0:
            (tmp_path / "ro").chmod(0o755)
    leftovers = [p for p in tmp_path.rglob(".~dapaicha-*")]
    assert leftovers == []
    assert list(existing_dir.iterdir()) == []
    assert digest(d) == before


def test_newer_store_is_refused_untouched(tmp_path, make_return, cl, ros):
    from dapaicha.store import db as store_db

    db = tmp_path / "store" / "dapaicha.sqlite"
    store_db.connect(db, create=True).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("UPDATE schema_version SET version = ?", (store_db.VERSION + 1,))
    conn.commit()
    conn.close()
    d = tmp_path / "in"
    make_return("good.xlsx", {}, folder=d)
    before_store, before_in = digest(db.parent), digest(d)
    with pytest.raises(UserError, match="版本较新"):
        merge.run(d, cl, ros, db)
    assert digest(db.parent) == before_store  # same bytes, no -wal/-shm/-journal left
    assert digest(d) == before_in


# -- fuzzing ------------------------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40).map(
    lambda s: ILLEGAL_CHARACTERS_RE.sub("", s)
)
VALUES = st.one_of(
    _text,
    _text.map(lambda s: "=" + s),
    st.sampled_from(["是", "否", "立行立改", "纳入整改方案", "已整改", "正在整改", "未整改"]),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-(10**12), 10**12),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 1, 1)),
    st.booleans(),
    st.none(),
    st.integers(5001, 40_000).map(lambda n: "长" * n),
)
EDITS = st.lists(
    st.one_of(
        st.tuples(
            st.just("set"),
            st.integers(1, 70),
            st.sampled_from((*layout.FILL_KEYS, "no", "content")),
            VALUES,
        ),
        st.tuples(st.just("insert"), st.integers(1, 80), st.integers(1, 3)),
        st.tuples(st.just("delete"), st.integers(1, 80), st.integers(1, 3)),
    ),
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: the failing example is printed
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(edits=EDITS)
def test_fuzz_validate_never_raises(edits, blank_ledgers, cl, ros, tmp_path_factory):
    src = next(iter(blank_ledgers.values()))
    wb = openpyxl.load_workbook(src)
    ws = wb[layout.SHEET_LEDGER]
    letters = {c.key: layout.column_letter(i) for i, c in enumerate(layout.COLUMNS)}
    for e in edits:
        if e[0] == "set":
            _, no, key, value = e
            cell = ws[f"{letters[key]}{row(no)}"]
            if not isinstance(cell, MergedCell):  # openpyxl's merged cells are read-only
                cell.value = value  # raw: '=…' becomes a real formula
        elif e[0] == "insert":
            ws.insert_rows(e[1], e[2])
        else:
            ws.delete_rows(e[1], e[2])
    d = tmp_path_factory.mktemp("fuzz")
    p = d / "fuzz.xlsx"
    wb.save(p)
    before = digest(d)

    rep, subs = validate.validate_folder(d, cl, ros)

    (fr,) = rep.files
    assert isinstance(fr, FileResult)
    # the file is a valid workbook: an internal failure would surface as file-unreadable
    assert [f for f in fr.findings if f.code == "file-unreadable"] == []
    assert all(f.code in CODES for f in fr.findings)
    # merge gets the file exactly when the report passes it (a file of no known village: none)
    verdicts = [s.accepted for s in subs]
    assert verdicts == [True] if fr.accepted else verdicts in ([], [False])
    assert digest(d) == before


def test_safe_component_windows_names() -> None:
    from dapaicha.fsutil import safe_component

    assert safe_component("CON") == "_CON"
    assert safe_component("nul.txt") == "_nul.txt"
    assert safe_component("大马村 .") == "大马村"
    assert safe_component("../../x") == "___x"
    assert safe_component("..") == "未命名"
    assert safe_component("  ") == "未命名"


def test_stored_copy_holds_the_same_parts(make_return, cl, ros, monkeypatch):
    # the parser is handed the parts sniff inflated, stored: same names, order and bytes
    good = make_return("good.xlsx", {3: problem()}).read_bytes()
    data = rezip(good, add={"xl/media/图片1.png": b"\x89PNG" + bytes(range(256)) * 40})
    sn = sniff.sniff(data)
    src, copy = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(sn.stored))
    assert copy.testzip() is None
    assert copy.namelist() == [i.filename for i in src.infolist() if not i.is_dir()]
    assert "xl/media/图片1.png" in copy.namelist()
    assert {i.compress_type for i in copy.infolist()} == {zipfile.ZIP_STORED}
    assert all(copy.read(n) == src.read(n) for n in copy.namelist())
    # read from the stored copy and from the original: the same rows and findings
    via_copy = reader.read_bytes(data, "good.xlsx", tuple(cl.campaign.village_signers))
    monkeypatch.setattr(sniff, "STORE_MAX", 1000)  # past it: no copy, the original is read
    assert sniff.sniff(data).stored is None
    via_original = reader.read_bytes(data, "good.xlsx", tuple(cl.campaign.village_signers))
    assert via_copy[1] == via_original[1] == []
    assert [(r.row, r.no_raw, r.values) for r in via_copy[0].rows] == [
        (r.row, r.no_raw, r.values) for r in via_original[0].rows
    ]
    assert len(via_copy[0].rows) == 66


def test_long_unflagged_name_is_read_as_before(make_return, cl):
    # a name without the UTF-8 flag grows when written back as UTF-8: past 65,535 bytes
    # there is no stored copy (and no crash), the original is read
    good = make_return("good.xlsx", {}).read_bytes()
    placeholder = "Q" * 21846
    data = rezip(good, add={placeholder: b"x"}).replace(placeholder.encode(), b"\xb3" * 21846)
    sn = sniff.sniff(data)
    assert (sn.kind, sn.stored) == ("xlsx", None)
    ret, found = reader.read_bytes(data, "good.xlsx", tuple(cl.campaign.village_signers))
    assert found == [] and len(ret.rows) == 66


def test_unicode_path_field_that_renames_a_part_is_refused(make_return):
    # the sheet stored as "xl/media/s1.bin" with a Unicode Path field naming it
    # xl/worksheets/sheet1.xml: a reader taking the header's name sees media, one taking the
    # field (Python from 3.12) the sheet
    good = make_return("good.xlsx", {}).read_bytes()
    src = zipfile.ZipFile(io.BytesIO(good))
    sheet = "xl/worksheets/sheet1.xml"
    raw = b"xl/media/s1.bin"
    field = struct.pack("<BI", 1, zlib.crc32(raw)) + sheet.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != sheet:
                z.writestr(info.filename, src.read(info))
                continue
            zi = zipfile.ZipInfo(raw.decode())
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.extra = struct.pack("<HH", 0x7075, len(field)) + field
            z.writestr(zi, src.read(info))
    sn = sniff.sniff(out.getvalue())
    assert sn.kind == "corrupt" and "Unicode" in sn.detail


def test_parts_compressed_otherwise_are_read_as_before(make_return, cl):
    # bzip2 parts: no stored copy, the parser gets the original (and cannot read it)
    good = make_return("good.xlsx", {}).read_bytes()
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as z:
        for info in src.infolist():
            z.writestr(info.filename, src.read(info))
    sn = sniff.sniff(out.getvalue())
    assert (sn.kind, sn.stored) == ("xlsx", None)
    ret, found = reader.read_bytes(out.getvalue(), "b.xlsx", tuple(cl.campaign.village_signers))
    assert ret is None and [f.code for f in found] == ["file-unreadable"]
