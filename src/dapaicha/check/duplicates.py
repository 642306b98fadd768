"""Several files of one village in one batch: which one is used, and why, said to each."""

from __future__ import annotations

import re
from pathlib import PurePath

from dapaicha import layout
from dapaicha.config import periods
from dapaicha.findings import C, FileResult, make
from dapaicha.model import Submission


def _folder_period(rel: str) -> int | None:
    """第N期 in a return's folder path: files of different periods are not duplicates."""
    return next(
        (n for part in PurePath(rel).parts[:-1] if (n := periods.folder_number(part))), None
    )


_DIGITS = re.compile(r"(\d+)")


def name_order(rel: str) -> tuple[str, tuple[tuple[int, str], ...], str, str]:
    """A file name's place among files of one village: the name before its extension, its
    numbers as numbers, so a copy saved again (大马村(1).xlsx, then (2), … (10)) comes after
    大马村.xlsx (“.” sorts after “(”) and (10) after (9)."""
    p = PurePath(rel)
    parts = _DIGITS.split(p.stem)
    words = tuple((int(x), "") if i % 2 else (0, x) for i, x in enumerate(parts))
    return (p.parent.as_posix(), words, p.suffix.lower(), rel)


def _dated(fr: FileResult) -> str:
    """The 填报日期 a file is ranked by: none when outside the campaign (a year typed wrong
    must not make a file the newest)."""
    out = any(f.code == "report-date-out-of-campaign" for f in fr.findings)
    return "" if out else fr.report_date


def _why_winner(winner: FileResult, group: list[FileResult]) -> str:
    """Why winner was taken, as it is: passed, latest 填报日期, or only the file name."""
    reasons = []
    if winner.accepted and any(not f.accepted for f in group):
        reasons.append("通过校验")
    peers = [f for f in group if f is not winner and f.accepted == winner.accepted]
    if peers:
        shown = winner.report_date or "未填"
        if all(_dated(f) < _dated(winner) for f in peers):
            reasons.append(f"填报日期最新（{shown}）")
        else:
            reasons.append(f"填报日期相同（{shown}）、文件名排在后")
    return "、".join(reasons) + f"的“{winner.file}”"


def resolve(results: list[FileResult]) -> None:
    """Several files of one village in one batch: the accepted one with the latest 填报日期 wins."""
    by_village: dict[tuple[str, int | None], list[FileResult]] = {}
    for fr in results:
        if fr.sha256 and (fr.village_code or fr.village):  # unreadable files are not candidates
            by_village.setdefault((fr.key, _folder_period(fr.file)), []).append(fr)
    for group in by_village.values():
        if len(group) < 2:
            continue
        ranked = sorted(group, key=lambda f: (f.accepted, _dated(f), name_order(f.file)))
        winner = ranked[-1]
        names = "、".join(f.file for f in group)
        why = _why_winner(winner, group)
        newest = (winner.report_date, name_order(winner.file))
        for fr in group:
            fr.used = fr is winner
            # failed, and a newer passing file is used: nothing to send back
            fr.replaced = (
                not fr.accepted
                and winner.accepted
                and (fr.report_date, name_order(fr.file)) < newest
            )
            fr.findings.append(make("duplicate-return", fr.file, detail=names, expected=why))
    # The losers' submissions stay: merge keeps every accepted return and lets the one with
    # the latest 填报日期 (then the later file name, as ranked here) supersede the others.


SHOWN = 5  # villages named in one merged-village-twice finding


def merged_twice(results: list[FileResult], subs: list[Submission]) -> None:
    """A village in several merged ledgers of one batch (the same ledger sent twice, or two
    counties' ledgers carrying it): one warning on each file per other file."""
    files: dict[str, dict[str, Submission]] = {}  # village → file → its submission
    for s in subs:
        if s.source_kind == "merged":
            files.setdefault(s.village_code or s.village, {}).setdefault(s.file, s)
    shared: dict[tuple[str, str], list[str]] = {}  # (file, other file) → village names
    for by_file in files.values():
        for f, s in by_file.items():
            for other in by_file:
                if other != f:
                    shared.setdefault((f, other), []).append(s.township + s.village)
    results_of = {fr.file: fr for fr in results}
    for (f, other), names in sorted(shared.items()):
        shown = "、".join(names[:SHOWN]) + (f"等{len(names)}个村" if len(names) > SHOWN else "")
        fr = results_of.get(f)
        if fr is not None:
            sheet = layout.SHEET_MERGED_VILLAGES
            fr.findings.append(
                make(C.MERGED_VILLAGE_TWICE, f, sheet=sheet, value=shown, detail=other)
            )
