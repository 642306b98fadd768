"""validate at scale gives what it gave in one process: copies made in the workers, rows
kept there, the report written fast (issue 20)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from conftest import periods_batch, problem

from dapaicha import resources
from dapaicha.app import validate
from dapaicha.xlsx import feedback
from dapaicha.xlsx import report as report_xlsx

ROSTER = resources.examples_dir() / "roster.xlsx"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _batch(make_return, tmp_path: Path) -> Path:
    """conftest.periods_batch, and two villages twice in one period (duplicates: more
    findings after the batch)."""
    d, returns = periods_batch(make_return, tmp_path)
    shutil.copy(returns[0], d / "第1期" / "00_又一份.xlsx")  # no findings, then one each
    shutil.copy(returns[1], d / "第1期" / "01_又一份.xlsx")  # findings, then one more each
    return d


def test_workers_give_the_same_report_and_copies(make_return, cl, ros, tmp_path):
    d = _batch(make_return, tmp_path)
    assert len(validate.list_files(d)[0]) >= validate.PARALLEL_MIN_FILES
    # the plain way: every row in this process, the copies made one by one afterwards
    rep, subs = validate.validate_folder(d, cl, ros, workers=1)
    day = dt.date(2022, 3, 31)
    validate.warn_other_period(rep, cl, d, day)  # 6 returns dated in 第1期 × folders 第2 … 第11期
    assert sum(f.code == "report-date-other-period" for fr in rep.files for f in fr.findings) == 60
    report_xlsx.write(rep, tmp_path / "plain.xlsx", title=f"{cl.campaign.title}台账校验报告")
    plain = feedback.write_all(rep, d, tmp_path / "plain", campaign_title=cl.campaign.title,
                               deadline="2022年4月8日", office=cl.campaign.office,
                               phone=cl.campaign.phone, issued=day)  # fmt: skip
    copies = [p for p in plain if p.suffix == ".xlsx"]
    assert 30 < len(copies) < len(plain)  # copies, and notices (the broken file: alone)
    expected = _tree(tmp_path / "plain")
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        got = validate.command(d, ROSTER, report_path=out / "报告.xlsx", feedback_dir=out / "fb",
                               deadline="2022-04-08", as_of=day, workers=workers)  # fmt: skip
        assert got.report.to_dict() == rep.to_dict()
        assert _tree(out / "fb") == expected  # same files, same bytes, no staging left
        assert [p.relative_to(out / "fb") for p in got.feedback or []] == [
            p.relative_to(tmp_path / "plain") for p in plain
        ]
        assert (out / "报告.xlsx").read_bytes() == (tmp_path / "plain.xlsx").read_bytes()
    # streamed: the same report (未报 too), no rows in this process
    stage = tmp_path / "stage"
    stage.mkdir()
    rep2, subs2, staged = validate.run_folder(d, cl, ros, workers=2, rows=False, stage=stage)
    validate.warn_other_period(rep2, cl, d, day)
    assert rep2.to_dict() == rep.to_dict()
    # made in the workers: every file with findings as validated (the broken one: no copy)
    late = {"第1期/00.xlsx", "第1期/00_又一份.xlsx"}  # findings only after the batch
    # (the other-period warnings come after the batch too: not what the workers saw)
    seen = {
        f.file for f in rep.files if any(x.code != "report-date-other-period" for x in f.findings)
    }
    assert late < seen
    assert sorted(staged) == sorted(seen - late)
    assert sorted(p.name for p in stage.iterdir()) == sorted(
        st.path.name for st in staged.values() if st.path
    )
    assert [f for f, st in staged.items() if st.path is None] == ["第2期/坏.xlsx"]
    assert all(s.rows for s in subs if s.accepted) and subs2 == []  # returns: no Submission


def test_nothing_sent_back_leaves_no_folder(make_return, cl, tmp_path):
    make_return("00.xlsx", {4: problem()}, folder=tmp_path / "returns")
    got = validate.command(tmp_path / "returns", ROSTER, report_path=None,
                           feedback_dir=tmp_path / "退回修改", as_of=dt.date(2022, 3, 31))  # fmt: skip
    assert got.report.files[0].findings == [] and got.feedback == []
    assert not (tmp_path / "退回修改").exists()


def test_other_period_names_the_sheet_and_cell_read(make_return, cl, ros, tmp_path):
    """The warning points where the 填报日期 was read: a renamed sheet, the date typed after
    the label (I2) instead of in K2 (the generated ledger's cell)."""
    import openpyxl

    d = tmp_path / "returns" / "第2期"
    p = make_return("00.xlsx", folder=d)  # dated 2022-03-30: 第1期
    wb = openpyxl.load_workbook(p)
    ws = wb["整改台账"]
    ws.title = "Sheet1"
    ws["K2"] = None
    ws["I2"] = "填报日期：2022年3月30日"
    wb.save(p)
    rep, _ = validate.validate_folder(d.parent, cl, ros, workers=1)
    validate.warn_other_period(rep, cl, d.parent, dt.date(2022, 4, 5))
    got = [(f.sheet, f.cell) for f in rep.files[0].findings if f.code == "report-date-other-period"]
    assert got == [("Sheet1", "I2")]
