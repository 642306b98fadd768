"""crosscheck: an inspectors' list against a real SQLite store built with merge_submissions.

The fixture, worked out by hand (第1期 = 2022-03-01..03-31, 第2期 = 04-01..04-07):
- 大马村 (c1): 第1期 return 03-28: item 5 是, item 7 否, item 12 blank, item 20 absent;
  第2期 return 04-06: item 7 now 是 (the rest as before).
- 小马村 (c2): first return 04-06 (第2期), all 否 but item 4 是.
- 东村 (c3): in the roster, never reported.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from dapaicha.app import crosscheck, merge
from dapaicha.app.crosscheck import MISSED, SELF, UNMATCHED
from dapaicha.cli import app
from dapaicha.config import checklist
from dapaicha.config.roster import Roster, Village
from dapaicha.model import Row, Submission

D = dt.date
YL, XC = "鄢陵县", "襄城县"
C1, C2, C3, C4 = "411024100201", "411024100202", "411024100203", "411025001201"
VILLAGES = [
    Village(C1, YL, "陈化店镇", "大马村", ("王组长", "李书记", "赵支书"), "孙干部", 2),
    Village(C2, YL, "陈化店镇", "小马村", ("周组长", "吴书记", "郑支书"), "冯干部", 3),
    Village(C3, YL, "马栏镇", "东村", ("陈组长", "褚书记", "卫支书"), "蒋干部", 4),
    Village(C4, XC, "城关街道", "一村", ("沈组长", "韩书记", "杨支书"), "朱干部", 5),
]


@pytest.fixture(scope="module")
def cl() -> checklist.Checklist:
    return checklist.load()


@pytest.fixture(scope="module")
def ros() -> Roster:
    return Roster(list(VILLAGES), source="test")


def ledger(
    cl, v: Village, day: dt.date, problems: dict[int, str], *, blank=(), absent=(), tag=""
) -> Submission:
    rows = []
    for _, item in cl.items:
        if item.no in absent:
            continue
        r = 3 + item.no
        cells = {"description": f"F{r}", "has_problem": f"E{r}"}
        if item.no in problems:
            rows.append(
                Row(no=item.no, has_problem="是", description=problems[item.no], measure="整改", kind="立行立改",
                    deadline=D(2022, 4, 30), owner="张三", result="正在整改", row=r, cells=cells)
            )  # fmt: skip
        else:
            rows.append(
                Row(no=item.no, has_problem=None if item.no in blank else "否", row=r, cells=cells)
            )
    file = f"{v.village}_{day.isoformat()}{tag}.xlsx"
    return Submission(
        file, f"sha-{file}", v.code, v.county, v.township, v.village, day, True, rows=rows
    )


@pytest.fixture(scope="module")
def subs(cl) -> list[Submission]:
    c1, c2 = VILLAGES[0], VILLAGES[1]
    return [
        ledger(cl, c1, D(2022, 3, 28), {5: "档案资料不全"}, blank=(12,), absent=(20,)),
        ledger(
            cl,
            c1,
            D(2022, 4, 6),
            {5: "档案资料不全", 7: "监测户识别不准"},
            blank=(12,),
            absent=(20,),
        ),
        ledger(cl, c2, D(2022, 4, 6), {4: "数据质量不高"}),
    ]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, cl, ros, subs) -> Path:
    p = tmp_path_factory.mktemp("store") / "dapaicha.sqlite"
    merge.merge_submissions(p, subs, cl, roster=ros, received_at="2031-01-01T00:00:00+00:00")
    return p


HEAD = [
    "序号",
    "县（市、区）",
    "乡镇",
    "行政村",
    "村代码",
    "项目序号",
    "排查项目",
    "问题描述",
    "发现日期",
    "发现单位",
]
# (county, township, village, code, item no, item text, description, date, unit) → expected
FINDINGS = [
    (
        YL,
        "陈化店镇",
        "大马村",
        C1,
        5,
        "",
        "档案缺页",
        D(2022, 4, 2),
        "市督查一组",
    ),  # 3: 已自查 (第1期)
    (
        YL,
        "陈化店镇",
        "大马村",
        "",
        7,
        "",
        "漏识别监测户",
        D(2022, 4, 3),
        "市督查一组",
    ),  # 4: 漏排 否 (第1期)
    ("", "", "大马村", "", 7, "", "漏识别监测户", D(2022, 4, 8), "市督查二组"),  # 5: 已自查 (第2期)
    (
        YL,
        "陈化店镇",
        "大马村",
        C1,
        20,
        "",
        "就业帮扶不到位",
        D(2022, 4, 8),
        "市督查二组",
    ),  # 6: 漏排 absent
    (
        YL,
        "陈化店镇",
        "大马村",
        C1,
        12,
        "",
        "帮扶不精准",
        "2022年4月8日",
        "市督查二组",
    ),  # 7: 漏排 blank
    (
        YL,
        "陈化店镇",
        "小马村",
        C2,
        None,
        "数据质量",
        "数据错误",
        D(2022, 4, 1),
        "县督查组",
    ),  # 8: 漏排 before 1st
    (
        YL,
        "陈化店镇",
        "小马村",
        C2,
        None,
        "数据质量",
        "数据错误",
        D(2022, 4, 7),
        "县督查组",
    ),  # 9: 已自查
    (
        YL,
        "马栏镇",
        "东村",
        C3,
        30,
        "",
        "资助未落实",
        D(2022, 4, 5),
        "县督查组",
    ),  # 10: 漏排 never reported
    (
        YL,
        "陈化店镇",
        "外村",
        "",
        3,
        "",
        "信息不符",
        D(2022, 4, 5),
        "县督查组",
    ),  # 11: 无法匹配 village
    (
        YL,
        "陈化店镇",
        "大马村",
        C1,
        99,
        "",
        "其他",
        D(2022, 4, 5),
        "县督查组",
    ),  # 12: 无法匹配 item no
    (
        YL,
        "陈化店镇",
        "大马村",
        C1,
        None,
        "信息采集",
        "信息不符",
        D(2022, 4, 5),
        "县督查组",
    ),  # 13: ambiguous
    (YL, "陈化店镇", "大马村", C1, 7, "", "没有日期", None, "县督查组"),  # 14: bad row
    (
        XC,
        "城关街道",
        "一村",
        "",
        None,
        "是否及时安排帮扶责任人",
        "未安排",
        D(2022, 4, 5),
        "县督查组",
    ),  # 15
]


def write_findings(path: Path, rows=FINDINGS) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["督查发现问题清单"])
    ws.append(HEAD)
    for i, r in enumerate(rows, 1):
        ws.append([i, *r])
    wb.save(path)
    return path


@pytest.fixture
def result(tmp_path, ros, store_path) -> crosscheck.Result:
    return crosscheck.run(write_findings(tmp_path / "督查发现问题.xlsx"), ros, store_path)


def classes(res: crosscheck.Result) -> list[tuple[int, str, int | None, str, int | None]]:
    return [(m.finding.row, m.cls, m.no, m.file, m.period) for m in res.matches]


F1, F2, F3 = "大马村_2022-03-28.xlsx", "大马村_2022-04-06.xlsx", "小马村_2022-04-06.xlsx"
EXPECTED = [
    (3, SELF, 5, F1, 1),
    (4, MISSED, 7, F1, 1),
    (5, SELF, 7, F2, 2),
    (6, MISSED, 20, F2, 2),
    (7, MISSED, 12, F2, 2),
    (8, MISSED, 4, "", None),
    (9, SELF, 4, F3, 2),
    (10, MISSED, 30, "", None),
    (11, UNMATCHED, None, "", None),
    (12, UNMATCHED, None, "", None),
    (13, UNMATCHED, None, "", None),
    (14, UNMATCHED, None, "", None),
    (15, MISSED, 11, "", None),
]


def test_classes(result) -> None:
    assert classes(result) == EXPECTED
    by_row = {m.finding.row: m for m in result.matches}
    assert by_row[3].self_reported == "档案资料不全" and by_row[3].cell == "F8"
    assert by_row[4].reason == "台账第7项填“否”" and by_row[4].cell == "F10"
    assert by_row[6].reason == "台账中没有第20项"
    assert by_row[7].reason == "台账第12项未填写是否存在问题"
    assert by_row[8].reason == f"发现时该村尚未报送台账（首次报送：2022-04-06，{F3}）"
    assert by_row[10].reason == "发现时该村尚未报送台账"
    assert by_row[11].reason.startswith("村名册中找不到“鄢陵县陈化店镇外村”")
    assert by_row[12].reason == "排查清单中没有第99项"
    assert by_row[13].reason == "“信息采集”对应多个项目（第1、2、3项），请填写项目序号"
    assert by_row[14].reason == "第14行：缺少发现日期"
    assert by_row[15].village == VILLAGES[3] and by_row[15].topic == "监测帮扶"
    assert by_row[4].village == VILLAGES[0] and by_row[4].village.signers == (
        "王组长",
        "李书记",
        "赵支书",
    )


def test_summary(result) -> None:
    s = {(c, t): tuple(n.values()) for c, t, n in result.summary()}
    # 大马村: rows 3,5 self; 4,6,7 missed; 12,13,14 unmatched; 外村 row 11 unmatched
    assert s == {
        (YL, "陈化店镇"): (3, 4, 4),
        (YL, "马栏镇"): (0, 1, 0),
        (XC, "城关街道"): (0, 1, 0),
    }
    assert result.totals() == {SELF: 3, MISSED: 6, UNMATCHED: 4}


def test_workbook(tmp_path, result) -> None:
    path = crosscheck.write(result, crosscheck.out_path(tmp_path / "out", "督查发现问题.xlsx"))
    assert path.name == "督查比对_督查发现问题.xlsx"
    with CalamineWorkbook.from_path(path) as wb:
        assert wb.sheet_names == ["汇总", "漏排明细", "无法匹配"]
        summ = wb.get_sheet_by_name("汇总").to_python()
        missed = wb.get_sheet_by_name("漏排明细").to_python()
        unmatched = wb.get_sheet_by_name("无法匹配").to_python()
    assert summ[2] == list(crosscheck.SUMMARY_HEADS)
    assert [r[:6] for r in summ[3:]] == [
        [YL, "陈化店镇", 11, 3, 4, 4],
        ["", "马栏镇", 1, 0, 1, 0],
        ["", "小计", 12, 3, 5, 4],
        [XC, "城关街道", 1, 0, 1, 0],
        ["", "小计", 1, 0, 1, 0],
        ["合计", "", 13, 3, 6, 4],
    ]
    h = missed[0]
    assert h == list(crosscheck.missed_heads(["村级责任组组长", "第一书记", "村支部书记"]))
    rows = [dict(zip(h, r, strict=True)) for r in missed[1:]]
    assert [r["清单行号"] for r in rows] == [4, 6, 7, 8, 10, 15]
    r4 = rows[0]
    assert (r4["行政村"], r4["村代码"], r4["项目序号"], r4["对照台账"], r4["期次"]) == (
        "大马村",
        C1,
        7,
        F1,
        "第1期",
    )
    assert (r4["村级责任组组长"], r4["第一书记"], r4["村支部书记"], r4["联乡帮村干部"]) == (
        "王组长",
        "李书记",
        "赵支书",
        "孙干部",
    )
    assert r4["台账情况"] == "台账第7项填“否”" and r4["督查发现问题"] == "漏识别监测户"
    assert [r[0] for r in unmatched[1:]] == [11, 12, 13, 14]
    # rerun: the same bytes
    first = path.read_bytes()
    crosscheck.write(result, path)
    assert path.read_bytes() == first


def test_text_item_and_text_dates(tmp_path, ros, store_path) -> None:
    """No 序号 column: items by topic or content; merged county cells; dates as text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["县", "乡", "村", "排查项目", "问题描述", "发现日期", "发现单位"])
    ws.append([YL, "陈化店镇", "大马村", "档案资料", "缺页", "2022/4/2", "组1"])
    ws.append([None, "陈化店镇", "大马村", "监测识别不准", "漏识别", "4月3日", "组1"])
    ws.append([None, "陈化店镇", "大马村", "乱七八糟", "x", "2022-04-03", "组1"])
    ws.merge_cells("A2:A4")
    p = tmp_path / "list.xlsx"
    wb.save(p)
    res = crosscheck.run(p, ros, store_path)
    got = [(m.finding.row, m.cls, m.no, m.finding.found) for m in res.matches]
    assert got == [
        (2, SELF, 5, D(2022, 4, 2)),
        (3, UNMATCHED, None, D(2022, 4, 3)),  # 监测识别 is the topic of items 6–9; no exact text
        (4, UNMATCHED, None, D(2022, 4, 3)),
    ]
    assert res.matches[0].village == VILLAGES[0]


def test_submissions_path(tmp_path, cl, ros, subs) -> None:
    """Without a store: the same classes from the Submissions."""
    res = crosscheck.run_submissions(write_findings(tmp_path / "f.xlsx"), ros, subs, cl)
    assert classes(res) == EXPECTED


def test_cli(tmp_path, ros, store_path) -> None:
    ros_path = tmp_path / "roster.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "县（市、区）",
            "乡（镇、街道）",
            "行政村",
            "村代码",
            "村级责任组组长",
            "第一书记",
            "村支部书记",
            "联乡帮村干部",
        ]
    )
    for v in VILLAGES:
        ws.append([v.county, v.township, v.village, v.code, *v.signers, v.liaison])
    wb.save(ros_path)
    findings = write_findings(tmp_path / "督查发现问题.xlsx")
    out = tmp_path / "out"
    args = [
        "crosscheck",
        "-f",
        str(findings),
        "-r",
        str(ros_path),
        "-s",
        str(store_path),
        "-o",
        str(out),
    ]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "已自查 3 条，漏排 6 条，无法匹配 4 条。" in r.output
    assert (out / "督查比对_督查发现问题.xlsx").is_file()


def test_large(tmp_path, cl) -> None:
    """500 findings against 3,000 villages (a smoke test of the one-query path; no timing)."""
    vs = [Village(f"411024{i:06d}", YL, f"镇{i // 30}", f"村{i}") for i in range(3000)]
    ros = Roster(vs)
    rest = range(11, 67)  # ledgers of items 1–10 only, to keep the store small
    subs = [
        ledger(cl, v, D(2022, 3, 30), {1 + i % 10: "问题"}, absent=rest) for i, v in enumerate(vs)
    ]
    sp = tmp_path / "big.sqlite"
    merge.merge_submissions(sp, subs, cl, roster=ros, received_at="2031-01-01T00:00:00+00:00")
    rows = [
        (YL, v.township, v.village, v.code, 1 + (i * 7) % 10, "", "x", D(2022, 4, 5), "组")
        for i, v in enumerate(vs[::6])
    ]
    res = crosscheck.run(write_findings(tmp_path / "big.xlsx", rows), ros, sp)
    # village i reported item 1 + i % 10; finding j is for village 6j, item 1 + 7j % 10
    want_self = sum(1 for j in range(500) if (6 * j) % 10 == (7 * j) % 10)
    assert want_self == 50
    assert res.totals() == {SELF: want_self, MISSED: 500 - want_self, UNMATCHED: 0}


def test_plain_serial_column(tmp_path, ros, store_path) -> None:
    """A 序号 that counts rows 1, 2, 3 beside 排查项目 is not an item number; other 序号 are."""

    def book(name: str, nos: list[int]) -> Path:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["序号", "县", "乡", "村", "排查项目", "问题描述", "发现日期"])
        for n, item in zip(nos, ("档案资料", "数据质量", "风险消除"), strict=True):
            ws.append([n, YL, "陈化店镇", "大马村", item, "x", D(2022, 4, 2)])
        wb.save(tmp_path / name)
        return tmp_path / name

    res = crosscheck.run(book("a.xlsx", [1, 2, 3]), ros, store_path)
    assert [(m.cls, m.no) for m in res.matches] == [(SELF, 5), (MISSED, 4), (MISSED, 10)]
    res = crosscheck.run(book("b.xlsx", [7, 5, 12]), ros, store_path)
    assert [(m.cls, m.no) for m in res.matches] == [(MISSED, 7), (SELF, 5), (MISSED, 12)]


def test_unreadable(tmp_path, ros, store_path) -> None:
    from dapaicha.errors import UserError

    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(UserError, match="无法读取"):
        crosscheck.run(bad, ros, store_path)
    wb = openpyxl.Workbook()
    wb.active.append(["甲", "乙"])
    wb.save(tmp_path / "y.xlsx")
    with pytest.raises(UserError, match="没有找到表头"):
        crosscheck.run(tmp_path / "y.xlsx", ros, store_path)
    with pytest.raises(UserError, match="找不到数据库"):
        crosscheck.run(tmp_path / "y.xlsx", ros, tmp_path / "none.sqlite")
