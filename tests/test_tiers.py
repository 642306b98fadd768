"""Each tier's own report: 已报 / 退回待改 / 未报 from the one status; county and city views.

Figures are counted by hand from the campaign in test_status._campaign (example roster:
鄢陵县 陈化店镇 villages 0–3, 望田镇 4–6; 襄城县 villages 7–15). 第1期: village 0 on time,
1 rejected only (王庄村, 陈化店镇), 2 rejected then corrected on time, 3 late; the rest
sent nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from test_status import _campaign, _run

# unit → (应报, 已报, 按时, 逾期, 退回待改, 未报)
CITY = {
    "鄢陵县": (7, 3, 2, 1, 1, 3),
    "襄城县": (9, 0, 0, 0, 0, 9),
    "全市合计": (16, 3, 2, 1, 1, 12),
}
COUNTY_YL = {
    "陈化店镇": (4, 3, 2, 1, 1, 0),
    "望田镇": (3, 0, 0, 0, 0, 3),
    "合计": (7, 3, 2, 1, 1, 3),
}
HEADS = ("应报村数", "已报", "按时", "逾期", "退回待改村数", "未报村数")


def _summary_rows(path: Path) -> dict[str, tuple]:
    """unit → the six village counts of the 汇总 sheet, found by their headers."""
    ws = openpyxl.load_workbook(path)["汇总"]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    top, low = rows[2], rows[3]
    heads = [lo if lo is not None else t for t, lo in zip(top, low, strict=True)]
    at = [heads.index(h) for h in HEADS]
    return {r[0]: tuple(r[j] for j in at) for r in rows[4:] if r[0] and r[1] is not None}


def test_reported_returned_missing(tmp_path, make_return, ros) -> None:
    store = _campaign(tmp_path, make_return, ros)
    out = tmp_path / "汇总"
    data = json.loads(_run("rollup", "-s", store, "-r", ros.source, "-p", 1, "-o", out, "--json"))
    keys = ("expected", "reported", "on_time", "late", "returned", "missing")
    got = {u["unit"]: tuple(u[k] for k in keys) for u in data["units"]}
    assert got == CITY
    city = _summary_rows(out / "市级汇总表_第1期.xlsx")
    assert city == CITY
    assert _summary_rows(out / "鄢陵县_县级汇总表_第1期.xlsx") == COUNTY_YL
    for n, _, on, late, ret, miss in CITY.values():
        assert n == on + late + ret + miss
    # the 周报 table: the same counts beside the 已报 ones
    ws = openpyxl.load_workbook(out / "周报_第1期.xlsx")["周报"]
    heads = [c.value for c in ws[3]]
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] in CITY}
    cols = [
        heads.index(h) for h in ("应报村数", "已报村数", "按时上报村数", "退回待改村数", "未报村数")
    ]
    assert {u: tuple(r[j] for j in cols) for u, r in rows.items()} == {
        u: (c[0], c[1], c[2], c[4], c[5]) for u, c in CITY.items()
    }
    # 未报村: the 退回待改 village apart (after those that sent nothing), marked as such
    miss = [r for r in openpyxl.load_workbook(out / "鄢陵县_县级汇总表_第1期.xlsx")["未报村"]
            .iter_rows(min_row=3, values_only=True) if r[1]]  # fmt: skip
    assert [(r[0], r[1], r[3]) for r in miss] == [
        ("望田镇", "王庄村", "未报送"),
        ("望田镇", "姚家村", "未报送"),
        ("望田镇", "河刘村", "未报送"),
        ("陈化店镇", "王庄村", "报送未通过（退回待改）"),
    ]
    txt = (out / "周报文字稿_第1期.txt").read_text(encoding="utf-8-sig")
    assert "应报送整改台账的行政村16个，本期已报3个" in txt
    assert "退回待改1个（报送未通过校验、退回修改待重报），未报12个（一个文件也没有报送）" in txt
    assert "应报7个村，已报3个（按时2个、逾期1个），退回待改1个，未报3个" in txt


def test_rollup_agrees_with_status(tmp_path, make_return, ros) -> None:
    """Every village's status in rollup's 未报村 sheet is the one `dapaicha status` tells."""
    store = _campaign(tmp_path, make_return, ros)
    out = tmp_path / "汇总"
    _run("rollup", "-s", store, "-r", ros.source, "-p", 1, "-o", out)
    st = json.loads(_run("status", "-s", store, "-p", 1, "--as-of", "2022-03-31", "--json"))
    owing = {v["key"]: v["status"] for v in st["villages"] if not v["status"].startswith("已通过")}
    ws = openpyxl.load_workbook(out / "市级汇总表_第1期.xlsx")["未报村"]
    sheet = {r[3]: r[4] for r in ws.iter_rows(min_row=3, values_only=True) if r[3]}
    words = {"未报送": "未报送", "报送未通过（退回待改）": "退回待改"}
    assert {k: words[v] for k, v in sheet.items()} == owing
    assert list(owing.values()).count("退回待改") == 1 and len(owing) == 13
