"""dapaicha generate: the ledger workbook, the stamped copies, reruns, the CLI, the print."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
import python_calamine as pc
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from typer.testing import CliRunner

from dapaicha import __version__, layout, resources
from dapaicha.app import generate
from dapaicha.cli import app
from dapaicha.config.checklist import Checklist
from dapaicha.config.roster import Village
from dapaicha.xlsx import excel, ledger, ledger_guide
from dapaicha.xlsx.stamp import Template

GEN_AT = "2022-03-01T09:00:00"
SOFFICE = shutil.which("soffice")

# Hand-read from seed/READING.md: 类别 → item numbers.
CATEGORY_ITEMS = {
    "一、基础工作方面": (1, 5),
    "二、动态监测方面": (6, 12),
    "三、帮扶支持方面": (13, 24),
    "四、“三保障”方面": (25, 46),
    "五、兜底保障方面": (47, 57),
    "六、人居环境方面": (58, 61),
    "七、工作方面": (62, 66),
}
FIRST = layout.ROW_FIRST_ITEM  # 4
LAST = FIRST + 65  # 69: the 66th item

WITH_LIAISON = Village(
    "411024103201", "鄢陵县", "陈化店镇", "大马村", ("孙建军", "刘晓峰", "王德顺"), "赵卫东", 3
)
NO_LIAISON = Village(
    "411024103203", "鄢陵县", "陈化店镇", "前杨村", ("李红旗", "", "杨志远"), "", 5
)
ODD = Village("", "襄城县", "城关街道", "A&B<村>", ("  张 三 ", "", ""), "", 9)


def col(key: str) -> str:
    return layout.LETTER[key]


def direct_bytes(cl: Checklist, v: Village) -> bytes:
    return excel.workbook_bytes(ledger.build_workbook(cl, v, generated_at=GEN_AT))


def stamped_bytes(cl: Checklist, v: Village) -> bytes:
    return generate.Stamper(cl).render(ledger.fields_for(cl, v, GEN_AT))


def open_wb(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


@pytest.fixture(scope="session")
def stamper(cl) -> generate.Stamper:
    return generate.Stamper(cl)


@pytest.fixture(scope="session")
def books(cl, stamper) -> dict[str, Workbook]:
    """The stamped ledgers of the three test villages, read back with openpyxl."""
    return {
        v.village: open_wb(stamper.render(ledger.fields_for(cl, v, GEN_AT)))
        for v in (WITH_LIAISON, NO_LIAISON, ODD)
    }


@pytest.fixture(scope="session")
def ws(books):
    return books["大马村"][layout.SHEET_LEDGER]


# --- the ledger sheet -------------------------------------------------------------------


def test_items_numbered_1_to_66_with_checklist_text(cl, ws):
    nos = [ws[f"{col('no')}{r}"].value for r in range(FIRST, LAST + 1)]
    assert nos == list(range(1, 67))
    assert ws[f"{col('no')}{LAST + 1}"].value is None
    contents = [ws[f"{col('content')}{r}"].value for r in range(FIRST, LAST + 1)]
    assert contents == [i.content for _, i in cl.items]
    assert ws[f"{col('content')}{FIRST + 37}"].value == cl.by_no[38][1].content


def test_header_row(ws):
    headers = [ws.cell(layout.ROW_HEADER, i + 1).value for i in range(len(layout.COLUMNS))]
    assert headers == ["类别", "序号", "排查项目", "排查内容", "是否存在问题", "自查问题描述",
                       "整改措施", "整改类型", "整改期限", "责任人", "整改结果", "完成时间", "备注"]  # fmt: skip
    assert ws.cell(layout.ROW_HEADER, len(layout.COLUMNS) + 1).value is None
    h = ws["F3"]
    assert (h.font.name, h.font.b) == ("黑体", True)
    assert h.fill.fgColor.rgb.endswith("D9E1F2")
    assert ws.column_dimensions["D"].width == layout.BY_KEY["content"].width
    assert ws.column_dimensions["F"].width == 16
    # one A4 landscape page wide at 9 pt or more: 118 units (tests/test_print.py renders it)
    assert sum(ws.column_dimensions[layout.column_letter(i)].width for i in range(13)) == 118


def test_title_unit_line_and_date_cell(cl, ws):
    assert ws["A1"].value == "鄢陵县陈化店镇大马村巩固脱贫成果“大排查大起底”行动问题整改台账"
    assert ws["A1"].value == layout.title_text("鄢陵县陈化店镇大马村", cl.campaign.title)
    assert (ws["A1"].font.name, ws["A1"].font.b) == ("黑体", True)
    assert ws["A2"].value == "填报单位：鄢陵县陈化店镇大马村"
    assert ws[layout.DATE_LABEL_CELL].value == "填报日期："
    assert ws[layout.DATE_CELL].value is None
    assert ws[layout.DATE_CELL].protection.locked is False
    assert ws[layout.DATE_CELL].number_format == "yyyy-mm-dd"
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {"A1:M1", "A2:G2", "I2:J2", "K2:L2"} <= merged


def test_merged_blocks_of_category_and_topic(cl, ws):
    merged = {str(m) for m in ws.merged_cells.ranges}
    for name, (a, b) in CATEGORY_ITEMS.items():
        assert f"A{FIRST + a - 1}:A{FIRST + b - 1}" in merged
        assert ws[f"A{FIRST + a - 1}"].value == name
    a_merges = sorted(m for m in merged if re.fullmatch(r"A\d+:A\d+", m))
    assert len(a_merges) == 7
    # Topics: a block per run of consecutive items with the same topic (hand-checked ones).
    for rng, topic in [
        ("C4:C6", "信息采集"),  # 1–3
        ("C9:C12", "监测识别"),  # 6–9
        ("C18:C22", "扶贫小额信贷"),  # 15–19
        ("C41:C46", "基本医疗"),  # 38–43
        ("C65:C67", "履职尽责"),  # 62–64
    ]:
        assert rng in merged
        assert ws[rng.split(":")[0]].value == topic
    # Single-item topics are not merged, but written.
    assert not any(m.startswith("C7:") or m.startswith("C27:") for m in merged)
    assert ws["C7"].value == "数据质量" and ws["C27"].value == "衔接资金项目"
    # Every topic run of the checklist, computed independently.
    runs: list[tuple[int, int]] = []
    topics = [i.topic for _, i in cl.items]
    start = 0
    for k in range(1, len(topics) + 1):
        if k == len(topics) or topics[k] != topics[start]:
            if k - 1 > start:
                runs.append((start, k - 1))
            start = k
    c_merges = {m for m in merged if re.fullmatch(r"C\d+:C\d+", m)}
    assert c_merges == {f"C{FIRST + a}:C{FIRST + b}" for a, b in runs}


def test_data_validations(cl, ws):
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    lists = {k: (dv.type, dv.formula1) for k, dv in dvs.items() if dv.type == "list"}
    assert lists == {
        f"E{FIRST}:E{LAST}": ("list", '"是,否"'),
        f"H{FIRST}:H{LAST}": ("list", '"立行立改,纳入整改方案"'),
        f"K{FIRST}:K{LAST}": ("list", '"已整改,正在整改,未整改"'),
    }
    for dv in dvs.values():
        assert dv.showErrorMessage and dv.error and dv.errorTitle
        assert dv.showDropDown in (None, False)  # True would hide the arrow
    start = (cl.campaign.start - __import__("datetime").date(1899, 12, 30)).days  # 44621
    assert start == 44621
    dates = {k for k, dv in dvs.items() if dv.type == "date"}
    assert dates == {f"I{FIRST}:I{LAST}", f"L{FIRST}:L{LAST}", "K2", "J71 J72 J73"}
    for k in dates:
        dv = dvs[k]
        assert (dv.operator, dv.formula1, dv.formula2) == (
            "between",
            "44621",
            "46752",
        )  # 2027-12-31
        assert "日期" in dv.error and dv.prompt.startswith("请填写日期")
    assert dvs[f"B{FIRST}:B{LAST}"].type == "whole"
    assert (dvs[f"B{FIRST}:B{LAST}"].formula1, dvs[f"B{FIRST}:B{LAST}"].formula2) == ("1", "66")


def test_protection(ws, books):
    p = ws.protection
    assert p.sheet is True and not p.password
    # openpyxl: True = protected (not allowed), False = allowed.
    assert (p.insertRows, p.deleteRows, p.formatRows, p.formatColumns) == (False,) * 4
    assert (p.sort, p.autoFilter, p.insertColumns, p.deleteColumns) == (True,) * 4
    for r in (FIRST, FIRST + 30, LAST):
        for c in layout.COLUMNS:
            locked = ws[f"{col(c.key)}{r}"].protection.locked
            if c.fill:
                assert locked is False, (c.key, r)
            elif c.key in ("category", "topic", "content"):
                assert locked is True, (c.key, r)
    assert ws["A3"].protection.locked is True  # the header
    assert ws["A1"].protection.locked is True
    assert books["大马村"][layout.SHEET_GUIDE].protection.sheet is True


def test_print_setup_and_fonts(ws):
    ps = ws.page_setup
    assert (ps.paperSize, ps.orientation, ps.fitToWidth, ps.fitToHeight) == (9, "landscape", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$1:$3"
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert ws.freeze_panes == "A4"
    assert ws["D10"].font.name == "宋体" and ws["D10"].alignment.wrap_text
    assert ws["A71"].font.name == "仿宋"
    assert ws["D71"].font.name == "仿宋"


def test_row_heights_follow_the_text(cl, ws):
    assert excel.text_lines("汉" * 19, 40) == 1  # 19 × 1.9 = 36.1 ≤ (40 − 0.5) × 0.93 = 36.7
    assert excel.text_lines("汉" * 20, 40) == 2  # 38.0 > 36.7
    assert excel.text_lines("2021" * 9, 40) == 1  # 36 narrow characters
    assert excel.text_lines("汉\n汉", 40) == 2
    heights = {r: ws.row_dimensions[r].height for r in range(FIRST, LAST + 1)}
    assert all(h and h >= 18 for h in heights.values())
    longest = max(range(66), key=lambda k: len(cl.items[k][1].content))
    shortest = min(range(66), key=lambda k: len(cl.items[k][1].content))
    assert heights[FIRST + longest] >= 8 * heights[FIRST + shortest] / 3
    n = excel.text_lines(cl.items[longest][1].content, layout.BY_KEY["content"].width)
    assert heights[FIRST + longest] == excel.lines_height(n)


def test_note_and_signature_lines(cl, books):
    ws = books["大马村"][layout.SHEET_LEDGER]
    assert layout.sign_rows(66, 4) == [71, 72, 73, 74]
    assert ws["A70"].value == layout.NOTE_TEXT
    assert (
        ws["A70"].value
        == "注：一项有多个问题的，请在该项下方插入行并填写相同序号，每行填写一个问题。"
    )
    labels = [ws[f"A{r}"].value.replace("\n", "") for r in (71, 72, 73)]
    assert labels == ["村级责任组组长（签字）：", "第一书记（签字）：", "村支部书记（签字）："]
    assert [ws[f"D{r}"].value for r in (71, 72, 73, 74)] == ["孙建军", "刘晓峰", "王德顺", "赵卫东"]
    assert ws["A74"].value == "联乡帮村干部："
    assert all(ws[f"D{r}"].protection.locked is False for r in (71, 72, 73, 74))
    assert [ws[f"H{r}"].value for r in (71, 72, 73, 74)] == ["签字日期："] * 3 + [None]
    assert ws["J71"].protection.locked is False
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {"A70:M70", "A71:C71", "D71:F71", "H71:I71", "A74:C74", "D74:F74"} <= merged
    # the signing date J:K, 7 + 6 = 13 units: a date typed at 12 pt (about 12) shows whole
    assert {"J71:K71", "J72:K72", "J73:K73"} <= merged and "J74:K74" not in merged
    assert ws["K71"].border.bottom.style == "thin"
    # No liaison: no fourth line; a blank name is an empty, open cell.
    ws2 = books["前杨村"][layout.SHEET_LEDGER]
    assert [ws2[f"D{r}"].value for r in (71, 72, 73)] == ["李红旗", None, "杨志远"]
    assert ws2["D72"].protection.locked is False
    assert ws2.max_row == 73


def test_guide_sheet(cl, books):
    g = books["大马村"][layout.SHEET_GUIDE]
    texts = [g.cell(r, 1).value for r in range(1, g.max_row + 1)]
    assert texts[0] == "巩固脱贫成果“大排查大起底”行动问题整改台账填报说明"
    assert all(texts) and g.max_column == 1
    body = "\n".join(texts)
    assert "2022年3月31日前报送首次排查整改台账" in body
    assert "2022年4月30日" in body
    assert (
        "是、否" in body and "立行立改、纳入整改方案" in body and "已整改、正在整改、未整改" in body
    )
    assert "第38—43项为暂定条目" in body
    assert layout.NOTE_TEXT.removeprefix("注：") in body
    assert g.column_dimensions["A"].width == ledger_guide.GUIDE_WIDTH
    assert g["A3"].alignment.wrap_text
    assert books["大马村"].sheetnames == [
        layout.SHEET_LEDGER,
        layout.SHEET_GUIDE,
        layout.SHEET_META,
    ]
    assert (resources.templates_dir() / ledger_guide.GUIDE_TEMPLATE).is_file()


def test_metadata_sheet(cl, books):
    m = books["大马村"][layout.SHEET_META]
    assert m.sheet_state == "veryHidden"
    rows = {m.cell(r, 1).value: m.cell(r, 2).value for r in range(1, m.max_row + 1)}
    assert list(rows) == list(layout.META_KEYS)
    assert rows == {
        "schema_version": "1",
        "checklist_id": "xuchang-2022-dapaicha",
        "checklist_hash": cl.content_hash,
        "village_code": "411024103201",
        "county": "鄢陵县",
        "township": "陈化店镇",
        "village": "大马村",
        "generated_at": GEN_AT,
        "tool_version": __version__,
    }
    odd = books["A&B<村>"][layout.SHEET_META]
    odd_rows = {odd.cell(r, 1).value: odd.cell(r, 2).value for r in range(1, odd.max_row + 1)}
    assert odd_rows["village_code"] is None and odd_rows["village"] == "A&B<村>"


# --- the stamped copy equals the direct build -----------------------------------------


@pytest.mark.parametrize("v", [WITH_LIAISON, NO_LIAISON, ODD], ids=lambda v: v.village)
def test_stamped_equals_direct_build(cl, v):
    a, b = direct_bytes(cl, v), stamped_bytes(cl, v)
    za, zb = zipfile.ZipFile(io.BytesIO(a)), zipfile.ZipFile(io.BytesIO(b))
    assert zb.testzip() is None
    assert za.namelist() == zb.namelist()
    for name in za.namelist():
        assert za.read(name) == zb.read(name), name
    # And as openpyxl reads them: cell for cell.
    wa, wb = open_wb(a), open_wb(b)
    assert wa.sheetnames == wb.sheetnames
    for name in wa.sheetnames:
        sa, sb = wa[name], wb[name]
        assert sa.sheet_state == sb.sheet_state
        assert sa.max_row == sb.max_row and sa.max_column == sb.max_column
        for ra, rb in zip(sa.iter_rows(), sb.iter_rows(), strict=True):
            assert [c.value for c in ra] == [c.value for c in rb]
        assert {str(m) for m in sa.merged_cells.ranges} == {str(m) for m in sb.merged_cells.ranges}
        dva = [
            (str(d.sqref), d.type, d.formula1, d.formula2)
            for d in sa.data_validations.dataValidation
        ]
        dvb = [
            (str(d.sqref), d.type, d.formula1, d.formula2)
            for d in sb.data_validations.dataValidation
        ]
        assert dva == dvb
        for addr in ("A1", "A2", "K2", "B3", "A4", "D20", "E20", "I20", "A71", "D72", "J73"):
            ca, cb = sa[addr], sb[addr]
            styles = ("font", "fill", "border", "alignment", "protection", "number_format")
            assert [repr(getattr(ca, s)) for s in styles] == [repr(getattr(cb, s)) for s in styles]
        assert sa.row_dimensions[20].height == sb.row_dimensions[20].height
    ws = wb[layout.SHEET_LEDGER]
    f = ledger.fields_for(cl, v, GEN_AT)
    assert ws["A2"].value == f"填报单位：{f.full_name}"


def test_stamped_values_are_escaped_and_cleaned(books):
    ws = books["A&B<村>"][layout.SHEET_LEDGER]
    assert ws["A1"].value.startswith("襄城县城关街道A&B<村>巩固")
    assert ws["D71"].value == "张 三"  # spaces collapsed and stripped
    assert ws["D72"].value is None


def test_stamped_file_reads_with_calamine(stamper, cl):
    data = stamper.render(ledger.fields_for(cl, WITH_LIAISON, GEN_AT))
    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    grid = book.get_sheet_by_name(layout.SHEET_LEDGER).to_python()
    assert grid[0][0].startswith("鄢陵县陈化店镇大马村")
    assert [int(r[1]) for r in grid[FIRST - 1 : LAST]] == list(range(1, 67))
    meta = book.get_sheet_by_name(layout.SHEET_META).to_python()
    assert dict((r[0], r[1]) for r in meta)["village_code"] == "411024103201"


def test_template_rejects_unknown_tokens(cl):
    wb, tokens = ledger.build_template(cl, liaison_line=False)
    wb[layout.SHEET_GUIDE]["B1"] = "@@dpc:nobody@@"
    with pytest.raises(ValueError, match="unknown token"):
        Template(excel.workbook_bytes(wb), tokens)


# --- generate: files, manifest, reruns ------------------------------------------------


def _hashes(d: Path) -> dict[str, str]:
    return {
        p.relative_to(d).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(d.rglob("*"))
        if p.is_file()
    }


def test_generate_writes_one_file_per_village(cl, ros, tmp_path):
    res = generate.generate(cl, ros.villages, tmp_path, generated_at=GEN_AT)
    assert len(res.written) == len(ros.villages) == 16
    assert res.provisional == "38—43"
    p = tmp_path / "鄢陵县" / "陈化店镇" / "大马村_问题整改台账.xlsx"
    assert p.is_file()
    assert "鄢陵县/陈化店镇/大马村_问题整改台账.xlsx" in res.written
    ws = load_workbook(p)[layout.SHEET_LEDGER]
    assert ws["A2"].value == "填报单位：鄢陵县陈化店镇大马村"
    manifest = json.loads((tmp_path / generate.MANIFEST_NAME).read_text(encoding="utf-8"))
    entry = manifest["files"]["鄢陵县/陈化店镇/大马村_问题整改台账.xlsx"]
    assert entry["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()
    assert entry["village"] == "411024103201"
    assert "注意：第38—43项为暂定条目" in generate.provisional_warning(res)


def test_rerun_gives_identical_bytes(cl, ros, tmp_path):
    generate.generate(cl, ros.villages, tmp_path)
    before = _hashes(tmp_path)
    res = generate.generate(cl, ros.villages, tmp_path)
    assert len(res.unchanged) == 16 and not (res.written or res.updated or res.skipped)
    assert _hashes(tmp_path) == before
    # The same inputs into a fresh folder give the same bytes too (fixed generation time).
    other = tmp_path.parent / (tmp_path.name + "-b")
    generate.generate(cl, ros.villages, other, generated_at=GEN_AT)
    third = tmp_path.parent / (tmp_path.name + "-c")
    generate.generate(cl, ros.villages, third, generated_at=GEN_AT)
    assert _hashes(other) == _hashes(third)


def test_edited_file_is_not_overwritten_without_force(cl, ros, tmp_path):
    generate.generate(cl, ros.villages, tmp_path, generated_at=GEN_AT)
    rel = "鄢陵县/陈化店镇/大马村_问题整改台账.xlsx"
    p = tmp_path / rel
    wb = load_workbook(p)
    wb[layout.SHEET_LEDGER]["E4"] = "是"
    wb.save(p)
    edited = p.read_bytes()
    res = generate.generate(cl, ros.villages, tmp_path, generated_at=GEN_AT)
    assert res.skipped == [(rel, "已存在且可能已填写，未覆盖（如需覆盖请加 --force）")]
    assert len(res.unchanged) == 15
    assert p.read_bytes() == edited
    res = generate.generate(cl, ros.villages, tmp_path, generated_at=GEN_AT, force=True)
    assert res.updated == [rel] and len(res.unchanged) == 15
    assert load_workbook(p)[layout.SHEET_LEDGER]["E4"].value is None
    assert p.read_bytes() == stamped_bytes(cl, ros.villages[0])


def test_file_without_manifest_entry_is_skipped(cl, ros, tmp_path):
    p = tmp_path / "鄢陵县" / "陈化店镇" / "大马村_问题整改台账.xlsx"
    p.parent.mkdir(parents=True)
    p.write_bytes(b"filled in by hand")
    res = generate.generate(cl, ros.villages[:2], tmp_path)
    assert res.skipped == [("鄢陵县/陈化店镇/大马村_问题整改台账.xlsx", generate.SKIP_EXISTS)]
    assert res.written == ["鄢陵县/陈化店镇/王庄村_问题整改台账.xlsx"]
    assert p.read_bytes() == b"filled in by hand"


def test_changed_roster_rewrites_untouched_file(cl, ros, tmp_path):
    generate.generate(cl, ros.villages[:2], tmp_path, generated_at=GEN_AT)
    v = replace(ros.villages[0], signers=("新组长", "刘晓峰", "王德顺"))
    res = generate.generate(cl, [v, ros.villages[1]], tmp_path, generated_at=GEN_AT)
    assert res.updated == ["鄢陵县/陈化店镇/大马村_问题整改台账.xlsx"]
    assert res.unchanged == ["鄢陵县/陈化店镇/王庄村_问题整改台账.xlsx"]
    ws = load_workbook(tmp_path / res.updated[0])[layout.SHEET_LEDGER]
    assert ws["D71"].value == "新组长"


def test_same_name_villages_get_distinct_files(cl, tmp_path):
    a = Village("411024103201", "鄢陵县", "陈化店镇", "王庄村", ("", "", ""), "", 3)
    b = Village("411024103299", "鄢陵县", "陈化店镇", "王庄村", ("", "", ""), "", 4)
    res = generate.generate(cl, [a, b], tmp_path)
    assert res.written == [
        "鄢陵县/陈化店镇/王庄村_问题整改台账.xlsx",
        "鄢陵县/陈化店镇/王庄村_411024103299_问题整改台账.xlsx",
    ]
    assert res.renamed == [("鄢陵县陈化店镇王庄村", res.written[1])]


def test_unsafe_names_stay_inside_the_output(cl, tmp_path):
    v = Village("", "../..", "a/b", "..\\村", ("", "", ""), "", 2)
    res = generate.generate(cl, [v], tmp_path / "out")
    (rel,) = res.written
    assert (tmp_path / "out" / rel).is_file()
    assert ".." not in Path(rel).parts


# --- the CLI ------------------------------------------------------------------------------


def test_cli_generate(tmp_path):
    roster_path = resources.examples_dir() / "roster.xlsx"
    out = tmp_path / "台账"
    runner = CliRunner()
    r = runner.invoke(app, ["generate", "-r", str(roster_path), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "第38—43项为暂定条目" in r.output
    assert "新生成 16 份" in r.output
    assert len(list(out.rglob("*.xlsx"))) == 16
    r = runner.invoke(app, ["generate", "-r", str(roster_path), "-o", str(out)])
    assert r.exit_code == 0 and "已是最新 16 份" in r.output


def test_cli_generate_lists_skipped(tmp_path):
    roster_path = resources.examples_dir() / "roster.xlsx"
    out = tmp_path / "台账"
    runner = CliRunner()
    runner.invoke(app, ["generate", "-r", str(roster_path), "-o", str(out)])
    p = out / "襄城县" / "茨沟街道" / "油坊村_问题整改台账.xlsx"
    p.write_bytes(p.read_bytes() + b"\0")
    r = runner.invoke(app, ["generate", "-r", str(roster_path), "-o", str(out)])
    assert r.exit_code == 0
    assert "未覆盖 1 份" in r.output
    assert "油坊村_问题整改台账.xlsx：已存在且可能已填写" in r.output.replace("\n", "")


# --- printing through LibreOffice ----------------------------------------------------------


def _pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) of every page object's MediaBox."""
    out = []
    for obj in re.findall(rb"\d+ 0 obj(.*?)endobj", pdf, re.S):
        if re.search(rb"/Type\s*/Page(?![s\w])", obj):
            m = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", obj)
            assert m, obj[:200]
            x0, y0, x1, y1 = (float(v) for v in m.groups())
            out.append((x1 - x0, y1 - y0))
    return out


@pytest.fixture(scope="session")
def lo_profile(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lo-profile")


@pytest.mark.soffice
@pytest.mark.skipif(SOFFICE is None, reason="需要 LibreOffice (soffice)")
def test_ledger_prints_on_a4_landscape(cl, stamper, tmp_path, lo_profile):
    src = tmp_path / "大马村_问题整改台账.xlsx"
    src.write_bytes(stamper.render(ledger.fields_for(cl, WITH_LIAISON, GEN_AT)))
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={lo_profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = (tmp_path / "大马村_问题整改台账.pdf").read_bytes()
    pages = _pdf_pages(pdf)
    w, h = pages[0]
    assert w > h and abs(w - 842) < 2 and abs(h - 595) < 2
    landscape = [p for p in pages if p[0] > p[1]]  # the ledger; 填报说明 prints portrait
    assert 1 <= len(landscape) <= 16  # 66 items at 9 pt or more, one page wide
    assert len(pages) - len(landscape) <= 2


def test_long_and_clashing_names_get_short_distinct_files(cl, tmp_path):
    long = "村" * 90
    vs = [Village("", "县", "乡", long, ("", "", ""), "", r) for r in (2, 3)]
    vs.append(Village("", "县", "乡", long + "甲", ("", "", ""), "", 2))  # same 60-char prefix
    res = generate.generate(cl, vs, tmp_path)
    assert len(set(res.written)) == 3
    for rel in res.written:
        assert len(Path(rel).name.encode()) <= 255 and (tmp_path / rel).is_file()
    assert [Path(r).name for r in res.written[1:]] == [
        f"{'村' * 60}_第3行_问题整改台账.xlsx",
        f"{'村' * 60}_第2行_问题整改台账.xlsx",
    ]


def test_source_date_epoch_fixes_the_generation_time(cl, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1646125200")  # 2022-03-01T09:00:00Z
    assert ledger.now_text() == "2022-03-01T09:00:00"
    a = generate.generate(cl, [WITH_LIAISON], tmp_path / "a")
    b = generate.generate(cl, [WITH_LIAISON], tmp_path / "b")
    assert (tmp_path / "a" / a.written[0]).read_bytes() == (
        tmp_path / "b" / b.written[0]
    ).read_bytes()
    assert (tmp_path / "a" / a.written[0]).read_bytes() == stamped_bytes(cl, WITH_LIAISON)
