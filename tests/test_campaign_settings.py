"""Campaign facts live in checklist.yaml: a 40-item, 5-category, two-signer campaign end to end.

generate → fill → validate → merge → rollup through the real CLI, on a roster whose signer
columns are named by the campaign; every figure below is counted by hand from the fills.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
import yaml
from conftest import NO, problem
from typer.testing import CliRunner

from dapaicha import layout, resources
from dapaicha.cli import app
from dapaicha.config.checklist import _Loader
from dapaicha.read import roster as roster_read
from dapaicha.xlsx import fill

SIGNERS = ["村党支部书记", "驻村第一书记"]
TAKE = [5, 7, 10, 10, 8]  # items kept from each of the first five categories: 40
CATEGORIES = ["基础工作方面", "动态监测方面", "帮扶支持方面", "“三保障”方面", "兜底保障方面"]
VILLAGES = [  # county, township, village, code, the two signers
    ("鄢陵县", "陈化店镇", "大马村", "411024103201", "张一", "李二"),
    ("鄢陵县", "陈化店镇", "前杨村", "411024103202", "王三", "赵四"),
    ("鄢陵县", "望田镇", "姚家村", "411024104201", "孙五", "周六"),
]


def _checklist(path: Path) -> Path:
    data = yaml.load(resources.default_checklist().read_text("utf-8"), Loader=_Loader)
    cats = data["categories"][:5]
    no = 0
    for cat, k in zip(cats, TAKE, strict=True):
        cat["items"] = cat["items"][:k]
        for item in cat["items"]:
            no += 1
            item["no"] = no
    data.update(id="test-40", categories=cats)
    data["campaign"].update(village_signers=SIGNERS, signer_aliases={})
    data["campaign"]["county_codes"] = {"鄢陵县": "411024"}
    # JSON is YAML: dates as ISO text, which the model reads back as dates
    path.write_text(json.dumps(data, ensure_ascii=False, default=str, indent=1), "utf-8")
    return path


def _roster(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["县（市、区）", "乡（镇、街道）", "行政村", "村代码", *SIGNERS])
    for row in VILLAGES:
        ws.append(list(row))
    wb.save(path)
    return path


def _run(*args: object) -> tuple[int, str]:
    r = CliRunner().invoke(app, [str(a) for a in args])
    return r.exit_code, r.output


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("c40")
    paths = {"cl": _checklist(d / "c40.yaml"), "roster": _roster(d / "名册.xlsx"), "dir": d}
    code, out = _run("generate", "-r", paths["roster"], "-c", paths["cl"], "-o", d / "台账")
    assert code == 0, out
    led = {v[2]: next((d / "台账").rglob(f"{v[2]}_*.xlsx")) for v in VILLAGES}
    ret = d / "returns" / "第1期"
    answers = {
        "大马村": {3: problem()},  # 立行立改, 已整改
        "前杨村": {
            40: problem(
                kind="纳入整改方案",
                deadline=dt.date(2022, 6, 30),
                result="正在整改",
                done_date=None,
            )
        },
    }
    for name, ans in answers.items():
        v = next(x for x in VILLAGES if x[2] == name)
        fill.fill_ledger(
            led[name],
            ret / f"{name}.xlsx",
            ans,
            default=NO,
            report_date=dt.date(2022, 3, 30),
            signers=dict(zip(SIGNERS, v[4:], strict=True)),
        )
    paths.update(ledger=led["大马村"], returns=ret)
    return paths


def test_checklist_and_roster_follow_the_campaign(campaign) -> None:
    code, out = _run("checklist", "-c", campaign["cl"])
    assert code == 0 and "共 5 类 40 项" in out
    code, out = _run("roster", campaign["roster"], "-c", campaign["cl"])
    assert code == 0, out
    from dapaicha.config import checklist

    ros = roster_read.load(campaign["roster"], checklist.load(campaign["cl"]).campaign)
    assert [v.signers for v in ros.villages] == [tuple(v[4:]) for v in VILLAGES]
    assert ros.problems == []


def test_generated_ledger_has_40_items_and_two_signers(campaign) -> None:
    ws = openpyxl.load_workbook(campaign["ledger"])[layout.SHEET_LEDGER]
    col = 1 + next(i for i, c in enumerate(layout.COLUMNS) if c.key == "no")
    nos = []
    r = layout.ROW_FIRST_ITEM
    while isinstance(ws.cell(r, col).value, int):
        nos.append(ws.cell(r, col).value)
        r += 1
    assert nos == list(range(1, 41))
    texts = [c.value for row in ws.iter_rows(min_row=r) for c in row if isinstance(c.value, str)]
    labels = [t.replace("\n", "") for t in texts if "（签字）" in t]
    assert labels == [layout.sign_label(s) for s in SIGNERS]
    assert "张一" in texts and "李二" in texts
    assert not any("村级责任组组长" in t for t in texts)


def test_validate_merge_rollup_count_by_hand(campaign) -> None:
    d, cl, ros = campaign["dir"], campaign["cl"], campaign["roster"]
    code, out = _run("validate", campaign["returns"], "-r", ros, "-c", cl, "--json")
    assert code == 0, out
    rep = json.loads(out)
    got = sorted((f["village"], f["status"], f["findings"]) for f in rep["files"])
    assert got == [("前杨村", "通过", []), ("大马村", "通过", [])]
    assert [m["village"] for m in rep["missing"]] == ["姚家村"]
    code, out = _run(
        "merge", campaign["returns"], "-r", ros, "-c", cl, "-s", d / "s.sqlite", "-p", 1,
        "-o", d / "merged.xlsx",
    )  # fmt: skip
    assert code == 0, out
    ws = openpyxl.load_workbook(d / "merged.xlsx")[layout.SHEET_MERGED]
    at = [k for k, _, _ in layout.merged_columns()].index("no")
    items = sorted(r[at] for r in ws.iter_rows(values_only=True) if isinstance(r[at], int))
    assert items == [3, 40]
    code, out = _run("rollup", "-s", d / "s.sqlite", "-r", ros, "-c", cl, "-p", 1, "-o", d / "汇总")
    assert code == 0, out
    ws = openpyxl.load_workbook(next((d / "汇总").rglob("鄢陵县_县级汇总表_*.xlsx")))["汇总"]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r and r[0]}
    header = next(
        r for r in ws.iter_rows(values_only=True) if r and r[0] is None and r[2] == "已报"
    )
    assert list(header[8:13]) == CATEGORIES
    # 应报 已报 按时 逾期 退回待改 未报 问题 | 5 categories | 立行立改 纳入 | 已整改 正在 未整改
    # | 整改率 逾期
    assert rows["陈化店镇"][1:] == (2, 2, 2, 0, 0, 0, 2, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0.5, 0)
    assert rows["合计"][1:] == (3, 2, 2, 0, 0, 1, 2, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0.5, 0)


def test_item_missing_names_the_campaign_count(campaign, tmp_path) -> None:
    src = campaign["returns"] / "大马村.xlsx"
    wb = openpyxl.load_workbook(src)
    ws = wb[layout.SHEET_LEDGER]
    col = 1 + next(i for i, c in enumerate(layout.COLUMNS) if c.key == "no")
    row40 = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, col).value == 40)
    ws.delete_rows(row40)
    (tmp_path / "r").mkdir()
    wb.save(tmp_path / "r" / "大马村.xlsx")
    code, out = _run(
        "validate", tmp_path / "r", "-r", campaign["roster"], "-c", campaign["cl"], "--json",
        "--report", tmp_path / "report.xlsx",
    )  # fmt: skip
    assert code == 1
    (f,) = json.loads(out)["files"]
    missing = [x for x in f["findings"] if x["code"] == "item-missing"]
    assert [(x["item"], x["cell"]) for x in missing] == [(40, "")]
    assert "40 项须逐项填报" in missing[0]["message"]
