"""The ledger's layout: sheet names, columns, header aliases, rows. The one place they live.

The generator writes exactly this; the reader looks for it (by header names, not
positions) and also accepts the notice's own 8-column table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SCHEMA_VERSION = 1

# The canonical words of the ledger's drop-downs, which rules and figures count by;
# checklist.yaml adds synonyms to them, never changes them.
YES, NO = "是", "否"
IMMEDIATE, PLAN = "立行立改", "纳入整改方案"
DONE, DOING, NOT_DONE = "已整改", "正在整改", "未整改"

SHEET_LEDGER = "整改台账"
SHEET_GUIDE = "填报说明"
SHEET_META = "_dapaicha"  # very hidden: identifies and checks a return
SHEET_FINDINGS = "退回修改意见"  # first sheet of a 退回修改 copy
SHEET_MERGED = "问题整改台账"  # the merged ledger's data sheet
SHEET_MERGED_META = "_dapaicha_merged"  # very hidden: key/value rows (checklist, period, tier)
SHEET_MERGED_VILLAGES = "_dapaicha_villages"  # hidden: every village the merged ledger covers
# sheets that together mark a summary we wrote (xlsx/summary.py 汇总 … 未报村; xlsx/weekly.py
# 周报 … 整改率图): sent instead of a ledger, it is said so, not read as a village's return
SUMMARY_MARKS = (("汇总", "未报村"), ("周报", "整改率图"))

# The merged ledger's own columns around the ledger's (key, header, width): LEAD, then
# 类别/序号/排查项目, then MERGED_SEQ, then every fill-in column, then TAIL.
MERGED_LEAD: tuple[tuple[str, str, float], ...] = (
    ("county", "县", 8),
    ("township", "乡（镇、街道）", 10),
    ("village", "村", 9),
    ("code", "村代码", 13),
    ("period", "期次", 5),
)
MERGED_SEQ: tuple[str, str, float] = ("seq", "问题序号", 5)
MERGED_TAIL: tuple[tuple[str, str, float], ...] = (
    ("carried", "本期未更新", 6),
    ("file", "来源文件", 16),
    ("cell", "来源单元格", 6),
)
MERGED_VILLAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "村代码"),
    ("county", "县"),
    ("township", "乡（镇、街道）"),
    ("village", "村"),
    ("period", "期次"),
    ("report_date", "填报日期"),
    ("on_time", "按时报送"),
    ("carried", "本期未更新"),
    ("file", "来源文件"),
    ("problems", "问题数"),
    ("status", "本期状态"),  # model.Status at the deadline: a 退回待改 village travels up as such
)

Kind = Literal["text", "int", "date", "yes_no", "kind", "result"]


@dataclass(frozen=True)
class Column:
    key: str  # stable identifier used by reader, rules, store
    header: str  # as printed in the ledger
    width: float  # Excel character units
    fill: bool  # filled in by the village (unlocked)
    kind: Kind = "text"
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


# Widths add up to 118 units: one A4 landscape page wide with 10 pt text printing at 9 pt or
# more (LibreOffice 91 %, Excel 100 %); long text wraps in the narrower columns.
COLUMNS: tuple[Column, ...] = (
    Column("category", "类别", 5, False, aliases=("类 别", "排查类别", "方面")),
    Column("no", "序号", 4, False, "int", ("编号", "项目序号", "序 号", "条目序号")),
    Column("topic", "排查项目", 5, False, aliases=("项目", "排查事项")),
    Column("content", "排查内容", 23, False, aliases=("内容", "排查内容及标准", "排查要点")),
    Column(
        "has_problem",
        "是否存在问题",
        5,
        True,
        "yes_no",
        (
            "是否有问题",
            "存在问题",
            "有无问题",
            "是否存在",
            "是否有此问题",
            "有无此类问题",
            "是否存在此问题",
        ),
    ),
    Column(
        "description",
        "自查问题描述",
        16,
        True,
        aliases=(
            "问题描述",
            "自查问题",
            "存在问题描述",
            "自查发现问题",
            "排查问题描述",
            "存在的问题",
            "发现的问题",
            "问题表现",
            "存在问题及表现",
        ),
    ),
    Column(
        "measure",
        "整改措施",
        16,
        True,
        aliases=("措施", "整改方案", "整改举措", "具体整改措施", "整改措施及办法", "整改办法"),
    ),
    Column(
        "kind",
        "整改类型",
        6,
        True,
        "kind",
        ("类型", "整改方式", "立行立改/纳入整改方案", "立行立改或纳入整改方案"),
    ),
    Column(
        "deadline",
        "整改期限",
        10,
        True,
        "date",
        (
            "整改时限",
            "完成时限",
            "期限",
            "时限",
            "整改完成时限",
            "完成期限",
            "整改完成期限",
            "计划完成时间",
            "计划完成日期",
            "计划完成时限",
            "整改时间",
            "计划整改时限",
            "计划完成期限",
            "预计完成时间",
        ),
    ),
    Column(
        "owner",
        "责任人",
        7,
        True,
        aliases=(
            "整改责任人",
            "责任人员",
            "负责人",
            "整改负责人",
            "包保责任人",
            "责任人及电话",
            "责任人及联系电话",
            "责任人及联系方式",
            "责任人姓名",
            "责任单位及责任人",
        ),
    ),
    Column(
        "result",
        "整改结果",
        6,
        True,
        "result",
        (
            "整改情况",
            "整改进展",
            "整改进度",
            "整改落实情况",
            "落实情况",
            "整改完成情况",
            "是否整改到位",  # the notice's 各类问题是否整改到位, as a header
            "整改是否到位",
            "是否整改完成",
            "是否完成整改",
            "完成情况",
            "整改进展情况",
            "结果",  # under 整改情况, as a sub-header
        ),
    ),
    Column(
        "done_date",
        "完成时间",
        10,
        True,
        "date",
        (
            "完成日期",
            "整改完成时间",
            "销号时间",
            "完成日",
            "实际完成时间",
            "实际完成日期",
            "实际整改完成时间",
            "完成整改时间",
            "整改完成日期",
            "销号日期",
        ),
    ),
    Column("note", "备注", 5, True, aliases=("说明",)),
)

BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
FILL_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.fill)

# 备注 of a problem under an item a revision removed (merged ledger, summaries): its 序号 is
# the old one; a merged ledger read back knows the row by it.
REMOVED_NOTE = "【清单修订已删除此项，按原序号列出】"
MERGED_YES = YES  # the merged ledger lists only rows whose 是否存在问题 is 是 (Row.is_problem)


def merged_columns() -> list[tuple[str, str, float]]:
    """(key, header, width) of the merged ledger's sheet, left to right."""
    mid = [(k, BY_KEY[k].header, BY_KEY[k].width) for k in ("category", "no", "topic")]
    fill = [(c.key, c.header, c.width) for c in COLUMNS if c.fill]
    return [*MERGED_LEAD, *mid, MERGED_SEQ, *fill, *MERGED_TAIL]


# Fill-in columns whose content marks a row as "reported something".
CONTENT_KEYS: tuple[str, ...] = (
    "description",
    "measure",
    "kind",
    "deadline",
    "owner",
    "result",
    "done_date",
)

# The notice's own attachment: 类别 · 序号 · 排查项目 · 自查问题描述 · 整改措施 · 整改期限 · 责任人 · 整改结果,
# where the long item text sits under 排查项目.
NOTICE_KEYS: tuple[str, ...] = (
    "category",
    "no",
    "topic",
    "description",
    "measure",
    "deadline",
    "owner",
    "result",
)

# Rows of the generated ledger (1-based, as Excel).
ROW_TITLE = 1
ROW_UNIT = 2  # 填报单位 … 填报日期
ROW_HEADER = 3
ROW_FIRST_ITEM = 4

# Cells of the unit line.
UNIT_LABEL = "填报单位"
DATE_LABEL = "填报日期"
# the same lines as villages write them (tried in order, after the printed label)
UNIT_LABELS = (UNIT_LABEL, "报送单位", "填表单位", "单位")
DATE_LABELS = (DATE_LABEL, "填报时间", "报送日期", "报送时间", "填表日期")
UNIT_CELL = "A2"  # "填报单位：…" merged A2:G2
DATE_LABEL_CELL = "I2"  # "填报日期：" merged I2:J2 (label)
DATE_CELL = "K2"  # the value, merged K2:L2, open for input
UNIT_MERGE, DATE_LABEL_MERGE, DATE_MERGE = "A2:G2", "I2:J2", "K2:L2"
LIAISON_LABEL = "联乡帮村干部"

# Signature block: one row per signer below the table, label merged A:C, name merged D:F.
SIGN_GAP = 1  # blank rows between the table and the signatures
SIGN_LABEL_SPAN = ("A", "C")
SIGN_NAME_SPAN = ("D", "F")
SIGN_DATE_SPAN = ("H", "I")  # "签字日期" label; value J, merged J:K
SIGN_DATE_LABEL = "签字日期"
NOTE_TEXT = "注：一项有多个问题的，请在该项下方插入行并填写相同序号，每行填写一个问题。"  # row above the signatures
FREEZE_CELL = f"A{ROW_FIRST_ITEM}"  # panes frozen below the header row


def sign_label(role: str) -> str:
    """Label of a signature line, e.g. 村级责任组组长（签字）：."""
    return f"{role}（签字）："


def sign_rows(n_items: int, n_signers: int) -> list[int]:
    """Excel rows of the signature lines for a ledger of n_items rows."""
    first = ROW_FIRST_ITEM + n_items + SIGN_GAP
    return [first + i for i in range(n_signers)]


def column_letter(index: int) -> str:
    """0-based column index → Excel letters."""
    s = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def address(row0: int, col0: int) -> str:
    """0-based row and column → A1 address."""
    return f"{column_letter(col0)}{row0 + 1}"


LETTER: dict[str, str] = {c.key: column_letter(i) for i, c in enumerate(COLUMNS)}
LAST_LETTER = column_letter(len(COLUMNS) - 1)


def title_text(unit: str, campaign_title: str) -> str:
    return f"{unit}{campaign_title}问题整改台账"


def file_name(village: str) -> str:
    return f"{village}_问题整改台账.xlsx"


META_KEYS: tuple[str, ...] = (
    "schema_version",
    "checklist_id",
    "checklist_hash",
    "village_code",
    "county",
    "township",
    "village",
    "generated_at",
    "tool_version",
)
