"""The merged ledger's rows are spliced in as sheet XML and its checksums computed from the
values written (issue 20): what a reader gets back must be those values, and the checksums
it computes from them must be the ones in the meta sheet."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from test_store import CL

from dapaicha import layout
from dapaicha.model import Status
from dapaicha.read import merged as read_merged
from dapaicha.store.query import PROBLEM_COLUMNS, PeriodData
from dapaicha.xlsx import merged

TRICKY = {
    "description": "=SUM(A1:A9)",  # text, never a formula
    "measure": "第一步\r\n第二步\r第三步",
    "owner": "张\x01三",  # a control character xlsx cannot hold
    "note": "  前后有空格  ",
    "result": "",
}


def _data() -> PeriodData:
    village = {
        "village_code": "411024100201",
        "county": "鄢陵县",
        "township": "马栏镇",
        "village": "大马村",
    }
    row = {c: None for c in PROBLEM_COLUMNS}
    row.update(village, period=1, no=np.int64(3), seq=1, category_code="一", category="基础工作方面",
               topic="信息采集", kind="纳入整改方案", deadline=dt.date(2022, 4, 15),
               done_date="4月下旬", carried=True, file="大马村.xlsx", cell="F6", removed=False,
               **TRICKY)  # fmt: skip
    vil = pd.DataFrame([{**village, "reported": True, "on_time": True, "late": False,
                         "report_date": dt.date(2022, 3, 30), "carried": False,
                         "file": "大马村.xlsx", "failed": False, "source_on_time": True,
                         "status": Status.PASSED}])  # fmt: skip
    return PeriodData(1, dt.date(2022, 3, 25), dt.date(2022, 3, 31), vil, pd.DataFrame([row]))


def test_spliced_values_read_back_as_written(tmp_path):
    out = tmp_path / "台账.xlsx"
    merged.write(out, _data(), CL, {"411024100201": 1})
    m = read_merged.read_bytes(out.read_bytes())
    got = m.rows[0].values
    assert got["description"] == "=SUM(A1:A9)"
    assert got["measure"] == "第一步\n第二步\n第三步"
    assert got["owner"] == "张三"
    assert got["note"] == "  前后有空格  "
    assert got["result"] is None or got["result"] == ""
    assert got["deadline"] == dt.date(2022, 4, 15)
    assert got["done_date"] == "4月下旬"
    assert got["no"] == 3 and got["carried"] == layout.MERGED_YES and got["code"] == "411024100201"
    line = m.villages[0].values
    assert (line["status"], line["report_date"], line["on_time"]) == (
        "已通过",
        dt.date(2022, 3, 30),
        layout.YES,
    )
    # the reader's checksums, from what calamine read, are the ones the writer put in
    read_sums = read_merged.sums(m)
    assert {k: m.meta[k] for k in read_sums} == read_sums
    assert len(read_sums["cell_sums.1"]) == len(layout.merged_columns())


def test_rewriting_gives_the_same_bytes(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    merged.write(a, _data(), CL, {"411024100201": 1})
    merged.write(b, _data(), CL, {"411024100201": 1})
    assert a.read_bytes() == b.read_bytes()
