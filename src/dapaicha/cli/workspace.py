"""Defaults from the workspace (dapaicha.yaml above the current folder), in one place.

The root callback turns the settings into click's default_map, so a command's -r / -c / -s /
-o take the workspace's values when not given; explicit flags win; outside a workspace the
map is empty and nothing changes. What depends on other arguments is filled by the helpers
below: validate's outputs (per 第N期 of the returns folder), rollup's store (none when
returns are given instead).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dapaicha.config import periods
from dapaicha.config.workspace import LEVELS, RESUBMIT_DAYS, Workspace
from dapaicha.errors import UserError
from dapaicha.xlsx.tier import CITY, Tier

MERGED_NAME = "全市问题整改台账.xlsx"
REPORT_NAME = "校验报告.xlsx"


def _s(p: Path | None) -> str | None:
    return str(p) if p is not None else None


def default_map(ws: Workspace | None) -> dict[str, Any] | None:
    """click's default_map for every command (per command name; `store` nests)."""
    if ws is None:
        return None
    s, f = ws.settings, ws.settings.folders
    roster, checklist, store = ws.path(s.roster), ws.path(s.checklist), ws.path(s.store)
    summary = ws.path(f.summary)
    inputs = {"roster": _s(roster), "checklist": _s(checklist)}
    name = merged_name(s.unit.level, s.unit.name)
    merged = summary / name if summary is not None else ws.root / name
    own = {"county": s.unit.name} if s.unit.level == "县" and s.unit.name else {}
    out: dict[str, Any] = {
        "validate": {**inputs, **own},
        "merge": {**inputs, "store": _s(store), "out": str(merged), **own},
        "rollup": {**inputs, "out": _s(summary), **_unit(ws)},  # its store: rollup_store
        "generate": {**inputs, "out": _s(ws.path(f.ledgers)), **own},
        "crosscheck": {**inputs, "store": _s(store), **own},
        "history": {"roster": _s(roster), "store": _s(store)},
        "status": {"store": _s(store), "checklist": _s(checklist)},
        "roster": {"path": _s(roster), "checklist": _s(checklist)},
        "checklist": {"checklist": _s(checklist)},
        "simulate": {"checklist": _s(checklist)},
        "store": {"info": {"store": _s(store)}, "export": {"store": _s(store)}},
    }
    return {k: _clean(v) for k, v in out.items()}


def merged_name(level: str, unit: str) -> str:
    """merge's default output: a county's ledger is its own (never 全市…)."""
    return f"{unit}问题整改台账.xlsx" if level == "县" else MERGED_NAME


def _unit(ws: Workspace) -> dict[str, str]:
    s = ws.settings
    return {"level": s.unit.level, "unit": s.unit.name, "office": s.office, "phone": s.phone}


def tier(level: str, unit: str, office: str, phone: str) -> Tier:
    """rollup's --level/--unit/--office/--phone (defaults: the workspace's) as a Tier."""
    lv = level.strip()
    if lv and lv not in LEVELS:
        raise UserError(f"--level 应为 县 或 市，收到“{lv}”。")
    return Tier(lv or CITY, unit.strip(), office.strip(), phone.strip())


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    """Blank settings give no default (the command's own default or error stands)."""
    return {k: _clean(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None}


def validate_outputs(
    ws: Workspace | None, returns: Path, report: Path | None, feedback: Path | None
) -> tuple[Path | None, Path | None]:
    """validate's --report and --feedback: explicit values win; in a workspace the reports
    and 退回修改 folders, per period when the returns folder is a 第N期; elsewhere only what
    was asked (no report file written into the current folder)."""
    if ws is None:
        return report, feedback
    n = periods.from_folder(Path(returns).resolve() / "x")
    f = ws.settings.folders
    if report is None:
        base = ws.path(f.reports) or ws.root
        report = base / (f"校验报告_第{n}期.xlsx" if n else REPORT_NAME)
    if feedback is None:
        rejected = ws.path(f.rejected)
        if rejected is not None:
            feedback = rejected / f"第{n}期" if n else rejected
    return report, feedback


def rollup_store(
    ws: Workspace | None, store: Path | None, inputs: list[Path] | None
) -> Path | None:
    """rollup's --store: explicit wins; the workspace's unless returns are given instead."""
    if store is not None or inputs or ws is None:
        return store
    return ws.path(ws.settings.store)


def resubmit_days(ws: Workspace | None) -> int:
    """Days allowed for a corrected return: the workspace's, else the default."""
    return ws.settings.resubmit_days if ws is not None else RESUBMIT_DAYS
