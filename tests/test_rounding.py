"""Every percentage rounds half up (四舍五入) to two decimals: 文字稿, terminal and workbooks agree.

21 of 32 villages reported: 21 / 32 = 65.625% exactly, a tie that half-to-even would print
as 65.62%; the workbooks (0.00%) show 65.63%.
"""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pandas as pd
import pytest
from conftest import needs_soffice, soffice_convert

from dapaicha.config.roster import Village
from dapaicha.figures import rollup
from dapaicha.store.write import PeriodData
from dapaicha.xlsx import weekly

D = dt.date
VCOLS = ["village_code", "county", "township", "village", "reported", "on_time", "late"]
VCOLS += ["report_date", "carried", "file"]


def test_half_up_by_hand():
    assert rollup.pct_text(21 / 32) == "65.63%"  # f"{65.625:.2f}" gives 65.62
    assert rollup.pct_text(1 / 8) == "12.50%"
    assert rollup.pct_text(1 / 3) == "33.33%" and rollup.pct_text(2 / 3) == "66.67%"
    assert rollup.pct_text(2469 / 20000) == "12.35%"
    assert rollup.pct_text(1.0) == "100.00%" and rollup.pct_text(0.0) == "0.00%"
    assert rollup.pct_text(float("nan")) == "—"
    assert rollup.pp_value(0.125) == 0.13 and rollup.pp_value(-0.125) == -0.13
    assert weekly.pct(21 / 32) == "65.63%"
    assert weekly.change(0.125) == "提高0.13个百分点"
    assert weekly.change(-0.125) == "下降0.13个百分点"
    assert weekly.change(0.004) == "持平"


def _rollup(cl) -> rollup.Rollup:
    names = [f"{i}村" for i in range(1, 33)]
    roster = rollup.roster_frame(
        Village(code=f"41102410{i:04d}", county="鄢陵县", township="陈化店镇", village=n,
                signers=("甲", "乙", "丙"), row=i + 2)
        for i, n in enumerate(names, 1)
    )  # fmt: skip
    rows = [
        (f"41102410{i:04d}", "鄢陵县", "陈化店镇", n, i <= 21, i <= 21, False,
         D(2022, 4, 6) if i <= 21 else None, False, f"{n}.xlsx" if i <= 21 else "")
        for i, n in enumerate(names, 1)
    ]  # fmt: skip
    data = PeriodData(
        2, D(2022, 4, 1), D(2022, 4, 7), pd.DataFrame(rows, columns=VCOLS), pd.DataFrame(), None
    )
    return rollup.build(data, roster, cl)


def test_text_rounds_like_the_workbook(cl, tmp_path):
    r = _rollup(cl)
    ctx = weekly.context(r, cl)
    assert ctx["total"]["report_rate"] == "65.63%"
    assert ctx["total"]["on_time_rate"] == "65.63%"
    _, txt = weekly.render(ctx)
    assert "本期已报21个（有通过校验的台账），上报率65.63%" in txt
    assert "按时上报率65.63%" in txt and "65.62%" not in txt
    path = weekly.write_xlsx(r, cl, tmp_path / "周报.xlsx")
    ws = openpyxl.load_workbook(path)[weekly.SHEET_WEEKLY]
    cells = [c for row in ws.iter_rows() for c in row if c.value == pytest.approx(21 / 32)]
    assert cells and all(c.number_format == "0.00%" for c in cells)


@needs_soffice
@pytest.mark.soffice
def test_libreoffice_shows_the_same_digits(cl, tmp_path):
    path = weekly.write_xlsx(_rollup(cl), cl, tmp_path / "周报.xlsx")
    out = soffice_convert(path, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path)
    shown = {v for row in csv.reader(out.open(encoding="utf-8")) for v in row}
    assert "65.63%" in shown and "65.62%" not in shown
