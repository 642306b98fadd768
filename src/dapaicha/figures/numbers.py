"""Rounding as the papers want it: 四舍五入 (half up), the same digits everywhere."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd


def half_up(v: float, digits: int = 2) -> Decimal:
    """v rounded half up (四舍五入, ties away from zero) as Excel shows it: from 15 digits."""
    return Decimal(format(float(v), ".15g")).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)


def pct_text(v: float | None, digits: int = 2, empty: str = "—") -> str:
    """A rate (0.65625) as the workbooks show it with 0.00%: "65.63%"; empty when NaN."""
    if v is None or v is pd.NA or math.isnan(float(v)):
        return empty
    return f"{half_up(float(v) * 100, digits)}%"


def pp_value(v: float | None, digits: int = 2) -> float | None:
    """A change in percentage points rounded half up (None when NaN)."""
    if v is None or v is pd.NA or math.isnan(float(v)):
        return None
    return float(half_up(float(v), digits))
