"""Start-up (issue 20): a command imports what it uses, not every command's modules. The
command runs in its own process, as the user starts it; -X importtime lists every module
it imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from dapaicha import resources

ROSTER = resources.examples_dir() / "roster.xlsx"


def _imported(args: list[str], cwd: Path) -> tuple[int, set[str]]:
    """(exit code, the modules imported, and their top-level packages) of `dapaicha args`
    in a child."""
    p = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dapaicha.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    lines = [x for x in p.stderr.splitlines() if x.startswith("import time:")]
    assert lines, p.stderr
    names = {x.rsplit("|", 1)[1].strip() for x in lines}
    return p.returncode, names | {n.split(".")[0] for n in names}


def test_validate_with_its_report_imports_no_pandas(make_return, tmp_path):
    ret = make_return("一村.xlsx")
    out = tmp_path / "校验报告.xlsx"
    rc, mods = _imported(["validate", str(ret.parent), "-r", str(ROSTER), "--report", str(out)],
                         tmp_path)  # fmt: skip
    assert rc == 0
    assert "dapaicha" in mods and "openpyxl" in mods  # the report is written with openpyxl
    assert "pandas" not in mods
    assert "typer.rich_utils" not in mods  # no help drawn
    ws = openpyxl.load_workbook(out)["文件"]
    assert ws["E4"].value == "一村.xlsx"


@pytest.mark.parametrize(
    "args",
    [["-h"], ["validate", "-h"], ["roster", str(ROSTER)], ["checklist"], ["status", "-h"]],
)
def test_light_commands_import_no_pandas_nor_openpyxl(args, tmp_path):
    rc, mods = _imported(args, tmp_path)
    assert rc == 0
    assert "dapaicha" in mods
    assert {"pandas", "openpyxl", "jinja2"} & mods == set()
