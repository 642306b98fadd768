"""退回修改 copies, notices and 校验报告.xlsx, on real workbooks."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import python_calamine as pc
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment

from dapaicha import layout
from dapaicha.findings import FileResult, Report, make
from dapaicha.xlsx import excel, feedback
from dapaicha.xlsx import report as report_xlsx

FILE = "甲县/乙镇/丙村_问题整改台账.xlsx"
LEDGER = layout.SHEET_LEDGER
META = {"schema_version": "1", "village_code": "130102001001", "village": "丙村"}


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def build_ledger(path: Path) -> Path:
    """A small protected ledger, a guide sheet and a very hidden metadata sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = LEDGER
    excel.put(ws["A1"], "丙村问题整改台账")
    excel.put(ws["A2"], "填报单位：甲县乙镇丙村")
    excel.put(ws["I2"], "填报日期：")
    excel.put(ws["K2"], "4.30")
    ws.merge_cells("K2:L2")
    for c, col in enumerate(layout.COLUMNS, start=1):
        excel.write(ws, layout.ROW_HEADER, c, col.header, border=excel.BORDER)
    for i in range(5):
        r = layout.ROW_FIRST_ITEM + i
        excel.write(ws, r, 2, i + 1, border=excel.BORDER)
        excel.write(ws, r, 4, f"排查内容{i + 1}", border=excel.BORDER)
        excel.write(ws, r, 5, "否", border=excel.BORDER, font=excel.FONT_BODY)
    excel.put(ws["E5"], "=1+1")  # text that looks like a formula
    ws["E6"] = "是"
    ws["L7"] = "2022-05-01"
    ws["M4"].comment = Comment("村里的批注", "村会计")
    ws.protection.sheet = True
    ws.protection.password = "123"
    guide = wb.create_sheet(layout.SHEET_GUIDE)
    guide["A1"] = "填报说明"
    meta = wb.create_sheet(layout.SHEET_META)
    for r, (k, v) in enumerate(META.items(), start=1):
        meta.cell(row=r, column=1, value=k)
        meta.cell(row=r, column=2, value=v)
    meta.sheet_state = "veryHidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def ledger_findings(file: str = FILE) -> list:
    s = LEDGER
    return [
        make("has-problem-invalid", file, sheet=s, cell="E5", item=2, value="=1+1"),
        make("owner-missing", file, sheet=s, cell="J6", item=3),
        make("result-missing", file, sheet=s, cell="K6", item=3),
        make("done-date-not-done", file, sheet=s, cell="L7", item=4, value="2022-05-01"),
        make("done-date-after-report", file, sheet=s, cell="L7", item=4, value="2022-05-01"),
        make("report-date-invalid", file, sheet=s, cell="L2"),
        make("ledger-sheet-hidden", file, sheet=s),
        make("identity-conflict", file, detail="村代码与村名不一致", expected="村代码"),
        make("result-missing", file, sheet=s, cell="K4", item=1),  # a cell with a village comment
    ]


def result(findings: list | None = None, **kw) -> FileResult:
    base = {"county": "甲县", "township": "乙镇", "village": "丙村", "village_code": "130102001001"}
    base.update(kw)
    return FileResult(
        file=base.pop("file", FILE),
        findings=ledger_findings() if findings is None else findings,
        report_date="2022-04-30",
        **base,
    )


# reading order: whole-file first, then by sheet, row, column
EXPECTED_PLACES = ["整个文件", "“整改台账”表", "L2", "K4", "E5", "J6", "K6", "L7", "L7"]
EXPECTED_CODES = [
    "identity-conflict",
    "ledger-sheet-hidden",
    "report-date-invalid",
    "result-missing",
    "has-problem-invalid",
    "owner-missing",
    "result-missing",
    "done-date-not-done",
    "done-date-after-report",
]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return build_ledger(tmp_path / "returns" / FILE)


def rows_of(ws, first: int = report_xlsx.FIRST_DATA_ROW) -> list[tuple]:
    return [tuple(r) for r in ws.iter_rows(min_row=first, values_only=True)]


def test_copy_marks_cells_and_keeps_the_workbook(source: Path, tmp_path: Path) -> None:
    before = sha(source)
    res = result()
    out = feedback.write_copy(source, res, tmp_path / "fb" / "丙村_退回修改.xlsx")
    assert out == tmp_path / "fb" / "丙村_退回修改.xlsx"
    assert sha(source) == before

    wb = load_workbook(out)
    assert wb.sheetnames == [layout.SHEET_FINDINGS, LEDGER, layout.SHEET_GUIDE, layout.SHEET_META]
    assert wb.active.title == layout.SHEET_FINDINGS
    fs = wb[layout.SHEET_FINDINGS]
    assert fs["A1"].value == "丙村：本台账有9处需修改（错误4处，提醒5处），请修改后重新报送"
    assert res.status in fs["A2"].value
    assert [c.value for c in fs[3]] == ["序号", "级别", "单元格", "项目", "说明"]
    rows = rows_of(fs)
    assert [r[0] for r in rows] == list(range(1, 10))
    assert [r[2] for r in rows] == EXPECTED_PLACES
    by_code = {f.code: f for f in res.findings}
    assert [r[4] for r in rows][4] == feedback.detail(by_code["has-problem-invalid"])
    assert [r[1] for r in rows].count("错误") == 4
    assert rows[3][3] == "第1项"

    ws = wb[LEDGER]
    assert ws.protection.sheet is True
    assert ws.protection.password == load_workbook(source)[LEDGER].protection.password
    assert wb[layout.SHEET_META].sheet_state == "veryHidden"
    assert [(r[0], r[1]) for r in wb[layout.SHEET_META].iter_rows(values_only=True)] == list(
        META.items()
    )
    # errors red, warnings yellow, error wins on a shared cell
    red, yellow = excel.BAD_FILL.fgColor.rgb, excel.WARN_FILL.fgColor.rgb
    assert {a: ws[a].fill.fgColor.rgb for a in ("E5", "J6", "K6", "L7", "K2", "K4")} == {
        "E5": red,
        "J6": red,
        "K6": yellow,
        "L7": red,
        "K2": red,  # L2 lies in K2:L2
        "K4": yellow,
    }
    assert ws["E4"].fill.fill_type is None
    assert ws["E5"].border.left.style == "thin"  # the village's border is kept
    assert ws["E5"].value == "=1+1" and ws["E5"].data_type == "s"
    c = ws["L7"].comment
    assert c.author == "dapaicha"
    assert feedback.detail(by_code["done-date-not-done"]) in c.text
    assert feedback.detail(by_code["done-date-after-report"]) in c.text
    assert ws["E5"].comment.text == "【错误】" + feedback.detail(by_code["has-problem-invalid"])
    assert ws["M4"].comment.text == "村里的批注"  # untouched
    commented = sorted(
        cell.coordinate for row in ws.iter_rows() for cell in row if cell.comment is not None
    )
    assert commented == ["E5", "J6", "K2", "K4", "K6", "L7", "M4"]

    # an independent reader sees the same
    cwb = pc.CalamineWorkbook.from_path(str(out))
    assert cwb.sheet_names[0] == layout.SHEET_FINDINGS
    grid = cwb.get_sheet_by_name(LEDGER).to_python(skip_empty_area=False)
    assert grid[4][4] == "=1+1"


def test_copy_is_deterministic(source: Path, tmp_path: Path) -> None:
    a = feedback.write_copy(source, result(), tmp_path / "a" / "x.xlsx")
    b = feedback.write_copy(source, result(), tmp_path / "b" / "x.xlsx")
    assert a.read_bytes() == b.read_bytes()


def test_returned_copy_is_cleaned_before_marking(source: Path, tmp_path: Path) -> None:
    first = feedback.write_copy(source, result(), tmp_path / "1" / "x.xlsx")
    again = result([make("owner-missing", FILE, sheet=LEDGER, cell="J6", item=3)])
    second = feedback.write_copy(first, again, tmp_path / "2" / "x.xlsx")
    wb = load_workbook(second)
    assert wb.sheetnames.count(layout.SHEET_FINDINGS) == 1
    assert len(rows_of(wb[layout.SHEET_FINDINGS])) == 1
    ws = wb[LEDGER]
    commented = sorted(c.coordinate for row in ws.iter_rows() for c in row if c.comment)
    assert commented == ["J6", "M4"]
    assert ws["E5"].fill.fill_type is None
    assert ws["J6"].fill.fgColor.rgb == excel.BAD_FILL.fgColor.rgb


def test_xlsm_copy_drops_macros(source: Path, tmp_path: Path) -> None:
    """The copy is opened by clerks: macros from a return must not travel with it."""
    xlsm = tmp_path / "m" / "丙村.xlsm"
    xlsm.parent.mkdir()
    src = zipfile.ZipFile(source)
    with zipfile.ZipFile(xlsm, "w") as z:
        for n in src.namelist():
            z.writestr(n, src.read(n))
        z.writestr("xl/vbaProject.bin", b"VBA-PROJECT-BYTES")
    out = feedback.write_copy(xlsm, result(), tmp_path / "fb" / "丙村_退回修改.xlsx")
    assert out.name == "丙村_退回修改.xlsx"
    assert "xl/vbaProject.bin" not in zipfile.ZipFile(out).namelist()
    assert "macroEnabled" not in zipfile.ZipFile(out).read("[Content_Types].xml").decode()
    assert load_workbook(out).sheetnames[0] == layout.SHEET_FINDINGS


def test_village_formulas_become_text_in_the_copy(source: Path, tmp_path: Path) -> None:
    wb = load_workbook(source)
    ws = wb.worksheets[0]
    ws["M7"] = '=HYPERLINK("http://example.invalid/x","点我")'
    evil = tmp_path / "evil.xlsx"
    wb.save(evil)
    out = feedback.write_copy(evil, result(), tmp_path / "fb" / "evil_退回修改.xlsx")
    for name in zipfile.ZipFile(out).namelist():
        if name.startswith("xl/worksheets/"):
            assert b"<f>" not in zipfile.ZipFile(out).read(name)
    cell = load_workbook(out)[ws.title]["M7"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK(")


def test_odd_xlsx_is_rebuilt_from_values(source: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd.xlsx"
    src = zipfile.ZipFile(source)
    with zipfile.ZipFile(odd, "w") as z:
        for n in src.namelist():
            z.writestr(n, b"<broken" if n == "docProps/core.xml" else src.read(n))
    with pytest.raises(Exception):  # noqa: B017 — the premise: openpyxl cannot open it
        load_workbook(odd)
    out = feedback.write_copy(odd, result(), tmp_path / "fb" / "x.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames[0] == layout.SHEET_FINDINGS
    assert wb[layout.SHEET_META].sheet_state == "veryHidden"
    ws = wb[LEDGER]
    assert ws["E5"].value == "=1+1" and ws["E5"].data_type == "s"
    assert ws["E5"].fill.fgColor.rgb == excel.BAD_FILL.fgColor.rgb
    assert ws["K2"].comment is not None  # merged K2:L2 rebuilt


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="需要 LibreOffice (soffice)")
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_xls_and_ods_give_an_xlsx_copy(source: Path, tmp_path: Path, fmt: str) -> None:
    conv = tmp_path / "conv"
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo-fb",
            "--convert-to",
            fmt,
            "--outdir",
            str(conv),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    src = conv / f"{source.stem}.{fmt}"
    before = sha(src)
    out = feedback.write_copy(src, result(), tmp_path / "fb" / "丙村_退回修改.xlsx")
    assert out.suffix == ".xlsx" and sha(src) == before
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == [layout.SHEET_FINDINGS, LEDGER]
    assert layout.SHEET_META in wb.sheetnames
    assert wb[layout.SHEET_META].sheet_state != "visible"
    ws = wb[LEDGER]
    assert ws["E5"].value == "=1+1" and ws["E5"].data_type == "s"
    assert ws["J6"].fill.fgColor.rgb == excel.BAD_FILL.fgColor.rgb
    assert "【错误】" in ws["J6"].comment.text
    assert len(rows_of(wb[layout.SHEET_FINDINGS])) == 9


def test_names_and_paths(tmp_path: Path) -> None:
    assert feedback.out_name(result()) == "丙村_退回修改.xlsx"
    assert feedback.out_name(result(village="")) == "丙村_问题整改台账_退回修改.xlsx"
    assert feedback.out_name(result(village="a/b:c")) == "a_b_c_退回修改.xlsx"
    assert (
        feedback.copy_path(tmp_path, result(county=""))
        == tmp_path / "未识别" / "丙村_退回修改.xlsx"
    )
    assert (
        feedback.copy_path(tmp_path, result(county=".."))
        == tmp_path / "未命名" / "丙村_退回修改.xlsx"
    )


def test_notice_text() -> None:
    res = result()
    text = feedback.notice_text(
        res,
        campaign_title="巩固脱贫成果大排查大起底",
        deadline="2022年4月8日",
        office="某县巩固拓展脱贫攻坚成果领导小组办公室",
        phone="2965220",
        issued=dt.date(2022, 4, 1),
    )
    assert text.startswith("甲县乙镇丙村：\n")
    assert "《巩固脱贫成果大排查大起底问题整改台账》（丙村_问题整改台账.xlsx）" in text
    assert "经校验有4处错误、5处提醒，现退回修改" in text
    assert "请对照附件“退回修改意见”表逐项修改，于2022年4月8日前重新报送" in text
    lines = [ln for ln in text.splitlines() if re.match(r"\d+\.", ln)]
    assert len(lines) == 9
    for cell in ("L2", "K4", "E5", "J6", "K6", "L7"):
        assert any(f".{cell}" in ln for ln in lines), cell
    assert lines[4] == "5.E5（第2项）【错误】" + feedback.detail(res.findings[0])
    assert lines[0].startswith("1.整个文件【提醒】") and lines[1].startswith(
        "2.“整改台账”表【提醒】"
    )
    assert "{{" not in text and "{%" not in text
    # 公文 habits: the 附件 line after the body, then the office, the date and the phone
    assert text.endswith(
        "附件：丙村_退回修改.xlsx（问题单元格已用红色或黄色底纹标出，并附批注）\n\n"
        "某县巩固拓展脱贫攻坚成果领导小组办公室\n2022年4月1日\n（联系电话：2965220）\n"
    )
    ours = "\n".join(ln for ln in text.splitlines() if ln not in lines)  # not the findings' own
    assert not re.search(r"[\u4e00-\u9fff，。；、（）] +\d|\d +[\u4e00-\u9fff（]", ours)


def test_notice_warnings_only_and_no_copy(tmp_path: Path) -> None:
    res = result([make("result-missing", FILE, sheet=LEDGER, cell="K6", item=3)])
    text = feedback.notice_text(res, campaign_title="X", deadline="", attachment=None)
    assert "已通过校验，有1处提醒" in text and "退回修改。" not in text
    assert "附件" not in text and "尽快重新报送" in text
    (tmp_path / "退回通知.txt.j2").write_text("{{ village }}|{{ total }}|{{ findings[0].where }}")
    own = feedback.notice_text(res, campaign_title="X", deadline="", templates=tmp_path)
    assert own == "丙村|1|K6（第3项）"


def test_write_all(tmp_path: Path) -> None:
    returns, fb = tmp_path / "returns", tmp_path / "feedback"
    build_ledger(returns / FILE)
    build_ledger(returns / "甲县/丙村_第二份.xlsx")
    build_ledger(returns / "clean.xlsx")
    (returns / "note.xlsx").write_bytes(b"not a workbook at all")
    two = "甲县/丙村_第二份.xlsx"
    report = Report(
        files=[
            result(),
            result(ledger_findings(two), file=two, used=False),
            result([], file="clean.xlsx", village="丁村"),
            result(
                [make("file-unsupported", "note.xlsx", detail="x")],
                file="note.xlsx",
                county="",
                village="",
            ),
        ]
    )
    before = {p: sha(p) for p in returns.rglob("*") if p.is_file()}
    paths = feedback.write_all(report, returns, fb, campaign_title="X", deadline="4月8日")
    assert [p.relative_to(fb).as_posix() for p in paths] == [
        "甲县/丙村_退回修改.xlsx",
        "甲县/丙村_退回通知.txt",
        "未识别/note_退回通知.txt",  # files in use first: they get the plain names
        "甲县/丙村_丙村_第二份_退回修改.xlsx",
        "甲县/丙村_丙村_第二份_退回通知.txt",
    ]  # 丙村_第二份.xlsx failed, and no passing file replaced it: sent back too
    assert report.files[1].status == "退回修改" and report.files[0].status == "退回修改"
    assert before == {p: sha(p) for p in returns.rglob("*") if p.is_file()}
    raw = (fb / "甲县/丙村_退回通知.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\r\r" not in raw
    note = (fb / "未识别/note_退回通知.txt").read_text(encoding="utf-8-sig")
    assert "附件" not in note and "请对照下列问题逐项修改" in note


def make_report() -> Report:
    hyper = '=HYPERLINK("http://example.com","点我")'
    files = [
        result(),
        FileResult(
            file="丁村.xlsx",
            county="甲县",
            township="乙镇",
            village="丁村",
            report_date="2022-04-30",
        ),
        FileResult(
            file=f"{hyper}.xlsx",
            findings=[make("village-unidentified", f"{hyper}.xlsx")],
            village=hyper,
        ),
    ]
    missing = [
        {"county": "甲县", "township": "乙镇", "village": "戊村", "village_code": "130102001005"},
        {"county": "甲县", "township": "乙镇", "village": "己村", "village_code": "130102001006"},
    ]
    return Report(files=files, skipped=[("坏.xlsx", "文件已损坏")], missing=missing)


def test_report_workbook(tmp_path: Path) -> None:
    report = make_report()
    path = tmp_path / "校验报告.xlsx"
    report_xlsx.write(report, path, title="第1期校验报告")
    wb = load_workbook(path)
    assert wb.sheetnames == ["文件", "问题明细", "未报", "跳过"]
    counts = {ws.title: ws.max_row - report_xlsx.FIRST_DATA_ROW + 1 for ws in wb.worksheets}
    assert counts == {"文件": 3, "问题明细": 10, "未报": 2, "跳过": 1}
    files = wb["文件"]
    assert files["A1"].value == "第1期校验报告"
    assert [c.value for c in files[3]] == [h for h, _ in report_xlsx.FILE_COLS]
    assert rows_of(files)[0] == (
        "甲县",
        "乙镇",
        "丙村",
        "130102001001",
        FILE,
        "退回修改",
        4,
        5,
        "2022-04-30",
    )
    assert rows_of(files)[1][2:8] == ("丁村", None, "丁村.xlsx", "通过", 0, 0)
    assert files.freeze_panes == "A4"
    assert files.auto_filter.ref == "A3:I6"
    assert files.page_setup.orientation == "landscape"
    assert str(files.page_setup.paperSize) == files.PAPERSIZE_A4
    assert files["A4"].font.name == excel.BODY_FONT and files["A3"].font.name == excel.HEAD_FONT
    last = files.cell(row=6, column=3)  # unidentified village sorted last
    assert last.value.startswith("=HYPERLINK") and last.data_type == "s"
    detail = wb["问题明细"]
    values = {r[9]: r for r in rows_of(detail)}
    assert values["=1+1"][4:9] == ("错误", "是否存在问题填写有误", LEDGER, "E5", 2)
    assert values["=1+1"][-1] == "has-problem-invalid"  # the code stays, in the last column
    heads = [c.value for c in detail[report_xlsx.FIRST_DATA_ROW - 1]]
    assert heads[5] == "问题类型" and heads[-1] == "问题代码"
    cell = next(c for c in detail["J"] if c.value == "=1+1")
    assert cell.data_type == "s"
    assert rows_of(wb["未报"]) == [
        ("甲县", "乙镇", "戊村", "130102001005"),
        ("甲县", "乙镇", "己村", "130102001006"),
    ]
    assert rows_of(wb["跳过"]) == [("坏.xlsx", "文件已损坏")]
    # written fast (spliced rows), styled as before: 退回修改 red, 错误 red, 提醒 yellow
    assert files["F4"].fill.fgColor.rgb[-6:] == "FFC7CE" and files["F5"].fill.fill_type is None
    assert files["A4"].border.left.style == "thin" and files["A4"].alignment.wrap_text
    severity = {r[4].value: r[4].fill.fgColor.rgb[-6:] for r in detail.iter_rows(min_row=4)}
    assert severity == {"错误": "FFC7CE", "提醒": "FFEB9C"}
    assert wb["未报"].row_dimensions[4].height == 18  # one line: 14 pt + 4
    assert {str(r) for r in wb["未报"].merged_cells.ranges} == {"A1:D1", "A2:D2"}
    assert wb["未报"].auto_filter.ref == "A3:D5" and wb["未报"].print_title_rows == "$3:$3"
    # formulas nowhere
    for ws in wb.worksheets:
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_report_is_deterministic(tmp_path: Path) -> None:
    report_xlsx.write(make_report(), tmp_path / "a.xlsx")
    report_xlsx.write(make_report(), tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    members = zipfile.ZipFile(io.BytesIO((tmp_path / "a.xlsx").read_bytes())).infolist()
    assert len({m.date_time for m in members}) == 1
