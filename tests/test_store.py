"""The store: periods, schema and migrations, transactions, idempotency, frames, export.

Submissions are built by hand here (`make_sub`), as validate would hand them to merge;
test_merge.py imports these builders.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
import threading
from pathlib import Path, PurePath

import pytest
from openpyxl import load_workbook

from dapaicha import layout
from dapaicha.app import merge
from dapaicha.app import store as store_app
from dapaicha.config import checklist, periods
from dapaicha.config.roster import Roster, Village
from dapaicha.errors import UserError
from dapaicha.model import Row, Submission
from dapaicha.store import db as store_db
from dapaicha.store import query as store_query
from dapaicha.store import write as store

D = dt.date
CL = checklist.load()
VILLAGES = [
    Village("411024103201", "鄢陵县", "陈化店镇", "大马村"),
    Village("411024103202", "鄢陵县", "陈化店镇", "王庄村"),
    Village("411024104201", "鄢陵县", "马栏镇", "前杨村"),
    Village("", "鄢陵县", "马栏镇", "后杨村"),  # no code: keyed by names
]
ROSTER = Roster(list(VILLAGES))
REPLAY = "2031-01-01T00:00:00+00:00"  # received long after the campaign: judged by 填报日期


def problem(no: int, seq: int = 1, **kw) -> Row:
    base = dict(
        has_problem="是",
        description=f"第{no}项问题{seq}",
        measure="立即整改",
        kind="立行立改",
        deadline=D(2022, 4, 20),
        owner="张三",
        result="未整改",
    )
    base.update(kw)
    return Row(no=no, seq=seq, **base)


def make_rows(problems: list[Row]) -> list[Row]:
    """66 rows: the given problems, 否 for every other item; cells as in a generated ledger."""
    by_no: dict[int, list[Row]] = {}
    for p in problems:
        by_no.setdefault(p.no, []).append(p)
    out: list[Row] = []
    r = layout.ROW_FIRST_ITEM
    for _, item in CL.items:
        for row in by_no.get(item.no) or [Row(no=item.no, seq=1, has_problem="否")]:
            row.row = r
            row.cells = {k: f"{layout.LETTER[k]}{r}" for k in ("no", *layout.FILL_KEYS)}
            out.append(row)
            r += 1
    return out


def make_sub(
    v: int,
    report_date: dt.date | None,
    problems: list[Row] = (),  # type: ignore[assignment]
    *,
    file: str | None = None,
    accepted: bool = True,
    errors: int = 0,
    warnings: int = 0,
    tag: str = "",
) -> Submission:
    vil = VILLAGES[v]
    rows = make_rows(list(problems))
    name = file or f"{vil.village}.xlsx"
    sha = hashlib.sha256(
        f"{name}|{report_date}|{tag}|{[(r.no, r.seq, r.result, r.deadline) for r in rows]}".encode()
    ).hexdigest()
    return Submission(
        file=name,
        sha256=sha,
        village_code=vil.code or vil.key,
        county=vil.county,
        township=vil.township,
        village=vil.village,
        report_date=report_date,
        accepted=accepted,
        errors=errors if not accepted else 0,
        warnings=warnings,
        rows=rows,
        sheet=layout.SHEET_LEDGER,
        date_cell=layout.DATE_CELL,
    )


def do_merge(path: Path, subs: list[Submission], **kw) -> merge.MergeResult:
    kw.setdefault("roster", ROSTER)
    kw.setdefault("received_at", REPLAY)  # a replay: timeliness by 填报日期
    return merge.merge_submissions(path, subs, CL, **kw)


def dump(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return store_db.dump(conn)
    finally:
        conn.close()


# --- periods -----------------------------------------------------------------------

P = periods.Periods(CL.campaign)


def test_period_windows():
    assert P.get(1) == periods.Period(1, D(2022, 3, 1), D(2022, 3, 31))
    assert P.get(2) == periods.Period(2, D(2022, 4, 1), D(2022, 4, 7))
    assert P.get(3) == periods.Period(3, D(2022, 4, 8), D(2022, 4, 14))
    assert P.get(10).deadline == D(2022, 3, 31) + dt.timedelta(days=63)  # unbounded
    assert P.get(2).label == "第2期"
    with pytest.raises(UserError):
        P.get(0)


@pytest.mark.parametrize(
    ("day", "n"),
    [(D(2022, 2, 1), 1), (D(2022, 3, 1), 1), (D(2022, 3, 31), 1), (D(2022, 4, 1), 2), (D(2022, 4, 7), 2),
     (D(2022, 4, 8), 3), (D(2022, 6, 30), 14)],
)  # fmt: skip
def test_period_of_a_date(day, n):
    assert P.number_of(day) == n
    assert P.containing(day).contains(max(day, CL.campaign.start))


@pytest.mark.parametrize(
    ("as_of", "due"),
    [(None, D(2022, 3, 31)), (D(2022, 3, 2), D(2022, 3, 31)), (D(2022, 3, 30), D(2022, 3, 31)),
     (D(2022, 3, 31), D(2022, 4, 7)), (D(2022, 4, 7), D(2022, 4, 14)), (D(2022, 4, 10), D(2022, 4, 14)),
     (D(2022, 4, 28), D(2022, 5, 5))],
)  # fmt: skip
def test_resubmit_by_the_next_cut_off(as_of, due):
    assert P.resubmit_by(as_of) == due


def test_all_until():
    assert [p.n for p in P.all_until(D(2022, 4, 8))] == [1, 2, 3]
    assert [p.n for p in P.all_until(D(2022, 3, 15))] == [1]


@pytest.mark.parametrize(
    ("rel", "n"),
    [("第3期/a.xlsx", 3), ("3期/a.xlsx", 3), ("period3/a.xlsx", 3), ("Period-12/x/a.xlsx", 12),
     ("第３期/a.xlsx", 3), ("鄢陵县/第2期/a.xlsx", 2), ("第2期/第4期/a.xlsx", 4), ("第3期.xlsx", None),
     ("returns2022/a.xlsx", None), ("第0期/a.xlsx", None), ("a.xlsx", None),
     ("第二期/a.xlsx", 2), ("第十二期/a.xlsx", 12), ("2022年第2期/a.xlsx", 2), ("第2期报送/a.xlsx", 2),
     ("第1期（补报）/a.xlsx", 1), ("p3/a.xlsx", None)],
)  # fmt: skip
def test_period_from_folder(rel, n):
    assert periods.from_folder(PurePath(rel)) == n


def test_period_resolution_order():
    r = periods.resolve
    assert r(P, preset=5, forced=2, rel="第3期/a.xlsx") == (5, "汇总台账")
    assert r(P, forced=2, rel="第3期/a.xlsx", report_date=D(2022, 4, 1)) == (2, "--period")
    assert r(P, rel="第3期/a.xlsx", report_date=D(2022, 4, 1)) == (3, "文件夹")
    # the as-of day wins over the 填报日期 (a stray date warns, never moves the return)
    assert r(P, rel="a.xlsx", report_date=D(2022, 4, 1), as_of=D(2022, 4, 20)) == (4, "--as-of")
    assert r(P, rel="a.xlsx", report_date=D(2022, 4, 1)) == (2, "填报日期")
    assert r(P, rel="a.xlsx", as_of=D(2022, 4, 20)) == (4, "--as-of")
    assert r(P, rel="a.xlsx") == (None, "")


def test_on_time():
    assert P.on_time(D(2022, 3, 31), 1) is True
    assert P.on_time(D(2022, 4, 1), 1) is False
    assert P.on_time(None, 1) is None
    # the receipt day, when known, decides; the 填报日期 does not
    assert P.on_time(D(2022, 3, 20), 1, received=D(2022, 4, 1)) is False
    assert P.on_time(D(2022, 4, 5), 1, received=D(2022, 3, 31)) is True
    assert P.on_time(None, 1, received=D(2022, 3, 31)) is True


# --- schema, versions, locking ----------------------------------------------------------


def test_fresh_store_schema(tmp_path):
    path = tmp_path / "s.sqlite"
    do_merge(path, [make_sub(0, D(2022, 3, 30))])
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(store_db.VERSION,)]
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "submissions_period_village" in names
    conn.close()
    c = store.connect(path)
    assert c.execute("PRAGMA foreign_keys").fetchone() == (1,)
    c.close()


def test_newer_store_is_refused_and_untouched(tmp_path):
    path = tmp_path / "s.sqlite"
    do_merge(path, [make_sub(0, D(2022, 3, 30))])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("UPDATE schema_version SET version = ?", (store_db.VERSION + 1,))
    conn.commit()
    conn.close()
    before = path.read_bytes()
    for call in (
        lambda: store.connect(path),
        lambda: do_merge(path, [make_sub(1, D(2022, 3, 30))]),
        lambda: store.period_frames(path, 1),
        lambda: store.info(path),
    ):
        with pytest.raises(UserError, match=r"数据库版本较新.*请升级 dapaicha"):
            call()
    assert path.read_bytes() == before
    assert not Path(str(path) + "-wal").exists()


def test_migrations_are_applied_in_order(tmp_path, monkeypatch):
    path = tmp_path / "s.sqlite"
    do_merge(path, [make_sub(0, D(2022, 3, 30))])
    seen = []

    def m2(conn):
        seen.append(2)
        conn.execute("ALTER TABLE villages ADD COLUMN extra TEXT")

    def m3(conn):
        seen.append(3)
        conn.execute("UPDATE villages SET extra = 'x'")

    monkeypatch.setattr(store_db, "MIGRATIONS", [*store_db.MIGRATIONS, m2, m3])
    monkeypatch.setattr(store_db, "VERSION", store_db.VERSION + 2)
    conn = store.connect(path)
    assert seen == [2, 3]
    assert conn.execute("SELECT version FROM schema_version").fetchone() == (store_db.VERSION,)
    assert conn.execute("SELECT DISTINCT extra FROM villages").fetchall() == [("x",)]
    conn.close()
    store.connect(path).close()
    assert seen == [2, 3]  # not applied twice


def test_not_a_store(tmp_path):
    bad = tmp_path / "x.sqlite"
    bad.write_text("hello")
    with pytest.raises(UserError, match="不是 dapaicha 数据库"):
        store.connect(bad)
    other = tmp_path / "other.sqlite"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    with pytest.raises(UserError, match="不是 dapaicha 数据库"):
        store.connect(other)
    with pytest.raises(UserError, match="找不到数据库"):
        store.period_frames(tmp_path / "missing.sqlite", 1)


def test_second_writer_waits_then_refuses(tmp_path):
    path = tmp_path / "s.sqlite"
    do_merge(path, [make_sub(0, D(2022, 3, 30))])
    before = dump(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(UserError, match="正被另一个 dapaicha 程序写入"):
            do_merge(path, [make_sub(1, D(2022, 3, 30))], timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert dump(path) == before


def test_second_writer_waits_for_the_first(tmp_path):
    path = tmp_path / "s.sqlite"
    do_merge(path, [make_sub(0, D(2022, 3, 30))])
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, lambda: holder.execute("COMMIT")).start()
    res = do_merge(path, [make_sub(1, D(2022, 3, 30))], timeout=10)  # waits, then goes on
    holder.close()
    assert res.added == 1


def test_other_campaign_is_refused(tmp_path):
    path = tmp_path / "s.sqlite"
    do_merge(path, [make_sub(0, D(2022, 3, 30))])
    other = CL.model_copy(update={"id": "xuchang-2023"})
    with pytest.raises(UserError, match="另一轮行动"):
        merge.merge_submissions(path, [make_sub(1, D(2022, 3, 30))], other)
    moved = CL.model_copy(
        update={"campaign": CL.campaign.model_copy(update={"first_deadline": D(2022, 4, 1)})}
    )
    with pytest.raises(UserError, match="行动日期与数据库入库时不一致"):
        merge.merge_submissions(path, [make_sub(1, D(2022, 3, 30))], moved)


# --- idempotency, faults ---------------------------------------------------------------


def _three_periods() -> list[list[Submission]]:
    return [
        [
            make_sub(0, D(2022, 3, 30), [problem(3), problem(3, 2)]),
            make_sub(1, D(2022, 3, 31)),
            make_sub(3, D(2022, 3, 29), [problem(10)]),
        ],
        [
            make_sub(
                0,
                D(2022, 4, 6),
                [problem(3, result="正在整改"), problem(3, 2)],
                file="第2期/大马村.xlsx",
            )
        ],
        [
            make_sub(
                0,
                D(2022, 4, 13),
                [problem(3, result="已整改", done_date=D(2022, 4, 12))],
                file="第3期/大马村.xlsx",
            )
        ],
    ]


def test_merging_twice_adds_nothing(tmp_path):
    path = tmp_path / "s.sqlite"
    batches = _three_periods()
    for b in batches:
        do_merge(path, b)
    once = dump(path)
    for b in batches:
        res = do_merge(path, b, received_at="2030-01-01T00:00:00+00:00")
        assert (res.added, res.already) == (0, len(b))
    assert dump(path) == once
    assert len(once["submissions"]) == 5


def test_duplicate_row_mid_batch_leaves_store_unchanged(tmp_path):
    path = tmp_path / "s.sqlite"
    do_merge(path, _three_periods()[0])
    before = dump(path)
    bad = make_sub(1, D(2022, 4, 6), [problem(5)], file="第2期/王庄村.xlsx")
    bad.rows.append(problem(5))  # same 序号 and problem number twice: the PRIMARY KEY refuses it
    batch = [
        make_sub(0, D(2022, 4, 6), file="第2期/大马村.xlsx"),
        bad,
        make_sub(2, D(2022, 4, 6), file="第2期/前杨村.xlsx"),
    ]
    out = tmp_path / "台账.xlsx"
    with pytest.raises(UserError, match=r"第2期/王庄村\.xlsx 中同一序号的问题编号重复"):
        do_merge(path, batch, out=out)
    assert dump(path) == before
    assert not out.exists()


def test_failure_after_inserts_rolls_back(tmp_path, monkeypatch):
    path = tmp_path / "s.sqlite"
    do_merge(path, _three_periods()[0])
    before = dump(path)

    def boom(conn, touched):
        assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 4  # inserted…
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "_resupersede", boom)
    with pytest.raises(RuntimeError):
        do_merge(path, _three_periods()[1])
    assert dump(path) == before  # …and rolled back


def test_failure_while_writing_the_ledger_rolls_back(tmp_path, monkeypatch):
    from dapaicha.xlsx import merged

    path = tmp_path / "s.sqlite"
    do_merge(path, _three_periods()[0])
    before = dump(path)

    def boom(*a, **k):
        raise UserError("无法写入")

    monkeypatch.setattr(merged, "write", boom)
    with pytest.raises(UserError):
        do_merge(path, _three_periods()[1], out=tmp_path / "x.xlsx")
    assert dump(path) == before


def test_rejected_then_accepted_same_file_is_replaced(tmp_path):
    path = tmp_path / "s.sqlite"
    first = make_sub(1, D(2022, 3, 30), accepted=False, errors=1)
    do_merge(path, [first])
    again = make_sub(1, D(2022, 3, 30))
    assert again.sha256 == first.sha256  # the same bytes, now accepted (say the roster was fixed)
    res = do_merge(path, [again])
    assert res.added == 1
    rows = dump(path)["submissions"]
    assert [(r[8], r[13]) for r in rows] == [(first.sha256, 1)]


# --- frames --------------------------------------------------------------------------


def test_period_frames_exact(tmp_path):
    path = tmp_path / "s.sqlite"
    for b in _three_periods():
        do_merge(path, b)
    f3 = store.period_frames(path, 3)
    assert (f3.period, f3.start, f3.deadline) == (3, D(2022, 4, 8), D(2022, 4, 14))
    v = f3.villages.set_index("village")
    assert list(f3.villages.columns) == store_query.VILLAGE_COLUMNS
    assert list(v.index) == ["大马村", "王庄村", "前杨村", "后杨村"]  # by code; name keys last
    assert v.loc["大马村", ["reported", "on_time", "late", "carried"]].tolist() == [
        True,
        True,
        False,
        False,
    ]
    assert v.loc["王庄村", ["reported", "carried", "file"]].tolist() == [False, True, "王庄村.xlsx"]
    assert v.loc["前杨村", ["reported", "carried", "file"]].tolist() == [False, False, ""]
    assert v.loc["前杨村", "report_date"] is None
    assert v.loc["后杨村", "village_code"] == "鄢陵县/马栏镇/后杨村"
    assert v.loc["后杨村", "report_date"] == D(2022, 3, 29)
    p = f3.problems
    assert list(p.columns) == store_query.PROBLEM_COLUMNS
    assert p[["village", "period", "no", "seq", "result", "carried"]].values.tolist() == [
        ["大马村", 3, 3, 1, "已整改", False],
        ["后杨村", 1, 10, 1, "未整改", True],
    ]
    first = p.iloc[0]
    assert (first.category_code, first.category, first.topic) == ("一", "基础工作方面", "信息采集")
    assert (first.done_date, first.deadline, first.note, first.cell) == (
        D(2022, 4, 12),
        D(2022, 4, 20),
        None,
        "F6",
    )
    assert f3.previous is not None and f3.previous.period == 2 and f3.previous.previous is None
    assert f3.previous.problems[["village", "no", "seq", "result"]].values.tolist() == [
        ["大马村", 3, 1, "正在整改"],
        ["大马村", 3, 2, "未整改"],
        ["后杨村", 10, 1, "未整改"],
    ]
    f1 = store.period_frames(path, 1, depth=0)
    assert f1.previous is None
    assert int(f1.villages["reported"].sum()) == 3 and len(f1.problems) == 3


def test_info_and_export(tmp_path):
    path = tmp_path / "s.sqlite"
    for b in _three_periods():
        do_merge(path, b)
    do_merge(path, [make_sub(1, D(2022, 4, 7), file="第2期/王庄村.xlsx", accepted=False, errors=2)])
    info = store.info(path)
    assert (info.villages, info.in_roster, info.never_reported) == (4, 4, 1)
    got = [(p.n, p.accepted, p.rejected, p.superseded, p.villages, p.on_time) for p in info.periods]
    assert got == [(1, 3, 0, 0, 3, 3), (2, 1, 1, 0, 1, 1), (3, 1, 0, 0, 1, 1)]
    out = tmp_path / "导出.xlsx"
    counts = store_app.export(path, out)
    assert counts == {
        "schema_version": 1,
        "campaigns": 1,
        "items": 66,
        "periods": 3,
        "villages": 4,
        "submissions": 6,
        "rows": 66 * 5 + 2,
        "findings": 2,  # 第3期 大马村: problem-vanished; the rejected 王庄村: rejected-kept-previous
    }
    rows = sorted(dump(path)["findings"], key=lambda r: r[2])  # (submission, seq, code, …)
    assert [(r[1], r[2]) for r in rows] == [(1, "problem-vanished"), (1, "rejected-kept-previous")]
    wb = load_workbook(out)
    assert wb.sheetnames == [*store_db.TABLES, "字段说明"]
    assert wb["rows"].max_row == 1 + counts["rows"]
    assert [c.value for c in wb["submissions"][1]][:4] == ["编号", "行动编号", "期次", "村标识"]
    heads = [c.value for ws in wb.worksheets for c in ws[1]]
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in heads), heads  # all Chinese
    assert [c.value for c in wb["rows"][1]][7] == "整改期限"
    fields = [tuple(r) for r in wb["字段说明"].iter_rows(min_row=2, values_only=True)]
    assert ("submissions", "village_key", "村标识") in fields
    assert len(fields) == sum(ws.max_column for ws in wb.worksheets[:-1])


def test_export_keeps_formula_like_text(tmp_path):
    path = tmp_path / "s.sqlite"
    do_merge(
        path, [make_sub(0, D(2022, 3, 30), [problem(3, description='=HYPERLINK("http://x")')])]
    )
    out = tmp_path / "导出.xlsx"
    store_app.export(path, out)
    ws = load_workbook(out)["rows"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")']
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_rows_stored_whole_and_in_order_across_insert_chunks(tmp_path):
    """Three returns of 66 or 67 rows (199 rows: three full INSERTs of 64 and 7 single ones)
    are stored row for row as written here by hand from the Submissions."""
    path = tmp_path / "s.sqlite"
    subs = [
        make_sub(0, D(2022, 3, 20), file="大马村.xlsx"),
        make_sub(1, D(2022, 3, 21), [problem(5), problem(5, 2)], file="王庄村.xlsx"),
        make_sub(2, D(2022, 3, 22), [problem(9, deadline=None)], file="前杨村.xlsx"),
    ]
    res = do_merge(path, subs, period=1)
    assert res.added == 3
    conn = sqlite3.connect(path)
    try:
        got = conn.execute(
            "SELECT s.file, r.no, r.seq, r.has_problem, r.description, r.deadline, r.cell"
            " FROM rows r JOIN submissions s ON s.id = r.submission_id"
            " ORDER BY r.submission_id, r.no, r.seq"
        ).fetchall()
    finally:
        conn.close()
    want = [
        (s.file, r.no, r.seq, r.has_problem, r.description,
         f"{r.deadline.year:04d}-{r.deadline.month:02d}-{r.deadline.day:02d}" if r.deadline else None,
         f"{layout.LETTER['description']}{r.row}")  # the cell of 自查问题描述
        for s in sorted(subs, key=lambda s: s.file)
        for r in sorted(s.rows, key=lambda r: (r.no, r.seq))
    ]  # fmt: skip
    assert len(got) == 66 + 67 + 66 == len(want)
    assert sorted(got) == sorted(want)
    assert [g[0] for g in got] == sorted(g[0] for g in got)  # each return's rows together
