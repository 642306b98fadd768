"""The village ledger workbook, built with openpyxl.

One builder makes both forms: `build_workbook(checklist, village)` writes one finished
ledger directly; `build_template(checklist)` writes the same workbook with a unique token
in place of every village-specific string, for stamp.py to fill in per village.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Protection, Side
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha import __version__, layout
from dapaicha.config.checklist import Checklist
from dapaicha.xlsx import excel, ledger_checks, ledger_guide

DATE_FORMAT = "yyyy-mm-dd"
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
RIGHT_WRAP = Alignment(horizontal="right", vertical="center", wrap_text=True)
LINE = Border(bottom=Side(style="thin", color="000000"))
FONT_UNIT = Font(name=excel.BODY_FONT, size=11)
FONT_NOTE = Font(name=excel.BODY_FONT, size=10)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACE = re.compile(r"\s+")


class VillageLike(Protocol):
    """What the ledger needs of a roster village (roster.Village has it)."""

    @property
    def code(self) -> str: ...
    @property
    def county(self) -> str: ...
    @property
    def township(self) -> str: ...
    @property
    def village(self) -> str: ...
    @property
    def signers(self) -> tuple[str, ...]: ...
    @property
    def liaison(self) -> str: ...


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


# --- the workbook ---------------------------------------------------------------------


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
    ws = excel.first_sheet(wb)
    ws.title = layout.SHEET_LEDGER
    _ledger_sheet(ws, cl, f, liaison_line)
    ledger_guide.guide_sheet(wb.create_sheet(layout.SHEET_GUIDE), cl)
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
    ledger_checks.add_validations(ws, cl)
    _note_and_signatures(ws, cl, f, sign_rows, liaison_line)
    ws.freeze_panes = layout.FREEZE_CELL
    excel.print_setup(ws, title_rows=f"{layout.ROW_TITLE}:{layout.ROW_HEADER}")
    excel.bound_scale(ws, [c.width for c in layout.COLUMNS])
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
        lines = max(lines, excel.text_lines(c.header, c.width, 10))
    ws.row_dimensions[layout.ROW_HEADER].height = excel.lines_height(lines, 10)


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
                lines = max(lines, excel.text_lines(item.content, c.width, 10))
            else:
                cell.protection = LOCKED
                cell.alignment = excel.CENTER
        heights.append(excel.lines_height(lines, 10))

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
            need = excel.lines_height(excel.text_lines(text, width, 10), 10)
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
    ws.row_dimensions[note_row].height = excel.lines_height(
        excel.text_lines(layout.NOTE_TEXT, total_width), 10
    )

    a, c = layout.SIGN_LABEL_SPAN
    d, e = layout.SIGN_NAME_SPAN
    h, i = layout.SIGN_DATE_SPAN
    date_col = layout.column_letter(_col_index(i) + 1)
    date_end = layout.column_letter(_col_index(i) + 2)
    label_width = sum(layout.COLUMNS[j].width for j in range(_col_index(a), _col_index(c) + 1))
    roles = cl.campaign.village_signers
    lines = [(layout.sign_label(r), n, True) for r, n in zip(roles, f.signers, strict=True)]
    if liaison_line:
        lines.append((f"{layout.LIAISON_LABEL}：", f.liaison, False))
    date_dv = ledger_checks.date_dv(cl, layout.SIGN_DATE_LABEL)
    for r, (text, name, signs) in zip(sign_rows, lines, strict=True):
        n_lines = excel.text_lines(text, label_width, 12)
        if n_lines > 1 and "（" in text:  # 村级责任组组长 / （签字）： on two lines
            text = text.replace("（", "\n（", 1)
            n_lines = excel.text_lines(text, label_width, 12)
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
            ws.cell(r, _col_index(date_col) + 2).border = LINE
            dc.border = LINE
            ws.merge_cells(f"{date_col}{r}:{date_end}{r}")  # room for a typed date at 12 pt
            date_dv.add(f"{date_col}{r}")
        ws.row_dimensions[r].height = max(30.0, excel.lines_height(n_lines, 12))
    ws.add_data_validation(date_dv)
    report_dv = ledger_checks.date_dv(cl, layout.DATE_LABEL)
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


# --- the metadata ----------------------------------------------------------------------


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
    rows = [(k, values[k]) for k in layout.META_KEYS]
    if cl.revisions:  # next to the hash; a checklist never revised writes what it always did
        rows.insert(
            layout.META_KEYS.index("checklist_hash") + 1, ("checklist_version", cl.version_label)
        )
    return rows


def _meta_sheet(ws: Worksheet, cl: Checklist, f: Fields, tool_version: str) -> None:
    for r, (k, v) in enumerate(meta_rows(cl, f, tool_version), start=1):
        excel.put(ws.cell(r, 1), k)
        if v:  # an empty value stays an empty cell, as stamp.py writes it
            excel.put(ws.cell(r, 2), v)
    ws.sheet_state = "veryHidden"
