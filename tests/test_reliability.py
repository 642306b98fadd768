"""Issue 18, reliability second round: each case on a real file or a real store.

Every test asserts the outcome and that every input is byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder (relative path → hex); bytes names kept as repr."""
    return {
        repr(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run the real entry point (cli.main) in process: (exit code, stderr)."""
    from dapaicha import cli

    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["dapaicha", *args])
    with pytest.raises(SystemExit) as ei:
        cli.main()
    return ei.value.code, capsys.readouterr().err


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
