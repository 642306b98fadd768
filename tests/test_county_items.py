"""A county's own items: a county checklist file extending the city's; the county's ledgers
carry them, validate knows them, the county's summaries show them, the city's do not
(generate → fill → merge → rollup at the county, then the county's merged ledger at the city;
the real CLI, real workbooks, real SQLite)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import NO, problem
from typer.testing import CliRunner

from dapaicha import layout, resources
from dapaicha.app import validate
from dapaicha.cli.main import app
from dapaicha.config import checklist, workspace
from dapaicha.errors import UserError
from dapaicha.read import roster as roster_read
from dapaicha.xlsx import fill

ROSTER = resources.examples_dir() / "roster.xlsx"
OWN = "是否落实秸秆禁烧网格化责任，村内无露天焚烧。"
CATS = [c.name for c in checklist.load().categories]


def _run(*args: object) -> tuple[int, str]:
    r = CliRunner().invoke(app, [str(a) for a in args])
    return r.exit_code, r.output


def _county_file(path: Path, **more) -> Path:
    data = {
        "extends": "",
        "county": "鄢陵县",
        "items": [{"topic": "秸秆禁烧", "content": OWN}],
        **more,
    }
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")  # JSON is YAML
    return path


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> dict:
    """鄢陵县's ledgers with item 67 (its own); two villages return them."""
    d = tmp_path_factory.mktemp("county")
    cl_path = _county_file(d / "县清单.yaml")
    code, out = _run("generate", "-r", ROSTER, "-c", cl_path, "-o", d / "台账")
    assert code == 0, out
    cl = checklist.load(cl_path)
    ros = roster_read.load(ROSTER, cl.campaign)
    v0, v1 = ros.villages[0], ros.villages[1]
    assert v0.county == v1.county == "鄢陵县"
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
    answers = {
        v0.village: {3: problem(description="三号问题"), 67: problem(description="焚烧一")},
        v1.village: {67: problem(description="焚烧二", result="正在整改", done_date=None)},
    }
    for name, ans in answers.items():
        src = next((d / "台账").rglob(f"{name}_*.xlsx"))
        fill.fill_ledger(
            src,
            d / "returns" / src.name,
            ans,
            default=NO,
            report_date=dt.date(2022, 3, 30),
            signers=signers,
        )
    return {"dir": d, "cl": cl_path, "v0": v0.village, "v1": v1.village}


def test_county_file_extends_the_city_checklist(county) -> None:
    cl, city = checklist.load(county["cl"]), checklist.load()
    cat, item = cl.by_no[67]
    assert (cat.code, cat.name, cat.county) == ("八", "鄢陵县增加项目", "鄢陵县")
    assert (item.topic, item.content) == ("秸秆禁烧", OWN)
    assert cl.county_nos == {67} and len(cl.items) == 67
    assert cl.city.content_hash == city.content_hash != cl.content_hash
    assert checklist.lint(cl) == checklist.lint(city)


def test_county_item_number_clashing_with_the_city_refused(tmp_path) -> None:
    path = _county_file(tmp_path / "c.yaml", items=[{"no": 66, "content": OWN}])
    with pytest.raises(UserError, match="本县项目第66项与市清单序号重复"):
        checklist.load(path)


def test_county_ledger_carries_its_item_and_validates_clean(county) -> None:
    src = next((county["dir"] / "returns").glob(f"{county['v0']}_*.xlsx"))
    ws = openpyxl.load_workbook(src)[layout.SHEET_LEDGER]
    keys = [c.key for c in layout.COLUMNS]
    rows = [r for r in ws.iter_rows(values_only=True) if r[keys.index("no")] == 67]
    assert [(r[keys.index("category")], r[keys.index("content")]) for r in rows] == [
        ("八、鄢陵县增加项目", OWN)
    ]
    cl = checklist.load(county["cl"])
    report, subs = validate.validate_folder(
        county["dir"] / "returns", cl, roster_read.load(ROSTER, cl.campaign)
    )
    assert sorted((f.village, [x.code for x in f.findings]) for f in report.files) == sorted(
        [(county["v0"], []), (county["v1"], [])]
    )
    got = {s.village: [(r.no, r.description) for r in s.rows if r.is_problem] for s in subs}
    assert got == {county["v0"]: [(3, "三号问题"), (67, "焚烧一")], county["v1"]: [(67, "焚烧二")]}


def test_county_item_text_edited_is_refused(county, tmp_path) -> None:
    src = next((county["dir"] / "returns").glob(f"{county['v0']}_*.xlsx"))
    wb = openpyxl.load_workbook(src)
    ws = wb[layout.SHEET_LEDGER]
    col = 1 + next(i for i, c in enumerate(layout.COLUMNS) if c.key == "content")
    no = 1 + next(i for i, c in enumerate(layout.COLUMNS) if c.key == "no")
    r = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, no).value == 67)
    ws.cell(r, col).value = "村里改过的县增项目"
    (tmp_path / "r").mkdir()
    wb.save(tmp_path / "r" / src.name)
    cl = checklist.load(county["cl"])
    report, _ = validate.validate_folder(tmp_path / "r", cl, roster_read.load(ROSTER, cl.campaign))
    (f,) = report.files
    assert [(x.code, x.item) for x in f.findings if x.severity == "error"] == [
        ("item-text-altered", 67)
    ]


def _total(path: Path, first: str) -> dict[str, int]:
    """The 合计 row of a 汇总 sheet: 问题数 and each 类别 column by its header."""
    ws = openpyxl.load_workbook(path)["汇总"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(r for r in rows if "按类别分" in r)
    sub = rows[rows.index(head) + 1]
    total = next(r for r in rows if r[0] == first)
    at = head.index("排查问题数")
    out = {"问题数": total[at]}
    out.update({h: total[i] for i, h in enumerate(sub) if i > at and isinstance(total[i], int)})
    return {k: v for k, v in out.items() if k in ("问题数", *CATS, "鄢陵县增加项目")}


def _listed(path: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(path)["问题清单"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(r for r in rows if "序号" in r)
    no, desc = head.index("序号"), head.index("自查问题描述")
    return sorted((r[no], r[desc]) for r in rows[rows.index(head) + 1 :] if isinstance(r[no], int))


def test_county_item_in_the_county_summary_not_in_the_city(county, tmp_path) -> None:
    d, cl = county["dir"], county["cl"]
    merged = tmp_path / "up" / "鄢陵县合并台账.xlsx"
    code, out = _run(
        "merge", d / "returns", "-r", ROSTER, "-c", cl, "-s", tmp_path / "县.sqlite", "-p", 1,
        "-o", merged,
    )  # fmt: skip
    assert code == 0, out
    code, out = _run(
        "rollup",
        "-s",
        tmp_path / "县.sqlite",
        "-r",
        ROSTER,
        "-c",
        cl,
        "-p",
        1,
        "-o",
        tmp_path / "县",
    )
    assert code == 0, out
    # the county: both (hand count: 3 problems, 1 under item 3, 2 under its own 67)
    mine = tmp_path / "县" / "鄢陵县_县级汇总表_第1期.xlsx"
    zero = dict.fromkeys(CATS, 0)
    assert _total(mine, "合计") == {**zero, "问题数": 3, "基础工作方面": 1, "鄢陵县增加项目": 2}
    assert _listed(mine) == [(3, "三号问题"), (67, "焚烧一"), (67, "焚烧二")]
    # the city: the county's merged ledger counts the city's items only
    code, out = _run(
        "merge", tmp_path / "up", "-r", ROSTER, "-s", tmp_path / "市.sqlite", "-p", 1,
        "-o", tmp_path / "市合并.xlsx",
    )  # fmt: skip
    assert code == 0, out
    code, out = _run(
        "rollup", "-s", tmp_path / "市.sqlite", "-r", ROSTER, "-p", 1, "-o", tmp_path / "市"
    )
    assert code == 0, out
    city = tmp_path / "市" / "市级汇总表_第1期.xlsx"
    assert _total(city, "全市合计") == {**zero, "问题数": 1, "基础工作方面": 1}
    ws = openpyxl.load_workbook(city)["按排查项目"]
    assert 67 not in [r[1] for r in ws.iter_rows(values_only=True)]
    assert _listed(tmp_path / "市" / "鄢陵县_县级汇总表_第1期.xlsx") == [(3, "三号问题")]
    # and the 市级汇总表 a county's own rollup writes counts the city's items only too
    assert _total(tmp_path / "县" / "市级汇总表_第1期.xlsx", "全市合计") == {
        **zero, "问题数": 1, "基础工作方面": 1,
    }  # fmt: skip


def test_the_example_in_the_settings_file_is_a_county_file(tmp_path) -> None:
    """init's dapaicha.yaml shows a county file in its comments: it loads as written."""
    text = workspace.render(workspace.Settings())
    lines = [x[4:] for x in text.splitlines() if x.startswith("#   ")]
    (tmp_path / "县清单.yaml").write_text("\n".join(lines), "utf-8")
    shutil.copy(resources.default_checklist(), tmp_path / "checklist.yaml")
    cl = checklist.load(tmp_path / "县清单.yaml")
    assert (cl.by_no[67][0].name, cl.by_no[67][1].content) == (
        "鄢陵县增加项目",
        "是否落实秸秆禁烧网格化责任。",
    )
