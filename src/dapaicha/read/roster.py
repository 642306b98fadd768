"""Reading a roster file (.xlsx/.xlsm/.xls/.ods/.csv) into a config.roster.Roster.

Headers are found by name (with aliases) in the first rows of the first sheet that has
them; bad rows become RosterProblems, good rows still load. Workbooks go through
book.py's guard; what cannot be read at all is one Chinese UserError.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dapaicha.config import checklist as cl_mod
from dapaicha.config.checklist import Campaign
from dapaicha.config.roster import (
    PROBLEMS,
    Roster,
    RosterProblem,
    Village,
    clean,
    county_base,
    normalize_code,
    township_base,
    village_base,
)
from dapaicha.errors import UserError
from dapaicha.read import book

Rows = Sequence[Sequence[object]]  # a sheet's or a CSV's rows
BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
HEADER_SCAN_ROWS = 10
MAX_ROWS = 200_000  # a province has about 52,000 villages
MAX_CSV_BYTES = 64 * 1024 * 1024

# Field → header names; compared after _header_key() (brackets, spaces, case, 名称/姓名).
# The signers' columns (signer0, signer1 …) are named by the campaign: see _aliases().
HEADERS: dict[str, tuple[str, ...]] = {
    "county": ("县", "县（市、区）", "县区", "县市区", "county"),
    "township": ("乡", "乡镇", "乡（镇、街道）", "乡镇（街道）", "township"),
    "village": ("村", "行政村", "村（社区）", "村名", "village"),
    "code": ("村代码", "行政村代码", "区划代码", "统计用区划代码", "代码", "code"),
    "liaison": ("联乡帮村干部", "联乡帮村", "联系干部", "联村干部", "liaison"),
}
FIELD_ZH = {"county": "县（市、区）", "township": "乡（镇、街道）"}
# a names cell that says "as the row above" (cleaned: no spaces)
DITTO = frozenset({"同上", "〃", '"', "''", "”", "“", "ˊˊ", "々"})
# a row that sums the villages above it, not a village (its label in any cell)
_TOTAL = re.compile(r"(?:合计|总计|小计|共计)(?:[:：(（].*)?")
_NAMED_TOTAL = re.compile(r".{0,15}?" + _TOTAL.pattern)  # 陈化店镇小计 in a names cell


def _header_key(text: object) -> str:
    s = unicodedata.normalize("NFKC", clean(text)).lower().rstrip("*:")
    for tail in ("名称", "姓名"):
        if s.endswith(tail) and len(s) > len(tail):
            s = s[: -len(tail)]
    return s


@dataclass(frozen=True)
class _Spec:
    """What a roster of this campaign holds: header names, signers, county codes."""

    alias: dict[str, str]  # header key → field
    signers: int  # how many signer columns (signer0 …)
    county_codes: dict[str, str]  # county base name → 6-digit division code

    @classmethod
    def of(cls, campaign: Campaign) -> _Spec:
        fields = dict(HEADERS)
        for i, title in enumerate(campaign.village_signers):
            fields[f"signer{i}"] = (title, *campaign.signer_aliases.get(title, ()))
        alias = {_header_key(a): f for f, names in fields.items() for a in names}
        codes = {county_base(k): v for k, v in campaign.county_codes.items()}
        return cls(alias, len(campaign.village_signers), codes)


def county_in(roster: Roster, county: str) -> str:
    """The county a county's office speaks for, as the roster spells it ("" for "the roster's
    only county"); one Chinese line when the roster does not tell."""
    names = list(dict.fromkeys(v.county for v in roster.villages))
    if county in names:
        return county
    if len(names) == 1 and not county:
        return names[0]
    if county:
        raise UserError(
            f"本级为县（{county}），但村名册中没有这个县（名册中有：{'、'.join(names)}）。"
        )
    raise UserError(
        f"本级为县，但村名册中有{len(names)}个县（{'、'.join(names)}）："
        "请在 dapaicha.yaml 的 unit.name 或 --unit 写明本县名称。"
    )


def scoped(roster: Roster, county: str | None) -> Roster:
    """A county office's roster: its own villages only, even from a city-wide roster."""
    if county is None or not roster.villages:
        return roster
    name = county_in(roster, county)
    return dataclasses.replace(roster, villages=[v for v in roster.villages if v.county == name])


def load(path: str | Path, campaign: Campaign | None = None, county: str | None = None) -> Roster:
    """Read a roster (.xlsx/.xlsm/.xls/.ods/.csv); UserError if it cannot be read at all.

    campaign names the signers' columns and the county codes (default: the shipped checklist).
    county: keep that county's villages only (a county's workspace; see `scoped`).
    """
    spec = _Spec.of(campaign or cl_mod.load().campaign)
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到村名册文件：{path}。")
    suffix = path.suffix.lower()
    source = str(path)
    if suffix == ".csv":
        found = _accept(_read_csv(path), source, spec)
    elif suffix in BOOK_SUFFIXES:
        try:
            found = book.first_table(path, lambda t: _accept(t, source, spec), max_rows=MAX_ROWS)
        except book.Unreadable as err:
            raise UserError(f"村名册 {path.name} 无法读取（{err.reason}）：{err.hint}") from None
    else:
        raise UserError(f"村名册 {path.name} 的格式不支持，请使用 .xlsx、.xls、.ods 或 .csv 文件。")
    if found is None:
        raise UserError(
            f"村名册 {path.name} 的前 {HEADER_SCAN_ROWS} 行中没有找到表头："
            "应有“村”（或“行政村”）列，以及“县（市、区）”或“乡（镇、街道）”列。"
        )
    if not found.villages and not found.problems:
        raise UserError(f"村名册没有村（只有表头）：{path.name}，请在表头下面逐行填入各村。")
    return scoped(found, county)


def _accept(table: Rows, source: str, spec: _Spec) -> Roster | None:
    """The roster of a table whose header is found in its first rows, else None."""
    found = _find_header(table, spec)
    return None if found is None else _build(table, *found, source=source, spec=spec)


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


def _match(row: Sequence[object], spec: _Spec) -> dict[str, int]:
    cols: dict[str, int] = {}
    for j, cell in enumerate(row):
        f = spec.alias.get(_header_key(cell))
        if f and f not in cols:
            cols[f] = j
    return cols


def _find_header(table: Rows, spec: _Spec) -> tuple[dict[str, int], int] | None:
    """(field → column, first data row index) from the first header row in the first rows."""
    for i, row in enumerate(table[:HEADER_SCAN_ROWS]):
        cols = _match(row, spec)
        if "village" in cols and ("county" in cols or "township" in cols):
            # a second header row, e.g. the three signers under a merged 签字人
            sub = (
                {f: j for f, j in _match(table[i + 1], spec).items() if f not in cols}
                if i + 1 < len(table)
                else {}
            )
            return {**cols, **sub}, i + 1 + bool(sub)
    return None


def _cells(table: Rows, cols: dict[str, int], fields: Sequence[str]) -> Iterator[list[str]]:
    """Each row's cleaned cells of fields ("" where the row or the roster has none); a row
    of plain texts (most rows: nothing to clean) takes one join, not a clean() a cell."""
    at = [cols.get(f, -1) for f in fields]
    for i in range(len(table)):
        raw = table[i]
        n = len(raw)
        cells = [raw[j] if 0 <= j < n else "" for j in at]
        try:
            plain = "".join(cells).isalnum()  # type: ignore[arg-type]
        except TypeError:  # a number or None in a workbook's row
            plain = False
        yield cells if plain else [clean(x) for x in cells]  # type: ignore[misc]


def _build(table: Rows, cols: dict[str, int], start: int, *, source: str, spec: _Spec) -> Roster:
    villages: list[Village] = []
    problems: list[RosterProblem] = []
    by_code: dict[str, Village] = {}
    by_names: dict[tuple[str, str, str], Village] = {}

    def bad(row: int, slug: str, **kw: object) -> None:
        severity, template = PROBLEMS[slug]
        problems.append(RosterProblem(row, template.format(**kw), severity, slug))

    signers = tuple(f"signer{k}" for k in range(spec.signers))
    fields = ("county", "township", "village", "code", "liaison", *signers)
    required = [(k, FIELD_ZH[f]) for k, f in enumerate(fields[:2]) if f in cols]
    rows = _cells(table[start:MAX_ROWS], cols, fields)
    carried: list[tuple[int, str, str]] = []  # (row, names read from above, which)
    need_county, need_township = "county" in cols, "township" in cols
    above: tuple[int, str, str] = (0, "", "")  # the last named row's (row, county, township)
    for row, v in enumerate(rows, start=start + 1):
        if not any(v):
            continue  # blank rows (or only a 序号) are skipped silently
        name = "" if v[2] in DITTO else v[2]  # 同上 names no village
        if _NAMED_TOTAL.fullmatch(name):
            continue  # a township's 小计 typed under 行政村: no village
        if (
            not name
            or (need_county and not v[0])
            or (need_township and not v[1])
            or v[0] in DITTO
            or v[1] in DITTO
        ):
            if _is_total(table[row - 1]) or any(_NAMED_TOTAL.fullmatch(x) for x in v[:2]):
                continue  # a 合计 / 小计 row: no village
            if name and (what := _from_above(v, above[1:] if above[0] == row - 1 else None)):
                carried.append((row, f"{v[0]}{v[1]}", what))
            v[0], v[1] = ("" if x in DITTO else x for x in v[:2])  # 同上 of nothing: missing
        county, township, raw_code = v[0], v[1], v[3]
        if name:  # rows below carry its names even when it is rejected (a duplicate)
            above = (row, county, township)
        here = f"{county}{township}{name}"
        if not name:
            bad(row, "village-missing")
            continue
        if missing := [zh for k, zh in required if not v[k]]:
            bad(row, "names-missing", here=name, detail="、".join(missing))
            continue
        code, note = normalize_code(raw_code)
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
            bad(row, "code-invalid", code=raw_code, detail=note)
        expected = spec.county_codes.get(names[0])
        if code and expected and code[:6] != expected:
            bad(row, "code-county-mismatch", code=code, here=county, detail=expected)
        village = Village(code, county, township, name, tuple(v[5:]), v[4], row)
        villages.append(village)
        by_names.setdefault(names, village)
        if code:
            by_code[code] = village
    for a, b, read_as, what in _blocks(carried):
        detail = f"本行至第{b}行（共{b - a + 1}行）" if b > a else "本行"
        bad(a, "names-carried", detail=detail, what=what, here=read_as)
    if len(table) > MAX_ROWS:
        bad(MAX_ROWS + 1, "too-many-rows", detail=MAX_ROWS)
    problems.sort(key=lambda p: p.row)
    return Roster(villages, problems, source)


def _is_total(raw: Sequence[object]) -> bool:
    return any(isinstance(x, str) and _TOTAL.fullmatch(clean(x)) for x in raw)


def _from_above(v: list[str], above: tuple[str, str] | None) -> str:
    """Fill a row's blank county and township from the village on the row above, as if the
    cells were merged: a blank cell only when the cells left of it are blank too (a blank
    township under a county of its own is missing, not "the same"); 同上 always. Which
    names were filled ("" none)."""
    if above is None:
        return ""
    filled, left_blank = [], True
    for k, prev in enumerate(above):
        x = v[k]
        ditto = x in DITTO
        if (ditto or (not x and left_blank)) and prev and x != prev:
            v[k] = prev
            filled.append(FIELD_ZH["county" if k == 0 else "township"])
        left_blank = left_blank and (not x or ditto)
    return "、".join(filled)


def _blocks(carried: list[tuple[int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Consecutive rows filled from the same names: (first row, last row, names, which)."""
    out: list[tuple[int, int, str, str]] = []
    for row, here, what in carried:
        if out and out[-1][1] == row - 1 and out[-1][2] == here:
            a, _, _, w = out[-1]
            out[-1] = (a, row, here, w if len(w) >= len(what) else what)
        else:
            out.append((row, row, here, what))
    return out
