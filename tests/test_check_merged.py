"""A merged ledger read back is checked by the village row rules (check/merged.py)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from test_merge import build_county
from test_store import CL, ROSTER

from dapaicha import layout
from dapaicha.read import reader
from dapaicha.xlsx import merged


def _edited(tmp_path: Path, cells: dict[str, object]) -> list[tuple[str, str, str]]:
    """(code, sheet, cell) of the findings on the county's merged ledger after editing cells."""
    _, out = build_county(tmp_path)
    wb = load_workbook(out)
    ws = wb[layout.SHEET_MERGED]
    for at, value in cells.items():
        ws[at] = value
    wb.save(out)
    ret, found = reader.read(out, out.name)
    assert ret is not None and found == []
    _, found = merged.read_return(ret, CL, ROSTER)
    got = [(f.code, f.sheet, f.cell) for f in found]
    # edited after merge wrote it: refused, naming the first changed cell (issue 18); a
    # ledger whose columns cannot be found is refused for that before its rows are read
    first = min(cells, key=lambda at: (int(at.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), len(at), at))
    edited = [f for f in got if f[0] == "merged-edited"]
    if not any(f[0] == "column-missing" for f in got):
        assert edited == [("merged-edited", layout.SHEET_MERGED, first)]
    return [f for f in got if f[0] != "merged-edited"]


def test_cells_judged_by_the_village_rules(tmp_path):
    # row 3: 大马村 item 3, row 4: 王庄村 item 20, row 5: 后杨村 item 66
    found = _edited(
        tmp_path,
        {"M3": "马上改", "N3": "4月下旬", "P3": "搞定了", "Q4": 4.3, "N4": "长期", "G5": 99},
    )
    m = layout.SHEET_MERGED
    assert load_workbook(tmp_path / "鄢陵县问题整改台账.xlsx")[m]["M4"].value == "纳入整改方案"
    # N4 长期 under 纳入整改方案 is a long-term plan: no finding, as in a village's return
    assert found == [
        ("kind-invalid", m, "M3"),
        ("deadline-ambiguous", m, "N3"),
        ("result-invalid", m, "P3"),
        ("done-date-ambiguous", m, "Q4"),
        ("item-unknown", m, "G5"),
    ]


def test_blanks_are_not_judged_again(tmp_path):
    # the lower tier accepted these rows: completeness is its rule, not the merged ledger's
    assert _edited(tmp_path, {"K3": None, "M3": None, "N3": None, "P3": None}) == []


def test_missing_identity_column(tmp_path):
    assert _edited(tmp_path, {"I2": "备用"}) == [("column-missing", layout.SHEET_MERGED, "")]


def test_huge_duration_is_a_finding(tmp_path):
    # calamine overflows on 1e15 in a [h]:mm cell: one finding, no traceback
    _, out = build_county(tmp_path)
    wb = load_workbook(out)
    cell = wb[layout.SHEET_MERGED]["R3"]
    cell.value, cell.number_format = 1e15, "[h]:mm"
    wb.save(out)
    ret, _ = reader.read(out, out.name)
    subs, found = merged.read_return(ret, CL, ROSTER)
    assert subs == [] and [(f.code, f.cell) for f in found] == [("file-unreadable", "")]
    assert f"工作表“{layout.SHEET_MERGED}”中有超出范围的日期或时间" in found[0].message
