"""The ledger's data validations: drop-down lists, date ranges, the 序号 check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha import layout
from dapaicha.config.checklist import Checklist
from dapaicha.errors import UserError

DATE_YEARS_AFTER_END = 5  # date validations accept dates up to 31 Dec of end year + this


def _vocab_formula(values: Sequence[str], what: str) -> str:
    bad = [v for v in values if "," in v or '"' in v]
    formula = '"' + ",".join(values) + '"'
    if bad or len(formula) > 255:
        raise UserError(
            f"清单中“{what}”的标准写法不能含逗号或引号，且合计不超过 255 个字符，无法生成下拉列表。"
        )
    return formula


def list_dv(values: Sequence[str], header: str) -> DataValidation:
    shown = "、".join(values)
    return DataValidation(
        type="list",
        formula1=_vocab_formula(values, header),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="填写有误",
        error=f"“{header}”只能从下拉列表中选择：{shown}。",
        showInputMessage=True,
        promptTitle=header,
        prompt=f"请从下拉列表中选择：{shown}",
    )


def date_dv(cl: Checklist, what: str) -> DataValidation:
    lo = cl.campaign.start
    hi = dt.date(cl.campaign.end.year + DATE_YEARS_AFTER_END, 12, 31)
    example = cl.campaign.end.isoformat()
    return DataValidation(
        type="date",
        operator="between",
        formula1=str(excel_serial(lo)),
        formula2=str(excel_serial(hi)),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="日期有误",
        error=(
            f"“{what}”须填写 {lo.isoformat()} 至 {hi.isoformat()} 之间的日期，格式如 {example}，"
            "不要写成“4.30”“4月底”等。"
        ),
        showInputMessage=True,
        promptTitle=what,
        prompt=f"请填写日期，格式如 {example}",
    )


def excel_serial(d: dt.date) -> int:
    return (d - dt.date(1899, 12, 30)).days


def add_validations(ws: Worksheet, cl: Checklist) -> None:
    """Drop-down lists, date checks and the 序号 check on the item rows; the 填报日期 cell."""
    first = layout.ROW_FIRST_ITEM
    last = first + len(cl.items) - 1
    rng = {
        c.key: f"{layout.LETTER[c.key]}{first}:{layout.LETTER[c.key]}{last}" for c in layout.COLUMNS
    }
    voc = cl.vocabularies
    for key, vocab in (("has_problem", voc.yes_no), ("kind", voc.kind), ("result", voc.result)):
        dv = list_dv(vocab.canonical, layout.BY_KEY[key].header)
        dv.add(rng[key])
        ws.add_data_validation(dv)
    nos = [i.no for _, i in cl.items]
    no_dv = DataValidation(
        type="whole",
        operator="between",
        formula1=str(min(nos, default=1)),
        formula2=str(max(nos, default=1)),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="序号有误",
        error="序号须为排查清单中的序号；同一项有多个问题的，插入行后填写相同序号。",
    )
    no_dv.add(rng["no"])
    ws.add_data_validation(no_dv)
    for key in ("deadline", "done_date"):
        dv = date_dv(cl, layout.BY_KEY[key].header)
        dv.add(rng[key])
        ws.add_data_validation(dv)
