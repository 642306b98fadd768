"""Dates written in Chinese numerals, as 公文 date a paper (二〇二二年三月三十日)."""

from __future__ import annotations

import datetime as dt

import openpyxl
from conftest import problem

from dapaicha import layout
from dapaicha.app import validate

FIRST = layout.ROW_FIRST_ITEM  # item n is on row FIRST + n - 1


def test_dates_in_chinese_numerals_are_read(make_return, cl, ros):
    p = make_return(
        "大写日期.xlsx",
        {
            3: problem(deadline="二〇二二年四月三十日", done_date="二○二二年三月二十五日"),
            5: problem(deadline="四月底", result="正在整改", done_date=None),
        },
        report_date=None,
    )
    wb = openpyxl.load_workbook(p)
    wb[layout.SHEET_LEDGER][layout.DATE_CELL] = "二〇二二年三月三十日"
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert [(f.code, f.cell) for f in fr.findings] == []
    assert subs[0].report_date == dt.date(2022, 3, 30)
    rows = {r.no: r for r in subs[0].rows if r.is_problem}
    assert (rows[3].deadline, rows[3].done_date) == (dt.date(2022, 4, 30), dt.date(2022, 3, 25))
    assert rows[5].deadline == dt.date(2022, 4, 30)


def test_an_impossible_date_in_chinese_numerals_is_said_at_its_cell(make_return, cl, ros):
    p = make_return("错日期.xlsx", {3: problem(done_date="二〇二二年二月三十日")})
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    done = f"{layout.LETTER['done_date']}{FIRST + 2}"
    assert [(f.code, f.cell, f.value) for f in fr.findings] == [
        ("done-date-invalid", done, "二〇二二年二月三十日")
    ]


def test_a_完成时间_before_the_campaign_started_is_said_as_a_year_typed_wrong(make_return, cl, ros):
    # 2021 for 2022: read, kept, and said (a warning: the campaign's start is 2022-03-01)
    p = make_return(
        "年份写错.xlsx",
        {3: problem(done_date="2021-03-25"), 4: problem(done_date=dt.date(2022, 3, 1))},
    )
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    done = f"{layout.LETTER['done_date']}{FIRST + 2}"
    assert [(f.code, f.cell, f.severity) for f in fr.findings] == [
        ("done-date-before-start", done, "warning")
    ]
    f = fr.findings[0]
    assert (
        f.message
        == "“整改台账”表 第3项 L6单元格：完成时间 2021-03-25 早于行动开始日 2022-03-01，是否年份或月份写错？请核对。"
    )
    assert subs[0].accepted
