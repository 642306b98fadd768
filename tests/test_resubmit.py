"""A 退回通知's 重新报送期限 is never before the as-of date: as-of (today, or --as-of) plus
the days allowed (3, or dapaicha.yaml's resubmit_days); replaying a campaign that is over
(today outside its dates) keeps the batch's next cut-off, as before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from dapaicha.app import validate
from dapaicha.cli import app
from dapaicha.errors import UserError

runner = CliRunner()


def _notice(tmp_path: Path, d: Path, roster: str, *more: str) -> tuple[int, str]:
    fb = tmp_path / "fb"
    args = ["validate", str(d), "-r", roster, "--report", str(tmp_path / "r.xlsx")]
    r = runner.invoke(app, [*args, "--feedback", str(fb), *more])
    if isinstance(r.exception, UserError):
        return 2, str(r.exception)
    texts = sorted(fb.rglob("*.txt")) if fb.exists() else []
    return r.exit_code, "".join(p.read_text(encoding="utf-8-sig") for p in texts)


def test_as_of_sets_the_deadline(make_return, ros, tmp_path):
    d = tmp_path / "in"
    make_return("a.xlsx", {5: {"has_problem": "是"}}, folder=d, report_date=dt.date(2022, 4, 2))
    # without --as-of (today is outside the 2022 campaign): the batch's next cut-off, 4月7日
    code, text = _notice(tmp_path, d, ros.source)
    assert code == 1 and "于2022年4月7日前重新报送" in text
    # the bug: printed on 4月20日 it said 4月7日, already past; now as-of + 3 days
    code, text = _notice(tmp_path, d, ros.source, "--as-of", "2022-04-20")
    assert code == 1 and "于2022年4月23日前重新报送" in text and "4月7日" not in text
    code, text = _notice(tmp_path, d, ros.source, "--as-of", "4月20日", "--deadline", "4月25日")
    assert code == 1 and "于2022年4月25日前重新报送" in text
    code, text = _notice(tmp_path, d, ros.source, "--as-of", "2022-04-20", "--deadline", "4月8日")
    assert code == 2 and text == (
        "--deadline 2022年4月8日 早于 2022年4月20日，重新报送期限不能在此之前。"
    )
    code, text = _notice(tmp_path, d, ros.source, "--as-of", "下周")
    assert code == 2 and text == "--as-of 无法识别为日期：“下周”，请写成如 2022-04-08。"


def test_workspace_days(make_return, ros, tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    text = (ws / "dapaicha.yaml").read_text(encoding="utf-8-sig")
    (ws / "dapaicha.yaml").write_text(
        text.replace("resubmit_days: 3", "resubmit_days: 5"), encoding="utf-8"
    )
    d = ws / "returns" / "第2期"
    make_return("a.xlsx", {5: {"has_problem": "是"}}, folder=d, report_date=dt.date(2022, 4, 2))
    monkeypatch.chdir(d)
    code, text = _notice(tmp_path, d, ros.source, "--as-of", "2022-04-20")
    assert code == 1 and "于2022年4月25日前重新报送" in text


def test_today_only_inside_the_campaign(cl):
    c = cl.campaign
    assert validate.today_in(c, dt.date(2022, 4, 9)) == dt.date(2022, 4, 9)
    assert validate.today_in(c, c.start - dt.timedelta(days=1)) is None
    assert validate.today_in(c, dt.date(2026, 12, 3)) is None
