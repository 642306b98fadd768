"""The village ledger workbook, built with openpyxl.

One builder makes both forms: `build_workbook(checklist, village)` writes one finished
ledger directly; `build_template(checklist)` writes the same workbook with a unique token
in place of every village-specific string, for stamp.py to fill in per village.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import jinja2
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha import __version__, layout, resources
from dapaicha.config.checklist import Checklist
from dapaicha.errors import UserError
from dapaicha.xlsx import excel

GUIDE_TEMPLATE = "填报说明.txt.j2"
GUIDE_WIDTH = (
    76  # column A of 填报说明, Excel character units (fits A4 portrait in LibreOffice too)
)
DATE_FORMAT = "yyyy-mm-dd"
DATE_YEARS_AFTER_END = 5  # date validations accept dates up to 31 Dec of end year + this

UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
RIGHT_WRAP = Alignment(horizontal="right", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
LINE = Border(bottom=Side(style="thin", color="000000"))
FONT_UNIT = Font(name=excel.BODY_FONT, size=11)
FONT_NOTE = Font(name=excel.BODY_FONT, size=10)
FONT_GUIDE = Font(name=excel.BODY_FONT, size=11)
FONT_GUIDE_HEAD = Font(name=excel.HEAD_FONT, size=12, bold=True)
FONT_GUIDE_TITLE = Font(name=excel.HEAD_FONT, size=16, bold=True)

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACE = re.compile(r"\s+")
_HEADING = re.compile(r"^[一二三四五六七八九十]+、")


class VillageLike(Protocol):
    """What the ledger needs of a roster village (roster.Village has it)."""

    code: str
    county: str
    township: str
    village: str
    signers: tuple[str, ...]
    liaison: str


@dataclass(frozen=True)
class Fields:
    """The village-specific strings of one ledger (or, in the template, their tokens)."""

    code: str
    county: str
    township: str
    village: str
    signers: tuple[str, ...]
    liaison: str
    generated_at: str

    @property
    def full_name(self) -> str:
        return f"{self.county}{self.township}{self.village}"

    def as_dict(self) -> dict[str, str]:
        d = {
            "code": self.code,
            "county": self.county,
            "township": self.township,
            "village": self.village,
            "liaison": self.liaison,
            "generated_at": self.generated_at,
        }
        d.update({f"signer{i}": s for i, s in enumerate(self.signers)})
        return d


def clean(value: object) -> str:
    """A roster string as written into a ledger: one line, no XML-illegal characters."""
    s = "" if value is None else str(value)
    return _SPACE.sub(" ", _ILLEGAL.sub("", s)).strip()


def fields_for(cl: Checklist, village: VillageLike, generated_at: str) -> Fields:
    n = len(cl.campaign.village_signers)
    names = [clean(x) for x in tuple(village.signers)[:n]]
    names += [""] * (n - len(names))
    return Fields(
        code=clean(village.code),
        county=clean(village.county),
        township=clean(village.township),
        village=clean(village.village),
        signers=tuple(names),
        liaison=clean(getattr(village, "liaison", "")),
        generated_at=clean(generated_at),
    )


def token(name: str) -> str:
    """The placeholder of one village-specific field in the template."""
    return f"@@dpc:{name}@@"


def template_fields(cl: Checklist) -> Fields:
    return Fields(
        code=token("code"),
        county=token("county"),
        township=token("township"),
        village=token("village"),
        signers=tuple(token(f"signer{i}") for i in range(len(cl.campaign.village_signers))),
        liaison=token("liaison"),
        generated_at=token("generated_at"),
    )


def now_text() -> str:
    """The generation time written into the metadata (SOURCE_DATE_EPOCH wins if set)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        t = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).replace(tzinfo=None)
    else:
        t = dt.datetime.now()
    return t.isoformat(timespec="seconds")


def build_workbook(
    cl: Checklist,
    village: VillageLike,
    *,
    generated_at: str | None = None,
    tool_version: str = __version__,
) -> Workbook:
    """One village's finished ledger, built directly (the slow path; stamp.py is the fast one)."""
    f = fields_for(cl, village, generated_at or now_text())
    return _build(cl, f, liaison_line=bool(f.liaison), tool_version=tool_version)


def build_template(
    cl: Checklist, *, liaison_line: bool, tool_version: str = __version__
) -> tuple[Workbook, dict[str, str]]:
    """The ledger with a token for every village field; returns (workbook, field → token)."""
    f = template_fields(cl)
    return _build(cl, f, liaison_line=liaison_line, tool_version=tool_version), f.as_dict()


# --- text measuring: explicit row heights, since nobody autofits rows on open ---------


def _units(ch: str, size: float) -> float:
    """Width of one character in Excel column units (the default font's '0' = 7 px)."""
    wide = unicodedata.east_asian_width(ch) in "WFA"
    return (0.19 if wide else 0.1) * size


def text_lines(text: str, width: float, size: float = 10) -> int:
    """Lines a wrapped cell of `width` column units needs for `text` at `size` pt."""
    avail = max((width - 0.5) * 0.93, 1.0)  # Excel: 7 px a unit, 5 px padding; some slack
    total = 0
    for para in str(text).split("\n"):
        lines, cur = 1, 0.0
        for ch in para:
            u = _units(ch, size)
            if cur + u > avail:
                lines += 1
                cur = u
            else:
                cur += u
        total += lines
    return total


def row_height(lines: int, size: float = 10) -> float:
    """Points for `lines` lines of `size` pt text (room for the CJK fallback fonts' leading)."""
    return round(excel.row_points(lines, size * 1.36, pad=5), 1)


# --- the workbook ---------------------------------------------------------------------


def _vocab_formula(values: Sequence[str], what: str) -> str:
    bad = [v for v in values if "," in v or '"' in v]
    formula = '"' + ",".join(values) + '"'
    if bad or len(formula) > 255:
        raise UserError(
            f"清单中“{what}”的标准写法不能含逗号或引号，且合计不超过 255 个字符，无法生成下拉列表。"
        )
    return formula


def _list_dv(values: Sequence[str], header: str) -> DataValidation:
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


def _date_dv(cl: Checklist, what: str) -> DataValidation:
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


def _category_label(code: str, name: str) -> str:
    return f"{code}、{name}" if code and not name.startswith(code) else name


def _blocks(values: Sequence[str]) -> list[tuple[int, int, str]]:
    """Runs of equal, non-empty consecutive values: (first index, last index, value)."""
    out: list[tuple[int, int, str]] = []
    for i, v in enumerate(values):
        if out and v and out[-1][2] == v and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i, v)
        elif v:
            out.append((i, i, v))
    return out


def _build(cl: Checklist, f: Fields, *, liaison_line: bool, tool_version: str) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = layout.SHEET_LEDGER
    _ledger_sheet(ws, cl, f, liaison_line)
    _guide_sheet(wb.create_sheet(layout.SHEET_GUIDE), cl)
    _meta_sheet(wb.create_sheet(layout.SHEET_META), cl, f, tool_version)
    wb.active = 0
    return wb


def _ledger_sheet(ws: Worksheet, cl: Checklist, f: Fields, liaison_line: bool) -> None:
    n = len(cl.items)
    roles = list(cl.campaign.village_signers)
    sign_rows = layout.sign_rows(n, len(roles) + (1 if liaison_line else 0))
    if sign_rows[0] - 1 < layout.ROW_FIRST_ITEM + n:
        raise ValueError("layout.SIGN_GAP must leave a row for the note")
    for i, c in enumerate(layout.COLUMNS):
        ws.column_dimensions[layout.column_letter(i)].width = c.width
    _top_rows(ws, cl, f)
    _header_row(ws)
    _item_rows(ws, cl)
    _validations(ws, cl)
    _note_and_signatures(ws, cl, f, sign_rows, liaison_line)
    ws.freeze_panes = layout.FREEZE_CELL
    excel.print_setup(ws, title_rows=f"{layout.ROW_TITLE}:{layout.ROW_HEADER}")
    _protect(ws)


def _top_rows(ws: Worksheet, cl: Checklist, f: Fields) -> None:
    """Row 1: the title; row 2: 填报单位 … 填报日期 with its open date cell."""
    title = ws.cell(layout.ROW_TITLE, 1)
    excel.put(title, layout.title_text(f.full_name, cl.campaign.title))
    title.font = excel.FONT_TITLE
    title.alignment = excel.CENTER
    ws.merge_cells(f"A{layout.ROW_TITLE}:{layout.LAST_LETTER}{layout.ROW_TITLE}")
    ws.row_dimensions[layout.ROW_TITLE].height = 36

    unit = ws[layout.UNIT_CELL]
    excel.put(unit, f"{layout.UNIT_LABEL}：{f.full_name}")
    unit.font = FONT_UNIT
    unit.alignment = Alignment(horizontal="left", vertical="center")
    ws.merge_cells(layout.UNIT_MERGE)
    label = ws[layout.DATE_LABEL_CELL]
    excel.put(label, f"{layout.DATE_LABEL}：")
    label.font = FONT_UNIT
    label.alignment = RIGHT
    ws.merge_cells(layout.DATE_LABEL_MERGE)
    for row in ws[layout.DATE_MERGE]:  # a box: an underline would vanish into the header
        for cell in row:
            cell.border = excel.BORDER
    date_cell = ws[layout.DATE_CELL]
    date_cell.font = FONT_UNIT
    date_cell.alignment = Alignment(horizontal="center", vertical="center")
    date_cell.number_format = DATE_FORMAT
    date_cell.protection = UNLOCKED
    ws.merge_cells(layout.DATE_MERGE)
    ws.row_dimensions[layout.ROW_UNIT].height = 26


def _header_row(ws: Worksheet) -> None:
    lines = 1
    for i, c in enumerate(layout.COLUMNS, start=1):
        cell = ws.cell(layout.ROW_HEADER, i)
        excel.put(cell, c.header)
        cell.font = excel.FONT_HEAD
        cell.fill = excel.HEAD_FILL
        cell.border = excel.BORDER
        cell.alignment = excel.CENTER
        cell.protection = LOCKED
        lines = max(lines, text_lines(c.header, c.width, 10))
    ws.row_dimensions[layout.ROW_HEADER].height = row_height(lines, 10)


def _item_rows(ws: Worksheet, cl: Checklist) -> None:
    """One row per item; 类别 and 排查项目 as merged blocks; heights from the text."""
    first = layout.ROW_FIRST_ITEM
    items = cl.items
    heights: list[float] = []
    for k, (_, item) in enumerate(items):
        r = first + k
        lines = 1
        for i, c in enumerate(layout.COLUMNS, start=1):
            cell = ws.cell(r, i)
            cell.border = excel.BORDER
            cell.font = excel.FONT_BODY
            if c.fill:
                cell.protection = UNLOCKED
                cell.alignment = LEFT if c.kind == "text" else excel.CENTER
                if c.kind == "date":
                    cell.number_format = DATE_FORMAT
            elif c.key == "no":
                # Open, so that the 序号 of an inserted row (which takes this row's format)
                # can be typed, as the note asks; a validation keeps it a checklist number.
                cell.protection = UNLOCKED
                cell.value = item.no
                cell.alignment = excel.CENTER
            elif c.key == "content":
                cell.protection = LOCKED
                excel.put(cell, item.content)
                cell.alignment = LEFT
                lines = max(lines, text_lines(item.content, c.width, 10))
            else:
                cell.protection = LOCKED
                cell.alignment = excel.CENTER
        heights.append(row_height(lines, 10))

    # 类别 over its items, 排查项目 over consecutive items sharing a topic; a block's rows
    # together must be tall enough for its text.
    blocks = {
        "category": _blocks([_category_label(c.code, c.name) for c, _ in items]),
        "topic": _blocks([i.topic.strip() for _, i in items]),
    }
    for key, runs in blocks.items():
        col = layout.LETTER[key]
        width = layout.BY_KEY[key].width
        for a, b, text in runs:
            excel.put(ws[f"{col}{first + a}"], text)
            need = row_height(text_lines(text, width, 10), 10)
            have = sum(heights[a : b + 1])
            if need > have:
                heights[b] += need - have
    for k, h in enumerate(heights):  # sized to the item, and free to grow as villages type
        excel.growing_height(ws, first + k, round(h, 1))
    for key, runs in blocks.items():
        col = layout.LETTER[key]
        for a, b, _ in runs:
            if b > a:
                ws.merge_cells(f"{col}{first + a}:{col}{first + b}")


def _validations(ws: Worksheet, cl: Checklist) -> None:
    """Drop-down lists, date checks and the 序号 check on the item rows; the 填报日期 cell."""
    first = layout.ROW_FIRST_ITEM
    last = first + len(cl.items) - 1
    rng = {
        c.key: f"{layout.LETTER[c.key]}{first}:{layout.LETTER[c.key]}{last}" for c in layout.COLUMNS
    }
    voc = cl.vocabularies
    for key, vocab in (("has_problem", voc.yes_no), ("kind", voc.kind), ("result", voc.result)):
        dv = _list_dv(vocab.canonical, layout.BY_KEY[key].header)
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
        dv = _date_dv(cl, layout.BY_KEY[key].header)
        dv.add(rng[key])
        ws.add_data_validation(dv)


def _note_and_signatures(
    ws: Worksheet, cl: Checklist, f: Fields, sign_rows: list[int], liaison_line: bool
) -> None:
    """The note above the signatures, one line per signer, and the 联乡帮村干部 line."""
    note_row = sign_rows[0] - 1
    note = ws.cell(note_row, 1)
    excel.put(note, layout.NOTE_TEXT)
    note.font = FONT_NOTE
    note.alignment = LEFT
    ws.merge_cells(f"A{note_row}:{layout.LAST_LETTER}{note_row}")
    total_width = sum(c.width for c in layout.COLUMNS)
    ws.row_dimensions[note_row].height = row_height(text_lines(layout.NOTE_TEXT, total_width), 10)

    a, c = layout.SIGN_LABEL_SPAN
    d, e = layout.SIGN_NAME_SPAN
    h, i = layout.SIGN_DATE_SPAN
    date_col = layout.column_letter(_col_index(i) + 1)
    label_width = sum(layout.COLUMNS[j].width for j in range(_col_index(a), _col_index(c) + 1))
    roles = cl.campaign.village_signers
    lines = [(layout.sign_label(r), n, True) for r, n in zip(roles, f.signers, strict=True)]
    if liaison_line:
        lines.append((f"{layout.LIAISON_LABEL}：", f.liaison, False))
    date_dv = _date_dv(cl, layout.SIGN_DATE_LABEL)
    for r, (text, name, signs) in zip(sign_rows, lines, strict=True):
        n_lines = text_lines(text, label_width, 12)
        if n_lines > 1 and "（" in text:  # 村级责任组组长 / （签字）： on two lines
            text = text.replace("（", "\n（", 1)
            n_lines = text_lines(text, label_width, 12)
        lab = ws[f"{a}{r}"]
        excel.put(lab, text)
        lab.font = excel.FONT_SIGN
        lab.alignment = RIGHT_WRAP
        ws.merge_cells(f"{a}{r}:{c}{r}")
        for j in range(_col_index(d), _col_index(e) + 1):
            ws.cell(r, j + 1).border = LINE
        cell = ws[f"{d}{r}"]
        if name:
            excel.put(cell, name)
        cell.font = excel.FONT_SIGN
        cell.alignment = Alignment(horizontal="left", vertical="center")
        cell.protection = UNLOCKED
        ws.merge_cells(f"{d}{r}:{e}{r}")
        if signs:
            lab2 = ws[f"{h}{r}"]
            excel.put(lab2, f"{layout.SIGN_DATE_LABEL}：")
            lab2.font = excel.FONT_SIGN
            lab2.alignment = RIGHT
            ws.merge_cells(f"{h}{r}:{i}{r}")
            dc = ws[f"{date_col}{r}"]
            dc.font = excel.FONT_SIGN
            dc.alignment = Alignment(horizontal="center", vertical="center")
            dc.number_format = DATE_FORMAT
            dc.protection = UNLOCKED
            dc.border = LINE
            date_dv.add(f"{date_col}{r}")
        ws.row_dimensions[r].height = max(30.0, row_height(n_lines, 12))
    ws.add_data_validation(date_dv)
    report_dv = _date_dv(cl, layout.DATE_LABEL)
    report_dv.add(layout.DATE_CELL)
    ws.add_data_validation(report_dv)


def _protect(ws: Worksheet) -> None:
    """Protected without a password; rows may be inserted, deleted and formatted."""
    p = ws.protection
    p.sheet = True
    p.insertRows = False  # False = allowed
    p.deleteRows = False
    p.formatRows = False
    p.formatColumns = False
    p.formatCells = True
    p.insertColumns = True
    p.deleteColumns = True
    p.sort = True
    p.autoFilter = True
    p.selectLockedCells = False
    p.selectUnlockedCells = False


def _col_index(col: str) -> int:
    n = 0
    for ch in col:
        n = n * 26 + ord(ch) - 64
    return n - 1


# --- 填报说明 and the metadata ----------------------------------------------------------


def _ranges(nos: Sequence[int]) -> str:
    """[38, 39, 40, 45] → 38—40、45."""
    runs: list[list[int]] = []
    for n in sorted(nos):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return "、".join(str(a) if a == b else f"{a}—{b}" for a, b in runs)


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
        provisional=_ranges([i.no for i in cl.provisional]),
    )


def provisional_ranges(cl: Checklist) -> str:
    """The provisional items' numbers as printed, e.g. 38—43 ('' when none)."""
    return _ranges([i.no for i in cl.provisional])


def _guide_sheet(ws: Worksheet, cl: Checklist) -> None:
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
            cell.alignment = LEFT
        else:
            cell.font, size = FONT_GUIDE, 11
            cell.alignment = TOP_LEFT
        lines = text_lines(text, GUIDE_WIDTH, size)
        ws.row_dimensions[r].height = row_height(lines, size) + (8 if r == 1 else 2)
    ws.sheet_view.showGridLines = False
    excel.print_setup(ws, landscape=False)
    ws.protection.sheet = True


def meta_rows(cl: Checklist, f: Fields, tool_version: str) -> list[tuple[str, str]]:
    values = {
        "schema_version": str(layout.SCHEMA_VERSION),
        "checklist_id": cl.id,
        "checklist_hash": cl.content_hash,
        "village_code": f.code,
        "county": f.county,
        "township": f.township,
        "village": f.village,
        "generated_at": f.generated_at,
        "tool_version": tool_version,
    }
    return [(k, values[k]) for k in layout.META_KEYS]


def _meta_sheet(ws: Worksheet, cl: Checklist, f: Fields, tool_version: str) -> None:
    for r, (k, v) in enumerate(meta_rows(cl, f, tool_version), start=1):
        excel.put(ws.cell(r, 1), k)
        if v:  # an empty value stays an empty cell, as stamp.py writes it
            excel.put(ws.cell(r, 2), v)
    ws.sheet_state = "veryHidden"
