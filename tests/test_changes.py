"""变化提醒: a real two-period campaign in a real store, merged and rolled up by the CLI.

Problems are paired between periods by 序号 + description (then measure), never by row
position: a row inserted under an item names no change, in the 周报 or in merge's warnings.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
from conftest import problem
from typer.testing import CliRunner

from dapaicha.cli import app
from dapaicha.model import match_problems, problem_text
from dapaicha.store import query

D = dt.date
CROSS = {"problem-vanished", "result-regressed", "deadline-postponed"}
DOING = {"result": "正在整改", "done_date": None}


def _run(*args: object, code: int = 0) -> str:
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r.output


def _merge(folder: Path, store: Path, ros, out: Path) -> dict[str, list[tuple[str, str, int]]]:
    """merge --json → file name → its cross-period findings (code, cell, item)."""
    data = json.loads(_run("merge", folder, "-r", ros.source, "-s", store, "-o", out, "--json"))
    return {
        Path(f["file"]).name: [
            (x["code"], x["cell"], x["item"]) for x in f["findings"] if x["code"] in CROSS
        ]
        for f in data["report"]["files"]
    }


def _campaign(tmp_path: Path, make_return, *, inserted_only: bool = False) -> tuple:
    """第1期 and 第2期 returns of villages 0-5 (all 鄢陵县; 0-3 陈化店镇, 4-5 望田镇)."""
    one, two = tmp_path / "r" / "第1期", tmp_path / "r" / "第2期"
    p2 = {"report_date": D(2022, 4, 6), "folder": two}
    x = problem(description="村集体经济台账不完整。", **DOING)
    y = problem(description="公示栏内容未更新", result="未整改", done_date=None,
                deadline=D(2022, 4, 28))  # fmt: skip
    # village 4: a new problem inserted above the existing one, its text re-spaced
    make_return("v4.xlsx", {20: x}, village=4, folder=one)
    make_return(
        "v4.xlsx", {20: [y, {**x, "description": "村集体经济台账 不完整"}]}, village=4, **p2
    )
    if inserted_only:
        return one, two
    # village 0: 已整改 goes back to 正在整改
    make_return("v0.xlsx", {3: problem()}, village=0, folder=one)
    make_return("v0.xlsx", {3: problem(**DOING)}, village=0, **p2)
    # village 1: a problem 正在整改 vanishes; another stays
    lamp = problem(description="村道路灯损坏未修复", **DOING)
    make_return("v1.xlsx", {5: lamp, 8: problem()}, village=1, folder=one)
    make_return("v1.xlsx", {8: problem()}, village=1, **p2)
    # village 2: the deadline moves later (备注 empty)
    make_return("v2.xlsx", {10: problem(**DOING)}, village=2, folder=one)
    make_return("v2.xlsx", {10: problem(deadline=D(2022, 4, 28), **DOING)}, village=2, **p2)
    # village 3: an 已整改 problem is dropped: fewer problems, nothing vanished unfinished
    a, b = problem(description="问题甲"), problem(description="问题乙")
    make_return("v3.xlsx", {12: [a, b]}, village=3, folder=one)
    make_return("v3.xlsx", {12: b}, village=3, **p2)
    # village 5: reports in 第1期 only (carried in 第2期): nothing to compare
    make_return("v5.xlsx", {30: problem(**DOING)}, village=5, folder=one)
    return one, two


def _rollup(tmp_path: Path, store: Path, ros) -> tuple[list[tuple], str, dict]:
    out = tmp_path / "汇总"
    data = json.loads(_run("rollup", "-s", store, "-r", ros.source, "-p", 2, "-o", out, "--json"))
    ws = openpyxl.load_workbook(out / "周报_第2期.xlsx")["变化提醒"]
    rows = list(ws.iter_rows(min_row=1, values_only=True))
    raw = (out / "周报文字稿_第2期.txt").read_bytes().decode("utf-8-sig")
    units = {u["unit"]: u for u in data["units"]}
    return rows, raw.replace("\r\n", "\n"), units


HEAD = ("县（市、区）", "乡（镇、街道）", "行政村", "序号", "变化", "上次", "本次")


def test_each_kind_of_change_is_named(tmp_path, make_return, ros) -> None:
    one, two = _campaign(tmp_path, make_return)
    store = tmp_path / "s.sqlite"
    _merge(one, store, ros, tmp_path / "m1.xlsx")
    found = _merge(two, store, ros, tmp_path / "m2.xlsx")
    # item n sits on row 3 + n; E 是否存在问题, I 整改期限, K 整改结果
    assert found == {
        "v0.xlsx": [("result-regressed", "K6", 3)],
        "v1.xlsx": [("problem-vanished", "E8", 5)],
        "v2.xlsx": [("deadline-postponed", "I13", 10)],
        "v3.xlsx": [],
        "v4.xlsx": [],  # the inserted row: no false warning
    }
    rows, txt, units = _rollup(tmp_path, store, ros)
    assert rows[0] == ("变化提醒（第2期，与各村上次通过审核的台账相比）",) + (None,) * 6
    assert rows[1] == HEAD
    assert rows[2:] == [
        ("鄢陵县", "陈化店镇", "大马村", 3, "整改结果倒退", "已整改", "正在整改"),
        ("鄢陵县", "陈化店镇", "王庄村", 5, "问题消失", "村道路灯损坏未修复（正在整改）",
         "本次台账中没有"),
        ("鄢陵县", "陈化店镇", "王庄村", "—", "问题数减少", "2个问题", "1个问题"),
        ("鄢陵县", "陈化店镇", "前杨村", 10, "整改期限推后", "2022年4月20日", "2022年4月28日"),
        ("鄢陵县", "陈化店镇", "后杨村", "—", "问题数减少", "2个问题", "1个问题"),
    ]  # fmt: skip
    assert (
        "变化提醒。与各村上次通过审核的台账相比，以下5处变化请相关县（市、区）逐条核实"
        "（明细见周报“变化提醒”表）：\n"
        "1. 鄢陵县陈化店镇大马村第3项整改结果倒退：已整改 → 正在整改；\n"
        "2. 鄢陵县陈化店镇王庄村第5项问题消失：村道路灯损坏未修复（正在整改） → 本次台账中没有；\n"
        "3. 鄢陵县陈化店镇王庄村问题数减少：2个问题 → 1个问题；\n"
        "4. 鄢陵县陈化店镇前杨村第10项整改期限推后：2022年4月20日 → 2022年4月28日；\n"
        "5. 鄢陵县陈化店镇后杨村问题数减少：2个问题 → 1个问题。\n\n四、下步工作"
    ) in txt
    # 本周新增: only village 4's inserted problem (第2期 problems: 1+1+1+1+2, plus 5 carried)
    assert (units["鄢陵县"]["problems"], units["鄢陵县"]["new"]) == (7, 1)
    # 本周完成整改: none (village 3's 问题乙 and village 1's item 8 were 已整改 already)
    assert units["鄢陵县"]["completed"] == 0


def test_inserted_row_names_no_change(tmp_path, make_return, ros) -> None:
    one, two = _campaign(tmp_path, make_return, inserted_only=True)
    store = tmp_path / "s.sqlite"
    _merge(one, store, ros, tmp_path / "m1.xlsx")
    assert _merge(two, store, ros, tmp_path / "m2.xlsx") == {"v4.xlsx": []}
    rows, txt, units = _rollup(tmp_path, store, ros)
    assert rows[1] == HEAD and rows[2:] == [("无",) + (None,) * 6]
    assert (
        "变化提醒。与各村上次通过审核的台账相比，没有发现问题未整改即消失、整改结果倒退、"
        "整改期限推后或问题数减少的情况。\n\n四、下步工作"
    ) in txt
    assert (units["鄢陵县"]["new"], units["鄢陵县"]["completed"]) == (1, 0)
    # the village's history pairs the same way: one new problem, nothing else
    h = query.history(store, ros.villages[4].code)
    assert [(c.no, c.seq, c.what, c.old, c.new) for c in h.changes[0][2]] == [
        (20, 1, "新增问题", "", "公示栏内容未更新")
    ]


def test_first_period_has_nothing_to_compare(tmp_path, make_return, ros) -> None:
    one, _ = _campaign(tmp_path, make_return, inserted_only=True)
    store, out = tmp_path / "s.sqlite", tmp_path / "汇总"
    _merge(one, store, ros, tmp_path / "m1.xlsx")
    _run("rollup", "-s", store, "-r", ros.source, "-p", 1, "-o", out)
    ws = openpyxl.load_workbook(out / "周报_第1期.xlsx")["变化提醒"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["县（市、区）", "无"]
    txt = (out / "周报文字稿_第1期.txt").read_text("utf-8-sig")
    assert "变化提醒。本期是第一期，没有上次的台账可以比较。" in txt


def test_matcher_pairs_by_text_not_position() -> None:
    assert problem_text(" 村集体经济台账，不完整。") == problem_text("村集体经济台账不完整")
    assert problem_text("ＡＢ 1") == "ab1"  # NFKC, case-folded
    old = [(20, "甲", "措施一"), (20, "乙", "措施二"), (21, "甲", "措施一")]
    new = [(20, "丙", "措施三"), (20, "乙", "措施二"), (20, "甲（改）", "措施一"), (22, "甲", "x")]
    # 丙 is new; 乙 by description; 甲（改） by its measure; item 22 never pairs with 20/21
    assert match_problems(old, new) == [-1, 1, 0, -1]
    # equal texts pair in row order; an empty text pairs with nothing
    assert match_problems([(1, "a", ""), (1, "a", "")], [(1, "a", ""), (1, "", "")]) == [0, -1]
