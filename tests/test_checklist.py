"""checklist.yaml: the 66 items, parse errors, lint, and `dapaicha checklist`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dapaicha import resources
from dapaicha.cli import app
from dapaicha.config import checklist
from dapaicha.config.checklist import Checklist
from dapaicha.errors import UserError

# seed/READING.md: the seven categories and their item ranges.
CATEGORIES = [
    ("一", "基础工作方面", 1, 5),
    ("二", "动态监测方面", 6, 12),
    ("三", "帮扶支持方面", 13, 24),
    ("四", "“三保障”方面", 25, 46),
    ("五", "兜底保障方面", 47, 57),
    ("六", "人居环境方面", 58, 61),
    ("七", "工作方面", 62, 66),
]


@pytest.fixture(scope="module")
def text() -> str:
    return resources.default_checklist().read_text(encoding="utf-8")


def _line(text: str, pattern: str) -> int:
    """1-based number of the first line matching pattern."""
    for n, line in enumerate(text.splitlines(), start=1):
        if re.fullmatch(pattern, line):
            return n
    raise AssertionError(pattern)


def _broken(cl: Checklist, edit) -> Checklist:
    data = cl.model_dump()
    edit(data)
    return Checklist.model_validate(data)


# --- the default checklist ---------------------------------------------------------------


def test_66_items_numbered_in_order(cl):
    assert [i.no for _, i in cl.items] == list(range(1, 67))
    assert all(i.content.strip() for _, i in cl.items)


def test_seven_categories_with_their_items(cl):
    got = [(c.code, c.name, c.items[0].no, c.items[-1].no) for c in cl.categories]
    assert got == CATEGORIES


def test_items_38_to_43_are_provisional(cl):
    assert [i.no for i in cl.provisional] == [38, 39, 40, 41, 42, 43]
    assert all(i.note for i in cl.provisional)
    assert {cl.by_no[n][1].topic for n in range(38, 44)} == {"基本医疗"}


def test_default_checklist_lints_clean_but_for_provisional_items(cl):
    problems = checklist.lint(cl)
    assert [p.severity for p in problems] == ["warning"] * 6
    assert [p.where for p in problems] == [f"第{n}项" for n in range(38, 44)]


def test_campaign_dates(cl):
    c = cl.campaign
    assert (c.start.isoformat(), c.first_deadline.isoformat(), c.end.isoformat()) == (
        "2022-03-01",
        "2022-03-31",
        "2022-04-30",
    )
    assert c.village_signers == ["村级责任组组长", "第一书记", "村支部书记"]


# --- parse errors ---------------------------------------------------------------------------


def test_broken_yaml_names_file_and_line(text):
    n = _line(text, r"  document_number: .*")
    lines = text.splitlines(keepends=True)
    lines[n - 1] = "document_number: a: b\n"
    with pytest.raises(UserError) as ei:
        checklist.parse("".join(lines), "broken.yaml")
    msg = str(ei.value)
    assert "broken.yaml" in msg and f"第 {n} 行" in msg and "YAML" in msg


def test_missing_item_field_names_field_and_line(text):
    n = _line(text, r'\s*- ("no"|no): 5\s*')
    lines = text.splitlines(keepends=True)
    k = next(i for i in range(n, len(lines)) if lines[i].strip().startswith("content:"))
    del lines[k : k + 2]  # `content: >-` and its text line
    with pytest.raises(UserError) as ei:
        checklist.parse("".join(lines), "missing.yaml")
    msg = str(ei.value)
    assert "missing.yaml" in msg
    assert f"第 {n} 行" in msg
    assert "categories.0.items.4.content" in msg and "缺少此字段" in msg


def test_missing_campaign_field_names_field_and_line(text):
    top = _line(text, r"campaign:")
    nxt = _line(text, r"vocabularies:")
    lines = [ln for ln in text.splitlines(keepends=True) if not ln.startswith("  end:")]
    with pytest.raises(UserError) as ei:
        checklist.parse("".join(lines), "missing.yaml")
    msg = str(ei.value)
    assert "campaign.end" in msg and "缺少此字段" in msg
    line = int(re.search(r"第 (\d+) 行", msg)[1])
    assert top <= line < nxt


def test_missing_file():
    with pytest.raises(UserError, match="找不到清单文件"):
        checklist.load("/nonexistent/checklist.yaml")


# --- lint -----------------------------------------------------------------------------------


def test_lint_duplicate_missing_number_and_empty_text(cl):
    def edit(d):
        items = d["categories"][0]["items"]
        items[1]["no"] = 1  # item 2 becomes a second 1: duplicate 1, missing 2
        items[2]["content"] = "   "  # item 3 empty

    bad = _broken(cl, edit)
    errors = [(p.where, p.message) for p in checklist.lint(bad) if p.severity == "error"]
    assert errors == [
        ("第3项", "排查内容为空"),
        ("第1项", "序号重复 2 次"),
        ("序号", "缺少序号：2"),
    ]


def test_lint_synonym_in_two_values(cl):
    def edit(d):
        d["vocabularies"]["yes_no"]["values"]["否"].append("有")

    bad = _broken(cl, edit)
    errors = [(p.where, p.message) for p in checklist.lint(bad) if p.severity == "error"]
    assert errors == [("是否存在问题", "同义词“有”同时属于“是”和“否”")]


# --- the CLI --------------------------------------------------------------------------------


def test_cli_checklist_default_exits_0(cl):
    r = CliRunner().invoke(app, ["checklist"])
    assert r.exit_code == 0, r.output
    assert "基础工作方面" in r.output and "暂定" in r.output
    assert "错误 0 处" in r.output and "提醒 6 处" in r.output


def test_cli_checklist_with_errors_exits_1(cl, text, tmp_path):
    n = _line(text, r'\s*- ("no"|no): 2\s*')
    lines = text.splitlines(keepends=True)
    lines[n - 1] = lines[n - 1].replace("2", "1")
    p = tmp_path / "dup.yaml"
    p.write_text("".join(lines), encoding="utf-8")
    r = CliRunner().invoke(app, ["checklist", "-c", str(p)])
    assert r.exit_code == 1, r.output
    assert "序号重复" in r.output and "缺少序号：2" in r.output


def test_cli_checklist_unreadable_exits_2(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("id: [\n", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "dapaicha.cli", "checklist", "-c", str(p)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert r.returncode == 2
    assert "bad.yaml" in r.stderr and "YAML" in r.stderr


def test_cli_generate_refuses_a_broken_checklist(text, tmp_path):
    n = _line(text, r'\s*- ("no"|no): 2\s*')
    lines = text.splitlines(keepends=True)
    lines[n - 1] = lines[n - 1].replace("2", "1")
    p = tmp_path / "dup.yaml"
    p.write_text("".join(lines), encoding="utf-8")
    roster_path = Path(resources.examples_dir()) / "roster.xlsx"
    r = subprocess.run(
        [sys.executable, "-m", "dapaicha.cli", "generate", "-r", str(roster_path), "-c", str(p),
         "-o", str(tmp_path / "out")],
        capture_output=True, text=True, encoding="utf-8", timeout=60,
    )  # fmt: skip
    assert r.returncode == 2
    assert "排查清单有错误" in r.stderr
    assert not list((tmp_path / "out").rglob("*.xlsx")) if (tmp_path / "out").exists() else True
