"""rollup accountability: 逾期按责任人, 逾期按乡镇, 即将到期, 疑似走过场 and the 文字稿.

Figures worked out by hand from test_rollup's FIXTURE (第2期, 截至 2022-04-07, every
problem's 责任人 张三):
- overdue (not 已整改, deadline before 04-07): 大马村 1-2 (04-05), 小马村 7 (04-01),
  东村 13 (03-25, carried), 南村 20 (03-31) in 鄢陵县; 六村 26 (04-03) in 襄城县.
- due within 7 days (04-07..04-14, not 已整改): only 西村 62 (04-07, 0 days left); 大马村 58
  (04-10) is 已整改. Within 60 days (..06-06): also 四村 64 (05-31, 54 days); 小马村 33
  (06-30) is later.
- perfunctory (from the store): 三村 returns 66 × 否 → all-no; every problem's 整改措施 is
  “=整改措施”, in the current ledgers of 10 villages (9 of the roster + 外村) ≥ 5 →
  same-text-villages for each of the 9 roster villages with problems (外村 left out).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import soffice_convert
from test_rollup import XC, YL, _roster, hand_data, store_data

from dapaicha.app import rollup as rollup_app
from dapaicha.config import checklist
from dapaicha.figures import accountability, rollup
from dapaicha.layout import LETTER
from dapaicha.xlsx import weekly

D = dt.date
Z = "张三"

# 责任人, 县, 乡, 村, 逾期问题数, 最早期限 — count desc, then earliest deadline
BY_OWNER = [
    (Z, YL, "陈化店镇", "东村", 1, D(2022, 3, 25)),
    (Z, YL, "马栏镇", "南村", 1, D(2022, 3, 31)),
    (Z, YL, "陈化店镇", "小马村", 1, D(2022, 4, 1)),
    (Z, XC, "麦岭镇", "六村", 1, D(2022, 4, 3)),
    (Z, YL, "陈化店镇", "大马村", 1, D(2022, 4, 5)),
]
# 县, 乡, 逾期问题数, 涉及村数 — count desc, ties in roster order
BY_TOWNSHIP = [(YL, "陈化店镇", 3, 3), (YL, "马栏镇", 1, 1), (XC, "麦岭镇", 1, 1)]
# 县, 乡, 村, 序号, 整改期限, 剩余天数, 责任人
SOON_7 = [(YL, "马栏镇", "西村", 62, D(2022, 4, 7), 0, Z)]
SOON_60 = [*SOON_7, (XC, "茨沟乡", "四村", 64, D(2022, 5, 31), 54, Z)]
SAME = "多村文字雷同"
ALL_NO = "全部填“否”"
# 县, 乡, 村, 疑似情形, 单元格 (整改措施 in column G = 3 + 序号; 否 in E4:E69)
G = LETTER["measure"]
SIGNALS = [
    (YL, "陈化店镇", "大马村", SAME, f"{G}4、{G}4、{G}29、{G}61"),
    (YL, "陈化店镇", "小马村", SAME, f"{G}10、{G}36"),
    (YL, "陈化店镇", "东村", SAME, f"{G}16"),
    (YL, "马栏镇", "西村", SAME, f"{G}50、{G}65"),
    (YL, "马栏镇", "南村", SAME, f"{G}23"),
    (XC, "城关街道", "一村", SAME, f"{G}8、{G}47"),
    (XC, "城关街道", "二村", SAME, f"{G}8"),
    (XC, "茨沟乡", "三村", ALL_NO, f"{LETTER['has_problem']}4:{LETTER['has_problem']}69"),
    (XC, "茨沟乡", "四村", SAME, f"{G}8、{G}67"),
    (XC, "麦岭镇", "六村", SAME, f"{G}29"),
]


@pytest.fixture(scope="module")
def cl() -> checklist.Checklist:
    return checklist.load()


@pytest.fixture(scope="module")
def roster_df():
    return rollup.roster_frame(_roster().villages)


@pytest.fixture(scope="module", params=["hand", "store"])
def r(request, cl, roster_df, tmp_path_factory) -> rollup.Rollup:
    if request.param == "hand":
        data = hand_data()
    else:
        data = store_data(tmp_path_factory.mktemp("store") / "store.sqlite", cl)
    return rollup.build(data, roster_df, cl)


def _rows(frame, cols) -> list[tuple]:
    return [tuple(x) for x in frame[cols].itertuples(index=False)]


OWNER_COLS = ["owner", "county", "township", "village", "overdue", "earliest"]
SOON_COLS = ["county", "township", "village", "no", "deadline", "days_left", "owner"]


def test_overdue_by_owner(r):
    assert _rows(accountability.overdue_by_owner(r), OWNER_COLS) == BY_OWNER
    xc = accountability.overdue_by_owner(r, XC)
    assert _rows(xc, OWNER_COLS) == [x for x in BY_OWNER if x[1] == XC]


def test_overdue_by_township(r):
    cols = ["county", "township", "overdue", "villages"]
    assert _rows(accountability.overdue_by_township(r), cols) == BY_TOWNSHIP
    assert _rows(accountability.overdue_by_township(r, YL), cols) == BY_TOWNSHIP[:2]
    # the same figures as the summary's 逾期未整改 column
    s = rollup.summary(r, "township", YL).set_index("unit")["overdue"]
    assert s["陈化店镇"] == 3 and s["马栏镇"] == 1


def test_due_soon(r):
    assert _rows(accountability.due_soon(r, 7), SOON_COLS) == SOON_7
    assert _rows(accountability.due_soon(r, 60), SOON_COLS) == SOON_60
    assert _rows(accountability.due_soon(r, 60, XC), SOON_COLS) == SOON_60[1:]
    assert accountability.due_soon(r, 0)["village"].tolist() == ["西村"]  # due on 截至 day


def test_grouping_counts_and_blank_owner(cl, roster_df):
    """大马村 26 due 04-02 (overdue too: two for 张三 there); 小马村's 责任人 left blank."""
    data = hand_data()
    p = data.problems
    p.loc[(p["village"] == "大马村") & (p["no"] == 26), "deadline"] = D(2022, 4, 2)
    p.loc[p["village"] == "小马村", "owner"] = None
    r = rollup.build(data, roster_df, cl)
    assert _rows(accountability.overdue_by_owner(r), OWNER_COLS) == [
        (Z, YL, "陈化店镇", "大马村", 2, D(2022, 4, 2)),
        (Z, YL, "陈化店镇", "东村", 1, D(2022, 3, 25)),
        (Z, YL, "马栏镇", "南村", 1, D(2022, 3, 31)),
        ("（未填写）", YL, "陈化店镇", "小马村", 1, D(2022, 4, 1)),
        (Z, XC, "麦岭镇", "六村", 1, D(2022, 4, 3)),
    ]
    cols = ["county", "township", "overdue", "villages"]
    assert _rows(accountability.overdue_by_township(r), cols) == [
        (YL, "陈化店镇", 4, 3),
        (YL, "马栏镇", 1, 1),
        (XC, "麦岭镇", 1, 1),
    ]


# --- the workbooks and the 文字稿, from a real store --------------------------------


@pytest.fixture(scope="module")
def run_out(tmp_path_factory, cl) -> Path:
    tmp = tmp_path_factory.mktemp("acc")
    db = tmp / "store.sqlite"
    store_data(db, cl)
    out = tmp / "out"
    rollup_app.run(cl, _roster(), out, store_path=db)
    return out


def _sheet(path: Path, name: str, first: int) -> tuple[list, list[tuple]]:
    ws = openpyxl.load_workbook(path)[name]
    head = [c.value for c in ws[first - 1]]
    rows = [tuple(x) for x in ws.iter_rows(min_row=first, values_only=True)]
    return head, rows


def _day(v):
    return v.date() if isinstance(v, dt.datetime) else v


def test_city_sheets(run_out):
    path = run_out / "市级汇总表_第2期.xlsx"
    head, rows = _sheet(path, "逾期按责任人", 3)
    assert head == [
        "责任人",
        "县（市、区）",
        "乡（镇、街道）",
        "行政村",
        "逾期问题数",
        "最早整改期限",
    ]
    assert [(*x[:5], _day(x[5])) for x in rows] == BY_OWNER
    head, rows = _sheet(path, "逾期按乡镇", 3)
    assert head == ["县（市、区）", "乡（镇、街道）", "逾期问题数", "涉及村数"]
    assert rows == BY_TOWNSHIP
    head, rows = _sheet(path, "即将到期", 3)
    assert head[:4] == ["县（市、区）", "乡（镇、街道）", "行政村", "序号"]
    ix = [head.index(h) for h in ("县（市、区）", "乡（镇、街道）", "行政村", "序号")]
    ix += [head.index(h) for h in ("整改期限", "剩余天数", "责任人")]
    assert [tuple(_day(x[i]) for i in ix) for x in rows] == SOON_7
    assert rows[0][head.index("整改结果")] == "未整改"
    ws = openpyxl.load_workbook(path)["即将到期"]
    assert "2022年4月7日至2022年4月14日" in ws["A1"].value


def test_city_signals_sheet(run_out):
    path = run_out / "市级汇总表_第2期.xlsx"
    ws = openpyxl.load_workbook(path)["疑似走过场"]
    assert ws["A1"].value == "全市疑似“走过场”线索（第2期，截至2022年4月7日）"
    assert "不是认定结论" in ws["A2"].value and "线索" in ws["A2"].value
    head, rows = _sheet(path, "疑似走过场", 4)
    assert head == [
        "县（市、区）",
        "乡（镇、街道）",
        "行政村",
        "村代码",
        "疑似情形",
        "依据",
        "单元格",
    ]
    assert [(*x[:3], x[4], x[6]) for x in rows] == SIGNALS
    three = next(x for x in rows if x[2] == "三村")
    assert three[3] == "411025200201"
    assert three[5] == "全部 66 个项目均填“否”（未自查出任何问题）"
    same = rows[0][5]
    assert same.startswith("整改措施“=整改措施”在 10 个村相同：陈化店镇大马村（")
    assert all(x[2] != "外村" for x in rows)  # outside the roster: not listed


def test_signals_evidence_shared_once_and_libreoffice_reads_it(run_out, tmp_path):
    # the evidence of one text in many villages is one shared string, read back the same
    path = run_out / "市级汇总表_第2期.xlsx"
    _, rows = _sheet(path, "疑似走过场", 4)
    same = rows[0][5]
    assert sum(x[5] == same for x in rows) == 9  # the 9 roster villages with problems
    strings = zipfile.ZipFile(path).read("xl/sharedStrings.xml").decode()
    assert strings.count(same) == 1
    again = soffice_convert(path, "xlsx", tmp_path)
    assert _sheet(again, "疑似走过场", 4)[1] == rows


def test_county_sheets(run_out):
    path = run_out / f"{XC}_县级汇总表_第2期.xlsx"
    names = openpyxl.load_workbook(path).sheetnames
    assert names[2:] == [
        "逾期问题",
        "逾期按责任人",
        "逾期按乡镇",
        "即将到期",
        "未报村",
        "疑似走过场",
    ]
    _, rows = _sheet(path, "逾期按责任人", 3)
    assert [(x[0], x[1], x[2], x[3], _day(x[4])) for x in rows] == [
        (Z, "麦岭镇", "六村", 1, D(2022, 4, 3))
    ]
    _, rows = _sheet(path, "逾期按乡镇", 3)
    assert rows == [("麦岭镇", 1, 1)]
    _, rows = _sheet(path, "即将到期", 3)
    assert rows == [("没有在2022年4月14日前到期而未整改的问题。", *[None] * 9)]
    head, rows = _sheet(path, "疑似走过场", 4)
    assert head[0] == "乡（镇、街道）"
    assert [(x[0], x[1], x[3], x[5]) for x in rows] == [s[1:] for s in SIGNALS if s[0] == XC]
    _, rows = _sheet(run_out / f"{YL}_县级汇总表_第2期.xlsx", "即将到期", 3)
    assert [(x[0], x[1], x[2]) for x in rows] == [("马栏镇", "西村", 62)]


def test_text_mentions_them(run_out):
    txt = (run_out / "周报文字稿_第2期.txt").read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    part3 = txt.split("三、存在问题", 1)[1].split("四、下步工作", 1)[0]
    assert "三是部分台账疑似“走过场”。经比对台账，10个村有疑似情形：" in part3
    assert "全部填“否”的1个（襄城县茨沟乡三村）；" in part3
    assert (
        "多村文字雷同的9个（鄢陵县陈化店镇大马村、鄢陵县陈化店镇小马村、鄢陵县陈化店镇东村、"
        "鄢陵县马栏镇西村、鄢陵县马栏镇南村等）。" in part3
    )
    assert "不是认定结论" in part3
    part4 = txt.split("四、下步工作", 1)[1]
    assert (
        "另有1个问题尚未整改、整改期限在7日内（2022年4月14日前，含当日）到期：鄢陵县马栏镇1个，"
        in part4
    )
    assert "到位（明细见汇总表“即将到期”表）。\n\n（三）" in part4


def test_without_store_nothing_checked(tmp_path, cl, roster_df):
    """write_reports without signals: the sheet says so; the 文字稿 has no 三是."""
    r = rollup.build(hand_data(), roster_df, cl)
    rollup_app.write_reports(r, cl, tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "市级汇总表_第2期.xlsx")["疑似走过场"]
    assert ws["A4"].value == "本次汇总未检查。"
    txt = (tmp_path / "周报文字稿_第2期.txt").read_text(encoding="utf-8-sig")
    assert "疑似“走过场”。" not in txt and "另有1个问题尚未整改" in txt
    ctx = weekly.context(r, cl)
    assert ctx["perfunctory_checked"] is False and ctx["perfunctory"] == []


def test_context_and_template_doc(cl, roster_df, tmp_path):
    from dapaicha import resources

    db = tmp_path / "store.sqlite"
    data = store_data(db, cl)
    r = rollup.build(data, roster_df, cl)
    ctx = weekly.context(r, cl, rollup_app.perfunctory_signals(db, 2, cl))
    assert ctx["perfunctory_villages"] == 10 and ctx["due_soon_count"] == 1
    assert [(p["kind"], p["villages"], p["more"]) for p in ctx["perfunctory"]] == [
        ("all-no", 1, False),
        ("same-text-villages", 9, True),
    ]
    assert ctx["due_soon_until"] == "2022年4月14日" and ctx["due_soon_days"] == 7
    assert ctx["due_soon_townships"] == [
        {"county": YL, "township": "马栏镇", "problems": 1, "villages": 1}
    ]
    text = (resources.templates_dir() / weekly.TEMPLATE).read_text(encoding="utf-8")
    head = text.split("-#}", 1)[0]
    for k in (*ctx, *ctx["perfunctory"][0], *ctx["due_soon_townships"][0]):
        assert re.search(rf"\b{k}\b", head), k
    doc = weekly.context.__doc__ or ""
    for k in ("perfunctory_villages", "due_soon_townships", "due_soon_until"):
        assert k in doc


def test_signals_of_the_roster_as_the_rollup_has_them(cl, roster_df, tmp_path):
    """A city's signals as their own process gives them (signals_of the roster's villages)
    are the rollup's signals_frame; signals given in any order come out in roster order."""
    db = tmp_path / "store.sqlite"
    r = rollup.build(store_data(db, cl), roster_df, cl)
    sigs = rollup_app.perfunctory_signals(db, 2, cl)
    vil = roster_df.assign(order=range(len(roster_df)))
    for given in (sigs, sigs[::-1]):
        got = accountability.signals_of(vil, given)
        assert got.equals(accountability.signals_frame(r, given))
        assert len(got) == 10  # the 10 roster villages' signals; 外村's left out
        cols = ["county", "township", "village"]
        place = list(roster_df[cols].itertuples(index=False, name=None))
        at = [place.index(x) for x in got.iloc[:, :3].itertuples(index=False, name=None)]
        assert at == sorted(at)
