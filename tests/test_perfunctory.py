"""perfunctory: each signal with its exact villages and cells, and one below its threshold."""

from __future__ import annotations

import datetime as dt

import pytest

from dapaicha import layout
from dapaicha.app import merge, pool
from dapaicha.app import rollup as rollup_app
from dapaicha.config import checklist
from dapaicha.figures import perfunctory
from dapaicha.figures.perfunctory import Signal
from dapaicha.model import Row, Submission

D = dt.date
FIRST = layout.ROW_FIRST_ITEM
L = layout.LETTER


@pytest.fixture(scope="module")
def cl() -> checklist.Checklist:
    return checklist.load()


def a1(key: str, no: int) -> str:
    """The cell of item `no` (first problem) in a generated ledger: independent of the code."""
    return f"{L[key]}{FIRST + no - 1}"


def sub(
    cl,
    n: int,
    problems: dict[int, dict] | None = None,
    *,
    period: int = 1,
    village: str | None = None,
) -> Submission:
    """A 66-item return of village n: 否 everywhere except `problems` (no → fields)."""
    problems = problems or {}
    rows = []
    for _, item in cl.items:
        r = FIRST + item.no - 1
        if item.no in problems:
            f = {"result": "未整改", "kind": "立行立改", "owner": "张三", **problems[item.no]}
            rows.append(Row(no=item.no, has_problem="是", row=r, **f))
        else:
            rows.append(Row(no=item.no, has_problem="否", row=r))
    code = f"4110241002{n:02d}"
    return Submission(
        f"村{n}.xlsx", f"sha{n}-{period}", code, "鄢陵县", "陈化店镇", village or f"村{n}",
        D(2022, 3, 30) + dt.timedelta(days=7 * (period - 1)), True, rows=rows, period=period,
    )  # fmt: skip


def kinds(sigs: list[Signal], kind: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(s.village_code, s.cells) for s in sigs if s.kind == kind]


def test_all_no(cl) -> None:
    s1, s2 = (
        sub(cl, 1),
        sub(
            cl,
            2,
            {5: {"description": "档案缺失", "measure": "补齐档案", "deadline": D(2022, 4, 20)}},
        ),
    )
    sigs = perfunctory.signals([s1, s2], cl)
    assert kinds(sigs, "all-no") == [
        (s1.village_code, (f"{a1('has_problem', 1)}:{a1('has_problem', 66)}",))
    ]
    assert "66" in sigs[0].evidence
    assert [s.kind for s in sigs] == ["all-no"]  # the village with a problem: nothing


def test_same_text_villages_threshold(cl) -> None:
    t = cl.campaign.perfunctory.same_text_villages
    text = "部分农户信息采集不及时"
    # the same text with other spaces and punctuation still counts; item differs per village
    variants = [text, f" {text}。", "部分农户，信息采集 不及时", "部分农户信息采集不及时！", text]
    subs = [
        sub(cl, i + 1, {1 + i: {"description": variants[i % 5], "measure": f"措施{i}"}})
        for i in range(t)
    ]
    sigs = perfunctory.signals(subs, cl)
    got = kinds(sigs, "same-text-villages")
    assert got == [(s.village_code, (a1("description", 1 + i),)) for i, s in enumerate(subs)]
    ev = next(s.evidence for s in sigs if s.kind == "same-text-villages")
    assert f"在 {t} 个村相同" in ev
    for i, s in enumerate(subs):
        assert f"{s.township}{s.village}（{a1('description', 1 + i)}）" in ev
    # one below the threshold: nothing
    assert kinds(perfunctory.signals(subs[:-1], cl), "same-text-villages") == []


def test_same_text_villages_measure(cl) -> None:
    t = cl.campaign.perfunctory.same_text_villages
    subs = [
        sub(cl, i + 1, {10: {"description": f"问题{i}", "measure": "加强管理，立即整改"}})
        for i in range(t)
    ]
    got = kinds(perfunctory.signals(subs, cl), "same-text-villages")
    assert got == [(s.village_code, (a1("measure", 10),)) for s in subs]


def test_same_text_items_threshold(cl) -> None:
    t = cl.campaign.perfunctory.same_text_items
    nos = [3, 8, 15, 22, 40][:t]
    probs = {n: {"description": f"问题{n}", "measure": "按要求整改到位"} for n in nos}
    s = sub(cl, 1, probs)
    sigs = perfunctory.signals([s], cl)
    assert kinds(sigs, "same-text-items") == [
        (s.village_code, tuple(a1("measure", n) for n in nos))
    ]
    assert "第3项、第8项、第15项、第22项、第40项" in sigs[0].evidence
    below = sub(cl, 1, {n: probs[n] for n in nos[:-1]})
    assert kinds(perfunctory.signals([below], cl), "same-text-items") == []


def test_measure_equals_description(cl) -> None:
    s = sub(
        cl, 1,
        {
            4: {"description": "数据质量不高", "measure": "数据质量不高。"},
            9: {"description": "监测不及时", "measure": "及时监测"},
            12: {"description": "无", "measure": "无"},  # too short to mean anything
        },
    )  # fmt: skip
    got = kinds(perfunctory.signals([s], cl), "measure-equals-description")
    assert got == [(s.village_code, (a1("description", 4), a1("measure", 4)))]


def test_same_deadline(cl) -> None:
    d = D(2022, 4, 30)
    three = {
        n: {"description": f"问题{n}", "measure": f"措施{n}", "deadline": d} for n in (2, 6, 30)
    }
    s = sub(cl, 1, three)
    sigs = perfunctory.signals([s], cl)
    assert kinds(sigs, "same-deadline") == [
        (s.village_code, tuple(a1("deadline", n) for n in (2, 6, 30)))
    ]
    assert "2022-04-30" in sigs[0].evidence
    two = sub(cl, 1, {n: three[n] for n in (2, 6)})
    assert kinds(perfunctory.signals([two], cl), "same-deadline") == []
    other = sub(cl, 1, {**three, 30: {**three[30], "deadline": D(2022, 4, 29)}})
    assert kinds(perfunctory.signals([other], cl), "same-deadline") == []


def test_unchanged_ledger(cl) -> None:
    t = cl.campaign.perfunctory.unchanged_periods
    probs = {7: {"description": "监测户未及时识别", "measure": "重新识别", "deadline": D(2022, 4, 20)},
             20: {"description": "就业信息未更新", "measure": "更新信息", "deadline": D(2022, 4, 25), "result": "已整改"}}  # fmt: skip
    hist = [sub(cl, 1, probs, period=n) for n in range(1, t + 1)]
    cur = hist[-1]
    sigs = perfunctory.signals([cur], cl, history={cur.village_code: hist})
    assert kinds(sigs, "unchanged-ledger") == [(cur.village_code, (a1("result", 7),))]
    ev = next(s.evidence for s in sigs if s.kind == "unchanged-ledger")
    assert ev.startswith(f"第1期至第{t}期连续 {t} 期") and "第7项" in ev and "第20项" not in ev
    # one period fewer: nothing; a change in the first period shortens the run
    assert (
        kinds(
            perfunctory.signals([cur], cl, history={cur.village_code: hist[1:]}), "unchanged-ledger"
        )
        == []
    )
    changed = [sub(cl, 1, {**probs, 7: {**probs[7], "result": "正在整改"}}, period=1), *hist[1:]]
    assert (
        kinds(
            perfunctory.signals([cur], cl, history={cur.village_code: changed}), "unchanged-ledger"
        )
        == []
    )
    # every problem done: nothing
    done = {k: {**v, "result": "已整改"} for k, v in probs.items()}
    hist_done = [sub(cl, 1, done, period=n) for n in range(1, t + 1)]
    assert (
        kinds(
            perfunctory.signals([hist_done[-1]], cl, history={cur.village_code: hist_done}),
            "unchanged-ledger",
        )
        == []
    )
    # no history: no signal
    assert kinds(perfunctory.signals([cur], cl), "unchanged-ledger") == []


def test_to_frame(cl) -> None:
    sigs = perfunctory.signals([sub(cl, 1)], cl)
    df = perfunctory.to_frame(sigs)
    assert list(df.columns) == [
        "县（市、区）",
        "乡（镇、街道）",
        "行政村",
        "村代码",
        "疑似情形",
        "依据",
        "单元格",
    ]
    assert df.iloc[0].tolist()[:5] == ["鄢陵县", "陈化店镇", "村1", "411024100201", "全部填“否”"]
    assert df.iloc[0]["单元格"] == f"{a1('has_problem', 1)}:{a1('has_problem', 66)}"
    assert len(perfunctory.to_frame([])) == 0


def test_norm_text() -> None:
    assert perfunctory.norm_text(" 加强 管理，（立即）整改。\u3000") == "加强管理立即整改"
    assert perfunctory.norm_text("ＡＢＣ１２３") == "ABC123"


def test_from_store(tmp_path, cl) -> None:
    """A real store: the same signals as from the Submissions, history from earlier periods."""
    t = cl.campaign.perfunctory.unchanged_periods
    same = {n: {"description": "部分农户信息采集不及时", "measure": f"措施{n}", "deadline": D(2022, 4, 30)}
            for n in (2, 6, 30)}  # fmt: skip
    unchanged = [sub(cl, 1, same, period=n) for n in range(1, t + 1)]
    others = [
        sub(cl, 2, period=t),
        sub(cl, 3, {4: {"description": "数据质量不高", "measure": "数据质量不高"}}, period=1),
    ]
    sp = tmp_path / "s.sqlite"
    merge.merge_submissions(sp, [*unchanged, *others], cl, received_at="2031-01-01T00:00:00+00:00")
    got = rollup_app.perfunctory_signals(sp, t, cl)
    current = [unchanged[-1], *others]
    want = perfunctory.signals(current, cl, history={unchanged[0].village_code: unchanged})
    assert got == want
    # found on a process of their own (a province's rollup): the same signals come back
    with pool.aside(rollup_app.perfunctory_signals, sp, t, cl, side=True) as aside:
        assert aside() == want
    v1, v2, v3 = (s.village_code for s in current)
    assert [(s.kind, s.village_code) for s in got] == [
        ("same-deadline", v1),
        ("unchanged-ledger", v1),
        ("all-no", v2),
        ("measure-equals-description", v3),
    ]
    unch = next(s for s in got if s.kind == "unchanged-ledger")
    assert unch.cells == tuple(a1("result", n) for n in (2, 6, 30))
    # 第3期 carried ledger of village 3 (reported in 第1期 only) is still looked at
    assert next(s for s in got if s.village_code == v3).cells == (
        a1("description", 4),
        a1("measure", 4),
    )
