"""The returns in a folder: what is read, and what is skipped and why."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

from dapaicha import fsutil

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".et", ".ett", ".xlt", ".xltx"}
# what a clerk is told of a file that is no spreadsheet but often arrives among the returns
_ARCHIVES = {".zip", ".rar", ".7z", ".tar", ".gz", ".tgz"}
_SCANS = {".pdf", ".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".heic", ".webp"}


def not_a_spreadsheet(suffix: str) -> str:
    """Why a file with this (lower-case) suffix is skipped, and what to do."""
    if suffix in _ARCHIVES:
        return "压缩包，没有读取：请先解压到本文件夹，再重新运行"
    if suffix in _SCANS:
        return "扫描件或照片，没有读取：请报送 Excel 台账，签字扫描件另行留存"
    return f"不是表格文件（{suffix or '无扩展名'}）"


def list_files(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Returns under folder (recursive, sorted), and what was skipped with the reason."""
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    if folder.is_file():
        return [folder], []
    if folder.is_dir():
        _list_into(folder, "", files, skipped)
    return files, skipped


def _list_into(
    folder: Path, prefix: str, files: list[Path], skipped: list[tuple[str, str]]
) -> None:
    """One folder's files (sorted by name), then its folders' (sorted; links not followed).
    The entries' own types: no stat per file (46,000 files listed in a fraction of a second)."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    subdirs = []
    for e in entries:
        n = e.name
        if e.is_dir():
            if not n.startswith(".") and not e.is_symlink():
                subdirs.append(e)
            continue
        rel = fsutil.shown_name(prefix + n)
        if n.startswith("~$"):
            skipped.append((rel, "Office 临时锁定文件"))
        elif n.startswith(".") or n.lower() in ("thumbs.db", "desktop.ini"):
            skipped.append((rel, "隐藏文件"))
        elif (suffix := PurePath(n).suffix.lower()) not in SPREADSHEET_SUFFIXES:
            skipped.append((rel, not_a_spreadsheet(suffix)))
        elif e.is_symlink() or not e.is_file():
            skipped.append((rel, "不是普通文件"))
        else:
            files.append(folder / n)
    for e in subdirs:
        _list_into(folder / e.name, f"{prefix}{e.name}/", files, skipped)
