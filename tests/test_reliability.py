"""Issue 18, reliability second round: each case on a real file or a real store.

Every test asserts the outcome and that every input is byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from pathlib import Path

import openpyxl
import pytest

from dapaicha.app import merge

ROOT = Path(__file__).resolve().parents[1]


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder (relative path → hex); bytes names kept as repr."""
    return {
        repr(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run the real entry point (cli.main) in process: (exit code, stderr); stdout kept."""
    from dapaicha import cli

    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["dapaicha", *args])
    try:
        cli.main()
        rc = 0
    except SystemExit as ex:
        rc = ex.code if isinstance(ex.code, int) else 1
    captured = capsys.readouterr()
    _cli.out = captured.out  # type: ignore[attr-defined]
    return rc, captured.err


def _one_line(err: str) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# -- 8: a roster with only a header row ---------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_header_only_roster_is_one_line(tmp_path, make_return, monkeypatch, capsys, suffix):
    d = tmp_path / "in"
    make_return("good.xlsx", {}, folder=d)
    src = tmp_path / "src"
    src.mkdir()
    roster = src / f"村名册{suffix}"
    header = ["县（市、区）", "乡（镇、街道）", "村", "村代码"]
    if suffix == ".csv":
        roster.write_text(",".join(header) + "\n\n", encoding="utf-8")
    else:
        wb = openpyxl.Workbook()
        wb.active.append(header)
        wb.save(roster)
    before, before_in = digest(src), digest(d)
    rc, err = _cli(monkeypatch, capsys, "validate", str(d), "-r", str(roster))
    assert rc == 2
    line = _one_line(err)
    assert "村名册没有村（只有表头）" in line and roster.name in line
    assert digest(src) == before and digest(d) == before_in


# -- 2: store export with a control character in a stored name ----------------------------


def test_store_export_escapes_control_characters(
    tmp_path, make_return, cl, ros, monkeypatch, capsys
):
    d = tmp_path / "in" / "第1期"
    make_return("good.xlsx", {}, folder=d)
    db = tmp_path / "store" / "s.sqlite"
    merge.run(d.parent, cl, ros, db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE villages SET village = 'A\x01B\x1f' || village")
        conn.execute("UPDATE submissions SET file = '=x\x0bbad.xlsx'")
    n = conn.execute("SELECT COUNT(*) FROM villages").fetchone()[0]
    conn.close()
    before = digest(db.parent)
    out = tmp_path / "export.xlsx"
    rc, err = _cli(monkeypatch, capsys, "store", "export", "-s", str(db), "-o", str(out))
    assert (rc, err) == (0, "")
    assert f"villages {n} 处、submissions 1 处文字含控制字符" in _cli.out.replace("\n", "")
    assert digest(db.parent) == before
    wb = openpyxl.load_workbook(out)
    names = [c.value for c in wb["villages"]["E"][1:]]
    assert any(n.startswith("A\\x01B\\x1f") for n in names), names
    files = {c.value for c in wb["submissions"]["H"][1:]}
    assert files == {"=x\\x0bbad.xlsx"}
    assert wb["submissions"]["H2"].data_type == "s"  # still text, not a formula
