"""A village whose return failed validation is 报送未通过（退回待改）, never 未报送."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from test_store import CL, ROSTER, do_merge, make_sub

from dapaicha.app import rollup as rollup_app
from dapaicha.figures import rollup
from dapaicha.store import query
from dapaicha.xlsx import weekly

D = dt.date


def test_failed_return_is_not_called_missing(tmp_path: Path) -> None:
    # 第1期: 大马村 and 前杨村 pass; 王庄村 sends a return that fails; 后杨村 sends nothing
    store = tmp_path / "s.sqlite"
    do_merge(store, [make_sub(0, D(2022, 3, 30)), make_sub(2, D(2022, 3, 30))])
    do_merge(store, [make_sub(1, D(2022, 3, 30), accepted=False, errors=2, file="王庄村.xlsx")])
    data = query.period_frames(store, 1)
    v = data.villages.set_index("village")
    assert v["failed"].to_dict() == {
        "大马村": False,
        "王庄村": True,
        "前杨村": False,
        "后杨村": False,
    }
    r = rollup.build(data, rollup.roster_frame(ROSTER.villages), CL)
    status = r.villages.set_index("village")["status"].to_dict()
    assert status["王庄村"] == "报送未通过（退回待改）" and status["后杨村"] == "未报送"

    ctx = weekly.context(r, CL)
    assert (ctx["missing_count"], ctx["failed_count"]) == (1, 1)
    assert (ctx["total"]["unsent"], ctx["total"]["failed"], ctx["total"]["missing"]) == (1, 1, 2)
    _, txt = weekly.render(ctx)
    assert "王庄村" in txt
    assert "未报送的有马栏镇后杨村，报送未通过（退回待改）的有陈化店镇王庄村。" in txt
    assert "退回待改1个（报送未通过校验、退回修改待重报），未报1个（一个文件也没有报送）。" in txt
    assert "本期未报送的村1个、报送未通过（退回待改）的村1个、逾期报送的村0个" in txt
    assert "未报送的有陈化店镇王庄村" not in txt

    rollup_app.write_reports(r, CL, tmp_path / "out")
    ws = openpyxl.load_workbook(tmp_path / "out" / "周报_第1期.xlsx")["未报及逾期报送"]
    rows = {x[2]: x[3] for x in ws.iter_rows(min_row=3, values_only=True) if x[2]}
    assert rows == {"王庄村": "报送未通过（退回待改）", "后杨村": "未报送"}
