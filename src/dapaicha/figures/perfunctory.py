"""疑似走过场: signals of perfunctory ledgers, each with its evidence (a lead, not a verdict).

Kinds (slugs):
- all-no: every item of the ledger answered 否.
- same-text-villages: one 自查问题描述 or 整改措施 text (normalised: NFKC, whitespace and
  punctuation dropped) in problems of ≥ campaign.perfunctory.same_text_villages villages;
  one signal per village, naming the other villages.
- same-text-items: one text under ≥ same_text_items items of one ledger.
- measure-equals-description: 整改措施 the same as 自查问题描述 (one signal per problem).
- same-deadline: ≥ 3 problems, every one with the same 整改期限.
- unchanged-ledger: the ledger unchanged (every value of every row the same) for
  ≥ unchanged_periods periods, counted from the first period of the unchanged run to the
  current one (periods without a return count as unchanged), while problems are still open.

signals() works on Submissions; stored_signals() on a period as the store holds it (the
caller fetches it); to_frame() gives the sheet for the rollup. No I/O here.

Only problems (是否存在问题 = 是) take part in the text and deadline signals.
A village is identified by its key: the 12-digit code, else "county/township/village".
"""

from __future__ import annotations

import datetime as dt
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter

import pandas as pd

from dapaicha import layout
from dapaicha.config.checklist import Checklist
from dapaicha.model import Row, Submission

KINDS: dict[str, str] = {
    "all-no": "全部填“否”",
    "same-text-villages": "多村文字雷同",
    "same-text-items": "本村多项文字雷同",
    "measure-equals-description": "整改措施照抄问题描述",
    "same-deadline": "整改期限全部相同",
    "unchanged-ledger": "台账多期未变化",
}
SAME_DEADLINE_MIN = 3  # problems needed before "every deadline on the same day" means anything
MIN_TEXT = 2  # normalised characters; a lone 无 or 是 is not a pasted text
MAX_NAMED = 10  # villages or items named in one evidence text
QUOTE = 30  # characters of a text quoted in evidence
FIELDS = {"description": "自查问题描述", "measure": "整改措施"}

HEADERS = ("县（市、区）", "乡（镇、街道）", "行政村", "村代码", "疑似情形", "依据", "单元格")


@dataclass(frozen=True, slots=True)
class Signal:
    kind: str  # a key of KINDS
    village_code: str  # the village's key (code, else county/township/village)
    county: str
    township: str
    village: str
    evidence: str  # Chinese
    cells: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    def __reduce__(self) -> tuple[type[Signal], tuple[object, ...]]:
        # positional: a province's signals come back from the process that found them
        return Signal, (self.kind, self.village_code, self.county, self.township, self.village,
                        self.evidence, self.cells)  # fmt: skip


def key_of(s: Submission) -> str:
    return s.key


class _Dropped(dict[int, int | None]):
    """str.translate's table: whitespace, punctuation, separators and controls dropped
    (each character decided once, when first met)."""

    def __missing__(self, c: int) -> int | None:
        ch = chr(c)
        got = None if ch.isspace() or unicodedata.category(ch)[0] in "PZC" else c
        self[c] = got
        return got


_DROPPED = _Dropped()


def norm_text(text: str | None) -> str:
    """NFKC, without whitespace or punctuation: the comparison key of a pasted text."""
    if not text:
        return ""
    return unicodedata.normalize("NFKC", text).translate(_DROPPED)


_NORMS: dict[str, str] = {}  # text → norm_text(text), for the duration of one _signals call


def _norm(text: str | None) -> str:
    if not text:
        return ""
    got = _NORMS.get(text)
    if got is None:
        got = _NORMS[text] = norm_text(text)
    return got


def cell_of(r: Row, key: str) -> str:
    """The row's cell of a column: as read, else the generated layout's column."""
    if a1 := r.cells.get(key):
        return a1
    return f"{layout.LETTER[key]}{r.row}" if r.row and key in layout.LETTER else ""


def _quote(text: str | None) -> str:
    t = (text or "").strip()
    return t if len(t) <= QUOTE else t[: QUOTE - 1] + "…"


def _cells(rows: Iterable[Row], key: str) -> tuple[str, ...]:
    """cell_of(r, key) of each row that has one, interned (_kept)."""
    out = []
    for r in rows:
        c = r.cells.get(key)
        if c:
            out.append(sys.intern(c) if type(c) is str else c)
        elif r.row:
            got = _AT.get((key, r.row))
            if got is None:
                got = _AT[(key, r.row)] = _kept(cell_of(r, key))
            if got:
                out.append(got)
    return tuple(out)


_AT: dict[tuple[str, int], str] = {}  # (column key, row) → the layout's cell, interned


def _kept(x: str) -> str:
    """x interned: a signal outlives the rows it was read from, and must not pin their
    memory (a province's rows are freed once the signals are found)."""
    return sys.intern(x) if type(x) is str else x


def _items(nos: Iterable[int]) -> str:
    """第3项、第5项; a removed item's (-序号, model.Row.no) under its old 序号."""
    return "、".join(f"第{abs(n)}项" for n in sorted(set(nos), key=abs))


# id(return) → (the return, its key and names interned), for one _signals call
_WHO: dict[int, tuple[Submission, str, str, str, str]] = {}


def _signal(kind: str, s: Submission, evidence: str, cells: tuple[str, ...] = ()) -> Signal:
    who = _WHO.get(id(s))
    if who is None or who[0] is not s:
        names = (_kept(key_of(s)), _kept(s.county), _kept(s.township), _kept(s.village))
        who = _WHO[id(s)] = (s, *names)
    return Signal(kind, *who[1:], evidence, cells)


def signals(
    subs: list[Submission], cl: Checklist, *, history: dict[str, list[Submission]] | None = None
) -> list[Signal]:
    """The signals of one period's accepted returns (one per village; the last one wins).

    history: village key → that village's accepted submissions by period (may include the
    current one); without it there is no unchanged-ledger signal.
    """
    pasts = None
    if history is not None:
        pasts = {
            k: {x.period: fingerprint(x) for x in v if x.accepted and x.period is not None}
            for k, v in history.items()
        }
    return _signals(subs, cl, pasts)


# A return without problems, as store.ledgers.current_returns(lean=True) gives it instead of
# its rows: (rows, rows not 否, first and last row numbers by 序号, rows with a number).
Shape = tuple[int, int, int, int, int]


def _signals(
    subs: list[Submission],
    cl: Checklist,
    pasts: dict[str, dict[int, int]] | None,
    mine: dict[str, int] | None = None,
    shapes: dict[str, Shape] | None = None,
) -> list[Signal]:
    """signals() with the history given as village key → period → fingerprint; mine: the
    current returns' fingerprints, where known (else taken from their rows); shapes: the
    returns without problems whose rows were not read."""
    _PROBLEMS.clear()
    try:
        return _signals_of(subs, cl, pasts, mine or {}, shapes or {})
    finally:
        _PROBLEMS.clear()
        _NORMS.clear()
        _WHO.clear()
        _AT.clear()


def _signals_of(
    subs: list[Submission],
    cl: Checklist,
    pasts: dict[str, dict[int, int]] | None,
    mine: dict[str, int],
    shapes: dict[str, Shape],
) -> list[Signal]:
    p = cl.campaign.perfunctory
    by_village: dict[str, Submission] = {}
    for s in subs:
        if s.accepted:
            by_village[key_of(s)] = s
    order = sorted(by_village, key=lambda k: (by_village[k].village_code == "", k))
    out: dict[str, list[Signal]] = {k: [] for k in order}
    for k in order:
        s = by_village[k]
        shape = shapes.get(k)
        if s.source_kind == "merged":
            out[k].extend(_all_no_merged(s, shape, len(cl.items)))
        else:
            items = len(cl.items)  # an accepted return answered every item
            out[k].extend(_all_no(s, items) if shape is None else _all_no_shape(s, shape, items))
        out[k].extend(_same_items(s, p.same_text_items))
        out[k].extend(_measure_equals(s))
        out[k].extend(_same_deadline(s))
        if pasts is not None:
            out[k].extend(_unchanged(s, pasts.get(k, {}), p.unchanged_periods, cl, mine.get(k)))
    for k, sig in _same_villages([by_village[k] for k in order], p.same_text_villages):
        out[k].append(sig)
    rank = {kind: i for i, kind in enumerate(KINDS)}
    return [sig for k in order for sig in sorted(out[k], key=lambda x: (rank[x.kind], x.cells))]


def _all_no(s: Submission, items: int) -> list[Signal]:
    if not s.rows or any(r.has_problem != layout.NO for r in s.rows):
        return []
    cells = _cells(s.rows, "has_problem")
    span = (f"{cells[0]}:{cells[-1]}",) if len(cells) > 1 else cells
    return [_signal("all-no", s, f"全部 {items} 个项目均填“否”（未自查出任何问题）", span)]


def _all_no_shape(s: Submission, shape: Shape, items: int) -> list[Signal]:
    """_all_no from a Shape: the same signal, without the rows."""
    n, others, first, last, with_row = shape
    if not n or others:
        return []
    col = layout.LETTER["has_problem"]
    span = (f"{col}{first}:{col}{last}",) if with_row > 1 else (f"{col}{first}",) * with_row
    return [_signal("all-no", s, f"全部 {items} 个项目均填“否”（未自查出任何问题）", span)]


def _all_no_merged(s: Submission, shape: Shape | None, items: int) -> list[Signal]:
    """A village of a merged ledger with no problem row answered every item 否 (the ledger
    carries problem rows only): the return's signal, without its cells (a city's view)."""
    if (shape[0] if shape is not None else len(s.rows)) != 0:
        return []
    return [_signal("all-no", s, f"全部 {items} 个项目均填“否”（未自查出任何问题）")]


_PROBLEMS: dict[int, list[Row]] = {}


def _problems(s: Submission) -> list[Row]:
    """The problem rows (cached for the duration of one _signals call)."""
    got = _PROBLEMS.get(id(s))
    if got is None:
        got = _PROBLEMS[id(s)] = [r for r in s.rows if r.is_problem]
    return got


def _same_items(s: Submission, threshold: int) -> list[Signal]:
    out = []
    for key, zh in FIELDS.items():
        groups: dict[str, list[Row]] = {}
        get = attrgetter(key)
        for r in _problems(s):
            t = _norm(get(r))
            if len(t) >= MIN_TEXT:
                if (same := groups.get(t)) is None:
                    groups[t] = [r]
                else:
                    same.append(r)
        for rows in groups.values():
            if len(rows) < threshold:  # fewer rows than items needed: fewer items too
                continue
            nos = {r.no for r in rows}
            if len(nos) >= threshold:
                ev = f"{zh}“{_quote(getattr(rows[0], key))}”在本村 {len(nos)} 个项目中相同：{_items(nos)}"
                out.append(_signal("same-text-items", s, ev, _cells(rows, key)))
    return out


def _measure_equals(s: Submission) -> list[Signal]:
    out = []
    for r in _problems(s):
        t = _norm(r.description)
        if len(t) >= MIN_TEXT and t == _norm(r.measure):
            ev = f"第{abs(r.no)}项：整改措施与自查问题描述相同（“{_quote(r.measure)}”）"
            cells = tuple(c for c in (cell_of(r, "description"), cell_of(r, "measure")) if c)
            out.append(_signal("measure-equals-description", s, ev, cells))
    return out


def _same_deadline(s: Submission) -> list[Signal]:
    probs = _problems(s)
    if len(probs) < SAME_DEADLINE_MIN or any(r.deadline is None for r in probs):
        return []
    days = {r.deadline for r in probs}
    if len(days) != 1:
        return []
    d = days.pop()
    ev = f"全部 {len(probs)} 个问题的整改期限都是 {d.isoformat()}"  # type: ignore[union-attr]
    return [_signal("same-deadline", s, ev, _cells(probs, "deadline"))]


def _same_villages(subs: list[Submission], threshold: int) -> list[tuple[str, Signal]]:
    out: list[tuple[str, Signal]] = []
    keyed = [(key_of(s), _problems(s)) for s in subs]
    by_key = {key_of(s): s for s in subs}
    for key, zh in FIELDS.items():
        groups: dict[str, dict[str, list[Row]]] = {}
        get = attrgetter(key)
        for k, probs in keyed:
            for r in probs:
                t = _norm(get(r))
                if len(t) >= MIN_TEXT:
                    g = groups.get(t)
                    if g is None:
                        groups[t] = {k: [r]}
                    elif (same := g.get(k)) is None:
                        g[k] = [r]
                    else:
                        same.append(r)
        for villages in groups.values():
            if len(villages) < threshold:
                continue
            first = next(iter(villages.values()))[0]
            named = [
                f"{by_key[k].township}{by_key[k].village}（{'、'.join(_cells(rows, key)) or '—'}）"
                for k, rows in list(villages.items())[:MAX_NAMED]
            ]
            more = f"等 {len(villages)} 个村" if len(villages) > MAX_NAMED else ""
            ev = f"{zh}“{_quote(getattr(first, key))}”在 {len(villages)} 个村相同：{'、'.join(named)}{more}"
            for k, rows in villages.items():
                out.append((k, _signal("same-text-villages", by_key[k], ev, _cells(rows, key))))
    return out


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _rows_fingerprint(rows: Iterable[tuple[object, ...]]) -> int:
    """rows: (no, seq, has_problem, description, measure, kind, deadline, owner, result,
    done_date, note) with dates as ISO text, None where blank, in (no, seq) order."""
    return hash(tuple(rows))


def fingerprint(s: Submission) -> int:
    """What a ledger says, as one number: equal for returns with every value the same."""
    return _rows_fingerprint(
        (r.no, r.seq, r.has_problem, r.description, r.measure, r.kind, _iso(r.deadline),
         r.owner, r.result, _iso(r.done_date), r.note)
        for r in sorted(s.rows, key=lambda r: (r.no, r.seq))
    )  # fmt: skip


def _unchanged(
    s: Submission, past: dict[int, int], threshold: int, cl: Checklist, fp: int | None = None
) -> list[Signal]:
    """past: period → fingerprint of the village's accepted return of that period; fp: the
    fingerprint of s (None: from its rows)."""
    if s.period is None:
        return []
    done = cl.vocabularies.result.canonical[0]
    open_rows = [r for r in _problems(s) if r.result != done]
    if not open_rows:
        return []
    before = sorted((n for n in past if n < s.period), reverse=True)
    mine = (fp if fp is not None else fingerprint(s)) if before else 0
    start = s.period
    for n in before:
        if past[n] != mine:
            break
        start = n
    span = s.period - start + 1
    if span < threshold:
        return []
    ev = (
        f"第{start}期至第{s.period}期连续 {span} 期台账内容未变化，"
        f"仍有 {len(open_rows)} 个问题未整改：{_items(r.no for r in open_rows)}"
    )
    return [_signal("unchanged-ledger", s, ev, _cells(open_rows, "result"))]


def to_frame(sigs: list[Signal]) -> pd.DataFrame:
    """The signals as a sheet: Chinese headers (HEADERS), one row per signal."""
    if not sigs:
        return pd.DataFrame([], columns=list(HEADERS))
    cols = (
        [x.county for x in sigs],
        [x.township for x in sigs],
        [x.village for x in sigs],
        [x.village_code if "/" not in x.village_code else "" for x in sigs],
        [KINDS[x.kind] for x in sigs],
        [x.evidence for x in sigs],
        ["、".join(x.cells) for x in sigs],
    )  # column by column: a province has hundreds of thousands
    return pd.DataFrame(dict(zip(HEADERS, cols, strict=True)), columns=list(HEADERS))


Fetch = Callable[[list[int]], dict[int, list[tuple[object, ...]]]]


def stored_signals(
    current: dict[str, Submission],
    earlier: dict[str, list[tuple[int, int]]],
    cl: Checklist,
    fetch: Fetch,
    ids: dict[str, int] | None = None,
    shapes: dict[str, Shape] | None = None,
) -> list[Signal]:
    """The signals of every village's current return in a period, as the store holds them.

    current: village key → its current return (rows loaded); earlier: village key → the ids
    of its earlier current returns [(period, id)], newest first; fetch(ids): each return's
    rows as (no, seq, has_problem, description, measure, kind, deadline, owner, result,
    done_date, note), dates as ISO text, in (no, seq) order.

    For unchanged-ledger, earlier returns are fetched only for villages with open problems,
    one return back at a time and only while they still equal the current one (as
    fingerprints), FETCH_CHUNK returns at a time, so a whole province stays fast and small.
    ids (village key → its current return's id) when `current` holds only the rows the
    other signals read (store.ledgers.current_returns(lean=True)): the current returns'
    fingerprints are then fetched too, and the returns without problems come as shapes.
    """
    pasts, mine = _walk_back(current, earlier, cl, fetch, ids)
    return _signals(list(current.values()), cl, pasts, mine, shapes)


FETCH_CHUNK = 2000  # returns' rows held at once while fingerprinting


def _fingerprints(want: dict[int, str], fetch: Fetch) -> dict[str, int]:
    """Return id → village key, fetched FETCH_CHUNK at a time → village key → fingerprint."""
    out: dict[str, int] = {}
    sids = list(want)
    for i in range(0, len(sids), FETCH_CHUNK):
        rows = fetch(sids[i : i + FETCH_CHUNK])
        out.update(
            {want[sid]: _rows_fingerprint(rows.get(sid, ())) for sid in sids[i : i + FETCH_CHUNK]}
        )
    return out


def _walk_back(
    current: dict[str, Submission],
    earlier: dict[str, list[tuple[int, int]]],
    cl: Checklist,
    fetch: Fetch,
    ids: dict[str, int] | None = None,
) -> tuple[dict[str, dict[int, int]], dict[str, int]]:
    """Fingerprints of earlier returns: for each village with open problems, back to the
    first return that differs from the current one (that one included); and the current
    returns' fingerprints."""
    done = cl.vocabularies.result.canonical[0]
    pasts: dict[str, dict[int, int]] = {key: {} for key in current}
    keys = [k for k, s in current.items()
            if earlier.get(k) and any(r.is_problem and r.result != done for r in s.rows)]  # fmt: skip
    if ids is None:
        mine = {k: fingerprint(current[k]) for k in keys}
    else:
        mine = _fingerprints({ids[k]: k for k in keys}, fetch)
    wanted, step = dict(mine), 0
    while wanted:
        want = {earlier[k][step][1]: k for k in wanted}
        got = _fingerprints(want, fetch)
        nxt = {}
        for k, fp in got.items():
            pasts[k][earlier[k][step][0]] = fp
            if fp == mine[k] and step + 1 < len(earlier[k]):
                nxt[k] = mine[k]
        wanted, step = nxt, step + 1
    return pasts, mine
