"""Numbers as people write them: Chinese numerals in dates (二〇二二年四月三十日 → 2022年4月30日),
and item numbers as runs (38—40、45)."""

from __future__ import annotations

import re
from collections.abc import Iterable

_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "Ο": 0, "一": 1, "二": 2, "三": 3}
_DIGITS |= {"四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_TENS = {"十": 1, "廿": 2, "卅": 3}  # 廿 = 20, 卅 = 30
_CHINESE = frozenset(_DIGITS) - frozenset("Oo") | frozenset(_TENS)
# a run of numerals before 年, 月, 日 or 号 (a Latin O typed for 〇 counts inside a run)
_RUN = re.compile("([" + "".join(_DIGITS) + "".join(_TENS) + "]+)(?=[年月日号])")
_VALUE = re.compile(r"([一二三四五六七八九])?([十廿卅])([一二三四五六七八九])?")


def run_value(run: str) -> int | None:
    """The number a run writes: digit by digit (二〇二二 → 2022) or with tens (三十一 → 31);
    None when it is neither (十十, 一二十)."""
    if not any(ch in _TENS for ch in run):
        return int("".join(str(_DIGITS[ch]) for ch in run))
    m = _VALUE.fullmatch(run)
    if m is None or (m[1] and m[2] != "十"):  # 二廿 is no number
        return None
    tens = _DIGITS[m[1]] if m[1] else _TENS[m[2]]
    return tens * 10 + (_DIGITS[m[3]] if m[3] else 0)


def _digits(m: re.Match[str]) -> str:
    run = m[1]
    if not _CHINESE.intersection(run):
        return run  # letters only: not a numeral
    value = run_value(run)
    if value is None:
        return run
    return str(value).zfill(len(run)) if not any(ch in _TENS for ch in run) else str(value)


# a circled number typed for a 序号: ①–⑳, ㉑–㉟, ㊱–㊿ → its digits
CIRCLED: dict[str, str] = {
    chr(c): str(n + c - first)
    for first, last, n in ((0x2460, 0x2473, 1), (0x3251, 0x325F, 21), (0x32B1, 0x32BF, 36))
    for c in range(first, last + 1)
}


def date_digits(text: str) -> str:
    """text with each numeral before 年/月/日/号 in Arabic digits; the rest as it was."""
    return _RUN.sub(_digits, text)


def number_runs(numbers: Iterable[int]) -> str:
    """Item numbers as printed, in order, each run of consecutive ones as its ends:
    [45, 38, 39, 40] → 38—40、45."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return "、".join(str(a) if a == b else f"{a}—{b}" for a, b in runs)
