"""roster.py: reading rosters (xlsx/csv, encodings, aliases, quirks), bad rows, find()."""

from __future__ import annotations

import csv
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from dapaicha.cli import app
from dapaicha.config import checklist, roster
from dapaicha.errors import UserError
from dapaicha.findings import Severity
from dapaicha.read import roster as roster_read
from dapaicha.resources import examples_dir

EXAMPLE = examples_dir() / "roster.xlsx"
E, W = Severity.ERROR, Severity.WARNING

# Township codes of the example's townships, copied by hand from xuchang-townships-2023.csv.
EXAMPLE_TOWNSHIPS = {
    ("鄢陵县", "陈化店镇"): ("411024103", 4),
    ("鄢陵县", "望田镇"): ("411024104", 3),
    ("襄城县", "城关街道"): ("411025001", 3),
    ("襄城县", "茨沟街道"): ("411025002", 3),
    ("襄城县", "颍桥回族镇"): ("411025101", 3),
}


@pytest.fixture(scope="module")
def example() -> roster.Roster:
    return roster_read.load(EXAMPLE)


def write_xlsx(path: Path, rows: list[list[object]], merges: tuple[str, ...] = ()) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def facts(r: roster.Roster) -> list[tuple]:
    return [
        (v.row, v.code, v.county, v.township, v.village, v.signers, v.liaison) for v in r.villages
    ]


def problems(r: roster.Roster) -> list[tuple[int, str, Severity]]:
    return [(p.row, p.slug, p.severity) for p in r.problems]


# --- the example roster -------------------------------------------------------------------


def test_example_roster_counts(example: roster.Roster) -> None:
    assert len(example.villages) == 16
    assert example.problems == []
    assert example.counties() == ["鄢陵县", "襄城县"]
    assert example.townships("鄢陵县") == ["陈化店镇", "望田镇"]
    assert example.townships("襄城") == ["城关街道", "茨沟街道", "颍桥回族镇"]
    assert [v.row for v in example.villages] == list(range(3, 19))  # title row 1, header row 2
    for (county, township), (tcode, n) in EXAMPLE_TOWNSHIPS.items():
        here = [v for v in example.villages if (v.county, v.township) == (county, township)]
        assert len(here) == n
        assert [v.code for v in here] == [f"{tcode}{201 + i}" for i in range(n)]
    assert sum(all(v.signers) for v in example.villages) == 12
    assert sum(not any(v.signers) for v in example.villages) == 0
    assert sum(bool(v.liaison) for v in example.villages) == 6
    first = example.villages[0]
    assert first == roster.Village(
        "411024103201", "鄢陵县", "陈化店镇", "大马村", ("孙建军", "刘晓峰", "王德顺"), "赵卫东", 3
    )
    assert first.key == "411024103201"
    assert first.full_name == "鄢陵县陈化店镇大马村"
    assert example.by_key["411025101203"].village == "郭庄村"


def test_example_workbook_style_and_determinism(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb.active
    assert ws["A1"].value == "许昌市“大排查大起底”行动村名册（示例）"
    assert [str(m) for m in ws.merged_cells.ranges] == ["A1:I1"]
    assert [c.value for c in ws[2]] == [
        "序号", "县（市、区）", "乡（镇、街道）", "行政村", "村代码",
        "村级责任组组长", "第一书记", "村支部书记", "联乡帮村干部",
    ]  # fmt: skip
    assert all(c.font.name == "黑体" and c.font.b for c in ws[2])
    assert ws.column_dimensions["E"].width == 16
    assert ws["E3"].value == "411024103201" and ws["E3"].data_type == "s"
    spec = importlib.util.spec_from_file_location("make_roster", examples_dir() / "make_roster.py")
    assert spec and spec.loader
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    builder.build(tmp_path / "a.xlsx")
    # the committed example is what the builder writes, byte for byte
    assert (tmp_path / "a.xlsx").read_bytes() == EXAMPLE.read_bytes()


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="需要 LibreOffice (soffice)")
def test_example_as_ods_and_xls(tmp_path: Path, example: roster.Roster) -> None:
    for fmt in ("ods", "xls"):
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
             "--convert-to", fmt, "--outdir", str(tmp_path), str(EXAMPLE)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        converted = roster_read.load(tmp_path / f"roster.{fmt}")
        assert facts(converted) == facts(example), fmt


# --- formats, encodings, headers ----------------------------------------------------------

CSV_ROWS = [
    ["村名册"],
    ["县（市、区）", "乡（镇、街道）", "行政村", "村代码", "第一书记"],
    ["鄢陵县", "陈化店镇", "大马村", "411024103201", "刘晓峰"],
    ["襄城县", "颍桥回族镇", "郭庄村", "411025101203", ""],
]
CSV_FACTS = [
    (3, "411024103201", "鄢陵县", "陈化店镇", "大马村", ("", "刘晓峰", ""), ""),
    (4, "411025101203", "襄城县", "颍桥回族镇", "郭庄村", ("", "", ""), ""),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_give_the_same_villages(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "名册.csv", CSV_ROWS, encoding)
    r = roster_read.load(path)
    assert facts(r) == CSV_FACTS
    assert r.problems == []
    assert r.source == str(path)


def test_rows_with_and_without_spaces_numbers_and_blanks(tmp_path: Path) -> None:
    # rows of plain text are taken as they are, the others cleaned cell by cell: both the same
    head = ["县", "乡镇", "村", "村代码", "第一书记", "联系干部"]
    rows = [
        head,
        ["鄢陵县", "陈化店镇", "大马村", "411024103201", "刘晓峰", "王五"],
        [" 鄢陵县", "陈化店镇\u3000", "大 马庄村", " 411024103202", "刘 晓峰", None],
        ["鄢陵县", "望田镇", "小马村", 411024104201, None, ""],
        ["鄢陵县", "望田镇", "二郎村"],  # a short row: no code, no signer
        [None, None, None, None],
    ]
    r = roster_read.load(write_xlsx(tmp_path / "r.xlsx", rows))
    assert facts(r) == [
        (2, "411024103201", "鄢陵县", "陈化店镇", "大马村", ("", "刘晓峰", ""), "王五"),
        (3, "411024103202", "鄢陵县", "陈化店镇", "大马庄村", ("", "刘晓峰", ""), ""),
        (4, "411024104201", "鄢陵县", "望田镇", "小马村", ("", "", ""), ""),
        (5, "", "鄢陵县", "望田镇", "二郎村", ("", "", ""), ""),
    ]
    assert r.problems == []
    text = [[("" if c is None else str(c)) for c in row] for row in rows]
    assert facts(roster_read.load(write_csv(tmp_path / "r.csv", text))) == facts(r)


def test_csv_gbk_bytes_really_are_gbk(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "名册.csv", CSV_ROWS, "gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert facts(roster_read.load(path)) == CSV_FACTS


def test_headers_in_another_order_below_a_title_with_aliases(tmp_path: Path) -> None:
    rows = [
        ["许昌市鄢陵县村名册"],
        [None, "（2022年3月）"],
        [
            "联系干部", "村 名", "支部书记", "乡镇（街道）", "序号", "县(市、区)",
            "区划代码", "责任组组长", "驻村第一书记",
        ],
        ["赵卫东", " 大马村 ", "王德顺", "陈化店镇", 1, "鄢陵县", 411024103201, "孙\u3000建军", "刘\xa0晓峰"],
        [None, "王庄村", None, "陈化店镇", 2, "鄢陵县", 411024103202.0, None, None],
    ]  # fmt: skip
    r = roster_read.load(write_xlsx(tmp_path / "r.xlsx", rows, merges=("A1:I1",)))
    assert facts(r) == [
        (
            4,
            "411024103201",
            "鄢陵县",
            "陈化店镇",
            "大马村",
            ("孙建军", "刘晓峰", "王德顺"),
            "赵卫东",
        ),
        (5, "411024103202", "鄢陵县", "陈化店镇", "王庄村", ("", "", ""), ""),
    ]
    assert r.problems == []


_CAMPAIGN = checklist.load().campaign  # the shipped checklist names the signers' columns
ALIASES = [(field, alias) for field, names in roster_read.HEADERS.items() for alias in names] + [
    (f"signer{i}", alias)
    for i, title in enumerate(_CAMPAIGN.village_signers)
    for alias in (title, *_CAMPAIGN.signer_aliases.get(title, ()))
]


@pytest.mark.parametrize(("field", "alias"), ALIASES)
def test_every_alias(tmp_path: Path, field: str, alias: str) -> None:
    header = {"county": "县", "township": "乡镇", "village": "行政村", "code": "村代码"}
    header[field] = alias
    header.setdefault("_", "备注")
    values = {"county": "鄢陵县", "township": "陈化店镇", "village": "大马村"}
    values.update(code="411024103201", signer0="甲", signer1="乙", signer2="丙", liaison="丁")
    keys = list(header)
    path = write_csv(
        tmp_path / "r.csv", [[header[k] for k in keys], [values.get(k, "x") for k in keys]]
    )
    (v,) = roster_read.load(path).villages
    got = {
        "county": v.county, "township": v.township, "village": v.village, "code": v.code,
        "signer0": v.signers[0], "signer1": v.signers[1], "signer2": v.signers[2],
        "liaison": v.liaison,
    }  # fmt: skip
    assert got[field] == values[field]


def test_header_variants_brackets_spaces_and_suffixes(tmp_path: Path) -> None:
    rows = [
        ["县 （ 市、区 ）", "乡(镇、街道)", "行政村名称", "统计用区划代码", "村党组织书记姓名"],
        ["鄢陵县", "陈化店镇", "大马村", "411024103201", "王德顺"],
    ]
    (v,) = roster_read.load(write_csv(tmp_path / "r.csv", rows)).villages
    assert (v.county, v.township, v.village, v.code, v.signers) == (
        "鄢陵县", "陈化店镇", "大马村", "411024103201", ("", "", "王德顺"),
    )  # fmt: skip


def test_no_county_column_is_fine(tmp_path: Path) -> None:
    rows = [["乡镇", "村"], ["陈化店镇", "大马村"]]
    r = roster_read.load(write_csv(tmp_path / "r.csv", rows))
    assert facts(r) == [(2, "", "", "陈化店镇", "大马村", ("", "", ""), "")]
    assert r.villages[0].key == "/陈化店镇/大马村"
    assert r.find(county="鄢陵县", township="陈化店镇", village="大马村") is r.villages[0]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (411024103201, "411024103201"),
        (411024103201.0, "411024103201"),
        ("411024103201.0", "411024103201"),
        ("４１１０２４１０３２０１", "411024103201"),
        ("'411024103201", "411024103201"),
        ('="411024103201"', "411024103201"),
        (" 411024103201\xa0", "411024103201"),
        ("411024103201", "411024103201"),
        ("４１１０２４１０３２０１", "411024103201"),
        ("", ""),
        (None, ""),
        ("41102410320", ""),
        ("4.11024E+11", ""),
        ("411024103", ""),
    ],
)
def test_normalize_code(text: object, code: str) -> None:
    assert roster.normalize_code(text)[0] == code


def test_numeric_codes_in_csv_and_xlsx(tmp_path: Path) -> None:
    head = ["县", "乡镇", "村", "村代码"]
    xlsx = roster_read.load(
        write_xlsx(tmp_path / "r.xlsx", [head, ["鄢陵县", "陈化店镇", "大马村", 411024103201]])
    )
    csv_ = roster_read.load(
        write_csv(tmp_path / "r.csv", [head, ["鄢陵县", "陈化店镇", "大马村", "411024103201.0"]])
    )
    assert xlsx.villages[0].code == csv_.villages[0].code == "411024103201"


def test_two_row_header_and_merged_cells(tmp_path: Path) -> None:
    rows = [
        ["村名册"],
        ["县（市、区）", "乡镇", "行政村", "签字人", None, None],
        [None, None, None, "村级责任组组长", "第一书记", "村支部书记"],
        ["鄢陵县", "陈化店镇", "大马村", "孙建军", "刘晓峰", "王德顺"],
        [None, None, "王庄村", "孙建军", "陈静", "王国强"],
        [None, "望田镇", "姚家村", "马洪涛", "", "姚保安"],
    ]
    merges = ("A1:F1", "A2:A3", "B2:B3", "C2:C3", "D2:F2", "A4:A6", "B4:B5")
    r = roster_read.load(write_xlsx(tmp_path / "r.xlsx", rows, merges))
    assert facts(r) == [
        (4, "", "鄢陵县", "陈化店镇", "大马村", ("孙建军", "刘晓峰", "王德顺"), ""),
        (5, "", "鄢陵县", "陈化店镇", "王庄村", ("孙建军", "陈静", "王国强"), ""),
        (6, "", "鄢陵县", "望田镇", "姚家村", ("马洪涛", "", "姚保安"), ""),
    ]
    assert r.problems == []


def test_roster_on_a_later_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表为各村名单，请勿改动表头。"])
    ws = wb.create_sheet("名单")
    ws.append(["县", "乡镇", "村"])
    ws.append(["襄城县", "茨沟街道", "油坊村"])
    wb.save(tmp_path / "r.xlsx")
    assert [v.village for v in roster_read.load(tmp_path / "r.xlsx").villages] == ["油坊村"]


# --- bad rows -----------------------------------------------------------------------------

BAD_ROWS = [
    ["村名册（有问题的行）"],  # 1
    ["序号", "县", "乡镇", "行政村", "村代码"],  # 2
    [1, "鄢陵县", "陈化店镇", "大马村", "411024103201"],  # 3 good
    [2, "鄢陵县", "陈化店镇", None, "411024103202"],  # 4 no village name
    [None, None, None, None, None],  # 5 blank: skipped silently
    [3, "鄢陵县", "陈化店镇", "王庄村", "411024103201"],  # 6 duplicate code
    [4, "鄢陵县", "望田镇", "姚家村", "411024103201"],  # 7 the same code under another township
    [5, "鄢陵县", "望田镇", "河刘村", "41102410420"],  # 8 11 digits: kept without code
    [6, "襄城县", "城关街道", "孙庄村", "411025001202"],  # 9 good
    [7, "襄城县", "城关街道", "孙庄", None],  # 10 the same village again, no code
    [8, "鄢陵县", "望田镇", "大马村", "411024104205"],  # 11 same name, other township: legal
    [9, "襄城县", "茨沟街道", "油坊村", "411024002201"],  # 12 code of another county: warning
    [10, None, None, None, None],  # 13 only a 序号: skipped silently
    [11, "襄城县", None, "竹园村", None],  # 14 no township
    [12, "襄城县", "茨沟街道", "竹园村", "4.11025E+11"],  # 15 scientific notation: kept
    [13, "襄城县", "城关乡", "孙庄村", "411025001202"],  # 16 exact duplicate (城关乡 = 城关街道)
]


def test_bad_rows_reported_and_good_rows_kept(tmp_path: Path) -> None:
    r = roster_read.load(write_xlsx(tmp_path / "r.xlsx", BAD_ROWS))
    assert problems(r) == [
        (4, "village-missing", E),
        (6, "duplicate-code", E),
        (7, "code-two-townships", E),
        (8, "code-invalid", E),
        (10, "duplicate-row", E),
        (12, "code-county-mismatch", W),
        (14, "names-missing", E),
        (15, "code-invalid", E),
        (16, "duplicate-row", E),
    ]
    assert [(v.row, v.village, v.code) for v in r.villages] == [
        (3, "大马村", "411024103201"),
        (8, "河刘村", ""),
        (9, "孙庄村", "411025001202"),
        (11, "大马村", "411024104205"),
        (12, "油坊村", "411024002201"),
        (15, "竹园村", ""),
    ]
    assert len(r.errors) == 8
    msg = {p.row: p.message for p in r.problems}
    assert "第3行" in msg[6] and "第3行" in msg[7] and "第9行" in msg[10] and "第9行" in msg[16]
    assert "已按无村代码读入" in msg[8] and "科学计数法" in msg[15]
    assert "411024" in msg[12]
    assert str(r.problems[0]).startswith("第4行：")


def test_bad_rows_in_csv_have_the_same_row_numbers(tmp_path: Path) -> None:
    xlsx = roster_read.load(write_xlsx(tmp_path / "r.xlsx", BAD_ROWS))
    rows = [["" if c is None else c for c in row] for row in BAD_ROWS]
    gbk = roster_read.load(write_csv(tmp_path / "r.csv", rows, "gbk"))
    assert problems(gbk) == problems(xlsx)
    assert facts(gbk) == facts(xlsx)


def test_same_name_twice_with_distinct_codes_is_a_warning(tmp_path: Path) -> None:
    rows = [
        ["县", "乡镇", "村", "村代码"],
        ["鄢陵县", "陈化店镇", "王庄村", "411024103202"],
        ["鄢陵县", "陈化店镇", "王庄村", "411024103209"],
    ]
    r = roster_read.load(write_csv(tmp_path / "r.csv", rows))
    assert problems(r) == [(3, "same-name", W)]
    assert len(r.villages) == 2
    assert r.find(township="陈化店镇", village="王庄村") is None  # ambiguous by name
    assert r.find(code="411024103209").row == 3


# --- find() -------------------------------------------------------------------------------


def test_find_by_code(example: roster.Roster) -> None:
    v = example.find(code="411024103201")
    assert v is not None and v.village == "大马村"
    assert example.find(code=411024103201.0) is v
    assert example.find(code="411024103201", county="襄城县", village="茨沟村") is v  # codes win
    assert example.find(code="411024103299") is None
    # an unknown code falls back to the names
    assert example.find(code="411024103299", township="陈化店镇", village="大马村") is v


@pytest.mark.parametrize(
    ("county", "township", "village", "code"),
    [
        ("鄢陵县", "陈化店镇", "大马村", "411024103201"),
        ("鄢陵", "陈化店", "大马", "411024103201"),
        (None, "陈化店镇", "大马村委会", "411024103201"),
        (None, None, "大马村村民委员会", "411024103201"),
        ("鄢陵县", "望田镇", "王庄村", "411024104201"),
        ("鄢陵县", "望田", "王庄", "411024104201"),
        ("襄城县", "城关镇", "孙庄村", "411025001202"),  # renamed 城关镇 → 城关街道
        ("襄城县", "茨沟乡", "竹园村", "411025002203"),  # renamed 茨沟乡 → 茨沟街道
        ("襄城县", "颍桥镇", "颍桥村", "411025101201"),  # 颍桥回族镇
        (None, None, "八里湾", "411025001201"),  # unique in the roster
        (" 襄城县 ", "茨沟\u3000街道", "油坊村", "411025002202"),
    ],
)
def test_find_by_names(
    example: roster.Roster, county: str | None, township: str | None, village: str, code: str
) -> None:
    v = example.find(county=county, township=township, village=village)
    assert v is not None and v.code == code


@pytest.mark.parametrize(
    ("county", "township", "village"),
    [
        (None, None, "王庄村"),  # two 王庄村 in 鄢陵县
        ("鄢陵县", None, "王庄"),
        ("襄城县", None, "王庄村"),  # not there
        ("鄢陵县", "安陵镇", "大马村"),
        (None, None, "不存在村"),
        (None, None, None),
    ],
)
def test_find_none_when_ambiguous_or_absent(
    example: roster.Roster, county: str | None, township: str | None, village: str | None
) -> None:
    assert example.find(county=county, township=township, village=village) is None


def test_find_xiaozhao_rename_both_ways(tmp_path: Path) -> None:
    rows = [["县", "乡镇", "村"], ["建安区", "小召街道", "甲村"], ["建安区", "小召乡", "乙村"]]
    r = roster_read.load(write_csv(tmp_path / "r.csv", rows))
    assert r.find(county="建安区", township="小召乡", village="甲村") is r.villages[0]
    assert r.find(county="建安", township="小召街道", village="乙村") is r.villages[1]


def test_base_names() -> None:
    assert roster.county_base("鄢陵县") == "鄢陵"
    assert roster.county_base("禹州市") == "禹州"
    assert roster.county_base("郏县") == "郏县"  # the rest must keep two characters
    assert roster.township_base("小召乡") == roster.township_base("小召街道") == "小召"
    assert roster.township_base("城关镇") == roster.township_base("城关街道办事处") == "城关"
    assert roster.village_base("北关社区") == roster.village_base("北关社区居委会") == "北关"


# --- unreadable input ---------------------------------------------------------------------


def _user_error(path: Path) -> str:
    with pytest.raises(UserError) as info:
        roster_read.load(path)
    text = str(info.value)
    assert "\n" not in text and path.name in text
    return text


def test_missing_file(tmp_path: Path) -> None:
    assert "找不到" in _user_error(tmp_path / "没有这个.xlsx")


def test_corrupt_workbook(tmp_path: Path) -> None:
    (tmp_path / "坏.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    assert "无法读取" in _user_error(tmp_path / "坏.xlsx")
    (tmp_path / "坏.xls").write_bytes(b"\x00" * 600)
    assert "无法读取" in _user_error(tmp_path / "坏.xls")


def test_unsupported_suffix(tmp_path: Path) -> None:
    (tmp_path / "名册.docx").write_bytes(b"x")
    assert "格式不支持" in _user_error(tmp_path / "名册.docx")


def test_no_header(tmp_path: Path) -> None:
    rows = [["姓名", "电话"], ["张三", "123"]]
    assert "表头" in _user_error(write_xlsx(tmp_path / "通讯录.xlsx", rows))
    assert "表头" in _user_error(write_csv(tmp_path / "通讯录.csv", rows))
    # the header must be within the first 10 rows
    late = [[f"说明{i}"] for i in range(10)] + [
        ["县", "乡镇", "村"],
        ["鄢陵县", "陈化店镇", "大马村"],
    ]
    assert "表头" in _user_error(write_csv(tmp_path / "晚.csv", late))


def test_undecodable_csv(tmp_path: Path) -> None:
    (tmp_path / "乱码.csv").write_bytes(b"\xff\xfe\xff\x00\x81")
    assert "编码" in _user_error(tmp_path / "乱码.csv")


def test_directory_is_not_a_roster(tmp_path: Path) -> None:
    (tmp_path / "名册.xlsx").mkdir()
    assert "找不到" in _user_error(tmp_path / "名册.xlsx")


# --- the reference data -------------------------------------------------------------------

# NBS 统计用区划代码 of 许昌's townships (2023-06-30), a copy of the project's reference data
REFERENCE = Path(__file__).resolve().parent / "data" / "xuchang-townships-2023.csv"


def test_county_codes_match_the_reference_csv() -> None:
    with REFERENCE.open(encoding="utf-8") as f:
        ref = {row["county"]: row["county_code"] for row in csv.DictReader(f)}
        f.seek(0)
        towns = {
            (row["county"], row["township"]): row["township_code"] for row in csv.DictReader(f)
        }
    codes = checklist.load().campaign.county_codes  # the shipped checklist.yaml
    assert {k: v for k, v in codes.items() if k in ref} == ref
    for key, (tcode, _) in EXAMPLE_TOWNSHIPS.items():
        assert towns[key] == tcode


# --- the command --------------------------------------------------------------------------


def test_cli_roster_ok() -> None:
    result = CliRunner().invoke(app, ["roster", str(EXAMPLE)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "颍桥回族镇" in result.output and "16" in result.output
    assert "错误 0 行" in result.output


def test_cli_roster_bad_rows_exit_1(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", BAD_ROWS)
    result = CliRunner().invoke(app, ["roster", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "有问题的行" in result.output and "错误 8 行，提醒 1 条" in result.output
    # and through the installed entry point, whose exit code is what scripts see
    proc = subprocess.run(
        [sys.executable, "-m", "dapaicha.cli", "roster", str(path)],
        capture_output=True, text=True, encoding="utf-8", timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr


def test_cli_roster_unreadable_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dapaicha.cli", "roster", str(tmp_path / "无.xlsx")],
        capture_output=True, text=True, encoding="utf-8", timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith("错误：找不到村名册文件") and "无.xlsx" in proc.stderr


CARRIED = [
    ["序号", "县（市、区）", "乡（镇、街道）", "行政村", "村代码"],  # 1
    [1, "鄢陵县", "陈化店镇", "大马村", "411024103201"],  # 2
    [2, None, None, "王庄村", "411024103202"],  # 3 blank as if merged: 鄢陵县陈化店镇
    [3, "", " ", "李村", None],  # 4 the same block
    [4, "同上", "望田镇", "姚家村", "411024104201"],  # 5 同上: the county only
    [5, "〃", "〃", "河刘村", None],  # 6 ditto marks: 鄢陵县望田镇, one block with row 5
    [6, "鄢陵县", None, "孙村", None],  # 7 a county of its own, no township: missing
    [None, None, None, None, None],  # 8 blank
    [7, "同上", "望田镇", "赵村", None],  # 9 同上 with nothing above it: no county
    ["合计", None, None, "7个村", None],  # 10 a total: no village, nothing said
    [None, "小计：", None, None, 3],  # 11 a subtotal: no village, nothing said
]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_names_left_blank_or_ditto_are_read_from_the_row_above(tmp_path: Path, kind: str) -> None:
    if kind == "xlsx":
        r = roster_read.load(write_xlsx(tmp_path / "r.xlsx", CARRIED))
    else:
        rows = [["" if c is None else c for c in row] for row in CARRIED]
        r = roster_read.load(write_csv(tmp_path / "r.csv", rows, "gbk"))
    assert [(v.row, v.county, v.township, v.village) for v in r.villages] == [
        (2, "鄢陵县", "陈化店镇", "大马村"),
        (3, "鄢陵县", "陈化店镇", "王庄村"),
        (4, "鄢陵县", "陈化店镇", "李村"),
        (5, "鄢陵县", "望田镇", "姚家村"),
        (6, "鄢陵县", "望田镇", "河刘村"),
    ]
    assert problems(r) == [
        (3, "names-carried", W),
        (5, "names-carried", W),
        (7, "names-missing", E),
        (9, "names-missing", E),
    ]
    msg = {p.row: p.message for p in r.problems}
    assert msg[9] == "“赵村”缺少县（市、区）名称，该行未读入；请补填。"
    assert msg[3] == (
        "本行至第4行（共2行）的县（市、区）、乡（镇、街道）空白或写“同上”，"
        "已按上一行读作“鄢陵县陈化店镇”，请核对。"
    )
    assert msg[5] == (
        "本行至第6行（共2行）的县（市、区）、乡（镇、街道）空白或写“同上”，"
        "已按上一行读作“鄢陵县望田镇”，请核对。"
    )
