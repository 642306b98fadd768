"""`generate --carry-forward`: each village's new ledger pre-filled with its last accepted
answers from the store, moved onto the current numbering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dapaicha.config.checklist import Checklist
from dapaicha.errors import UserError
from dapaicha.model import Row
from dapaicha.store import db as store_db
from dapaicha.store import ledgers as store_ledgers
from dapaicha.store import query as store_query
from dapaicha.xlsx import fill

Answers = dict[int, list[dict[str, Any]]]  # current 序号 → the rows' values
_KEYS = ("has_problem", "description", "measure", "kind", "deadline", "owner", "result")
_MORE = ("done_date", "note")


def _values(r: Row) -> dict[str, Any]:
    return {k: getattr(r, k) for k in (*_KEYS, *_MORE)}


def last_answers(store_path: Path, cl: Checklist) -> dict[str, Answers]:
    """Village key → its current return's rows (latest period), on the current numbering."""
    if not Path(store_path).is_file():
        raise UserError(f"找不到数据库文件 {store_path}，无法沿用上次填报内容。")
    conn = store_db.connect(store_path)
    try:
        latest = store_query.latest_period(conn)
        if latest is None:
            raise UserError(f"数据库 {store_path} 中还没有通过校验的台账，无法沿用上次填报内容。")
        stored = store_ledgers.campaign_hash(conn)
        current = store_ledgers.current_returns(conn, latest)
    finally:
        conn.close()
    if stored == cl.content_hash:
        to_current: dict[int, int | None] = {i.no: i.no for _, i in cl.items}
    elif stored in cl.earlier:
        to_current = cl.earlier[stored][0].to_current
    else:
        raise UserError(
            "数据库中的清单与本次使用的清单及其各修订版本都不一致，无法沿用上次填报内容。"
        )
    out: dict[str, Answers] = {}
    for key, sub in current.returns.items():
        ans: Answers = {}
        for r in sorted(sub.rows, key=lambda r: (r.no, r.seq)):
            no = to_current.get(r.no)
            if no is not None:
                ans.setdefault(no, []).append(_values(r))
        out[key] = ans
    return out


def prefill(path: Path, answers: Answers) -> None:
    """Write a village's answers into its freshly generated ledger (in place, atomically)."""
    fill.fill_ledger(path, path, dict(answers))
