"""`dapaicha crosscheck` as one call (kept apart from app/crosscheck.py, which others own)."""

from __future__ import annotations

from pathlib import Path

from dapaicha.app import crosscheck
from dapaicha.config import checklist as cl_mod
from dapaicha.read import roster as roster_mod


def command(
    findings: Path,
    roster_path: Path,
    store_path: Path,
    out: Path,
    checklist_path: Path | None = None,
    county: str | None = None,
) -> tuple[crosscheck.Result, Path]:
    """Compare the inspectors' list with the store; write the comparison workbook."""
    signers = cl_mod.load(checklist_path).campaign.village_signers
    ros = roster_mod.load(roster_path, cl_mod.load(checklist_path).campaign, county)
    res = crosscheck.run(findings, ros, store_path)
    return res, crosscheck.write(res, crosscheck.out_path(out, findings), signers=signers)
