"""The village roster model: Village, Roster (lookup by code or names), name helpers.

Reading a roster file (workbook or CSV) into a Roster is read/roster.py; its row problems
are RosterProblems (problems are data), with the slugs and texts of PROBLEMS here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from dapaicha.findings import Severity
from dapaicha.model import village_key

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
    "names-carried": (
        W,
        "{detail}的{what}空白或写“同上”，已按上一行读作“{here}”，请核对。",
    ),
    "too-many-rows": (W, "名册超过 {detail} 行，其余行未读入；请核实文件。"),
}

_SPACE = re.compile(r"[\s\u200b\ufeff]+")
_CODE = re.compile(r"(\d{12})(?:\.0+)?")
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?[eE]\+?\d+")


def clean(value: object) -> str:
    """A cell as text: whole floats without '.0', every kind of space removed."""
    if value is None:
        return ""
    if type(value) is str and value.isalnum():  # no space of any kind: as it is
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACE.sub("", str(value))


@lru_cache(maxsize=1 << 17)  # a province: 52,000 villages, their townships and counties
def _strip(name: str, suffixes: tuple[str, ...], keep: int) -> str:
    s = unicodedata.normalize("NFKC", clean(name))
    for suffix in sorted(suffixes, key=len, reverse=True):
        if s.endswith(suffix) and len(s) - len(suffix) >= keep:
            return s[: -len(suffix)]
    return s


TOWNSHIP_SUFFIXES = ("乡", "镇", "街道", "办事处", "街道办事处", "回族乡", "回族镇")
_VILLAGE_WORDS = ("村", "社区", "村委会", "居委会", "村民委员会", "居民委员会")
VILLAGE_SUFFIXES: tuple[str, ...] = _VILLAGE_WORDS + tuple(
    f"{a}{b}" for a in ("村", "社区") for b in _VILLAGE_WORDS[2:]
)


def county_base(name: str) -> str:
    """鄢陵县 → 鄢陵; 郏县 stays (the rest must keep two characters)."""
    return _strip(name, ("县", "市", "区"), 2)


def township_base(name: str) -> str:
    """陈化店镇 → 陈化店; 小召乡 and 小召街道 → 小召; 颍桥回族镇 → 颍桥."""
    return _strip(name, TOWNSHIP_SUFFIXES, 1)


def village_base(name: str) -> str:
    """大马村, 大马村委会, 大马村村民委员会 → 大马; 北关社区 → 北关."""
    return _strip(name, VILLAGE_SUFFIXES, 1)


def normalize_code(value: object) -> tuple[str, str]:
    """(12-digit code or "", Chinese note on why the text is not a code or "")."""
    if type(value) is str and len(value) == 12 and value.isascii() and value.isdigit():
        return value, ""  # the usual code: nothing to clean or normalize
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


@dataclass(frozen=True)
class Village:
    code: str  # 12-digit village code, "" when the roster has none
    county: str  # 县（市、区）
    township: str  # 乡（镇、街道）
    village: str  # 行政村
    signers: tuple[str, ...] = ()  # names, in the order of campaign.village_signers
    liaison: str = ""  # 联乡帮村干部
    row: int = 0  # source row (1-based, as the user sees it)

    @property
    def key(self) -> str:
        return village_key(self.code, self.county, self.township, self.village)

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
