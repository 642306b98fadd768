"""Tests of dapaicha.normalize: examples for every accepted form, and properties."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dapaicha.config import checklist
from dapaicha.normalize import (
    _CLEAN_TABLE,
    DateResult,
    IntResult,
    VocabResult,
    clean_text,
    parse_date,
    parse_int,
    vocab,
    vocab_key,
)

D = dt.date
APR30 = D(2022, 4, 30)
FULL_WIDTH = str.maketrans("0123456789-./", "０１２３４５６７８９－．／")

CL = checklist.load()
VOCABS = {
    "yes_no": CL.vocabularies.yes_no,
    "kind": CL.vocabularies.kind,
    "result": CL.vocabularies.result,
}
WORDS = sorted(
    (name, word, canon)
    for name, voc in VOCABS.items()
    for canon, syns in voc.values.items()
    for word in [canon, *syns]
)

FAST = settings(max_examples=250, deadline=None)


def pd(v: object, year: int = 2022) -> DateResult:
    return parse_date(v, year=year)


# ---------------------------------------------------------------------------- clean_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("\u3000\u3000", None),
        ("\u00a0", None),
        ("\u200b\ufeff", None),
        ("\t\n\r\n", None),
        ("  已整改\u3000", "已整改"),
        ("\ufeff已整改\u200b", "已整改"),
        ("\u00a0张三\u00a0", "张三"),
        ("张\u00a0三", "张 三"),
        ("第一行\r\n第二行\r第三行\n", "第一行\n第二行\n第三行"),
        ("\t问题\t描述\t", "问题\t描述"),
        ("a\x00b\x07c", "abc"),
        (3, "3"),
        (-2, "-2"),
        (3.0, "3"),
        (44681.0, "44681"),
        (3.5, "3.5"),
        (0.1 + 0.2, "0.3"),
        (float("nan"), None),
        (True, "TRUE"),
        (False, "FALSE"),
        (D(2022, 4, 30), "2022-04-30"),
        (dt.datetime(2022, 4, 30), "2022-04-30"),
        (dt.datetime(2022, 4, 30, 10, 5, 7, 123), "2022-04-30 10:05:07"),
        (dt.time(10, 30), "10:30:00"),
    ],
)
def test_clean_text(value: object, expected: str | None) -> None:
    assert clean_text(value) == expected


@FAST
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=" \t\r\n\u3000\u00a0\u200b\ufeffab已整改"),
        st.floats(),
        st.integers(),
        st.booleans(),
        st.dates(),
        st.datetimes(),
        st.none(),
    )
)
def test_clean_text_idempotent(v: object) -> None:
    once = clean_text(v)
    assert clean_text(once) == once
    if once is not None:
        assert once == once.strip()
        assert once
        assert "\r" not in once


def test_clean_text_printable_is_only_stripped() -> None:
    # clean_text only strips a printable text: every character it removes or replaces
    # must be unprintable, and " " the only printable whitespace
    printable = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isprintable()]
    assert not [c for c in printable if ord(c) in _CLEAN_TABLE or c in "\r\n"]
    assert [c for c in printable if c.isspace()] == [" "]
    assert clean_text(" 张三 ") == "张三" and clean_text("张\u00a0三\r\n") == "张 三"


@given(st.text())
@FAST
def test_vocab_remembered_equals_fresh(text: str) -> None:
    lookup = VOCABS["result"].lookup
    first = vocab(text, lookup)
    assert vocab(text, lookup) is first  # remembered
    assert vocab(text, dict(lookup)) == first  # a fresh lookup reads it anew, the same


# ---------------------------------------------------------------------------- vocab_key / vocab


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (" 已 整改。", "已整改"),
        ("ｙｅｓ", "YES"),
        ("Yes!", "YES"),
        ("（已整改）", "已整改"),
        ("立行立改；", "立行立改"),
        ("已\u3000整\u00a0改\u200b", "已整改"),
        ("“是”", "是"),
        ("纳入-整改_方案", "纳入整改方案"),
        ("√", "√"),
        ("×", "×"),
        ("１", "1"),
        ("", ""),
    ],
)
def test_vocab_key(text: str, key: str) -> None:
    assert vocab_key(text) == key


def test_shipped_vocabularies_have_distinct_keys() -> None:
    for name, voc in VOCABS.items():
        seen: dict[str, str] = {}
        for canon, syns in voc.values.items():
            for word in [canon, *syns]:
                k = vocab_key(word)
                assert k, (name, word)
                assert seen.setdefault(k, canon) == canon, (name, word)
        assert voc.lookup == {vocab_key(w): c for c, s in voc.values.items() for w in [c, *s]}


YES = VOCABS["yes_no"].lookup
KIND = VOCABS["kind"].lookup
RESULT = VOCABS["result"].lookup


@pytest.mark.parametrize(
    ("value", "lookup", "expected"),
    [
        (None, YES, VocabResult(None, True, None)),
        ("  ", YES, VocabResult(None, True, None)),
        ("是", YES, VocabResult("是", True, "是")),
        ("有", YES, VocabResult("是", True, "有")),
        (" 存在问题。", YES, VocabResult("是", True, "存在问题。")),
        ("ｙｅｓ", YES, VocabResult("是", True, "ｙｅｓ")),
        ("y", YES, VocabResult("是", True, "y")),
        ("√", YES, VocabResult("是", True, "√")),
        (1, YES, VocabResult("是", True, "1")),
        (1.0, YES, VocabResult("是", True, "1")),
        (0, YES, VocabResult("否", True, "0")),
        ("无", YES, VocabResult("否", True, "无")),
        ("未发现问题", YES, VocabResult("否", True, "未发现问题")),
        ("ＮＯ", YES, VocabResult("否", True, "ＮＯ")),
        (True, YES, VocabResult(None, False, "TRUE")),
        ("是否", YES, VocabResult(None, False, "是否")),
        ("是/否", YES, VocabResult(None, False, "是/否")),
        ("。", YES, VocabResult(None, False, "。")),
        ("立行立改", KIND, VocabResult("立行立改", True, "立行立改")),
        ("即知即改", KIND, VocabResult("立行立改", True, "即知即改")),
        ("限期整改", KIND, VocabResult("纳入整改方案", True, "限期整改")),
        (" 已 整改。", RESULT, VocabResult("已整改", True, "已 整改。")),
        ("已销号", RESULT, VocabResult("已整改", True, "已销号")),
        ("整改中", RESULT, VocabResult("正在整改", True, "整改中")),
        ("待整改", RESULT, VocabResult("未整改", True, "待整改")),
        ("已整改已销号", RESULT, VocabResult(None, False, "已整改已销号")),
        ("已整改，已销号", RESULT, VocabResult(None, False, "已整改，已销号")),
        ("基本完成", RESULT, VocabResult(None, False, "基本完成")),
    ],
)
def test_vocab(value: object, lookup: dict[str, str], expected: VocabResult) -> None:
    assert vocab(value, lookup) == expected


@pytest.mark.parametrize(
    ("value", "lookup", "canon"),
    [
        ("已整改（已销号）", RESULT, "已整改"),
        ("已整改(已销号)。", RESULT, "已整改"),
        ("已整改【2022年4月】", RESULT, "已整改"),
        ("已整改（已销号）（4月20日）", RESULT, "已整改"),
        ("正在整改（预计5月底完成）", RESULT, None),  # 完成 belongs to 已整改
        ("已整改（未完成）", RESULT, None),  # contradiction
        ("正在整改（已完成80%）", RESULT, None),
        ("已整改（已销号", RESULT, None),  # unbalanced
        ("（已销号）已整改", RESULT, None),  # key 已销号已整改: not a word, no head
        ("（已整改）", RESULT, "已整改"),  # brackets dropped by vocab_key: exact match
        ("立行立改（已整改）", KIND, "立行立改"),  # 已整改 is not a kind word
        ("是（3户）", YES, "是"),
        ("是（10户）", YES, "是"),  # single digits are not looked for in brackets
        ("否（无）", YES, "否"),
        ("是（否）", YES, None),
        ("1（3户）", YES, None),  # single ASCII head is too weak
        ("Y（有）", YES, None),
        ("已整改（已销号）还差一户", RESULT, None),  # words after the brackets
    ],
)
def test_vocab_brackets(value: str, lookup: dict[str, str], canon: str | None) -> None:
    r = vocab(value, lookup)
    assert r.raw == value
    assert r.value == canon
    assert r.ok is (canon is not None)


def test_vocab_bracket_rule_is_flagged() -> None:
    assert vocab("已整改（已销号）", RESULT).loose is True
    assert vocab("已整改", RESULT).loose is False
    assert vocab(None, RESULT).blank and not vocab("x", RESULT).blank


_PAD = st.text(alphabet=" \t\n\u3000\u00a0\u200b", max_size=4)


@FAST
@given(
    st.sampled_from(WORDS),
    _PAD,
    _PAD,
    st.sampled_from(["", "。", "．", "！", "；"]),
    st.booleans(),
)
def test_vocab_padding_maps_to_canonical(
    word: tuple[str, str, str], left: str, right: str, stop: str, fullwidth: bool
) -> None:
    name, text, canon = word
    if fullwidth:
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    r = vocab(left + text + stop + right, VOCABS[name].lookup)
    assert r == VocabResult(canon, True, r.raw)
    assert r.raw is not None


@FAST
@given(st.sampled_from(list(VOCABS)), st.one_of(st.text(), st.integers(), st.floats()))
def test_vocab_arbitrary_never_raises_or_misleads(name: str, v: object) -> None:
    lookup = VOCABS[name].lookup
    r = vocab(v, lookup)
    assert r.ok is (r.raw is None or r.value is not None)
    assert r.value is None or r.value in VOCABS[name].canonical
    if r.raw is not None and vocab_key(r.raw) in lookup:
        assert r.value == lookup[vocab_key(r.raw)]
        assert not r.loose


@FAST
@given(st.sampled_from(WORDS), st.text(max_size=12))
def test_vocab_known_word_with_bracket_never_wrong(word: tuple[str, str, str], note: str) -> None:
    name, text, canon = word
    lookup = VOCABS[name].lookup
    r = vocab(f"{text}（{note}）", lookup)
    assert r.value in (canon, None)
    assert r.ok is (r.value is not None)


# ---------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D(2022, 4, 30), APR30),
        (dt.datetime(2022, 4, 30, 15, 20), APR30),
        (44681, APR30),
        (44681.0, APR30),
        (44681.75, APR30),  # a time of day
        (36526, D(2000, 1, 1)),
        (73050, D(2099, 12, 31)),
        (20220430, APR30),
        (20220430.0, APR30),
        ("44681", APR30),
        ("2022-4-30", APR30),
        ("2022/4/30", APR30),
        ("2022.4.30", APR30),
        ("2022.04.30", APR30),
        ("2022-04-30", APR30),
        ("2022年4月30日", APR30),
        ("2022年04月30日", APR30),
        ("2022年4月30号", APR30),
        ("2022年4月30", APR30),
        ("2022 年 4 月 30 日", APR30),
        ("22年4月30日", APR30),
        ("4月30日", APR30),
        ("4月30号", APR30),
        ("4-30", APR30),
        ("4/30", APR30),
        ("4.30", APR30),  # text, not the number 4.3
        ("20220430", APR30),
        ("2022-04-30 00:00:00", APR30),
        ("2022-04-30 10:00", APR30),
        ("2022-04-30T10:00", APR30),
        ("2022-04-30T10:00:00.000", APR30),
        ("2022年4月30日 10:00", APR30),
        ("２０２２年４月３０日", APR30),
        ("２０２２－０４－３０", APR30),
        ("４月３０日", APR30),
        ("\u3000 2022.4.30 \u200b", APR30),
        ("2022.4.30。", APR30),
        ("4月30日前", APR30),
        ("4月30日以前", APR30),
        ("4月30日之前", APR30),
        ("2022年4月30日前完成", APR30),
        ("截至4月30日", APR30),
        ("4月30日止", APR30),
        ("4月底", APR30),
        ("4月末", APR30),
        ("4月底前", APR30),
        ("2月底", D(2022, 2, 28)),
        ("2024年2月底", D(2024, 2, 29)),
        ("2022年5月底", D(2022, 5, 31)),
        ("22年5月底", D(2022, 5, 31)),
        ("2022年底", D(2022, 12, 31)),
        ("2022年末", D(2022, 12, 31)),
        ("2022年年底", D(2022, 12, 31)),
        ("年底", D(2022, 12, 31)),
        ("年底前", D(2022, 12, 31)),
        ("今年年底", D(2022, 12, 31)),
        ("2023年6月30日", D(2023, 6, 30)),
        ("2024.2.29", D(2024, 2, 29)),
        ("2022.4.3", D(2022, 4, 3)),  # two dots: cannot be a number
        (2022.0325, D(2022, 3, 25)),  # typed into a number cell
        (2022.033, D(2022, 3, 30)),  # 2022.0330, its last 0 lost as a number
        ("2022年3月30日（星期三）", D(2022, 3, 30)),
        ("2022-03-30(周三)", D(2022, 3, 30)),
        ("2022年3月30日星期三", D(2022, 3, 30)),
        ("3月30日 周三", D(2022, 3, 30)),
        ("2022年3月30日（星期三", D(2022, 3, 30)),  # the bracket lost in a label line
        ("4月30日周六前", APR30),
        ("2022年4月30日(周六)前", APR30),
        ("2022年4月30日前（周六）", APR30),
        # Chinese numerals, as 公文 date a paper (〇, ○, 零 or a typed O for zero)
        ("二〇二二年四月三十日", APR30),
        ("二○二二年四月三十日", APR30),
        ("二零二二年四月三十号", APR30),
        ("二O二二年四月三十日", APR30),
        ("二〇二二年四月三十日前", APR30),
        ("四月三十日", APR30),
        ("二〇二二年三月二十五日", D(2022, 3, 25)),
        ("二〇二二年三月廿五日", D(2022, 3, 25)),
        ("二〇二二年十二月三十一日", D(2022, 12, 31)),
        ("二〇二二年十月十日", D(2022, 10, 10)),
        ("四月底", APR30),
        ("二〇二二年五月底", D(2022, 5, 31)),
    ],
)
def test_parse_date_ok(value: object, expected: D) -> None:
    r = pd(value)
    assert r == DateResult(expected, "ok", r.raw)
    assert r.ok


def test_parse_date_chinese_numerals_ambiguous() -> None:
    assert pd("四月").status == "ambiguous"  # a month without a day, as with 4月
    assert pd("二〇二二年四月下旬").status == "ambiguous"


def test_parse_date_uses_campaign_year() -> None:
    assert pd("4月30日", 2023).value == D(2023, 4, 30)
    assert pd("5月底", 2023).value == D(2023, 5, 31)
    assert pd("年底", 2023).value == D(2023, 12, 31)
    assert pd("2022年4月30日", 2023).value == APR30


def test_parse_date_1904() -> None:
    assert parse_date(44681 - 1462, year=2022, date1904=True).value == APR30
    assert parse_date(44681, year=2022, date1904=True).value == D(2026, 5, 1)


def test_parse_date_raw() -> None:
    assert pd(None) == DateResult(None, "blank", None)
    assert pd(" \u3000") == DateResult(None, "blank", None)
    assert pd(44681) == DateResult(APR30, "ok", "44681")
    assert pd(4.3) == DateResult(None, "ambiguous", "4.3")
    assert pd(D(2022, 4, 30)).raw == "2022-04-30"
    assert pd(" 4月30日前 ").raw == "4月30日前"


@pytest.mark.parametrize(
    "value",
    [
        4.3,
        4.30,
        4,
        12.5,
        0.5,
        -3.5,
        2022,
        2022.4,
        430,
        30000,  # a 1982 serial: not plausible
        80000,
        float("inf"),
        "4.3",  # shows like the number 4.3: 4月3日 or a mangled 4.30
        "12.5",
        "4",
        "2022",
        "2022.4",
        2022.4,
        2022.12,  # 2022年12月, or 2022.1200: no day
        "2022-04",
        "2022年",
        "2022年4月",
        "4月",
        "4月份",
        "4月上旬",
        "4月中旬",
        "2022年4月下旬",
        "4/30/2022",
        "30.4.2022",
        "22-4-30",
        "22.4.30",
    ],
)
def test_parse_date_ambiguous(value: object) -> None:
    assert pd(value).status == "ambiguous"
    assert pd(value).value is None


@pytest.mark.parametrize(
    "value",
    [
        "2022-02-30",
        "2022-2-29",
        "2022年13月1日",
        "13月",
        "13月30日",
        "4月31日",
        "13-1",
        "2022-13",
        "20220230",
        20220230,
        "1999-12-31",
        "2100-01-01",
        D(1999, 12, 31),
        dt.datetime(2100, 1, 1),
        dt.time(10, 0),
        dt.timedelta(days=1),
        True,
        False,
        "尽快",
        "立行立改",
        "上旬",
        "底",
        "前",
        "4月30日左右",
        "2022.5.30-2022.4.30",  # a range ending before it starts (a range is its end)
        "二〇二二年四月三十一日",  # April has 30 days
        "二〇二二年一二十日",  # no number
        "二〇二二年十三月一日",
        "=TODAY()",
    ],
)
def test_parse_date_invalid(value: object) -> None:
    assert pd(value).status == "invalid"
    assert pd(value).value is None


@pytest.mark.parametrize(
    "value", ["长期", "持续", "长期坚持", "常态化", "持续推进", "长期坚持整改", "常态化推进中"]
)
def test_parse_date_open(value: str) -> None:
    assert pd(value) == DateResult(None, "open", value)


def _renderings(d: D) -> list[object]:
    texts = [
        f"{d.year}-{d.month}-{d.day}",
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}-{d.month:02d}-{d.day:02d}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}{d.month:02d}{d.day:02d}",
        f"{d.year:04d}-{d.month:02d}-{d.day:02d} 00:00:00",
    ]
    serial = (d - D(1899, 12, 30)).days
    return [
        *texts,
        *(t.translate(FULL_WIDTH) for t in texts),
        serial,
        float(serial),
        serial + 0.5,
        int(f"{d.year}{d.month:02d}{d.day:02d}"),
        d,
        dt.datetime(d.year, d.month, d.day, 23, 59),
    ]


@FAST
@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)), st.integers(2000, 2099))
def test_parse_date_round_trip(d: D, year: int) -> None:
    for v in _renderings(d):
        assert parse_date(v, year=year) == DateResult(d, "ok", clean_text(v)), v
    # month-day forms take the campaign year
    for v in (f"{d.month}月{d.day}日", f"{d.month}-{d.day}"):
        assert parse_date(v, year=d.year).value == d
    assert parse_date((d - D(1904, 1, 1)).days, year=year, date1904=True).value == d


@FAST
@given(st.floats(max_value=1000, exclude_max=True).filter(lambda x: not x.is_integer()))
def test_parse_date_fractional_small_float_is_ambiguous(x: float) -> None:
    r = pd(x)
    assert r.status == "ambiguous"
    assert r.value is None


ANY = st.one_of(
    st.text(),
    st.text(alphabet="0123456789０１２３年月日号底末前-./: T长期"),
    st.floats(),
    st.integers(),
    st.none(),
    st.dates(),
    st.datetimes(),
    st.booleans(),
    st.times(),
)


@FAST
@given(ANY, st.integers(2000, 2099), st.booleans())
def test_parse_date_never_raises(v: object, year: int, date1904: bool) -> None:
    r = parse_date(v, year=year, date1904=date1904)
    assert r.status in ("blank", "ok", "invalid", "ambiguous", "open")
    assert (r.value is not None) is (r.status == "ok")
    assert (r.raw is None) is (r.status == "blank")
    if r.value is not None:
        assert 2000 <= r.value.year <= 2099


# ---------------------------------------------------------------------------- parse_int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, IntResult(3, None, True)),
        (3.0, IntResult(3, None, True)),
        ("3", IntResult(3, None, True)),
        ("３", IntResult(3, None, True)),
        (" 3 ", IntResult(3, None, True)),
        ("\u30003\u200b", IntResult(3, None, True)),
        ("第3项", IntResult(3, None, True)),
        ("第 3 条", IntResult(3, None, True)),
        ("3.", IntResult(3, None, True)),
        ("3。", IntResult(3, None, True)),
        ("3、", IntResult(3, None, True)),
        ("(3)", IntResult(3, None, True)),
        ("（3）", IntResult(3, None, True)),
        ("66", IntResult(66, None, True)),
        ("3-1", IntResult(3, 1, True)),
        ("3—1", IntResult(3, 1, True)),
        ("3－2", IntResult(3, 2, True)),
        ("3之1", IntResult(3, 1, True)),
        ("3（1）", IntResult(3, 1, True)),
        ("3(1)", IntResult(3, 1, True)),
        ("第3项-2", IntResult(3, 2, True)),
        (None, IntResult(None, None, True)),
        ("", IntResult(None, None, True)),
        (" ", IntResult(None, None, True)),
        (3.1, IntResult(3, 1, True)),
        (12.25, IntResult(12, 25, True)),
        (-3.1, IntResult(None, None, False)),
        (3.5, IntResult(3, 5, True)),
        ("3.1", IntResult(3, 1, True)),
        ("第3.2", IntResult(3, 2, True)),
        ("3)", IntResult(None, None, False)),
        ("(3", IntResult(None, None, False)),
        ("3①", IntResult(None, None, False)),
        ("三", IntResult(None, None, False)),
        ("-3", IntResult(None, None, False)),
        ("3-", IntResult(None, None, False)),
        ("abc", IntResult(None, None, False)),
        (True, IntResult(None, None, False)),
        (float("inf"), IntResult(None, None, False)),
        (D(2022, 4, 30), IntResult(None, None, False)),
    ],
)
def test_parse_int(value: object, expected: IntResult) -> None:
    assert parse_int(value) == expected


def test_parse_int_blank_property() -> None:
    assert parse_int(None).blank
    assert not parse_int("x").blank
    assert not parse_int(3).blank


@FAST
@given(st.integers(min_value=1, max_value=10**6))
def test_parse_int_round_trip(n: int) -> None:
    for v in (n, float(n), str(n), f"第{n}项", f" {n}.", str(n).translate(FULL_WIDTH)):
        assert parse_int(v) == IntResult(n, None, True)
    assert parse_int(f"{n}-2") == IntResult(n, 2, True)


@FAST
@given(ANY)
def test_parse_int_never_raises(v: object) -> None:
    r = parse_int(v)
    assert r.ok or (r.value is None and r.sub is None)
