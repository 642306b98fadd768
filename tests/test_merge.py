"""merge: supersession, carry-forward, rejected returns, cross-period warnings, the merged
ledger workbook (layout, formula-safety, round trip county → city), history, the CLI."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_store import CL, ROSTER, VILLAGES, do_merge, dump, make_sub, problem
from typer.testing import CliRunner

from dapaicha import layout
from dapaicha.app import merge, validate
from dapaicha.errors import UserError
from dapaicha.findings import FileResult, Report
from dapaicha.store import write as store
from dapaicha.xlsx import merged

D = dt.date


def codes(res: merge.MergeResult, sub) -> list[tuple[str, str]]:
    return [(f.code, f.cell) for f in res.findings[sub.sha256]]


def subs_table(path: Path) -> list[tuple]:
    """(file, period, accepted, superseded_by file) per stored submission, by id."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT s.file, s.period, s.accepted, w.file FROM submissions s"
            " LEFT JOIN submissions w ON w.id = s.superseded_by ORDER BY s.id"
        ).fetchall()
    finally:
        conn.close()


# --- supersession -------------------------------------------------------------------------


def test_newer_return_supersedes_and_both_stay(tmp_path):
    path, out = tmp_path / "s.sqlite", tmp_path / "台账.xlsx"
    old = make_sub(0, D(2022, 3, 28), [problem(3, description="旧的问题")], file="a/大马村.xlsx")
    new = make_sub(0, D(2022, 3, 30), [problem(4, description="新的问题")], file="b/大马村.xlsx")
    do_merge(path, [old])
    res = do_merge(path, [new], out=out)
    assert codes(res, new) == []
    assert subs_table(path) == [
        ("a/大马村.xlsx", 1, 1, "b/大马村.xlsx"),
        ("b/大马村.xlsx", 1, 1, None),
    ]
    p = store.period_frames(path, 1).problems
    assert p[["no", "description", "file"]].values.tolist() == [[4, "新的问题", "b/大马村.xlsx"]]
    ws = load_workbook(out)[layout.SHEET_MERGED]
    descs = [ws.cell(r, 11).value for r in range(3, ws.max_row + 1)]
    assert descs == ["新的问题"]
    # a re-sent older return (other bytes) is stored, but superseded at once
    older = make_sub(0, D(2022, 3, 29), [problem(5)], file="c/大马村.xlsx")
    res = do_merge(path, [older])
    assert codes(res, older) == [("superseded", "")]
    assert "b/大马村.xlsx" in res.findings[older.sha256][0].message
    assert subs_table(path)[-1] == ("c/大马村.xlsx", 1, 1, "b/大马村.xlsx")


def test_same_date_later_merge_wins(tmp_path):
    path = tmp_path / "s.sqlite"
    a = make_sub(0, D(2022, 3, 30), [problem(3)], file="一.xlsx")
    b = make_sub(0, D(2022, 3, 30), [problem(9)], file="二.xlsx")
    do_merge(path, [a])
    do_merge(path, [b])
    assert subs_table(path) == [("一.xlsx", 1, 1, "二.xlsx"), ("二.xlsx", 1, 1, None)]
    assert store.period_frames(path, 1).problems["no"].tolist() == [9]


# --- rejected returns ------------------------------------------------------------------------


def test_rejected_never_replaces_accepted(tmp_path):
    path = tmp_path / "s.sqlite"
    good1 = make_sub(1, D(2022, 3, 30), [problem(3)])
    good2 = make_sub(1, D(2022, 4, 6), [problem(3, result="正在整改")], file="第2期/王庄村.xlsx")
    do_merge(path, [good1])
    do_merge(path, [good2])
    before = store.period_frames(path, 2)
    bad = make_sub(
        1,
        D(2022, 4, 7),
        [problem(3, result="已整改")],
        file="第2期/王庄村(改).xlsx",
        accepted=False,
        errors=3,
        warnings=1,
    )
    rep = Report(files=[FileResult(bad.file, sha256=bad.sha256)])
    res = do_merge(path, [bad], report=rep)
    assert codes(res, bad) == [("rejected-kept-previous", "")]
    assert res.findings[bad.sha256][0].message.endswith(
        "这份报送未通过校验，仍采用该村已通过的报送（第2期“第2期/王庄村.xlsx”）。"
    )
    assert [f.code for f in rep.files[0].findings] == ["rejected-kept-previous"]
    assert res.rejected == 1 and res.added == 1
    conn = sqlite3.connect(path)
    row = conn.execute(
        "SELECT accepted, errors, warnings, problems, superseded_by FROM submissions WHERE file = ?",
        (bad.file,),
    ).fetchone()
    assert row == (0, 3, 2, 1, None)  # counts kept; warnings + the merge's own finding
    assert conn.execute(
        "SELECT COUNT(*) FROM rows r JOIN submissions s ON s.id = r.submission_id WHERE s.accepted = 0"
    ).fetchone() == (0,)
    conn.close()
    after = store.period_frames(path, 2)
    assert after.problems.equals(before.problems) and after.villages.equals(before.villages)
    # rejected in period 3 with only earlier accepted returns: the last accepted one is kept
    bad3 = make_sub(1, D(2022, 4, 13), file="第3期/王庄村.xlsx", accepted=False, errors=1)
    res = do_merge(path, [bad3])
    assert "第2期“第2期/王庄村.xlsx”" in res.findings[bad3.sha256][0].message
    # a rejected first return: nothing to keep, no finding
    first = make_sub(2, D(2022, 3, 30), accepted=False, errors=1)
    assert codes(do_merge(path, [first]), first) == []


# --- cross-period warnings --------------------------------------------------------------------


def test_cross_period_warnings_exact(tmp_path):
    path = tmp_path / "returns"
    dbp = tmp_path / "s.sqlite"
    p1 = make_sub(0, D(2022, 3, 30), [
        problem(3), problem(3, 2, result="正在整改"), problem(5, result="已整改", done_date=D(2022, 3, 25)),
        problem(7), problem(8, result="正在整改"), problem(10), problem(12, result="已整改", done_date=D(2022, 3, 29)),
    ], file="第1期/大马村.xlsx")  # fmt: skip
    do_merge(dbp, [p1], folder=path)
    p2 = make_sub(0, D(2022, 4, 9), [
        problem(7, deadline=D(2022, 4, 25)),              # later, 备注 empty → deadline-postponed
        problem(8, result="未整改"),                       # 正在整改 → 未整改
        problem(10, deadline=D(2022, 4, 28), note="需采购设备"),  # later, with a note: fine
        problem(12, result="正在整改"),                    # 已整改 → 正在整改
    ], file="第2期/大马村.xlsx")  # fmt: skip
    res = do_merge(dbp, [p2], folder=path)
    # item n sits on row 3 + n in the 66-row return; E 是否存在问题, I 整改期限, K 整改结果, K2 填报日期
    assert codes(res, p2) == [
        ("late-return", "K2"),
        ("problem-vanished", "E6"),  # 3-1, 未整改
        ("problem-vanished", "E6"),  # 3-2, 正在整改 (anchored on the item's row)
        ("deadline-postponed", "I10"),
        ("result-regressed", "K11"),
        ("result-regressed", "K15"),
    ]
    f = {(x.code, x.item): x for x in res.findings[p2.sha256]}
    assert f[("late-return", None)].value == "2022-04-09"
    assert f[("deadline-postponed", 7)].value == "2022-04-20"
    assert f[("result-regressed", 8)].value == "正在整改"
    assert f[("problem-vanished", 3)].value in ("第3项问题1", "第3项问题2")
    conn = sqlite3.connect(dbp)
    assert conn.execute(
        "SELECT period, on_time, warnings FROM submissions WHERE file = ?", (p2.file,)
    ).fetchone() == (2, 0, 6)
    conn.close()
    # the same findings again on a rerun (nothing new is stored)
    again = do_merge(dbp, [p2], folder=path)
    assert codes(again, p2) == codes(res, p2) and again.added == 0


def test_cross_period_skips_a_missed_period(tmp_path):
    """Compared with the last accepted return, even when the village skipped a period."""
    dbp = tmp_path / "s.sqlite"
    do_merge(dbp, [make_sub(0, D(2022, 3, 30), [problem(3, result="正在整改")])])
    p3 = make_sub(0, D(2022, 4, 12), [problem(3, result="未整改")], file="x3.xlsx")
    assert codes(do_merge(dbp, [p3]), p3) == [("result-regressed", "K6")]


# --- periods of a batch -------------------------------------------------------------------------


def test_period_from_folder_flag_and_date(tmp_path):
    dbp = tmp_path / "s.sqlite"
    base = tmp_path / "returns"
    a = make_sub(0, D(2022, 3, 30), file="第3期/鄢陵县/大马村.xlsx")
    b = make_sub(1, D(2022, 4, 2), file="王庄村.xlsx")  # by 填报日期: 第2期
    c = make_sub(
        2, None, file="前杨村.xlsx", accepted=False, errors=1
    )  # no date: the batch's period
    res = do_merge(dbp, [a, b, c], folder=base)  # (most returns; on a tie the later period)
    assert {f: p for f, p, *_ in subs_table(dbp)} == {
        "第3期/鄢陵县/大马村.xlsx": 3,
        "王庄村.xlsx": 2,
        "前杨村.xlsx": 3,
    }
    assert res.period == 3
    # the returns folder's own name counts too
    d = make_sub(3, D(2022, 3, 30), file="后杨村.xlsx")
    (tmp_path / "第5期").mkdir()
    do_merge(dbp, [d], folder=tmp_path / "第5期")
    assert subs_table(dbp)[-1][:2] == ("后杨村.xlsx", 5)
    # --period wins over folder and date
    e = make_sub(0, D(2022, 3, 30), file="第3期/其他.xlsx", tag="e")
    res = do_merge(dbp, [e], folder=base, period=6)
    assert subs_table(dbp)[-1][:2] == ("第3期/其他.xlsx", 6) and res.period == 6
    # -p with --as-of (the receipt day): -p tells the period
    f = make_sub(1, D(2022, 3, 30), file="第3期/又一个.xlsx", tag="f")
    res = do_merge(dbp, [f], folder=base, period=1, as_of=D(2022, 4, 12))
    assert subs_table(dbp)[-1][:2] == ("第3期/又一个.xlsx", 1) and res.period == 1
    # a batch placed by its folder writes its own period's ledger, whatever --as-of says
    g = make_sub(2, D(2022, 3, 30), file="第3期/前杨村.xlsx", tag="g")
    res = do_merge(dbp, [g], folder=base, as_of=D(2022, 4, 1))
    assert subs_table(dbp)[-1][:2] == ("第3期/前杨村.xlsx", 3) and res.period == 3


def test_as_of_for_returns_without_period(tmp_path):
    dbp = tmp_path / "s.sqlite"
    lone = make_sub(2, None, file="前杨村.xlsx", accepted=False, errors=1)
    res = do_merge(dbp, [lone])
    assert res.unstored == [
        ("前杨村.xlsx", "无法确定期次（没有填报日期），请用 --period 或 --as-of 指定")
    ]
    res = do_merge(dbp, [lone], as_of=D(2022, 4, 9))
    assert subs_table(dbp) == [("前杨村.xlsx", 3, 0, None)] and res.period == 3
    assert merge.parse_day("2022年4月9日", CL) == D(2022, 4, 9)
    with pytest.raises(UserError, match="不是日期"):
        merge.parse_day("下周", CL)


def test_merge_without_period_writes_the_period_it_merged(tmp_path):
    """Bug: `merge returns/第2期` without -p after 第3期 wrote 第3期's merged ledger."""
    dbp, out = tmp_path / "s.sqlite", tmp_path / "台账.xlsx"
    p3 = make_sub(0, D(2022, 4, 12), [problem(3)], file="大马村.xlsx")
    do_merge(dbp, [p3], folder=tmp_path / "第3期")
    p2 = make_sub(1, D(2022, 4, 6), [problem(20)], file="王庄村.xlsx")
    res = do_merge(dbp, [p2], folder=tmp_path / "第2期", out=out)
    assert res.period == 2
    ws = load_workbook(out)[layout.SHEET_MERGED]
    assert "（第2期，截至2022年4月7日）" in ws["A1"].value
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3) if r[0].value]
    assert [(r[2], r[4], r[6]) for r in rows] == [("王庄村", 2, 20)]
    # nothing merged (an empty batch): the store's latest period, as before
    assert do_merge(dbp, [], out=out).period == 3


# --- the merged ledger workbook ----------------------------------------------------------------


def two_periods() -> list[list]:
    return [
        [
            make_sub(0, D(2022, 3, 30), [problem(3), problem(3, 2, description="第二个问题")]),
            make_sub(
                1, D(2022, 3, 31), [problem(20, kind="纳入整改方案", deadline=D(2022, 12, 31))]
            ),
            make_sub(2, D(2022, 3, 28)),  # no problems at all
            make_sub(3, D(2022, 3, 29), [problem(66, result="已整改", done_date=D(2022, 3, 20))]),
        ],
        [
            make_sub(
                0,
                D(2022, 4, 9),
                [problem(3, result="正在整改", note="推进中")],
                file="第2期/大马村.xlsx",
            ),  # late
            make_sub(2, D(2022, 4, 6), file="第2期/前杨村.xlsx"),
        ],
    ]


def build_county(tmp_path: Path) -> tuple[Path, Path]:
    dbp, out = tmp_path / "county.sqlite", tmp_path / "鄢陵县问题整改台账.xlsx"
    b1, b2 = two_periods()
    do_merge(dbp, b1, folder=tmp_path)
    res = do_merge(dbp, b2, out=out, folder=tmp_path)
    assert res.period == 2 and res.written is not None
    return dbp, out


def test_merged_workbook_layout(tmp_path):
    _, out = build_county(tmp_path)
    wb = load_workbook(out)
    assert wb.sheetnames == [
        layout.SHEET_MERGED,
        layout.SHEET_MERGED_VILLAGES,
        layout.SHEET_MERGED_META,
    ]
    assert [wb[n].sheet_state for n in wb.sheetnames] == ["visible", "hidden", "veryHidden"]
    ws = wb[layout.SHEET_MERGED]
    assert (
        ws["A1"].value
        == "鄢陵县巩固脱贫成果“大排查大起底”行动问题整改台账（第2期，截至2022年4月7日）"
    )
    heads = [c.value for c in ws[2]]
    assert heads == [
        "县", "乡（镇、街道）", "村", "村代码", "期次", "类别", "序号", "排查项目", "问题序号",
        "是否存在问题", "自查问题描述", "整改措施", "整改类型", "整改期限", "责任人", "整改结果", "完成时间", "备注",
        "本期未更新", "来源文件", "来源单元格",
    ]  # fmt: skip
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert [(r[2], r[4], r[6], r[8], r[15], r[18], r[19], r[20]) for r in rows] == [
        ("大马村", 2, 3, 1, "正在整改", None, "第2期/大马村.xlsx", "F6"),
        ("王庄村", 1, 20, 1, "未整改", "是", "王庄村.xlsx", "F23"),
        ("后杨村", 1, 66, 1, "已整改", "是", "后杨村.xlsx", "F69"),
    ]
    assert rows[1][3] == "411024103202" and rows[2][3] is None  # no code in the roster
    c = ws["N3"]
    assert (
        c.value == dt.datetime(2022, 4, 20)
        and c.number_format == "yyyy-mm-dd"
        and c.data_type == "d"
    )
    assert ws["E3"].data_type == "n" and ws["G3"].data_type == "n"
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:U5"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    # too wide for one page at 9 pt: printed at 90 %, pages across with 县乡村 repeated
    assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.scale == 90
    assert ws.print_title_rows == "$2:$2" and ws.print_title_cols == "$A:$C"
    assert (ws["A1"].font.name, ws["A2"].font.name, ws["A3"].font.name) == ("黑体", "黑体", "宋体")
    meta = {r[0]: r[1] for r in wb[layout.SHEET_MERGED_META].iter_rows(values_only=True)}
    assert (meta["checklist_id"], meta["checklist_hash"], meta["period"], meta["tier"], meta["unit"]) == (
        CL.id, CL.content_hash, "2", "县", "鄢陵县",
    )  # fmt: skip
    vs = [r for r in wb[layout.SHEET_MERGED_VILLAGES].iter_rows(values_only=True)]
    assert vs[0] == tuple(h for _, h in layout.MERGED_VILLAGE_COLUMNS)
    assert [(r[3], r[4], r[6], r[7], r[9]) for r in vs[1:]] == [
        ("大马村", 2, "否", None, 1),
        ("王庄村", 1, "是", "是", 1),
        ("前杨村", 2, "是", None, 0),
        ("后杨村", 1, "是", "是", 1),
    ]


def test_merged_workbook_is_deterministic(tmp_path):
    dbp, out = build_county(tmp_path)
    again = tmp_path / "again.xlsx"
    do_merge(dbp, [], out=again)
    assert again.read_bytes() == out.read_bytes()


@pytest.mark.parametrize(
    "text", ["=1+1", "+8613800000000", "-5", "@SUM(A1:A3)", "=cmd|' /C calc'!A0", "\t=1"]
)
def test_formula_like_text_stays_text(tmp_path, text):
    dbp, out = tmp_path / "s.sqlite", tmp_path / "台账.xlsx"
    sub = make_sub(0, D(2022, 3, 30), [problem(3, description=text, owner=text, note=text)])
    do_merge(dbp, [sub], out=out)
    ws = load_workbook(out)[layout.SHEET_MERGED]
    for col in ("K", "O", "R"):
        assert ws[f"{col}3"].value == text and ws[f"{col}3"].data_type == "s"
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and not re.search(r"<f[ >]", xml)
    back = merged.read(out, CL)
    assert [(r.description, r.owner, r.note) for r in back[0].rows] == [
        (text.strip(), text.strip(), text.strip())
    ]


def test_merged_ledger_with_a_far_cell_is_refused_unread(tmp_path):
    # a merged ledger may pass a village ledger's 3,000 rows, yet not its 64 columns or
    # millions of cells: one cell at BL200000 would have the parser allocate 12.8 M cells
    _, out = build_county(tmp_path)
    src = zipfile.ZipFile(out)
    bad = tmp_path / "in" / "far.xlsx"
    bad.parent.mkdir()
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                far = b'<row r="200000"><c r="BL200000" t="inlineStr"><is><t>x</t></is></c></row>'
                body = body.replace(b"</sheetData>", far + b"</sheetData>")
                assert far in body
            z.writestr(info, body)
    fr, subs = validate.validate_return(bad, bad.name, CL, ROSTER)
    assert [(f.code, f.cell) for f in fr.findings] == [("file-unreadable", "")]
    assert "200000 行 × 64 列" in fr.findings[0].message and subs == []
    fr, subs = validate.validate_return(out, out.name, CL, ROSTER)  # the original: read
    assert "file-unreadable" not in {f.code for f in fr.findings} and subs


# --- county → city --------------------------------------------------------------------------


def _figures(path: Path, period: int):
    f = store.period_frames(path, period, depth=0)
    v = f.villages.drop(columns=["file"]).reset_index(drop=True)
    p = f.problems.drop(columns=["file", "cell"]).reset_index(drop=True)
    return v, p


def test_county_ledger_merged_at_city_gives_same_figures(tmp_path):
    county_db, out = build_county(tmp_path)
    subs = merged.read(out, CL)
    assert [(s.village, s.period, s.report_date, len(s.rows), s.source_kind) for s in subs] == [
        ("大马村", 2, D(2022, 4, 9), 1, "merged"),
        ("王庄村", 1, D(2022, 3, 31), 1, "merged"),
        ("前杨村", 2, D(2022, 4, 6), 0, "merged"),  # no problems: survives, all items 否
        ("后杨村", 1, D(2022, 3, 29), 1, "merged"),
    ]
    assert len({s.sha256 for s in subs}) == 4
    city_db = tmp_path / "city.sqlite"
    res = do_merge(city_db, subs)
    assert res.added == 4 and res.period == 2
    va, pa = _figures(county_db, 2)
    vb, pb = _figures(city_db, 2)
    assert va.equals(vb), (va, vb)
    assert pa.equals(pb), (pa, pb)
    assert va["reported"].tolist() == [True, False, True, False]
    assert va["late"].tolist() == [True, False, False, False]
    assert va["carried"].tolist() == [False, True, False, True]
    # and again: the city's own merged ledger read back once more
    city_out = tmp_path / "全市问题整改台账.xlsx"
    do_merge(city_db, [], out=city_out)
    third = tmp_path / "third.sqlite"
    do_merge(third, merged.read(city_out, CL))
    vc, pc = _figures(third, 2)
    assert vc.equals(va) and pc.equals(pa)


def test_merged_ledger_through_validate(tmp_path):
    """At the next tier the merged ledger goes through validate like any return."""
    _, out = build_county(tmp_path)
    folder = tmp_path / "县报"
    folder.mkdir()
    (folder / out.name).write_bytes(out.read_bytes())
    city_db = tmp_path / "city.sqlite"
    res = merge.run(folder, CL, ROSTER, city_db, out=tmp_path / "市.xlsx")
    assert res.report.valid and res.added == 4
    assert [(f.file, f.accepted) for f in res.report.files] == [(out.name, True)]
    assert res.report.files[0].findings == []  # the county's merge reported its warnings already
    va, pa = _figures(tmp_path / "county.sqlite", 2)
    vb, pb = _figures(city_db, 2)
    assert va.equals(vb) and pa.equals(pb)


def test_merged_ledger_of_unknown_village_is_rejected(tmp_path):
    from dapaicha.config.roster import Roster
    from dapaicha.read import reader

    _, out = build_county(tmp_path)
    ret, _ = reader.read(out, out.name)
    subs, found = merged.read_return(ret, CL, Roster(VILLAGES[:3]))
    assert [(f.code, f.sheet) for f in found] == [
        ("village-not-in-roster", layout.SHEET_MERGED_VILLAGES)
    ]
    assert len(subs) == 3 and not any(s.accepted for s in subs)


# --- history ---------------------------------------------------------------------------------------


def test_history(tmp_path):
    dbp, _ = build_county(tmp_path)
    h = store.history(dbp, "大马村")
    assert [(e.period, e.file, e.on_time, e.accepted, e.problems) for e in h.entries] == [
        (1, "大马村.xlsx", True, True, 2),
        (2, "第2期/大马村.xlsx", False, True, 1),
    ]
    [(_, _, changes)] = h.changes
    assert [(c.no, c.seq, c.what, c.old, c.new) for c in changes] == [
        (3, 1, "整改结果变化", "未整改", "正在整改"),
        (3, 2, "问题消失", "第二个问题", ""),
    ]
    assert store.history(dbp, "411024103201").key == h.key
    assert store.history(dbp, "鄢陵县马栏镇后杨村").key == "鄢陵县/马栏镇/后杨村"
    assert store.history(dbp, "后杨").village == "后杨村"
    with pytest.raises(UserError, match="没有找到"):
        store.history(dbp, "张庄村")


def test_history_ambiguous_name(tmp_path):
    dbp = tmp_path / "s.sqlite"
    from dapaicha.config.roster import Roster, Village

    twins = Roster(
        [
            Village("411024103201", "鄢陵县", "陈化店镇", "大马村"),
            Village("411024104209", "鄢陵县", "马栏镇", "大马村"),
        ]
    )
    do_merge(dbp, [make_sub(0, D(2022, 3, 30))], roster=twins)
    with pytest.raises(UserError, match="对应多个村"):
        store.history(dbp, "大马村")
    assert store.history(dbp, "马栏镇大马村").key == "411024104209"


# --- CLI, end to end with real workbooks -----------------------------------------------------------


def test_cli_merge_history_info_export(tmp_path, make_return, ros, monkeypatch):
    from dapaicha.cli import app

    bad_date = {3: {"has_problem": "是", "description": "=危房未改造", "measure": "加固", "kind": "立行立改",
                    "deadline": D(2022, 4, 20), "owner": "李四", "result": "未整改"}}  # fmt: skip
    returns = tmp_path / "returns"
    make_return("第1期/a.xlsx", bad_date, village=0, folder=returns)
    make_return("第1期/b.xlsx", {}, village=1, folder=returns)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    roster_path = Path(ros.source)
    runner = CliRunner()
    r = runner.invoke(app, ["merge", str(returns), "-r", str(roster_path), "-s", "db.sqlite"])
    assert r.exit_code == 0, r.output
    # by default the counties' ledgers only; the whole store's with -o or --all-ledgers
    assert not (tmp_path / "全市问题整改台账.xlsx").exists()
    # the first merge writes every county's (none was written yet)
    got = sorted(p.name for p in (tmp_path / "合并台账" / "第1期").iterdir())
    assert got == sorted(f"{c}问题整改台账_第1期.xlsx" for c in {v.county for v in ros.villages})
    assert "新入库 2 个" in r.output and "各县合并台账" in r.output
    r = runner.invoke(
        app, ["merge", str(returns), "-r", str(roster_path), "-s", "db.sqlite", "--all-ledgers"]
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "全市问题整改台账.xlsx").exists()
    r2 = runner.invoke(
        app, ["merge", str(returns), "-r", str(roster_path), "-s", "db.sqlite", "-o", "二.xlsx"]
    )
    assert r2.exit_code == 0 and "已在库中 2 个" in r2.output
    assert (tmp_path / "二.xlsx").read_bytes() == (tmp_path / "全市问题整改台账.xlsx").read_bytes()
    v = ros.villages[0]
    r = runner.invoke(app, ["history", v.village, "-s", "db.sqlite", "-r", str(roster_path)])
    assert r.exit_code == 0 and "第1期" in r.output and "a.xlsx" in r.output
    r = runner.invoke(app, ["store", "info", "-s", "db.sqlite"])
    assert r.exit_code == 0 and "第1期" in r.output
    r = runner.invoke(app, ["store", "export", "-s", "db.sqlite", "-o", "导出.xlsx"])
    assert r.exit_code == 0
    assert load_workbook(tmp_path / "导出.xlsx").sheetnames == [
        "schema_version",
        "campaigns",
        "items",
        "periods",
        "villages",
        "submissions",
        "rows",
        "findings",
        "字段说明",
    ]
    assert dump(tmp_path / "db.sqlite")["submissions"][0][7] == "第1期/a.xlsx"


def test_received_after_the_campaign_affects_no_output(tmp_path):
    """Replaying a finished campaign: the receipt time is kept for the record only."""
    outs = []
    for i, stamp in enumerate(("2024-01-01T08:00:00+08:00", "2031-12-31T23:59:59+00:00")):
        dbp, out = tmp_path / f"{i}.sqlite", tmp_path / f"{i}.xlsx"
        for b in two_periods():
            do_merge(dbp, b, folder=tmp_path, received_at=stamp)
        do_merge(dbp, [], out=out)
        outs.append((out.read_bytes(), _figures(dbp, 2)))
    (b0, (v0, p0)), (b1, (v1, p1)) = outs
    assert b0 == b1 and v0.equals(v1) and p0.equals(p1)


def test_rejected_unknown_village_is_kept_without_a_village(tmp_path):
    dbp = tmp_path / "s.sqlite"
    stray = make_sub(0, D(2022, 3, 30), accepted=False, errors=1, file="不明.xlsx")
    stray.village_code, stray.village = "", "不存在村"
    do_merge(dbp, [stray])
    conn = sqlite3.connect(dbp)
    assert conn.execute("SELECT village_key, village, accepted FROM submissions").fetchall() == [
        (None, "不存在村", 0)
    ]
    assert conn.execute("SELECT COUNT(*) FROM villages WHERE village = '不存在村'").fetchone() == (
        0,
    )
    conn.close()


def test_late_return_points_at_the_date_read(make_return, tmp_path):
    """late-return names the sheet and cell the 填报日期 was read from (a renamed sheet, the
    date typed after its label in I2), not the generated ledger's 整改台账 K2."""
    p = make_return("大马村.xlsx", report_date=None)
    wb = load_workbook(p)
    ws = wb["整改台账"]
    ws.title = "Sheet1"
    ws["I2"] = "填报日期：2022年4月9日"
    wb.save(p)
    _, (sub,) = validate.validate_return(p, "第2期/大马村.xlsx", CL, ROSTER)
    assert (sub.sheet, sub.date_cell, sub.report_date) == ("Sheet1", "I2", dt.date(2022, 4, 9))
    res = do_merge(tmp_path / "s.sqlite", [sub], folder=tmp_path / "returns")
    late = [(f.sheet, f.cell) for f in res.findings[sub.sha256] if f.code == "late-return"]
    assert late == [("Sheet1", "I2")]


def test_a_year_typed_wrong_does_not_supersede(tmp_path):
    """Two accepted returns of 大马村 for 第1期: 2022-03-30 and one dated 2026-03-28 (the year
    typed wrong, outside the campaign). The 2022 one stays current, as validate chose it
    (the store used to take the later 填报日期)."""
    dbp = tmp_path / "s.sqlite"
    good = make_sub(0, D(2022, 3, 30), [problem(3)], file="第1期/大马村.xlsx")
    typo = make_sub(0, D(2026, 3, 28), [problem(5)], file="第1期/大马村-又一份.xlsx")
    do_merge(dbp, [good, typo], folder=tmp_path / "returns")
    conn = sqlite3.connect(dbp)
    try:
        got = dict(conn.execute("SELECT file, superseded_by IS NULL FROM submissions"))
    finally:
        conn.close()
    assert got == {"第1期/大马村.xlsx": 1, "第1期/大马村-又一份.xlsx": 0}
