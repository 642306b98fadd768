"""Probes of a second review: all-no said alike at both tiers, copies of the ledger sheet,
a lone date above the table, a date typed as a number, 有 under the signatures."""

from __future__ import annotations

import dataclasses
import datetime as dt

import openpyxl
from conftest import NO, problem

from dapaicha import layout
from dapaicha.app import validate
from dapaicha.figures import perfunctory

FIRST = layout.ROW_FIRST_ITEM


def _found(fr):
    return sorted((f.code, f.cell, f.item) for f in fr.findings)


def test_extra_no_row_all_no_evidence_same_at_city(make_return, cl, ros):
    p = make_return("多一行否.xlsx", {3: [NO, NO]})
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert (_found(fr), subs[0].accepted, len(subs[0].rows)) == ([], True, 67)
    s = subs[0]
    county = [x.evidence for x in perfunctory.signals([s], cl) if x.kind == "all-no"]
    m = dataclasses.replace(s, rows=[], source_kind="merged")
    city = [x.evidence for x in perfunctory.signals([m], cl) if x.kind == "all-no"]
    assert county == city == ["全部 66 个项目均填“否”（未自查出任何问题）"]


def _clear_answers(ws) -> None:
    """The 66 items' answer columns (E–M) left blank."""
    for r in range(FIRST, FIRST + 66):
        for col in "EFGHIJKLM":
            ws[f"{col}{r}"] = None


def test_own_filled_blank_copy_after(make_return, cl, ros):
    p = make_return("副本空白.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    c = wb.copy_worksheet(ws)
    c.title = "整改台账 (2)"
    _clear_answers(c)
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == [("other-ledger-sheet", "", None)]
    assert subs[0].accepted


def test_own_blank_two_filled_copies(make_return, cl, ros):
    """Own blank; two filled copies: which one? Silent choice?"""
    p = make_return("两份副本.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    c1 = wb.copy_worksheet(ws)
    c1.title = "整改台账 (2)"
    c2 = wb.copy_worksheet(ws)
    c2.title = "整改台账 (3)"
    c2[f"F{FIRST + 2}"] = "另一个描述"
    _clear_answers(ws)
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    # the first filled copy is read; the blank ledger and the other copy are named
    assert sorted((f.code, f.sheet) for f in fr.findings) == [
        ("other-ledger-sheet", layout.SHEET_LEDGER),
        ("other-ledger-sheet", "整改台账 (3)"),
    ]
    assert subs[0].sheet == "整改台账 (2)"
    assert [r.description for r in subs[0].rows if r.is_problem] == ["部分监测户信息未更新"]


def test_lone_text_date_above_blank_label(make_return, cl, ros):
    p = make_return("日期在旁.xlsx", {3: problem()}, report_date=None)
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws["M2"] = "2022年3月30日"
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == []
    assert subs[0].report_date == dt.date(2022, 3, 30)


def test_number_date_in_done_date(make_return, cl, ros):
    p = make_return("数字日期.xlsx", {3: problem(done_date=2022.0325, deadline=2022.042)})
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    r = next(r for r in subs[0].rows if r.is_problem)
    assert _found(fr) == []
    assert (r.done_date, r.deadline) == (dt.date(2022, 3, 25), dt.date(2022, 4, 20))


def test_有_under_the_signatures_without_序号_is_said(make_return, cl, ros):
    """有 reads as 是 in the table (yes_no vocabulary): the same row below is a problem too."""
    p = make_return("签字栏下有.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws["E90"], ws["F90"] = "有", "村内道路未硬化"
    wb.save(p)
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == [("row-below-table", "F90", None)]
