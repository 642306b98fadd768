"""demo, simulate and init: a new user's first hour."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from dapaicha import resources
from dapaicha.app import crosscheck, demo, generate, simulate, validate
from dapaicha.app import init as init_mod
from dapaicha.cli import app
from dapaicha.config import checklist
from dapaicha.read import roster

runner = CliRunner()
SEED = 3


def _hashes(root: Path) -> dict[str, str]:
    """sha256 of every file the demo wrote, except the store (it records received times)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != demo.STORE:
            out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo") / "演示"
    res = runner.invoke(app, ["demo", str(out), "--seed", str(SEED)])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_tour_files_exist_and_open(demo_dir) -> None:
    out, text = demo_dir
    named = re.findall(r"→ (\S+)", text)
    assert len(named) >= 20
    kinds = Counter(Path(n).suffix for n in named)
    assert kinds[".xlsx"] >= 15 and kinds[".md"] == 2 and kinds[".txt"] >= 2
    for rel in named:
        p = out / rel
        assert p.is_file(), rel
        if p.suffix == ".xlsx":
            assert load_workbook(p, read_only=True).sheetnames, rel
        elif p.suffix in (".md", ".txt", ".json"):
            assert p.read_text(encoding="utf-8-sig").strip(), rel
    for cmd in (
        "dapaicha generate",
        "dapaicha validate",
        "dapaicha merge",
        "dapaicha rollup",
        "dapaicha crosscheck",
    ):
        assert cmd in text
    assert (out / "汇总" / "第2期" / "周报_第2期.xlsx").is_file()


def _status(report: Path) -> dict[str, str]:
    """file → 通过 / 退回修改, from the 校验报告's 文件 sheet."""
    ws = load_workbook(report, read_only=True)["文件"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "县")
    col = {h: j for j, h in enumerate(rows[head])}
    return {r[col["文件"]]: r[col["状态"]] for r in rows[head + 1 :] if r and r[col["文件"]]}


def _summary(path: Path) -> dict[str, dict[str, object]]:
    """county → {column name: value} of the 汇总 sheet (two header rows: group, then detail)."""
    ws = load_workbook(path, read_only=True)["汇总"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "县（市、区）")
    names = [b or a for a, b in zip(rows[head], rows[head + 1], strict=True)]
    out = {}
    for r in rows[head + 2 :]:
        if not r or not r[0] or str(r[0]).startswith("说明"):
            break
        out[r[0]] = dict(zip(names, r, strict=True))
    return out


def test_rollup_matches_simulation(demo_dir) -> None:
    out, _ = demo_dir
    recs = {
        n: simulate.load_record(out / "returns" / f"第{n}期{simulate.RECORD_SUFFIX}")
        for n in (1, 2)
    }
    status = {n: _status(out / demo.report_name(n)) for n in (1, 2)}
    # The simulator's mistakes are exactly what validation rejects.
    for n in (1, 2):
        sent = {v["file"]: v for v in recs[n]["villages"] if v["reported"]}
        assert set(status[n]) == set(sent)
        for f, v in sent.items():
            assert status[n][f] == ("退回修改" if v["mistakes"] else "通过"), (n, f)
    # Period 2 as the store holds it: this period's accepted return, else period 1's.
    expect: dict[str, Counter] = {}
    for v1, v2 in zip(recs[1]["villages"], recs[2]["villages"], strict=True):
        c = expect.setdefault(v2["county"], Counter())
        c["应报村数"] += 1
        if status[2].get(v2["file"]) == "通过":
            probs = v2["problems"]
            c["已报"] += 1
            c["逾期" if v2["late"] else "按时"] += 1
        elif status[1].get(v1["file"]) == "通过":
            probs = v1["problems"]
        else:
            probs = []
        c["排查问题数"] += len(probs)
        c["已整改"] += sum(p["result"] == "已整改" for p in probs)
        c["立行立改"] += sum(p["kind"] == "立行立改" for p in probs)
    got = _summary(out / "汇总" / "第2期" / "市级汇总表_第2期.xlsx")
    assert set(got) == set(expect) | {"全市合计"}
    for county, c in expect.items():
        row = got[county]
        assert {k: row[k] for k in c} == dict(c), county
    total = sum(expect.values(), Counter())
    assert got["全市合计"]["排查问题数"] == total["排查问题数"] > 0
    assert got["全市合计"]["已整改"] == total["已整改"] > 0


def test_crosscheck_sample(demo_dir) -> None:
    out, _ = demo_dir
    ros = roster.load(out / demo.ROSTER)
    res = crosscheck.run(out / demo.FINDINGS, ros, out / demo.STORE)
    assert res.totals() == {crosscheck.SELF: 3, crosscheck.MISSED: 2, crosscheck.UNMATCHED: 1}


def test_rerun_same_seed_same_files(demo_dir) -> None:
    out, _ = demo_dir
    before = _hashes(out)
    for sub in ("台账/", "returns/第2期/", "退回修改/第1期/", "汇总/第2期/", "督查比对/"):
        assert any(k.startswith(sub) for k in before), sub
    mine = [out / "我的笔记.txt", out / "returns" / "第3期" / "某村.xlsx"]
    for p in mine:
        p.parent.mkdir(exist_ok=True)
        p.write_text("不是演示的文件", encoding="utf-8")
    demo.run(out, seed=SEED)
    for p in mine:
        assert p.read_text(encoding="utf-8") == "不是演示的文件"
        p.unlink()
    (out / "returns" / "第3期").rmdir()
    assert _hashes(out) == before


def test_demo_refuses_a_workspace(tmp_path) -> None:
    init_mod.run(tmp_path)  # a real office's folder: 台账/, returns/第1期/ …
    res = runner.invoke(app, ["demo", str(tmp_path)])
    assert res.exit_code != 0
    assert "不是演示生成的" in str(res.exception)
    assert not (tmp_path / demo.MARKER).exists() and not (tmp_path / demo.ROSTER).exists()


def test_simulate_mistakes_are_found(tmp_path) -> None:
    cl = checklist.load()
    ros = roster.load(resources.examples_dir() / "roster.xlsx")
    ledgers = tmp_path / "台账"
    generate.generate(cl, ros.villages[:6], ledgers, generated_at="2022-03-01T08:00:00")
    res = runner.invoke(
        app,
        [
            "simulate",
            str(ledgers),
            "--out",
            str(tmp_path / "第1期"),
            "--seed",
            "5",
            "--mistakes",
            "1",
            "--missing",
            "0",
            "--late",
            "0",
        ],
    )
    assert res.exit_code == 0, res.output
    rec = simulate.load_record(tmp_path / f"第1期{simulate.RECORD_SUFFIX}")
    assert rec["ledgers"] == "台账" and rec["returns"] == "第1期"
    rep, _ = validate.validate_folder(tmp_path / "第1期", cl, ros)
    by_file = {fr.file: fr for fr in rep.files}
    expected_code = {"deadline-number": "deadline-ambiguous"}
    assert len(by_file) == 6
    for v in rec["villages"]:
        (m,) = v["mistakes"]
        fr = by_file[v["file"]]
        errors = [f for f in fr.findings if f.severity.value == "error"]
        assert [f.code for f in errors] == [expected_code.get(m["kind"], m["kind"])], v["file"]
        if "no" in m:
            assert errors[0].item == m["no"]


def test_init_workspace(tmp_path) -> None:
    ws = tmp_path / "大排查"
    res = runner.invoke(app, ["init", str(ws)])
    assert res.exit_code == 0, res.output
    ros = roster.load(ws / "名册.xlsx")
    assert len(ros.villages) == 1 and not ros.problems
    v = ros.villages[0]
    assert (v.county, v.township, v.village, v.code) == (
        "鄢陵县",
        "陈化店镇",
        "大马村",
        "411024103201",
    )
    assert v.signers == ("孙建军", "刘晓峰", "王德顺") and v.liaison == "赵卫东"
    assert len(checklist.load(ws / "checklist.yaml").items) == 66
    for d in ("台账", "returns/第1期", "退回修改", "汇总"):
        assert (ws / d).is_dir()
    raw = (ws / "README.txt").read_bytes()
    text = raw.decode("utf-8-sig")
    text.encode("gbk")
    assert raw.count(b"\r\n") == raw.count(b"\n") > 20
    for cmd in ("dapaicha validate", "dapaicha merge", "dapaicha rollup", "dapaicha generate"):
        assert cmd in text


def test_init_twice_keeps_files(tmp_path) -> None:
    ws = tmp_path / "w"
    init_mod.run(ws)
    (ws / "README.txt").write_text("我改过的", encoding="utf-8")
    res = runner.invoke(app, ["init", str(ws)])
    assert res.exit_code == 0
    assert (ws / "README.txt").read_text(encoding="utf-8") == "我改过的"
    again = init_mod.run(ws)
    assert again.created == [] and sorted(again.kept) == sorted(
        ["checklist.yaml", "名册.xlsx", "dapaicha.yaml", "README.txt"]
    )
    assert "保留未改" in res.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["simulate"], "错误：缺少参数 'LEDGERS_DIR'。运行 dapaicha simulate -h 查看用法。"),
        (["nope"], "错误：没有命令“nope”。运行 dapaicha -h 查看用法。"),
        (["init", "x", "--bogus"], "错误：没有选项 --bogus。运行 dapaicha init -h 查看用法。"),
        (
            ["simulate", "x", "--out", "y", "--seed", "abc"],
            "错误：'--seed' 的值无效：应为整数。运行 dapaicha simulate -h 查看用法。",
        ),
    ],
)
def test_usage_errors_are_one_chinese_line(args, expected) -> None:
    import subprocess
    import sys

    p = subprocess.run(
        [sys.executable, "-m", "dapaicha.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert p.returncode == 2
    assert p.stderr.strip().replace("python -m dapaicha.cli", "dapaicha") == expected


def test_help_is_chinese() -> None:
    res = runner.invoke(app, ["init", "-h"])
    assert res.exit_code == 0
    assert "显示帮助并退出。" in res.output and "Show this message" not in res.output
