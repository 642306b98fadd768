"""Cell value normalisation: text, vocabulary words, dates and item numbers.

Pure functions, no I/O; they run on every cell of every returned workbook.
Pass the raw cell value (as python-calamine/openpyxl give it) to `parse_date` and
`parse_int`, not the output of `clean_text`: a float 4.3 and a text "4.30" mean
different things.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from dapaicha.layout import DONE
from dapaicha.numerals import CIRCLED, date_digits

# ---------------------------------------------------------------------------- text

# Invisible characters removed everywhere; odd spaces inside text become a plain space.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_CONTROL = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
_ODD_SPACES = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
)
_CLEAN_TABLE: dict[int, str | None] = {ord(c): None for c in _ZERO_WIDTH + _CONTROL}
_CLEAN_TABLE.update({ord(c): " " for c in _ODD_SPACES})
_CLEAN_TABLE.update({0x85: "\n", 0x2028: "\n", 0x2029: "\n"})


def _clean_str(s: str) -> str | None:
    if s.isprintable():
        # the common text: no \r, nothing _CLEAN_TABLE maps (all of it is unprintable),
        # no whitespace but " " (every other space is unprintable); translate is slow
        return s.strip() or None
    s = s.replace("\r\n", "\n").replace("\r", "\n").translate(_CLEAN_TABLE).strip()
    return s or None


def _float_text(v: float) -> str | None:
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v.is_integer():
        return str(int(v))
    return f"{v:.15g}"  # what Excel shows in a General cell (15 significant digits)


def clean_text(v: object) -> str | None:
    """A cell value as stripped text, or None when blank.

    - str: \\r\\n and \\r become \\n; zero-width and control characters are removed;
      NBSP and other odd spaces inside become " "; whitespace at both ends (incl.
      U+3000, NBSP, tabs, newlines) is stripped. Inner newlines are kept.
    - bool: "TRUE"/"FALSE", as Excel and WPS display a logical cell (a vocabulary may
      list them as synonyms; nothing is guessed here).
    - int: str(v); float: integral floats without ".0" (3.0 → "3"), others with up to
      15 significant digits as Excel shows them; NaN is blank.
    - date → "2022-04-30"; datetime → "2022-04-30" at midnight, else
      "2022-04-30 10:00:00"; time → "10:00:00".
    - anything else: str(v), cleaned as text.
    Idempotent: clean_text(clean_text(x)) == clean_text(x).
    """
    if v is None:
        return None
    if isinstance(v, str):
        return _clean_str(v)
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        try:
            return str(v)
        except ValueError:  # more digits than Python will print; never a real cell
            return f"{'-' if v < 0 else ''}{v.bit_length()}-bit integer"
    if isinstance(v, float):
        return _float_text(v)
    if isinstance(v, dt.datetime):
        if v.time() == dt.time(0, 0):
            return v.date().isoformat()
        return v.replace(tzinfo=None, microsecond=0).isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.replace(tzinfo=None, microsecond=0).isoformat()
    return _clean_str(str(v))


# ---------------------------------------------------------------------------- vocabularies

_KEY_DROP = "。．.、，,；;：:！!？?“”\"'‘’（）()【】[]〔〕《》「」『』-—–‐_~～…·"
_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u3000"
_KEY_TABLE: dict[int, str | None] = {ord(c): None for c in _KEY_DROP + _WHITESPACE + _ZERO_WIDTH}
_KEY_TABLE.update({c: chr(c - 32) for c in range(ord("a"), ord("z") + 1)})


def squash(s: str) -> str:
    """NFKC with every whitespace removed: compares texts that differ only in spacing."""
    return "".join(unicodedata.normalize("NFKC", s).split())


def vocab_key(s: str) -> str:
    """The comparison key of a vocabulary word.

    NFKC (full-width → half-width), all whitespace, zero-width characters and common
    punctuation removed, ASCII letters upper-cased: " 已 整改。" → "已整改", "ｙｅｓ" → "YES".
    Symbols such as √ × ✓ ✗ and digits are kept.
    """
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s)
    return s.translate(_KEY_TABLE)


@dataclass(frozen=True)
class VocabResult:
    """A vocabulary cell: `value` is the canonical word (None when blank or unknown).

    ok is False only for a non-blank word that could not be mapped; `raw` is the
    cleaned text as written. `loose` is True when the word was accepted through the
    bracket rule of `vocab` (e.g. "已整改（已销号）"), so a rule may mention it.
    """

    value: str | None
    ok: bool
    raw: str | None
    loose: bool = False

    @property
    def blank(self) -> bool:
        return self.raw is None


_OPEN_BRACKETS = "([【〔"
_PART = re.compile(r"部分|基本|一半|(?<![\d.])\d{1,2}(?:\.\d+)?%")  # 已整改（部分）is not done
_BRACKET_TAIL = re.compile(r"(?:\s*[(\[【〔][^()\[\]【】〔〕]*[)\]】〕])+[\s。.,，;；!！]*")


def _significant(key: str) -> bool:
    """Keys worth looking for inside bracketed text (not single ASCII letters/digits)."""
    return len(key) >= 2 or not key.isascii()


def vocab(v: object, lookup: dict[str, str]) -> VocabResult:
    """Map a cell to its canonical vocabulary word.

    `lookup` maps vocab_key(word) → canonical (checklist `Vocabulary.lookup`).
    blank → (None, True, None); known → (canonical, True, raw); unknown → (None, False, raw).

    Bracket rule (conservative): "已整改（已销号）" is accepted as 已整改 when the text
    before the first bracket is exactly one known word (key of ≥ 2 characters, or one
    non-ASCII character such as 是/否/√), everything after it is bracketed groups
    (optionally followed by 。), and the bracketed text contains no known word of a
    different canonical ("已整改（未完成）" is not ok) nor, after 已整改, a part of it
    ("已整改（部分）", "已整改（80%）" are not ok). Nothing else is guessed. Results are
    remembered per lookup: a lookup must not change once used (a checklist's never does).
    """
    if v.__class__ is str:  # a column repeats a few words: each read once per lookup
        memo = _vocab_memo(lookup)
        hit = memo.get(v)
        if hit is None:
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            hit = memo[v] = _vocab(v, lookup)
        return hit
    return _vocab(v, lookup)


_MEMO_MAX = 4096
_MEMOS: dict[int, tuple[dict[str, str], dict[str, VocabResult]]] = {}


def _vocab_memo(lookup: dict[str, str]) -> dict[str, VocabResult]:
    """The results of vocab for one lookup (checklists are frozen: so are their lookups)."""
    hit = _MEMOS.get(id(lookup))
    if hit is None or hit[0] is not lookup:
        if len(_MEMOS) >= 64:
            _MEMOS.clear()
        hit = _MEMOS[id(lookup)] = (lookup, {})
    return hit[1]


def _vocab(v: object, lookup: dict[str, str]) -> VocabResult:
    raw = clean_text(v)
    if raw is None:
        return VocabResult(None, True, None)
    key = vocab_key(raw)
    canon = lookup.get(key) if key else None
    if canon is not None:
        return VocabResult(canon, True, raw)
    loose = _bracketed(raw, lookup)
    if loose is not None:
        return VocabResult(loose, True, raw, loose=True)
    return VocabResult(None, False, raw)


def _bracketed(raw: str, lookup: dict[str, str]) -> str | None:
    s = unicodedata.normalize("NFKC", raw)
    cut = min((i for i in (s.find(b) for b in _OPEN_BRACKETS) if i >= 0), default=-1)
    head, tail = s[:cut], s[cut:]
    if cut <= 0 or _BRACKET_TAIL.fullmatch(tail) is None:
        return None
    head_key = vocab_key(head)
    canon = lookup.get(head_key)
    if canon is None or not _significant(head_key) or (canon == DONE and _PART.search(tail)):
        return None
    tail_key = vocab_key(tail)
    for k, c in lookup.items():
        if c != canon and _significant(k) and k in tail_key:
            return None
    return canon


# ---------------------------------------------------------------------------- dates

DateStatus = Literal["blank", "ok", "invalid", "ambiguous", "open"]


@dataclass(frozen=True)
class DateResult:
    """A date cell.

    status: "blank"; "ok" (value set); "invalid" (not a readable or possible date, or
    outside 2000–2099); "ambiguous" (looks like a date but is not guessed: a bare number
    like 4.3, a month without a day, 上旬/中旬/下旬); "open" (an open-ended deadline:
    长期/持续/常态化…, which only 纳入整改方案 may use — the rules decide). value is set
    only when status is "ok"; raw is the cleaned text as written (None when blank).
    """

    value: dt.date | None
    status: DateStatus
    raw: str | None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


MIN_YEAR = 2000
MAX_YEAR = 2099
_EPOCH_1900 = dt.date(1899, 12, 30)  # right for every serial > 60 (after the fake 1900-02-29)
_EPOCH_1904 = dt.date(1904, 1, 1)
# date1904 → (epoch, first and last serial of MIN_YEAR..MAX_YEAR)
_SERIALS = {
    flag: (e, (dt.date(MIN_YEAR, 1, 1) - e).days, (dt.date(MAX_YEAR, 12, 31) - e).days)
    for flag, e in ((False, _EPOCH_1900), (True, _EPOCH_1904))
}

# Full-width ASCII → half-width, ideographic space → space (cheaper and safer than NFKC:
# NFKC would turn ① into 1).
_HALF_TABLE: dict[int, str] = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_HALF_TABLE[0x3000] = " "
_HALF_TABLE[0x3002] = "."  # 2022。4。30: the Chinese full stop typed for a dot

_QUOTES = "'‘’"  # a leading apostrophe typed into a cell formatted as 文本 stays in the value
_TIME_SUFFIX = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*$")
_PREFIXES = ("截止到", "截止至", "截至", "截止", "到", "至", "于", "在")
_SUFFIXES = ("完成整改", "整改完成", "已完成", "完成", "办结", "以前", "之前", "前", "为止", "止")
_TRAIL_PUNCT = "。.,，;；!！"

_OPEN = re.compile(r"(?:长期|持续|常态化)(?:坚持|推进|整改|开展|落实|进行|管护|巩固|有效)*中?")
_RANGE = re.compile(r"(?<=[\d日号\s])[-—–~～至到]")
_YMD_SEP = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[日号]?")
_YMD_CN = re.compile(r"(?:(\d{4}|\d{2})年)?(\d{1,2})月(\d{1,2})[日号]?")
_MONTH_END = re.compile(r"(?:(\d{4}|\d{2})年)?(\d{1,2})月(?:份)?(?:底|末)")
_YEAR_END = re.compile(r"(?:(\d{4}|\d{2})年?|今年?)?年(?:底|末)")
_MONTH_VAGUE = re.compile(
    r"(?:(\d{4}|\d{2})年)?(\d{1,2})月(?:份)?(?:上旬|中旬|下旬|初|中|上半月|下半月)?"
)
_YEAR_MONTH_SEP = re.compile(r"(\d{4})[-/.](\d{1,2})")
_MD_SEP = re.compile(r"(\d{1,2})([-/.])(\d{1,2})[日号]?")
_OTHER_ORDER = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.](?:\d{2}|\d{4})")
_YEAR_ONLY = re.compile(r"(\d{4}|\d{2})年(?:度|内)?")
_WEEKDAY = re.compile(r"[(]?(?:星期|周)[一二三四五六日天1-7][)]?$")


def _year(text: str | None, default: int) -> int:
    if text is None:
        return default
    y = int(text)
    return 2000 + y if len(text) == 2 else y


def _make(y: int, m: int, d: int, raw: str) -> DateResult:
    if not (MIN_YEAR <= y <= MAX_YEAR):
        return DateResult(None, "invalid", raw)
    try:
        return DateResult(dt.date(y, m, d), "ok", raw)
    except ValueError:
        return DateResult(None, "invalid", raw)


def _month_end(y: int, m: int, raw: str) -> DateResult:
    if not (1 <= m <= 12):
        return DateResult(None, "invalid", raw)
    return _make(y, m, calendar.monthrange(y, m)[1] if MIN_YEAR <= y <= MAX_YEAR else 1, raw)


def _from_date(d: dt.date, raw: str) -> DateResult:
    ok = MIN_YEAR <= d.year <= MAX_YEAR
    return DateResult(d if ok else None, "ok" if ok else "invalid", raw)


def _serial(x: float, date1904: bool) -> dt.date | None:
    """An Excel serial as a date, or None unless it falls within 2000–2099."""
    epoch, lo, hi = _SERIALS[date1904]
    if not (lo <= x < hi + 1):
        return None
    return epoch + dt.timedelta(days=math.floor(x))


def _parse_number(x: int | float, raw: str, date1904: bool) -> DateResult:
    d = _serial(x, date1904)
    if d is not None:
        return DateResult(d, "ok", raw)
    if isinstance(x, int) or x.is_integer():
        n = int(x)
        if 10_000_000 <= n <= 99_999_999:  # 20220430 typed into a number cell
            return _make(n // 10_000, n // 100 % 100, n % 100, raw)
    elif MIN_YEAR <= x < MAX_YEAR + 1 and 2 <= len(frac := repr(x).partition(".")[2]) <= 4:
        mmdd = frac.ljust(4, "0")  # 2022.0325 typed into a number cell (2022.033: 03-30)
        got = _make(int(x), int(mmdd[:2]), int(mmdd[2:]), raw)
        if got.ok:
            return got
    return DateResult(None, "ambiguous", raw)


def _parse_text(raw: str, year: int, date1904: bool) -> DateResult:
    s = raw.lstrip(_QUOTES).translate(_HALF_TABLE)
    s = s if s.isascii() else date_digits(s)  # 二〇二二年四月三十日
    s = _TIME_SUFFIX.sub("", s)
    s = "".join(s.split()).rstrip(_TRAIL_PUNCT)
    for p in _PREFIXES:
        if s.startswith(p) and len(s) > len(p):
            s = s[len(p) :]
            break
    for _ in range(2):
        s = _WEEKDAY.sub("", s) if "期" in s or "周" in s else s  # （星期三）, before or after 前
        for suf in _SUFFIXES:
            if s.endswith(suf) and len(s) > len(suf):
                s = s[: -len(suf)]
                break
    if not s:
        return DateResult(None, "invalid", raw)
    if _OPEN.fullmatch(s):
        return DateResult(None, "open", raw)

    if s.isdigit():
        if len(s) == 8:
            return _make(int(s[:4]), int(s[4:6]), int(s[6:]), raw)
        if len(s) == 5:
            d = _serial(int(s), date1904)
            if d is not None:
                return DateResult(d, "ok", raw)
        return DateResult(None, "ambiguous", raw)
    if m := _YMD_SEP.fullmatch(s):
        return _make(int(m[1]), int(m[2]), int(m[3]), raw)
    if m := _YMD_CN.fullmatch(s):
        return _make(_year(m[1], year), int(m[2]), int(m[3]), raw)
    if m := _MONTH_END.fullmatch(s):
        return _month_end(_year(m[1], year), int(m[2]), raw)
    if m := _YEAR_END.fullmatch(s):
        return _make(_year(m[1], year), 12, 31, raw)
    if m := _MD_SEP.fullmatch(s):
        mo, sep, day = int(m[1]), m[2], m[3]
        if not (1 <= mo <= 12):
            return DateResult(None, "invalid", raw)
        if sep == "." and len(day) == 1:  # "4.3": 4月3日, or a mangled 4.30 — not guessed
            return DateResult(None, "ambiguous", raw)
        return _make(year, mo, int(day), raw)
    if m := _MONTH_VAGUE.fullmatch(s):
        if not (1 <= int(m[2]) <= 12):
            return DateResult(None, "invalid", raw)
        return DateResult(None, "ambiguous", raw)
    if m := _YEAR_MONTH_SEP.fullmatch(s):
        if not (1 <= int(m[2]) <= 12):
            return DateResult(None, "invalid", raw)
        return DateResult(None, "ambiguous", raw)
    if _OTHER_ORDER.fullmatch(s) or _YEAR_ONLY.fullmatch(s):
        return DateResult(None, "ambiguous", raw)
    return DateResult(None, "invalid", raw)


_DATE_FORM = re.compile(r"[\s年月日号_/.\-]")


def blank_date(v: object) -> bool:
    """Nothing typed where a date belongs: blank, or the printed form "    年   月   日"."""
    return v is None or (isinstance(v, str) and not _DATE_FORM.sub("", v))


def parse_date(v: object, *, year: int, date1904: bool = False) -> DateResult:
    """Read a date cell. `year` is the campaign year, used when only month and day are given.

    Accepted ("ok"):
    - date / datetime objects (the time is dropped);
    - Excel serials (int or float, a time fraction is dropped) that fall in 2000–2099,
      in the 1900 system (epoch 1899-12-30) or, with date1904, the 1904 system;
    - an 8-digit number or text yyyymmdd (20220430);
    - text: 2022-4-30, 2022/4/30, 2022.4.30, 2022.04.30, 2022年4月30日 / 号, 22年4月30日
      (two-digit years are 20xx), 4月30日 / 4月30号 / 4-30 / 4/30 / 4.30 (campaign year),
      2022.4.30日 / 3.25日 / 2022。4。30 (as typed with a Chinese input method),
      full-width digits, a time part (2022-04-30 10:00, 2022-04-30T10:00), a 5-digit serial
      as text, prefixes 截至/截止/于/到…, suffixes 前/以前/之前/为止/完成 (4月30日前 → 4-30),
      4月底/4月末 and 2022年5月底 (last day of the month), 年底/年末/2022年底 (12-31),
      each also in Chinese numerals (二〇二二年四月三十日, 四月底; numerals.date_digits).
    "ambiguous": other numbers (4.3, 4, 12.5, 2022), text "4.3" (one-digit day after a dot),
    a month or year without a day, 上旬/中旬/下旬, 4/30/2022 or 22-4-30 (order unknown).
    A range (2022.3.25-2022.4.30, 3月25日至4月30日) is its end; a weekday after the date
    (2022年3月30日（星期三）, 3月30日 周三) and an apostrophe before it ('2022/4/30, kept by
    a cell formatted as 文本) are dropped. "open": 长期/持续/常态化 (optionally + 坚持/推进/
    整改…). "invalid": everything else, impossible dates (2022-02-30, 13月), dates outside
    2000–2099, time-only values, TRUE/FALSE. Never raises."""
    if v is None:
        return DateResult(None, "blank", None)
    if isinstance(v, dt.datetime):
        return _from_date(v.date(), clean_text(v) or "")
    if isinstance(v, dt.date):
        return _from_date(v, v.isoformat())
    raw = clean_text(v)
    if raw is None:
        return DateResult(None, "blank", None)
    if isinstance(v, (bool, dt.time, dt.timedelta)):
        return DateResult(None, "invalid", raw)
    if isinstance(v, (int, float)):
        return _parse_number(v, raw, date1904)
    got = _parse_text(raw, year, date1904)
    for i in () if got.ok else (m.start() for m in _RANGE.finditer(raw)):
        a, b = _parse_text(raw[:i], year, date1904), _parse_text(raw[i + 1 :], year, date1904)
        if a.value and b.value and a.value <= b.value:
            return DateResult(b.value, "ok", raw)  # 2022.3.25-2022.4.30: its end
    return got


# ---------------------------------------------------------------------------- item numbers


@dataclass(frozen=True)
class IntResult:
    """An item number (序号): value, an optional sub-number (3-1 → sub 1), and whether it read.

    blank → (None, None, True); unreadable → (None, None, False).
    """

    value: int | None
    sub: int | None
    ok: bool

    @property
    def blank(self) -> bool:
        return self.ok and self.value is None


_INT_PLAIN = re.compile(r"\(?第?(\d{1,9})[项条号]?\)?[.、:]?")
_INT_SUB = re.compile(r"第?(\d{1,9})[项条号]?(?:[-—–‐−_~]|之)(\d{1,9})")
_INT_SUB_PAREN = re.compile(r"第?(\d{1,9})[项条号]?\((\d{1,9})\)")
_INT_DOT = re.compile(r"第?(\d{1,9})\.(\d{1,9})")  # 3.1: the first further problem of item 3
_INT_TABLE: dict[int, str] = {**_HALF_TABLE, 0x3002: "."}


def parse_int(v: object) -> IntResult:
    """Read a 序号 cell.

    3, 3.0, "3", "３", " 3 ", "第3项", "3.", "3、", "(3)", "③", "'3" → 3.
    Sub-numbering (a further problem under item 3): "3-1", "3—1", "3之1", "3（1）",
    "3(1)", "3.1" and the number 3.1 (which looks the same in the cell) → (3, sub=1).
    Not read, (None, None, False): negative or other numbers-with-text, TRUE/FALSE, dates.
    """
    if v is None:
        return IntResult(None, None, True)
    if isinstance(v, bool):
        return IntResult(None, None, False)
    if isinstance(v, int):
        return IntResult(v, None, True)
    if isinstance(v, float):
        if math.isnan(v):
            return IntResult(None, None, True)
        if math.isfinite(v) and v.is_integer():
            return IntResult(int(v), None, True)
        m = _INT_DOT.fullmatch(repr(v)) if v > 0 else None  # 3.1 typed as a number
        return IntResult(int(m[1]), int(m[2]), True) if m else IntResult(None, None, False)
    if not isinstance(v, str):
        return IntResult(None, None, False)
    raw = clean_text(v)
    if raw is None:
        return IntResult(None, None, True)
    s = "".join(raw.lstrip(_QUOTES).translate(_INT_TABLE).split())
    s = CIRCLED[s[0]] + s[1:] if s[:1] in CIRCLED and not any(map(str.isdigit, s[1:])) else s
    if m := _INT_PLAIN.fullmatch(s):
        if (s[0] == "(") != (")" in s):  # unbalanced bracket
            return IntResult(None, None, False)
        return IntResult(int(m[1]), None, True)
    if m := _INT_SUB.fullmatch(s) or _INT_SUB_PAREN.fullmatch(s) or _INT_DOT.fullmatch(s):
        return IntResult(int(m[1]), int(m[2]), True)
    return IntResult(None, None, False)
