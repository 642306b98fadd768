"""Output files get the process's normal permissions (umask), not mkstemp's 0600."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from dapaicha.fsutil import atomic_write_text
from dapaicha.xlsx import excel


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_outputs_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "通知.txt", "退回通知")
        excel.save(Workbook(), tmp_path / "报告.xlsx")
    finally:
        os.umask(old)
    for name in ("通知.txt", "报告.xlsx"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name
    assert not list(tmp_path.glob(".~dapaicha-*"))
