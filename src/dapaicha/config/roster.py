"""The village roster: a workbook or CSV of villages → Villages with codes and hierarchy.

Headers are found by name (with aliases) in the first rows of the first sheet that has
them; bad rows become RosterProblems (problems are data), good rows still load.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from dapaicha.errors import UserError
from dapaicha.findings import Severity

BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
HEADER_SCAN_ROWS = 10
MAX_ROWS = 200_000  # a province has about 52,000 villages
MAX_CSV_BYTES = 64 * 1024 * 1024

# Field → header names; compared after _header_key() (brackets, spaces, case, 名称/姓名).
HEADERS: dict[str, tuple[str, ...]] = {
    "county": ("县", "县（市、区）", "县区", "县市区", "county"),
    "township": ("乡", "乡镇", "乡（镇、街道）", "乡镇（街道）", "township"),
    "village": ("村", "行政村", "村（社区）", "村名", "village"),
    "code": ("村代码", "行政村代码", "区划代码", "统计用区划代码", "代码", "code"),
    "leader": ("村级责任组组长", "责任组组长", "组长"),
    "first_secretary": ("第一书记", "驻村第一书记"),
    "party_secretary": ("村支部书记", "支部书记", "村党支部书记", "村党组织书记", "书记"),
    "liaison": ("联乡帮村干部", "联乡帮村", "联系干部", "联村干部", "liaison"),
}
FIELD_ZH = {"county": "县（市、区）", "township": "乡（镇、街道）"}

E, W = Severity.ERROR, Severity.WARNING
# Problem slug → (severity, Chinese template). Errors reject the row (code-invalid: loses its code).
PROBLEMS: dict[str, tuple[Severity, str]] = {
    "village-missing": (E, "缺少村名，该行未读入；请填写行政村名称。"),
    "names-missing": (E, "“{here}”缺少{detail}名称，该行未读入；请补填。"),
    "code-two-townships": (
        E,
        "村代码 {code} 在第{first}行属于{other}，本行却是{here}，"
        "一个村不能属于两个乡镇，该行未读入；请核对村代码。",
    ),
    "duplicate-code": (E, "村代码 {code} 与第{first}行的“{other}”重复，该行未读入；请核对村代码。"),
    "duplicate-row": (
        E,
        "与第{first}行重复（{here}），该行未读入；请删除重复行（如确是两个村，请填写各自的村代码）。",
    ),
    "same-name": (W, "与第{first}行同名（{here}），已按村代码区分，请核对。"),
    "code-invalid": (E, "村代码“{code}”{detail}，已按无村代码读入该村；请填写 12 位村代码。"),
    "code-county-mismatch": (
        W,
        "村代码 {code} 的前 6 位与{here}的区划代码 {detail} 不符，请核对村代码或县名。",
    ),
    "too-many-rows": (W, "名册超过 {detail} 行，其余行未读入；请核实文件。"),
}

# County-level division codes of 许昌市 (NBS 统计用区划代码 2023, see data/README.md).
COUNTY_CODES = {
    "魏都区": "411002",
    "建安区": "411003",
    "许昌县": "411023",
    "鄢陵县": "411024",
    "襄城县": "411025",
    "许昌经济技术开发区": "411071",
    "禹州市": "411081",
    "长葛市": "411082",
}

_SPACE = re.compile(r"[\s\u200b\ufeff]+")
_CODE = re.compile(r"(\d{12})(?:\.0+)?")
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?[eE]\+?\d+")


def clean(value: object) -> str:
    """A cell as text: whole floats without '.0', every kind of space removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACE.sub("", str(value))


def _strip(name: str, suffixes: tuple[str, ...], keep: int) -> str:
    s = unicodedata.normalize("NFKC", clean(name))
    for suffix in sorted(suffixes, key=len, reverse=True):
        if s.endswith(suffix) and len(s) - len(suffix) >= keep:
            return s[: -len(suffix)]
    return s


TOWNSHIP_SUFFIXES = ("乡", "镇", "街道", "办事处", "街道办事处", "回族乡", "回族镇")
VILLAGE_SUFFIXES = ("村", "社区", "村委会", "居委会", "村民委员会", "居民委员会")
VILLAGE_SUFFIXES += tuple(f"{a}{b}" for a in ("村", "社区") for b in VILLAGE_SUFFIXES[2:])


def county_base(name: str) -> str:
    """鄢陵县 → 鄢陵; 郏县 stays (the rest must keep two characters)."""
    return _strip(name, ("县", "市", "区"), 2)


def township_base(name: str) -> str:
    """陈化店镇 → 陈化店; 小召乡 and 小召街道 → 小召; 颍桥回族镇 → 颍桥."""
    return _strip(name, TOWNSHIP_SUFFIXES, 1)


def village_base(name: str) -> str:
    """大马村, 大马村委会, 大马村村民委员会 → 大马; 北关社区 → 北关."""
    return _strip(name, VILLAGE_SUFFIXES, 1)


_COUNTY_CODE = {county_base(k): v for k, v in COUNTY_CODES.items()}


def normalize_code(value: object) -> tuple[str, str]:
    """(12-digit code or "", Chinese note on why the text is not a code or "")."""
    s = unicodedata.normalize("NFKC", clean(value)).lstrip("'")
    if s.startswith('="') and s.endswith('"'):  # the CSV trick that keeps Excel from rounding
        s = s[2:-1]
    if not s:
        return "", ""
    if m := _CODE.fullmatch(s):
        return m.group(1), ""
    if _SCIENTIFIC.fullmatch(s):
        return "", "被 Excel 显示成了科学计数法（后几位已丢失，请把该列设为“文本”）"
    return "", "不是 12 位数字"


def _header_key(text: object) -> str:
    s = unicodedata.normalize("NFKC", clean(text)).lower().rstrip("*:")
    for tail in ("名称", "姓名"):
        if s.endswith(tail) and len(s) > len(tail):
            s = s[: -len(tail)]
    return s


_ALIAS = {_header_key(a): f for f, names in HEADERS.items() for a in names}


@dataclass(frozen=True)
class Village:
    code: str  # 12-digit village code, "" when the roster has none
    county: str  # 县（市、区）
    township: str  # 乡（镇、街道）
    village: str  # 行政村
    signers: tuple[str, str, str] = ("", "", "")  # 村级责任组组长, 第一书记, 村支部书记
    liaison: str = ""  # 联乡帮村干部
    row: int = 0  # source row (1-based, as the user sees it)

    @property
    def key(self) -> str:
        return self.code if self.code else f"{self.county}/{self.township}/{self.village}"

    @property
    def full_name(self) -> str:
        return f"{self.county}{self.township}{self.village}"


@dataclass(frozen=True)
class RosterProblem:
    row: int  # 1-based source row
    message: str  # Chinese, without the row
    severity: Severity = Severity.ERROR  # error: the row is rejected or lost its code
    slug: str = ""  # stable kind, a key of PROBLEMS

    def __str__(self) -> str:
        return f"第{self.row}行：{self.message}"


@dataclass
class Roster:
    villages: list[Village]
    problems: list[RosterProblem] = field(default_factory=list)
    source: str = ""

    @property
    def errors(self) -> list[RosterProblem]:
        return [p for p in self.problems if p.severity == Severity.ERROR]

    @cached_property
    def by_key(self) -> dict[str, Village]:
        return {v.key: v for v in self.villages}

    @cached_property
    def _by_village(self) -> dict[str, list[Village]]:
        index: dict[str, list[Village]] = {}
        for v in self.villages:
            index.setdefault(village_base(v.village), []).append(v)
        return index

    def counties(self) -> list[str]:
        return list(dict.fromkeys(v.county for v in self.villages))

    def townships(self, county: str) -> list[str]:
        base = county_base(county)
        return list(
            dict.fromkeys(v.township for v in self.villages if county_base(v.county) == base)
        )

    def find(
        self,
        *,
        code: object = None,
        county: str | None = None,
        township: str | None = None,
        village: str | None = None,
    ) -> Village | None:
        """The village with this code, else the one village matching the names; None if ambiguous."""
        if code is not None:
            c, _ = normalize_code(code)
            if c and (hit := self.by_key.get(c)) is not None:
                return hit
        if not village:
            return None
        hits = self._by_village.get(village_base(village), [])
        if county:
            hits = [v for v in hits if not v.county or county_base(v.county) == county_base(county)]
        if township:
            base = township_base(township)
            hits = [v for v in hits if not v.township or township_base(v.township) == base]
        return hits[0] if len(hits) == 1 else None


def load(path: str | Path) -> Roster:
    """Read a roster (.xlsx/.xlsm/.xls/.ods/.csv); UserError if it cannot be read at all."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到村名册文件：{path}。")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        tables = [_read_csv(path)]
    elif suffix in BOOK_SUFFIXES:
        tables = _read_book(path)
    else:
        raise UserError(f"村名册 {path.name} 的格式不支持，请使用 .xlsx、.xls、.ods 或 .csv 文件。")
    for table in tables:
        if (found := _find_header(table)) is not None:
            return _build(table, *found, source=str(path))
    raise UserError(
        f"村名册 {path.name} 的前 {HEADER_SCAN_ROWS} 行中没有找到表头："
        "应有“村”（或“行政村”）列，以及“县（市、区）”或“乡（镇、街道）”列。"
    )


def _read_csv(path: Path) -> list[list[str]]:
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise UserError(
                f"村名册 {path.name} 超过 {MAX_CSV_BYTES // 2**20} MB，疑似不是村名册。"
            )
        data = path.read_bytes()
    except OSError as err:
        raise UserError(f"无法读取村名册 {path.name}：{err.strerror or err}。") from err
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UserError(
            f"村名册 {path.name} 的文字编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV。"
        )
    try:
        return list(itertools.islice(csv.reader(io.StringIO(text, newline="")), MAX_ROWS + 1))
    except csv.Error as err:
        raise UserError(f"村名册 {path.name} 不是有效的 CSV 文件（{err}）。") from err


def _read_book(path: Path) -> list[list[list[object]]]:
    """Every worksheet as rows from A1 (visible sheets first), merged cells filled in."""
    try:
        with CalamineWorkbook.from_path(path) as wb:
            metas = [m for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
            metas.sort(key=lambda m: m.visible != SheetVisibleEnum.Visible)
            tables = []
            for meta in metas:
                sheet = wb.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS + 1)
                _fill_merged(rows, sheet.merged_cell_ranges or [])
                tables.append(rows)
            return tables
    except (CalamineError, OSError) as err:
        raise UserError(
            f"村名册 {path.name} 无法读取（{err}）：文件可能已损坏或设有密码，请在 WPS 或 Excel 中另存为 .xlsx 后重试。"
        ) from err


def _fill_merged(
    rows: list[list[object]], ranges: list[tuple[tuple[int, int], tuple[int, int]]]
) -> None:
    """Give every cell of a merged range its top-left value (merged 县/乡 cells are common)."""
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for row in rows[r0 : r1 + 1]:
            for c in range(c0, min(c1 + 1, len(row))):
                row[c] = value


def _match(row: list[object]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for j, cell in enumerate(row):
        f = _ALIAS.get(_header_key(cell))
        if f and f not in cols:
            cols[f] = j
    return cols


def _find_header(table: list[list[object]]) -> tuple[dict[str, int], int] | None:
    """(field → column, first data row index) from the first header row in the first rows."""
    for i, row in enumerate(table[:HEADER_SCAN_ROWS]):
        cols = _match(row)
        if "village" in cols and ("county" in cols or "township" in cols):
            # a second header row, e.g. the three signers under a merged 签字人
            sub = (
                {f: j for f, j in _match(table[i + 1]).items() if f not in cols}
                if i + 1 < len(table)
                else {}
            )
            return {**cols, **sub}, i + 1 + bool(sub)
    return None


def _build(table: list[list[object]], cols: dict[str, int], start: int, *, source: str) -> Roster:
    villages: list[Village] = []
    problems: list[RosterProblem] = []
    by_code: dict[str, Village] = {}
    by_names: dict[tuple[str, str, str], Village] = {}

    def bad(row: int, slug: str, **kw: object) -> None:
        severity, template = PROBLEMS[slug]
        problems.append(RosterProblem(row, template.format(**kw), severity, slug))

    for i in range(start, min(len(table), MAX_ROWS)):
        raw, row = table[i], i + 1
        v = {f: clean(raw[j]) if j < len(raw) else "" for f, j in cols.items()}
        if not any(v.values()):
            continue  # blank rows (or only a 序号) are skipped silently
        county, township, name = v.get("county", ""), v.get("township", ""), v.get("village", "")
        here = f"{county}{township}{name}"
        if not name:
            bad(row, "village-missing")
            continue
        if missing := [FIELD_ZH[f] for f in ("county", "township") if f in cols and not v[f]]:
            bad(row, "names-missing", here=name, detail="、".join(missing))
            continue
        code, note = normalize_code(v.get("code", ""))
        names = (county_base(county), township_base(township), village_base(name))
        if code and (first := by_code.get(code)) is not None:
            if (county_base(first.county), township_base(first.township)) != names[:2]:
                other = f"{first.county}{first.township}"
                bad(row, "code-two-townships", code=code, first=first.row, other=other, here=here)
            elif village_base(first.village) == names[2]:
                bad(row, "duplicate-row", first=first.row, here=here)
            else:
                bad(row, "duplicate-code", code=code, first=first.row, other=first.village)
            continue
        if (first := by_names.get(names)) is not None:
            if not (code and first.code):
                bad(row, "duplicate-row", first=first.row, here=here)
                continue
            bad(row, "same-name", first=first.row, here=here)
        if note:
            bad(row, "code-invalid", code=v["code"], detail=note)
        expected = _COUNTY_CODE.get(names[0])
        if code and expected and code[:6] != expected:
            bad(row, "code-county-mismatch", code=code, here=county, detail=expected)
        signers = (v.get("leader", ""), v.get("first_secretary", ""), v.get("party_secretary", ""))
        village = Village(code, county, township, name, signers, v.get("liaison", ""), row)
        villages.append(village)
        by_names.setdefault(names, village)
        if code:
            by_code[code] = village
    if len(table) > MAX_ROWS:
        bad(MAX_ROWS + 1, "too-many-rows", detail=MAX_ROWS)
    return Roster(villages, problems, source)
