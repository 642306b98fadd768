"""Shared fixtures: the default checklist, the example roster, blank and filled ledgers."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from dapaicha import resources
from dapaicha.app import memo, validate
from dapaicha.config import checklist, roster
from dapaicha.read import roster as roster_read
from dapaicha.xlsx import excel, fill, ledger

SOFFICE = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="需要 LibreOffice (soffice)，未安装则跳过"
)

NO = {"has_problem": "否"}


def problem(**kw):
    """A complete, correct problem row; override any column."""
    base = {
        "has_problem": "是",
        "description": "部分监测户信息未更新",
        "measure": "逐户核实更新",
        "kind": "立行立改",
        "deadline": dt.date(2022, 4, 20),
        "owner": "张三",
        "result": "已整改",
        "done_date": dt.date(2022, 3, 25),
    }
    base.update(kw)
    return base


@pytest.fixture(scope="session")
def cl() -> checklist.Checklist:
    return checklist.load()


@pytest.fixture(scope="session")
def ros() -> roster.Roster:
    return roster_read.load(resources.examples_dir() / "roster.xlsx")


@pytest.fixture(scope="session")
def blank_ledgers(tmp_path_factory, cl, ros) -> dict[str, Path]:
    """A blank ledger per roster village, built directly with openpyxl (cached per session)."""
    d = tmp_path_factory.mktemp("blank")
    out = {}
    for v in ros.villages[:6]:
        p = d / f"{v.code}.xlsx"
        excel.save(ledger.build_workbook(cl, v, generated_at="2022-03-01T09:00:00"), p)
        out[v.code] = p
    return out


@pytest.fixture
def make_return(tmp_path, cl, ros, blank_ledgers):
    """make_return(name, answers, village=0, report_date=…, signers=…) → path of a filled return."""

    def _make(
        name: str,
        answers: dict | None = None,
        *,
        village: int = 0,
        report_date=dt.date(2022, 3, 30),
        signers: dict | None = None,
        folder: Path | None = None,
    ) -> Path:
        v = ros.villages[village]
        if signers is None:
            signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
        dst = (folder or tmp_path / "returns") / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        fill.fill_ledger(
            blank_ledgers[v.code],
            dst,
            answers or {},
            default=NO,
            report_date=report_date,
            signers=signers,
        )
        return dst

    return _make


def soffice_convert(src: Path, fmt: str, outdir: Path) -> Path:
    """Re-save a workbook through LibreOffice (xlsx, xls, ods, pdf)."""
    return soffice_convert_all([src], fmt, outdir)[0]


def soffice_convert_all(srcs: list[Path], fmt: str, outdir: Path) -> list[Path]:
    """Several workbooks re-saved by one LibreOffice run."""
    profile = outdir / ".lo-profile"
    cmd = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to"]
    cmd += [fmt, "--outdir", str(outdir), *map(str, srcs)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    return [outdir / f"{p.stem}.{fmt.split(':')[0]}" for p in srcs]


def validate_resaved(resaved: dict[str, Path], name: str, fmt: str, cl, ros):
    """validate_return of the variant `name` as re-saved in format fmt."""
    p = resaved[f"{name}.{fmt}"]
    return validate.validate_return(p, p.name, cl, ros)


def found_in(fr) -> list[tuple]:
    """A FileResult's findings as (code, cell, item), sorted: what the tests compare."""
    return sorted((f.code, f.cell, f.item) for f in fr.findings)


def periods_batch(make_return, tmp_path: Path) -> tuple[Path, list[Path]]:
    """6 villages × 11 periods in returns/第N期 (66 returns, half with findings) and one
    file no program opens (第2期/坏.xlsx): a folder large enough for validate's workers.
    Also the 6 returns copied."""
    src = tmp_path / "src"
    returns = [
        make_return(f"{i:02d}.xlsx", {3: {"has_problem": "是"}} if i % 2 else {4: problem()},
                    folder=src, village=i)
        for i in range(6)
    ]  # fmt: skip
    d = tmp_path / "returns"
    for n in range(1, 12):
        (d / f"第{n}期").mkdir(parents=True)
        for p in returns:
            shutil.copy(p, d / f"第{n}期" / p.name)
    (d / "第2期" / "坏.xlsx").write_bytes(b"not a workbook")
    return d, returns


@pytest.fixture(autouse=True)
def _memo_of_this_test(tmp_path_factory, monkeypatch):
    """validate's memo (app/memo): a file of each test's own, not the user's cache."""
    monkeypatch.setenv(memo.ENV, str(tmp_path_factory.mktemp("memo") / memo.FILE_NAME))
