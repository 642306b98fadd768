"""The ledger's 填报说明 sheet, rendered from templates/填报说明.txt.j2."""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha import layout, resources
from dapaicha.config.checklist import Checklist
from dapaicha.errors import UserError
from dapaicha.numerals import number_runs
from dapaicha.xlsx import excel

GUIDE_TEMPLATE = "填报说明.txt.j2"
GUIDE_WIDTH = (
    76  # column A of 填报说明, Excel character units (fits A4 portrait in LibreOffice too)
)
FONT_GUIDE = Font(name=excel.BODY_FONT, size=11)
FONT_GUIDE_HEAD = Font(name=excel.HEAD_FONT, size=12, bold=True)
FONT_GUIDE_TITLE = Font(name=excel.HEAD_FONT, size=16, bold=True)

_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)


@lru_cache(maxsize=1)
def _jinja() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cn_date"] = excel.cn_date
    return env


def guide_text(cl: Checklist) -> str:
    """The 填报说明 text rendered from templates/填报说明.txt.j2."""
    try:
        tpl = _jinja().get_template(GUIDE_TEMPLATE)
    except jinja2.TemplateNotFound as err:
        raise UserError(f"找不到模板文件 {resources.templates_dir() / GUIDE_TEMPLATE}。") from err
    v = cl.vocabularies
    return tpl.render(
        checklist=cl,
        campaign=cl.campaign,
        n_items=len(cl.items),
        h={c.key: c.header for c in layout.COLUMNS},
        yes_no=v.yes_no.canonical,
        kind=v.kind.canonical,
        result=v.result.canonical,
        signers=cl.campaign.village_signers,
        date_label=layout.DATE_LABEL,
        example_date=cl.campaign.first_deadline.isoformat(),
        provisional=number_runs([i.no for i in cl.provisional]),
    )


def provisional_ranges(cl: Checklist) -> str:
    """The provisional items' numbers as printed, e.g. 38—43 ('' when none)."""
    return number_runs([i.no for i in cl.provisional])


def guide_sheet(ws: Worksheet, cl: Checklist) -> None:
    ws.column_dimensions["A"].width = GUIDE_WIDTH
    paras = [p.strip() for p in guide_text(cl).splitlines() if p.strip()]
    for r, text in enumerate(paras, start=1):
        cell = ws.cell(r, 1)
        excel.put(cell, text)
        if r == 1:
            cell.font, size = FONT_GUIDE_TITLE, 16
            cell.alignment = excel.CENTER
        elif _HEADING.match(text):
            cell.font, size = FONT_GUIDE_HEAD, 12
            cell.alignment = _LEFT
        else:
            cell.font, size = FONT_GUIDE, 11
            cell.alignment = _TOP_LEFT
        lines = excel.text_lines(text, GUIDE_WIDTH, size)
        ws.row_dimensions[r].height = excel.lines_height(lines, size) + (8 if r == 1 else 2)
    ws.sheet_view.showGridLines = False
    excel.print_setup(ws, landscape=False)
    ws.protection.sheet = True
