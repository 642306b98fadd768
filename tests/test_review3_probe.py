"""Review probes: defects found reviewing the day's change (each with its fix)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import openpyxl
from conftest import problem
from test_split_answers import at, split_return

from dapaicha import layout
from dapaicha.app import validate
from dapaicha.findings import Severity
from dapaicha.read import roster as roster_read

W, E = Severity.WARNING, Severity.ERROR


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_roster_carry_goes_on_past_a_rejected_row(tmp_path: Path) -> None:
    """A merged 县 / 乡 block with one row rejected (a duplicate): the rows under it still
    read their names from above, not one names-missing error each."""
    rows = [
        ["序号", "县（市、区）", "乡（镇、街道）", "行政村", "村代码"],  # 1
        [1, "鄢陵县", "陈化店镇", "大马村", "411024103201"],  # 2
        [2, None, None, "大马村", "411024103201"],  # 3 the same village again: rejected
        [3, None, None, "王庄村", "411024103202"],  # 4 still 鄢陵县陈化店镇
    ]
    r = roster_read.load(_xlsx(tmp_path / "r.xlsx", rows))
    assert [(v.row, v.county, v.township, v.village) for v in r.villages] == [
        (2, "鄢陵县", "陈化店镇", "大马村"),
        (4, "鄢陵县", "陈化店镇", "王庄村"),
    ]
    assert [(p.row, p.slug, p.severity) for p in r.problems] == [
        (3, "duplicate-row", E),
        (3, "names-carried", W),
    ]
    assert r.problems[1].message.startswith("本行至第4行（共2行）")


def test_roster_subtotal_in_the_village_column_is_no_village(tmp_path: Path) -> None:
    """A township's 小计 row with its county and township typed: not a village called 小计
    (it would be owed a return every week); a 陈化店镇小计 row is no village either."""
    rows = [
        ["序号", "县（市、区）", "乡（镇、街道）", "行政村", "村代码"],  # 1
        [1, "鄢陵县", "陈化店镇", "大马村", "411024103201"],  # 2
        [None, "鄢陵县", "陈化店镇", "小计", None],  # 3
        [None, "鄢陵县", "陈化店镇小计", None, None],  # 4
        [2, "鄢陵县", "望田镇", "姚家村", "411024104201"],  # 5
        [3, None, None, "河刘村", "411024104202", "下辖3个自然村合计"],  # 6 a village: its note
        [None, "鄢陵县", "望田镇", "小计：2个村", None],  # 7
        [None, "合 计", None, None, None],  # 8
    ]
    r = roster_read.load(_xlsx(tmp_path / "r.xlsx", rows))
    assert [v.village for v in r.villages] == ["大马村", "姚家村", "河刘村"]
    assert [(p.row, p.slug) for p in r.problems] == [(6, "names-carried")]


def test_roster_ditto_in_the_village_column_is_no_village(tmp_path: Path) -> None:
    """同上 under 行政村 names no village (not a village called 同上): the row is said."""
    rows = [
        ["序号", "县（市、区）", "乡（镇、街道）", "行政村", "村代码"],  # 1
        [1, "鄢陵县", "陈化店镇", "大马村", "411024103201"],  # 2
        [2, "鄢陵县", "陈化店镇", "同上", "411024103202"],  # 3
    ]
    r = roster_read.load(_xlsx(tmp_path / "r.xlsx", rows))
    assert [v.village for v in r.villages] == ["大马村"]
    assert [(p.row, p.slug, p.severity) for p in r.problems] == [(3, "village-missing", E)]


def test_split_signer_typed_in_a_sub_column_is_still_read(make_return, tmp_path, cl, ros):
    """Under a split 是 | 否 table, a signer's name typed one cell right (in the 是
    sub-column, the name cells unmerged) is read as in any ledger: not erased as a mark
    that is no tick (signer-missing)."""
    src = make_return("填好.xlsx", {3: problem()}, folder=tmp_path / "src")
    p = split_return(src, tmp_path / "勾选.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    r = at(66) + 2  # the first signature line
    assert ws.cell(r, 1).value == "村级责任组组长\n（签字）："
    ws.unmerge_cells(f"D{r}:G{r}")
    ws[f"D{r}"], ws[f"E{r}"] = None, "甲"
    wb.save(p)
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    assert [(f.code, f.cell) for f in fr.findings] == []


def test_split_inserted_row_under_a_problem_item_unticked_is_a_problem(
    make_return, tmp_path, cl, ros
):
    """A row inserted under a problem item, its problem described, 是否存在问题 left blank:
    the printed ledger reads it as 是 (test_validate's inserted rows); the same row in a
    split ledger, neither sub-column ticked, reads the same (not has-problem-ticks)."""
    two = [problem(), problem(description="第二个问题", has_problem=None)]
    src = make_return("填好.xlsx", {3: two}, folder=tmp_path / "src")
    p = split_return(src, tmp_path / "勾选.xlsx")  # ticks by row: one row off after item 3
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    for r in range(at(1), at(66) + 2):
        if ws[f"G{r}"].value == "第二个问题":
            ws[f"E{r}"], ws[f"F{r}"] = None, None  # the inserted row: neither ticked
        elif ws[f"E{r}"].value == "否":  # the last item, left as typed by split_return
            ws[f"E{r}"], ws[f"F{r}"] = None, "√"
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert [(f.code, f.cell) for f in fr.findings] == []
    (sub,) = subs
    assert [(r.no, r.seq, r.description) for r in sub.rows if r.is_problem] == [
        (3, 1, "部分监测户信息未更新"),
        (3, 2, "第二个问题"),
    ]


def test_a_newer_failed_file_beside_an_older_passing_one_is_sent_back(make_return, ros, tmp_path):
    """大马村 sent a passing file, then a newer one (大马村(2).xlsx) that fails: the passing
    one is used, but the newer one replaced nothing — it is the village's latest word, and
    the village must be told it failed: 退回修改, with its copy and notice (not 未通过（未采用）
    and silence, as for a failed file a newer passing one replaced)."""
    d = tmp_path / "in"
    make_return("大马村.xlsx", {}, folder=d)
    make_return("大马村(2).xlsx", {5: {"has_problem": "是"}}, folder=d)  # 是 without its columns
    fb = tmp_path / "fb"
    got = validate.command(d, ros.source, report_path=tmp_path / "r.xlsx", feedback_dir=fb,
                           deadline="2022-04-08", as_of=dt.date(2022, 3, 31))  # fmt: skip
    status = {fr.file: (fr.status, fr.sent_back) for fr in got.report.files}
    assert status == {"大马村.xlsx": ("通过", False), "大马村(2).xlsx": ("退回修改", True)}
    notices = [p.read_text(encoding="utf-8-sig") for p in fb.rglob("*.txt")]
    (back,) = [n for n in notices if "（大马村(2).xlsx）经校验有5处错误" in n]
    assert "现退回修改" in back and "采用通过校验的“大马村.xlsx”" in back


def _kit():
    spec = importlib.util.spec_from_file_location(
        "build_kit", Path(__file__).parents[1] / "scripts" / "build_kit.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_install_bat_takes_a_64_bit_python_from_the_py_launcher_too() -> None:
    """The kit's wheels are win_amd64: a 32-bit 3.13 beside a 64-bit 3.12 must not be taken
    (venv made, pip fails, 安装失败). The py launcher's choice is checked for 64 bits as the
    PATH python's is."""
    bat = _kit().install_bat()
    line = next(x for x in bat.splitlines() if x.startswith("for %%V in"))
    assert line == (
        "for %%V in (3.13 3.12 3.11) do if not defined PY"
        ' py -%%V -c "import sys; sys.exit(sys.maxsize <= 2**32)" >nul 2>nul && set "PY=py -%%V"'
    )


def test_split_with_a_blank_column_between_its_sub_columns(make_return, tmp_path, cl, ros):
    """是否存在问题 merged over three columns, 是 and 否 with a blank column between (a
    column inserted once too often): the ticks under 否 read as 否, not 65 未填写 errors."""
    src = make_return("填好.xlsx", {3: problem()}, folder=tmp_path / "src")
    p = split_return(src, tmp_path / "勾选.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    for m in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(m))
    ws.insert_cols(6)  # F blank; 否 now in G
    ws.merge_cells("E3:G3")
    wb.save(p)
    assert (ws["E4"].value, ws["F4"].value, ws["G4"].value) == ("是", None, "否")
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert [(f.code, f.cell) for f in fr.findings] == []
    (sub,) = subs
    assert [r.no for r in sub.rows if r.has_problem == "是"] == [3]
    assert sum(r.has_problem == "否" for r in sub.rows) == 65
