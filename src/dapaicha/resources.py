"""Where the shipped data lives: inside the wheel, or at the checkout's root."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent
_DATA = _PKG / "data"
_ROOT = _PKG.parent.parent


def _find(name: str) -> Path:
    for base in (_DATA, _ROOT):
        p = base / name
        if p.exists():
            return p
    return _ROOT / name


def default_checklist() -> Path:
    return _find("checklist.yaml")


def templates_dir() -> Path:
    return _find("templates")


def examples_dir() -> Path:
    return _find("examples")
