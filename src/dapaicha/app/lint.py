"""`dapaicha roster` and `dapaicha checklist`: read and check the two inputs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from dapaicha.config import checklist as cl_mod
from dapaicha.config.checklist import Checklist, LintProblem
from dapaicha.config.revisions import diff
from dapaicha.config.roster import Roster
from dapaicha.errors import UserError
from dapaicha.read import roster as roster_mod


@dataclass
class RosterCheck:
    roster: Roster
    towns: Counter[tuple[str, str]]  # (county, township) → villages
    coded: Counter[tuple[str, str]]  # (county, township) → villages with a code

    @property
    def failed(self) -> bool:
        return bool(self.roster.errors) or not self.roster.villages


def roster(path: Path, checklist_path: Path | None = None) -> RosterCheck:
    """The roster, counted by township."""
    ros = roster_mod.load(path, cl_mod.load(checklist_path).campaign)
    towns = Counter((v.county, v.township) for v in ros.villages)
    coded = Counter((v.county, v.township) for v in ros.villages if v.code)
    return RosterCheck(ros, towns, coded)


def checklist(path: Path | None) -> tuple[Checklist, list[LintProblem]]:
    """The checklist and what is wrong with it."""
    cl = cl_mod.load(path)
    return cl, cl_mod.lint(cl)


def checklist_diff(path: Path | None, a: str, b: str) -> list[str]:
    """What changed from version a to version b of the checklist (Chinese lines)."""
    cl = cl_mod.load(path)
    va, vb = cl.version(a), cl.version(b)
    for label, v in ((a, va), (b, vb)):
        if v is None:
            known = "、".join(x.label for x in cl.versions)
            raise UserError(f"清单中没有名为“{label}”的版本（现有：{known}）。")
    assert va is not None and vb is not None
    return diff(va, vb) or ["两个版本的排查项目相同。"]
