"""One truth: a village's status and every figure are the same in every output (audit).

A city workspace (许昌市), 2 counties × 2 townships × 3 villages, three weeks, run as a clerk
would: `python -m dapaicha.cli init/generate/week/validate/status`, returns filled by editing
the generated ledgers with openpyxl. Periods: 第1期 … 03-31; 第2期 04-01 … 04-07;
第3期 04-08 … 04-14; resubmit_days 3. rate_includes_plan: 整改率 = 已整改 ÷ 排查问题数.

Villages (鄢陵县: 陈化店镇 A1-A3, 望田镇 B1-B3; 襄城县: 麦岭镇 C1-C3, 颍阳镇 D1-D3):
week 1  03-31 (第1期): A1 A2 A3 B1 C1 C2 D1 D2 good; B2 an error (rejected);
        04-02 (-p 1): C3 late; B3 and D3 send nothing.
week 2  04-03 (-p 1): B2 resubmits fixed (within 3 days of its first: on time); D1, accepted,
        resubmits with item 11 rectified.
        04-07 (第2期): A1 (item 3 rectified) A2 B1 B2 C1 C2 D1; A3 sends A2's ledger (the
        wrong village: read as A2's, dated earlier than A2's own, not used).
week 3  04-14 (第3期): A1 A2 A3 B1 B3 C1 D1 (more rectified); C2 an error (rejected);
        04-15 (-p 3): nothing new, the deadline passed.
A village that sends nothing in a period is carried (沿用前期台账): its last accepted
problems count in that period's figures.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

D = dt.date
OK, LATE, RET, NONE, OVER = "已通过", "已通过（迟报）", "退回待改", "未报送", "逾期未报"

TOWNS = {  # township code → (county, township, its villages)
    "411024103": ("鄢陵县", "陈化店镇", ("大马村", "前杨村", "后杨村")),
    "411024104": ("鄢陵县", "望田镇", ("王庄村", "姚家村", "河刘村")),
    "411025102": ("襄城县", "麦岭镇", ("麦岭村", "东村", "西村")),
    "411025103": ("襄城县", "颍阳镇", ("颍阳村", "南村", "北村")),
}
LABELS = [f"{t}{i}" for t in "ABCD" for i in (1, 2, 3)]
VILLAGES = {  # label → (code, county, township, village)
    f"{t}{i + 1}": (f"{code}{201 + i}", county, town, name)
    for t, (code, (county, town, names)) in zip("ABCD", TOWNS.items(), strict=True)
    for i, name in enumerate(names)
}
HEADERS = ("县（市、区）", "乡（镇、街道）", "村", "村代码", "村级责任组组长", "第一书记",
           "村支部书记", "联乡帮村干部")  # fmt: skip

IMM, PLAN = "立行立改", "纳入整改方案"
DONE, DOING, NOT = "已整改", "正在整改", "未整改"


def prob(no: int, kind: str, deadline: dt.date, result: str, owner: str | None = "张三") -> tuple:
    return (no, kind, deadline, result, owner)


# each return's problems: (序号, 整改类型, 整改期限, 整改结果, 责任人)
P1 = {
    "A1": [prob(3, IMM, D(2022, 3, 25), DOING), prob(10, IMM, D(2022, 4, 20), DONE),
           prob(20, PLAN, D(2022, 6, 30), NOT)],
    "A2": [prob(5, IMM, D(2022, 4, 15), DONE), prob(6, IMM, D(2022, 3, 28), NOT)],
    "A3": [prob(7, IMM, D(2022, 4, 10), DOING)],
    "B1": [prob(3, IMM, D(2022, 3, 30), DONE), prob(12, PLAN, D(2022, 5, 31), DOING)],
    "B2": [prob(4, IMM, D(2022, 3, 20), DOING), prob(15, IMM, D(2022, 4, 25), NOT)],
    "C1": [],
    "C2": [prob(8, IMM, D(2022, 3, 29), NOT), prob(9, IMM, D(2022, 4, 28), DONE),
           prob(30, PLAN, D(2022, 7, 31), DOING)],
    "C3": [prob(2, IMM, D(2022, 4, 20), DOING)],
    "D1": [prob(1, IMM, D(2022, 3, 15), DONE), prob(11, IMM, D(2022, 3, 26), DOING)],
    "D2": [prob(40, PLAN, D(2022, 6, 30), NOT)],
}  # fmt: skip
B2_BAD = [prob(4, IMM, D(2022, 3, 20), DOING, owner=None), P1["B2"][1]]  # 责任人 missing
D1_UPDATE = [P1["D1"][0], prob(11, IMM, D(2022, 3, 26), DONE)]
P2 = {
    "A1": [prob(3, IMM, D(2022, 3, 25), DONE), P1["A1"][1], prob(20, PLAN, D(2022, 6, 30), DOING)],
    "A2": [P1["A2"][0], prob(6, IMM, D(2022, 3, 28), DOING)],
    "B1": P1["B1"],
    "B2": [prob(4, IMM, D(2022, 3, 20), DONE), prob(15, IMM, D(2022, 4, 25), DOING)],
    "C1": [],
    "C2": [prob(8, IMM, D(2022, 3, 29), DOING), P1["C2"][1], P1["C2"][2]],
    "D1": D1_UPDATE,
}
A3_WRONG = [prob(7, IMM, D(2022, 4, 10), DONE)]  # A3's answers on A2's ledger
P3 = {
    "A1": [P2["A1"][0], P2["A1"][1], P2["A1"][2]],
    "A2": [P1["A2"][0], prob(6, IMM, D(2022, 3, 28), DONE)],
    "A3": [prob(7, IMM, D(2022, 4, 10), DONE)],
    "B1": [P1["B1"][0], prob(12, PLAN, D(2022, 5, 31), DONE)],
    "B3": [prob(14, IMM, D(2022, 4, 12), NOT), prob(16, IMM, D(2022, 4, 20), DOING)],
    "C1": [],
    "D1": D1_UPDATE,
}
C2_BAD = [prob(8, IMM, D(2022, 3, 29), DONE, owner=None), P1["C2"][1], P1["C2"][2]]


def _cli(cwd: Path, *args: object, code: int | None = 0) -> str:
    r = subprocess.run([sys.executable, "-m", "dapaicha.cli", *map(str, args)], cwd=cwd,
                       capture_output=True, text=True, encoding="utf-8", timeout=300)  # fmt: skip
    assert code is None or r.returncode == code, (args, r.stdout, r.stderr)
    return r.stdout


def _roster(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for label in LABELS:
        code, county, town, name = VILLAGES[label]
        ws.append((county, town, name, code, f"组长{label}", f"书记{label}", f"支书{label}",
                   f"干部{label}"))  # fmt: skip
    wb.save(path)


def _fill(blank: Path, dst: Path, problems: list[tuple], report_date: dt.date, tag: str) -> None:
    """A village's return: 是 and the columns on each problem's item row, 否 on the others
    (a clerk's openpyxl edit of the generated ledger)."""
    wb = openpyxl.load_workbook(blank)
    ws = wb["整改台账"]
    header = {c.value: c.column for c in ws[3] if c.value}
    col = {k: header[v] for k, v in {
        "no": "序号", "has": "是否存在问题", "desc": "自查问题描述", "measure": "整改措施",
        "kind": "整改类型", "deadline": "整改期限", "owner": "责任人", "result": "整改结果",
        "done": "完成时间"}.items()}  # fmt: skip
    by_no = {}
    for r in range(4, ws.max_row + 1):
        v = ws.cell(r, col["no"]).value
        if isinstance(v, int):
            by_no[v] = r
    for r in by_no.values():
        ws.cell(r, col["has"]).value = "否"
    for no, kind, deadline, result, owner in problems:
        r = by_no[no]
        ws.cell(r, col["has"]).value = "是"
        ws.cell(r, col["desc"]).value = f"{tag}第{no}项问题"
        ws.cell(r, col["measure"]).value = f"{tag}第{no}项整改措施"
        ws.cell(r, col["kind"]).value = kind
        ws.cell(r, col["deadline"]).value = deadline
        ws.cell(r, col["deadline"]).number_format = "yyyy-mm-dd"
        ws.cell(r, col["owner"]).value = owner
        ws.cell(r, col["result"]).value = result
        if result == DONE:
            ws.cell(r, col["done"]).value = min(deadline, report_date)
            ws.cell(r, col["done"]).number_format = "yyyy-mm-dd"
    ws["K2"].value = report_date
    ws["K2"].number_format = "yyyy-mm-dd"
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)


class Campaign:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.said: list[str] = []  # what each week printed
        self.blank = {
            label: next((root / "台账").rglob(f"{VILLAGES[label][3]}_*.xlsx")) for label in LABELS
        }

    def send(self, n: int, label: str, problems: list[tuple], day: dt.date,
             name: str | None = None, ledger: str | None = None) -> None:  # fmt: skip
        """label's return for period n, on `ledger`'s blank (default: its own)."""
        village = VILLAGES[label][3]
        dst = self.root / "returns" / f"第{n}期" / (name or f"{village}.xlsx")
        _fill(self.blank[ledger or label], dst, problems, day, VILLAGES[label][3])

    def week(self, *args: object) -> str:
        out = _cli(self.root, "week", *args)
        self.said.append(out)
        return out


@pytest.fixture(scope="module")
def camp(tmp_path_factory) -> Campaign:
    root = tmp_path_factory.mktemp("truth") / "许昌"
    _cli(root.parent, "init", root, "--level", "市", "--unit", "许昌市", "--office",
         "许昌市巩固办", "--phone", "0374-1234567")  # fmt: skip
    _roster(root / "名册.xlsx")
    _cli(root, "generate")
    c = Campaign(root)
    # week 1
    for label in ("A1", "A2", "A3", "B1", "C1", "C2", "D1", "D2"):
        c.send(1, label, P1[label], D(2022, 3, 30))
    c.send(1, "B2", B2_BAD, D(2022, 3, 30))
    c.week("--as-of", "2022-03-31")
    c.send(1, "C3", P1["C3"], D(2022, 4, 1))
    c.week("-p", 1, "--as-of", "2022-04-02")
    # week 2
    c.send(1, "B2", P1["B2"], D(2022, 4, 3), name="姚家村-改.xlsx")
    c.send(1, "D1", D1_UPDATE, D(2022, 4, 3), name="颍阳村-更新.xlsx")
    c.week("-p", 1, "--as-of", "2022-04-03")
    for label, problems in P2.items():
        c.send(2, label, problems, D(2022, 4, 7))
    c.send(2, "A3", A3_WRONG, D(2022, 4, 6), name="后杨村.xlsx", ledger="A2")
    c.week("--as-of", "2022-04-07")
    # week 3
    for label, problems in P3.items():
        c.send(3, label, problems, D(2022, 4, 14))
    c.send(3, "C2", C2_BAD, D(2022, 4, 14))
    c.week("--as-of", "2022-04-14")
    c.week("-p", 3, "--as-of", "2022-04-15")
    return c


# --- the hand-computed truth ----------------------------------------------------------------

# each village's status as of 2022-04-15 (after every deadline), LABELS order
STATUS = {
    1: [OK, OK, OK, OK, OK, OVER, OK, OK, LATE, OK, OK, OVER],  # B2 fixed within 3 days
    2: [OK, OK, OVER, OK, OK, OVER, OK, OK, OVER, OK, OVER, OVER],  # A3's file was A2's ledger
    3: [OK, OK, OK, OK, OVER, OK, OK, RET, OVER, OK, OVER, OVER],
}
# what the summaries and the merged ledger say: the status at the deadline (逾期未报 is still
# 未报送 there), the carried ones marked (沿用前期台账)
CARRIED = {2: {"A3", "C3", "D2"}, 3: {"B2", "C2", "C3", "D2"}}

# a summary row: expected, reported, on_time, late, returned, missing, problems,
# 基础工作 动态监测 帮扶支持 “三保障” 兜底保障 人居环境 工作方面 (items 1-5, 6-12, 13-24, 25-43),
# immediate, plan, done, doing, not_done, rate (done ÷ problems), overdue (期限 < the deadline,
# not 已整改). Carried villages' problems count; B3 and D3 have none.
SUMMARY = {
    1: {
        # A1 3基 10动 20帮(方案); A2 5基 6动; A3 7动; done A1-10 A2-5; doing A1-3 A3-7;
        # overdue (< 03-31, open) A1-3 (03-25), A2-6 (03-28)
        "陈化店镇": (3, 3, 3, 0, 0, 0, 6, 2, 3, 1, 0, 0, 0, 0, 5, 1, 2, 2, 2, 2 / 6, 2),
        # B1 3基(done) 12动(方案, doing); B2 4基(doing, 03-20 overdue) 15帮(not)
        "望田镇": (3, 2, 2, 0, 0, 1, 4, 2, 1, 1, 0, 0, 0, 0, 3, 1, 1, 2, 1, 1 / 4, 1),
        "鄢陵县": (6, 5, 5, 0, 0, 1, 10, 4, 4, 2, 0, 0, 0, 0, 8, 2, 3, 4, 3, 3 / 10, 3),
        # C1 none; C2 8动(not, 03-29 overdue) 9动(done) 30三(方案, doing); C3 (late) 2基(doing)
        "麦岭镇": (3, 3, 2, 1, 0, 0, 4, 1, 2, 0, 1, 0, 0, 0, 3, 1, 1, 2, 1, 1 / 4, 1),
        # D1's update: 1基 11动 both done; D2 40三(方案, not)
        "颍阳镇": (3, 2, 2, 0, 0, 1, 3, 1, 1, 0, 1, 0, 0, 0, 2, 1, 2, 0, 1, 2 / 3, 0),
        "襄城县": (6, 5, 4, 1, 0, 1, 7, 2, 3, 0, 2, 0, 0, 0, 5, 2, 3, 2, 2, 3 / 7, 1),
        "全市合计": (12, 10, 9, 1, 0, 2, 17, 6, 7, 2, 2, 0, 0, 0, 13, 4, 6, 6, 5, 6 / 17, 4),
    },
    2: {
        # A1 3 done now, 10 done, 20 doing; A2 5 done, 6 doing (03-28 overdue);
        # A3 carried: 7 doing (04-10, not overdue at 04-07)
        "陈化店镇": (3, 2, 2, 0, 0, 1, 6, 2, 3, 1, 0, 0, 0, 0, 5, 1, 3, 3, 0, 3 / 6, 1),
        # B1 as before; B2 4 done, 15 doing
        "望田镇": (3, 2, 2, 0, 0, 1, 4, 2, 1, 1, 0, 0, 0, 0, 3, 1, 2, 2, 0, 2 / 4, 0),
        "鄢陵县": (6, 4, 4, 0, 0, 2, 10, 4, 4, 2, 0, 0, 0, 0, 8, 2, 5, 5, 0, 5 / 10, 1),
        # C2 8 doing (overdue), 9 done, 30 doing; C3 carried: 2 doing
        "麦岭镇": (3, 2, 2, 0, 0, 1, 4, 1, 2, 0, 1, 0, 0, 0, 3, 1, 1, 3, 0, 1 / 4, 1),
        # D1 1, 11 done; D2 carried: 40 not
        "颍阳镇": (3, 1, 1, 0, 0, 2, 3, 1, 1, 0, 1, 0, 0, 0, 2, 1, 2, 0, 1, 2 / 3, 0),
        "襄城县": (6, 3, 3, 0, 0, 3, 7, 2, 3, 0, 2, 0, 0, 0, 5, 2, 3, 3, 1, 3 / 7, 1),
        "全市合计": (12, 7, 7, 0, 0, 5, 17, 6, 7, 2, 2, 0, 0, 0, 13, 4, 8, 8, 1, 8 / 17, 2),
    },
    3: {
        # A1 3, 10 done, 20 doing; A2 5, 6 done; A3 7 done
        "陈化店镇": (3, 3, 3, 0, 0, 0, 6, 2, 3, 1, 0, 0, 0, 0, 5, 1, 5, 1, 0, 5 / 6, 0),
        # B1 3, 12 done; B2 carried: 4 done, 15帮 doing; B3 14帮 not (04-12 overdue), 16帮 doing
        "望田镇": (3, 2, 2, 0, 0, 1, 6, 2, 1, 3, 0, 0, 0, 0, 5, 1, 3, 2, 1, 3 / 6, 1),
        "鄢陵县": (6, 5, 5, 0, 0, 1, 12, 4, 4, 4, 0, 0, 0, 0, 10, 2, 8, 3, 1, 8 / 12, 1),
        # C2 rejected: its 第2期 problems carried (8 overdue); C3 carried 2 doing
        "麦岭镇": (3, 1, 1, 0, 1, 1, 4, 1, 2, 0, 1, 0, 0, 0, 3, 1, 1, 3, 0, 1 / 4, 1),
        "颍阳镇": (3, 1, 1, 0, 0, 2, 3, 1, 1, 0, 1, 0, 0, 0, 2, 1, 2, 0, 1, 2 / 3, 0),
        "襄城县": (6, 2, 2, 0, 1, 3, 7, 2, 3, 0, 2, 0, 0, 0, 5, 2, 3, 3, 1, 3 / 7, 1),
        "全市合计": (12, 7, 7, 0, 1, 4, 19, 6, 7, 4, 2, 0, 0, 0, 15, 4, 11, 6, 2, 11 / 19, 2),
    },
}
COUNTY_TOWNS = {"鄢陵县": ("陈化店镇", "望田镇"), "襄城县": ("麦岭镇", "颍阳镇")}

# 周报: rank, unit, expected, reported, on_time, returned, missing, report rate, on-time rate,
# problems, new, completed (已整改 now, not before), done, rate, previous rate, change in
# percentage points, overdue; rank by rate
WEEKLY = {
    1: [  # no previous period: every problem new, every 已整改 one completed
        (1, "襄城县", 6, 5, 4, 0, 1, 5 / 6, 4 / 6, 7, 7, 3, 3, 3 / 7, None, None, 1),
        (2, "鄢陵县", 6, 5, 5, 0, 1, 5 / 6, 5 / 6, 10, 10, 3, 3, 3 / 10, None, None, 3),
        (None, "全市合计", 12, 10, 9, 0, 2, 10 / 12, 9 / 12, 17, 17, 6, 6, 6 / 17, None, None, 4),
    ],
    2: [  # completed: A1-3, B2-4 (D1-11 was done in 第1期 already)
        (1, "鄢陵县", 6, 4, 4, 0, 2, 4 / 6, 4 / 6, 10, 0, 2, 5, 5 / 10, 3 / 10, 20.0, 1),
        (2, "襄城县", 6, 3, 3, 0, 3, 3 / 6, 3 / 6, 7, 0, 0, 3, 3 / 7, 3 / 7, 0.0, 1),
        # (8/17 − 6/17) × 100 = 200/17 = 11.7647…
        (None, "全市合计", 12, 7, 7, 0, 5, 7 / 12, 7 / 12, 17, 0, 2, 8, 8 / 17, 6 / 17, 200 / 17, 2),
    ],
    3: [  # new: B3-14, B3-16; completed: A2-6, A3-7 (carried doing before), B1-12
        # (8/12 − 5/10) × 100 = 16.666…
        (1, "鄢陵县", 6, 5, 5, 0, 1, 5 / 6, 5 / 6, 12, 2, 3, 8, 8 / 12, 5 / 10, 50 / 3, 1),
        (2, "襄城县", 6, 2, 2, 1, 3, 2 / 6, 2 / 6, 7, 0, 0, 3, 3 / 7, 3 / 7, 0.0, 1),
        # (11/19 − 8/17) × 100 = 3500/323 = 10.8359…
        (None, "全市合计", 12, 7, 7, 1, 4, 7 / 12, 7 / 12, 19, 2, 3, 11, 11 / 19, 8 / 17,
         3500 / 323, 2),
    ],
}  # fmt: skip

NAMES = {label: VILLAGES[label][3] for label in LABELS}
BY_NAME = {v: k for k, v in NAMES.items()}
AS_OF = "2022-04-15"


def _sheet(path: Path, name: str | None = None) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    ws = wb[name] if name else wb.worksheets[0]
    return [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]


def _summary_dir(camp: Campaign, n: int) -> Path:
    return camp.root / "汇总" / f"第{n}期"


def test_status_command_and_its_workbook(camp) -> None:
    for n, want in STATUS.items():
        data = json.loads(_cli(camp.root, "status", "-p", n, "--as-of", AS_OF, "--json"))
        got = {x["code"]: x["status"] for x in data["villages"]}
        assert [got[VILLAGES[label][0]] for label in LABELS] == want, n
        assert data["counts"] == {s: want.count(s) for s in (NONE, OVER, RET, OK, LATE)}
        out = camp.root / f"报送情况_{n}.xlsx"
        _cli(camp.root, "status", "-p", n, "--as-of", AS_OF, "-o", out)
        rows = _sheet(out, "报送情况")[2:]
        assert [(r[3], r[4]) for r in rows] == [
            (VILLAGES[label][0], s) for label, s in zip(LABELS, want, strict=True)
        ]
        towns = _sheet(out, "按乡镇统计")[2:]
        per_town = [want[i : i + 3] for i in (0, 3, 6, 9)]
        assert [r[1:] for r in towns[:-1]] == [
            (town, 3, *(w.count(s) for s in (NONE, OVER, RET, OK, LATE)))
            for (_, town, _), w in zip(TOWNS.values(), per_town, strict=True)
        ]
        assert towns[-1][2:] == (12, *(want.count(s) for s in (NONE, OVER, RET, OK, LATE)))


def _at_deadline(n: int) -> list[str]:
    """The merged ledger's 本期状态: the status as at the deadline (逾期未报 not yet)."""
    return [NONE if s == OVER else s for s in STATUS[n]]


def test_merged_ledgers_carry_the_same_status(camp) -> None:
    for n in STATUS:
        path = _summary_dir(camp, n) / f"问题整改台账_第{n}期.xlsx"
        rows = _sheet(path, "_dapaicha_villages")[1:]
        assert [r[0] for r in rows] == [VILLAGES[label][0] for label in LABELS]
        assert [r[10] for r in rows] == _at_deadline(n), n
        # 按时报送 of the return shown: 否 for 西村's (received 04-02, carried since);
        # 本期未更新 for the carried villages
        assert [r[3] for r in rows if r[6] == "否"] == ["西村"]
        assert {BY_NAME[r[3]] for r in rows if r[7] == "是"} == CARRIED.get(n, set())


def _check_summary_rows(rows: list[tuple], want: dict[str, tuple], units: list[str]) -> None:
    """A 汇总 sheet's unit rows against the hand figures; the rate shown as 0.00%."""
    by_unit = {r[0]: r for r in rows}
    for unit in units:
        got, exp = by_unit[unit], want[unit]
        assert got[1:20] == exp[:19], unit
        assert got[20] == pytest.approx(exp[19]) and got[21] == exp[20], unit


def test_county_and_city_summaries(camp) -> None:
    for n, want in SUMMARY.items():
        d = _summary_dir(camp, n)
        for county, towns in COUNTY_TOWNS.items():
            wb = openpyxl.load_workbook(d / f"{county}_县级汇总表_第{n}期.xlsx")
            rows = [tuple(c.value for c in r) for r in wb["汇总"].iter_rows(min_row=5)]
            rows = [r for r in rows if r[0] in (*towns, "合计")]
            assert [r[0] for r in rows] == [*towns, "合计"]
            _check_summary_rows(rows, {**want, "合计": want[county]}, [*towns, "合计"])
            assert wb["汇总"]["U5"].number_format == "0.00%"
        wb = openpyxl.load_workbook(d / f"市级汇总表_第{n}期.xlsx")
        rows = [tuple(c.value for c in r) for r in wb["汇总"].iter_rows(min_row=5, max_row=7)]
        assert [r[0] for r in rows] == ["鄢陵县", "襄城县", "全市合计"]
        _check_summary_rows(rows, want, ["鄢陵县", "襄城县", "全市合计"])


def test_weekly_reports(camp) -> None:
    for n, want in WEEKLY.items():
        wb = openpyxl.load_workbook(_summary_dir(camp, n) / f"周报_第{n}期.xlsx")
        ws = wb["周报"]
        got = [tuple(c.value for c in r) for r in ws.iter_rows(min_row=4, max_row=6)]
        for g, w in zip(got, want, strict=True):
            assert g[:7] == w[:7] and g[9:13] == w[9:13] and g[16] == w[16], (n, g)
            assert g[7:9] == pytest.approx(w[7:9]) and g[13] == pytest.approx(w[13]), (n, g)
            if w[14] is None:
                assert g[14:16] == ("—", "—")
            else:
                assert g[14:16] == pytest.approx(w[14:16]), (n, g)
        shown = [ws.cell(4, j).number_format for j in (8, 9, 14, 15, 16)]
        prev = ["General"] * 2 if n == 1 else ["0.00%", "+0.00;-0.00;0.00"]  # "—" in 第1期
        assert shown == ["0.00%"] * 3 + prev


# 周报文字稿: each county's sentence, rates 四舍五入 to 0.01%
TEXT = {
    1: [
        # 5/6 = 83.333…%; 3/7 = 42.857…%; 3/10 = 30%; 6/17 = 35.294…%
        "1. 襄城县：应报6个村，已报5个（按时4个、逾期1个），退回待改0个，未报1个，上报率83.33%；"
        "排查问题7个，本周新增7个，本周完成整改3个，累计已整改3个，整改率42.86%",
        "2. 鄢陵县：应报6个村，已报5个（按时5个、逾期0个），退回待改0个，未报1个，上报率83.33%；"
        "排查问题10个，本周新增10个，本周完成整改3个，累计已整改3个，整改率30.00%",
        "累计已整改6个（本周完成整改6个），正在整改6个，未整改5个，整改率35.29%",
    ],
    2: [
        # 4/6 = 66.666…%; 3/6 = 50%; 8/17 = 47.058…%; +200/17 = 11.764… points
        "1. 鄢陵县：应报6个村，已报4个（按时4个、逾期0个），退回待改0个，未报2个，上报率66.67%；"
        "排查问题10个，本周新增0个，本周完成整改2个，累计已整改5个，整改率50.00%"
        "（较上期提高20.00个百分点）",
        "2. 襄城县：应报6个村，已报3个（按时3个、逾期0个），退回待改0个，未报3个，上报率50.00%；"
        "排查问题7个，本周新增0个，本周完成整改0个，累计已整改3个，整改率42.86%（较上期持平）",
        "整改率47.06%，较上期提高11.76个百分点",
    ],
    3: [
        # 5/6 = 83.33%; 8/12 = 66.666…%, +16.666… points; 2/6 = 33.33%; 11/19 = 57.894…%,
        # +3500/323 = 10.835… points
        "1. 鄢陵县：应报6个村，已报5个（按时5个、逾期0个），退回待改0个，未报1个，上报率83.33%；"
        "排查问题12个，本周新增2个，本周完成整改3个，累计已整改8个，整改率66.67%"
        "（较上期提高16.67个百分点）",
        "2. 襄城县：应报6个村，已报2个（按时2个、逾期0个），退回待改1个，未报3个，上报率33.33%；"
        "排查问题7个，本周新增0个，本周完成整改0个，累计已整改3个，整改率42.86%（较上期持平）",
        "本期已报7个（有通过校验的台账），上报率58.33%；其中按时报送7个，按时上报率58.33%，"
        "逾期报送0个。退回待改1个（报送未通过校验、退回修改待重报），未报4个",
        "整改率57.89%，较上期提高10.84个百分点",
    ],
}


def test_weekly_texts(camp) -> None:
    for n, lines in TEXT.items():
        text = (_summary_dir(camp, n) / f"周报文字稿_第{n}期.txt").read_text("utf-8-sig")
        for line in lines:
            assert line in text, (n, line)


# 未报村 (summaries) and 未报及逾期报送 (周报): roster order, the 退回待改 ones last
UNREPORTED = {
    1: [("河刘村", "未报送"), ("北村", "未报送")],
    2: [("后杨村", "未报送（沿用前期台账）"), ("河刘村", "未报送"),
        ("西村", "未报送（沿用前期台账）"), ("南村", "未报送（沿用前期台账）"), ("北村", "未报送")],
    3: [("姚家村", "未报送（沿用前期台账）"), ("西村", "未报送（沿用前期台账）"),
        ("南村", "未报送（沿用前期台账）"), ("北村", "未报送"),
        ("东村", "报送未通过（退回待改，沿用前期台账）")],
}  # fmt: skip


def test_unreported_lists(camp) -> None:
    for n, want in UNREPORTED.items():
        d = _summary_dir(camp, n)
        city = _sheet(d / f"市级汇总表_第{n}期.xlsx", "未报村")[2:]
        assert [(r[2], r[4]) for r in city] == want, n
        for county in COUNTY_TOWNS:
            rows = _sheet(d / f"{county}_县级汇总表_第{n}期.xlsx", "未报村")[2:]
            mine = [w for w in want if VILLAGES[BY_NAME[w[0]]][1] == county]
            assert [(r[1], r[3]) for r in rows if r[2]] == mine, (n, county)
        weekly = _sheet(d / f"周报_第{n}期.xlsx", "未报及逾期报送")[2:]
        late = [("西村", "逾期报送")] if n == 1 else []  # 已通过（迟报）
        order = {name: i for i, name in enumerate(NAMES.values())}
        expect = sorted(want[:-1] if n == 3 else want + late, key=lambda w: order[w[0]])
        assert [(r[2], r[3]) for r in weekly] == expect + (want[-1:] if n == 3 else []), n


# 催报名单 as each period's last week wrote it: 第1期 on 04-03, 第2期 on 04-07 (the deadline
# day: 未报送, due the deadline), 第3期 on 04-15 (逾期未报, due 04-15 + 3 days)
CHASE = {
    1: [("河刘村", OVER, "2022年4月6日"), ("北村", OVER, "2022年4月6日")],
    2: [(v, NONE, "2022年4月7日") for v in ("后杨村", "河刘村", "西村", "南村", "北村")],
    3: [("姚家村", OVER, "2022年4月18日"), ("西村", OVER, "2022年4月18日"),
        ("南村", OVER, "2022年4月18日"), ("北村", OVER, "2022年4月18日")],
}  # fmt: skip


def test_chase_lists(camp) -> None:
    for n, want in CHASE.items():
        rows = _sheet(_summary_dir(camp, n) / "催报名单.xlsx")[2:]
        assert [(r[2], r[4], r[5]) for r in rows if r[4] != RET] == want, n
        assert [r[2] for r in rows if r[4] == RET] == (["东村"] if n == 3 else [])


def _notice(camp: Campaign, n: int, county: str, town: str) -> str:
    path = _summary_dir(camp, n) / "催报通知" / county / f"{town}_催报通知.txt"
    return path.read_text("utf-8-sig")


def test_chase_dates_agree_with_the_deadlines(camp) -> None:
    """A village that follows its 催报 is not made late by it. 东村 was sent back on 04-14: its
    退回通知 says 04-17 (04-14 + 3 days; Receipts.judged: a correction within 3 days goes by the
    first receipt, on time); the 催报名单 and 催报通知 of 04-15 say the same, not 04-18.
    后杨村 owed 第2期 on 04-07, the deadline day: by 04-07 (the 催报名单's date), not 04-10."""
    told = (camp.root / "退回修改" / "第3期" / "襄城县" / "东村_退回通知.txt").read_text(
        "utf-8-sig"
    )
    assert "于2022年4月17日前重新报送" in told
    rows = _sheet(_summary_dir(camp, 3) / "催报名单.xlsx")[2:]
    assert [(r[2], r[5]) for r in rows if r[4] == RET] == [("东村", "2022年4月17日")]
    text = _notice(camp, 3, "襄城县", "麦岭镇")
    assert (
        "1.东村（退回待改）：报送的“东村.xlsx”未通过校验，请按退回修改意见改正后重新报送，"
        "请于2022年4月17日前报送。" in text
    )
    assert "2.西村（逾期未报）：尚未报送本期台账，请于2022年4月18日前报送。" in text
    text = _notice(camp, 2, "鄢陵县", "陈化店镇")
    assert "请督促于2022年4月7日前报送：\n1.后杨村（未报送）：尚未报送本期台账。" in text
    text = _notice(camp, 1, "鄢陵县", "望田镇")  # 04-03: 河刘村 already late, 04-03 + 3 days
    assert "请督促于2022年4月6日前报送：\n1.河刘村（逾期未报）：尚未报送本期台账。" in text


# each week's 校验报告: file → (village, 状态); 未报 = the villages owing a return that day
REPORTS = {
    "校验报告_第1期_2022-03-31.xlsx": (
        {f"{NAMES[x]}.xlsx": (NAMES[x], "通过") for x in ("A1", "A2", "A3", "B1", "C1", "C2",
                                                        "D1", "D2")}
        | {"姚家村.xlsx": ("姚家村", "退回修改")},
        ["河刘村", "西村", "北村"],
    ),
    "校验报告_第1期_2022-04-02.xlsx": ({"西村.xlsx": ("西村", "通过")}, ["河刘村", "北村"]),
    "校验报告_第1期_2022-04-03.xlsx": (
        {"姚家村-改.xlsx": ("姚家村", "通过"), "颍阳村-更新.xlsx": ("颍阳村", "通过")},
        ["河刘村", "北村"],
    ),
    "校验报告_第2期_2022-04-07.xlsx": (
        {f"{NAMES[x]}.xlsx": (NAMES[x], "通过") for x in P2}
        | {"后杨村.xlsx": ("前杨村", "通过（未采用）")},  # A2's ledger: read as A2's
        ["后杨村", "河刘村", "西村", "南村", "北村"],
    ),
    "校验报告_第3期_2022-04-14.xlsx": (
        {f"{NAMES[x]}.xlsx": (NAMES[x], "通过") for x in P3} | {"东村.xlsx": ("东村", "退回修改")},
        ["姚家村", "西村", "南村", "北村"],
    ),
}  # fmt: skip


def test_validation_reports(camp) -> None:
    folder = camp.root / "校验报告"
    assert sorted(p.name for p in folder.glob("*.xlsx")) == sorted(REPORTS)
    for name, (files, owing) in REPORTS.items():
        rows = _sheet(folder / name, "文件")[3:]
        assert {r[4]: (r[2], r[5]) for r in rows} == files, name
        assert [r[2] for r in _sheet(folder / name, "未报")[3:]] == owing, name


def test_returned_copies(camp) -> None:
    """退回修改 for the current 退回待改 village only: 姚家村's went to 已作废 once it passed."""
    out = camp.root / "退回修改"
    found = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
                   and not p.name.startswith("."))  # fmt: skip
    assert found == [
        "第1期/已作废/鄢陵县/姚家村_退回修改.xlsx", "第1期/已作废/鄢陵县/姚家村_退回通知.txt",
        "第3期/襄城县/东村_退回修改.xlsx", "第3期/襄城县/东村_退回通知.txt",
    ]  # fmt: skip
    # 姚家村 kept its notice's day (03-31 + 3 days): its correction of 04-03 is on time (已通过)
    told = (out / "第1期" / "已作废" / "鄢陵县" / "姚家村_退回通知.txt").read_text("utf-8-sig")
    assert "于2022年4月3日前重新报送" in told and STATUS[1][LABELS.index("B2")] == OK
    first = _sheet(out / "第3期" / "襄城县" / "东村_退回修改.xlsx")
    assert "校验结果：退回修改" in first[1][0]
    assert [(r[1], r[2]) for r in first[3:]] == [("提醒", "整个文件"), ("错误", "J11")]


def test_validate_command_agrees(camp) -> None:
    """`validate` of the 第3期 folder, by itself: 东村 refused, the others accepted."""
    data = json.loads(_cli(camp.root, "validate", "returns/第3期", "--json", code=1))
    got = {f["file"]: f["accepted"] for f in data["files"]}
    assert got == {f"{NAMES[x]}.xlsx": True for x in P3} | {"东村.xlsx": False}


# rollup --json: the same figures, rates in per cent 四舍五入 to 0.01
ROLLUP = {  # unit → expected, reported, on_time, late, returned, missing, report_rate_pct,
    # problems, new, completed, rate_pct, change_pp, overdue, rank
    1: {
        "襄城县": (6, 5, 4, 1, 0, 1, 83.33, 7, 7, 3, 42.86, None, 1, 1),  # 5/6, 3/7
        "鄢陵县": (6, 5, 5, 0, 0, 1, 83.33, 10, 10, 3, 30.0, None, 3, 2),  # 3/10
        "全市合计": (12, 10, 9, 1, 0, 2, 83.33, 17, 17, 6, 35.29, None, 4, None),  # 6/17
    },
    2: {
        "鄢陵县": (6, 4, 4, 0, 0, 2, 66.67, 10, 0, 2, 50.0, 20.0, 1, 1),  # 4/6
        "襄城县": (6, 3, 3, 0, 0, 3, 50.0, 7, 0, 0, 42.86, 0.0, 1, 2),
        "全市合计": (12, 7, 7, 0, 0, 5, 58.33, 17, 0, 2, 47.06, 11.76, 2, None),  # 7/12, 8/17
    },
    3: {
        "鄢陵县": (6, 5, 5, 0, 0, 1, 83.33, 12, 2, 3, 66.67, 16.67, 1, 1),  # 8/12
        "襄城县": (6, 2, 2, 0, 1, 3, 33.33, 7, 0, 0, 42.86, 0.0, 1, 2),  # 2/6
        "全市合计": (12, 7, 7, 0, 1, 4, 58.33, 19, 2, 3, 57.89, 10.84, 2, None),  # 11/19
    },
}
ROLLUP_KEYS = ("expected", "reported", "on_time", "late", "returned", "missing",
               "report_rate_pct", "problems", "new", "completed", "rate_pct", "change_pp",
               "overdue", "rank")  # fmt: skip


def test_rollup_command_and_the_week_screen(camp, tmp_path) -> None:
    for n, want in ROLLUP.items():
        data = json.loads(_cli(camp.root, "rollup", "-p", n, "--json", "-o", tmp_path / str(n)))
        got = {u["unit"]: tuple(u[k] for k in ROLLUP_KEYS) for u in data["units"]}
        assert got == want, n
    # the last week (第3期, 04-15, nothing new) says the statuses of `status`
    counts = {s: STATUS[3].count(s) for s in (NONE, OVER, RET, OK, LATE)}
    line = "，".join(f"{s}{k}个" for s, k in counts.items())
    assert f"各村状态：{line}" in "".join(camp.said[-1].split())  # wrapped at 80 columns
    assert line == "未报送0个，逾期未报4个，退回待改1个，已通过7个，已通过（迟报）0个"
    # nothing new on 04-15, but the 催报名单 now says 逾期未报 (04-14: 未报送): not "未作任何改动"
    assert "".join(camp.said[-1].split()).startswith(
        "第3期没有新的报送文件（共8个，均已处理），数据库和汇总表未改动；"
        "催报名单和催报通知按2022年4月15日各村状态写出。"
    )
