"""Synthetic returns: fill generated ledgers as villages would, with chosen mistakes.

Deterministic given the seed: one random.Random(seed), ledgers in sorted order, report
dates from the checklist's periods. A village's problems are a latent state that evolves
period by period (period N is built by replaying periods 1..N), so 第2期 has the same
problems as 第1期, some now 已整改, a few new ones — whether or not the village reported.

`run()` writes the returns and a record (JSON, by default beside the returns folder as
`<folder>_模拟记录.json`, so validate never lists it) of exactly what was filled per village,
so tests can recompute the summary figures independently.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dapaicha import fsutil, layout
from dapaicha.config import checklist as cl_mod
from dapaicha.config.checklist import Checklist
from dapaicha.config.periods import Periods
from dapaicha.errors import UserError
from dapaicha.read import book, sniff
from dapaicha.xlsx import fill

RECORD_SUFFIX = "_模拟记录.json"

# Mistakes a village can make (finding codes they should raise).
MISTAKES: tuple[str, ...] = (
    "has-problem-blank",  # 是否存在问题 left blank on one item
    "deadline-after-campaign",  # a 立行立改 deadline after the campaign end
    "owner-missing",  # a problem without 责任人
    "deadline-number",  # 4.30 typed as a number
    "signer-missing",  # one signer's name left blank
)

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "建国军华平明伟强磊洋勇艳杰娟涛超秀英霞刚桂兰丽敏静芳玉兰志红海燕鹏飞凤兰德顺保安春生振华永胜金锁立新长河占奎宝山福来守义文礼"

_DESCRIPTIONS = (
    "{topic}方面，{n}户信息与系统数据不一致",
    "{topic}工作台账不完整，缺少{n}份佐证资料",
    "{topic}落实不到位，{n}户情况未及时跟进",
    "{topic}排查不细，发现{n}处问题未登记",
    "{topic}相关政策宣传不足，{n}户群众知晓率不高",
    "{topic}档案资料不规范，{n}份表格未签字",
)
_MEASURES = (  # with a number each, so villages' texts differ as real ones do
    "逐户核实{n}户情况，{m}月底前补齐资料并录入系统",
    "组织村组干部对{n}户入户走访，{m}月中旬前整改到位",
    "对照政策要求建立工作台账，{n}名干部专人负责，限期完成",
    "召开村两委会议研究，落实{n}名责任人，{m}月底前完成整改",
    "加强宣传培训，向{n}户发放明白卡，逐户讲解到位",
)
_NOTE_LATE = "本期报送迟于截止日期"


@dataclass
class Problem:
    no: int  # 序号
    seq: int  # 1, 2, … within the item
    kind: str  # 立行立改 / 纳入整改方案
    deadline: str  # ISO date
    result: str  # 已整改 / 正在整改 / 未整改
    done_date: str = ""  # ISO date when 已整改
    description: str = ""
    measure: str = ""
    owner: str = ""
    since: int = 1  # the period it first appeared in


@dataclass
class VillagePlan:
    """One village in one period. When not reported, problems is the state it would have filed."""

    file: str  # path relative to the ledgers folder (and the returns folder)
    code: str
    county: str
    township: str
    village: str
    reported: bool = True
    late: bool = False
    report_date: str = ""
    mistakes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Record:
    seed: int
    period: int
    period_start: str
    period_deadline: str
    ledgers: str
    returns: str
    rates: dict[str, float]
    villages: list[VillagePlan]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Ledger:
    path: Path
    rel: str
    meta: dict[str, str]
    signers: dict[str, str]  # role → name already in the ledger


def _read_ledger(path: Path, rel: str, roles: list[str]) -> _Ledger:
    try:
        with book.opened(book.guard(book.read_file(path), max_rows=sniff.MAX_ROWS)) as wb:
            meta_rows = book.sheet_rows(wb, layout.SHEET_META)
            rows = book.sheet_rows(wb, layout.SHEET_LEDGER)
    except book.Unreadable as err:
        raise UserError(f"{rel} 不是 dapaicha 生成的台账，无法模拟填报（{err}）。") from err
    meta = {str(r[0]): str(r[1]) for r in meta_rows if len(r) >= 2}
    name_col = fill._col_index(layout.SIGN_NAME_SPAN[0]) - 1
    signers: dict[str, str] = {}
    for r in rows:
        label = str(r[0]) if r else ""
        for role in roles:
            if label.startswith(role) and "签字" in label and len(r) > name_col:
                signers[role] = str(r[name_col] or "").strip()
    return _Ledger(path, rel, meta, signers)


def list_ledgers(folder: Path, roles: list[str]) -> list[_Ledger]:
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"找不到台账文件夹：{folder}。请先运行 dapaicha generate。")
    paths = sorted(
        p
        for p in folder.rglob("*.xlsx")
        if not any(part.startswith((".", "~$")) for part in p.relative_to(folder).parts)
    )
    if not paths:
        raise UserError(f"台账文件夹 {folder} 中没有台账（.xlsx）。请先运行 dapaicha generate。")
    return [_read_ledger(p, p.relative_to(folder).as_posix(), roles) for p in paths]


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def _new_problem(
    rng: random.Random,
    cl: Checklist,
    no: int,
    seq: int,
    since: int,
    day: dt.date,
    owners: list[str],
) -> Problem:
    c = cl.campaign
    kinds = cl.vocabularies.kind.canonical  # 立行立改, 纳入整改方案
    results = cl.vocabularies.result.canonical  # 已整改, 正在整改, 未整改
    topic = cl.by_no[no][1].topic or f"第{no}项"
    if rng.random() < 0.7:
        kind = kinds[0]
        lo = max(day, c.start) + dt.timedelta(days=5)
        span = max(0, (c.end - lo).days)
        deadline = min(c.end, lo + dt.timedelta(days=rng.randint(0, span)))
    else:
        kind = kinds[-1]
        deadline = dt.date(c.end.year, rng.choice((6, 9, 12)), 30)
    month = deadline.month
    return Problem(
        no=no,
        seq=seq,
        kind=kind,
        deadline=deadline.isoformat(),
        result=results[2] if rng.random() < 0.3 else results[1],
        description=rng.choice(_DESCRIPTIONS).format(topic=topic, n=rng.randint(1, 9)),
        measure=rng.choice(_MEASURES).format(m=month, n=rng.randint(2, 30)),
        owner=rng.choice(owners),
        since=since,
    )


def _evolve(
    rng: random.Random,
    cl: Checklist,
    probs: list[Problem],
    n: int,
    day: dt.date,
    start: dt.date,
    owners: list[str],
) -> list[Problem]:
    """The village's problems as they stand on `day`, the end of period n."""
    results = cl.vocabularies.result.canonical
    items = [i.no for _, i in cl.items]
    if n == 1:
        chosen = sorted(rng.sample(items, rng.randint(1, 4)))
        out: list[Problem] = []
        for no in chosen:
            for seq in range(1, (2 if rng.random() < 0.2 else 1) + 1):
                out.append(_new_problem(rng, cl, no, seq, 1, day, owners))
        # A few are already done when first reported.
        for p in out:
            if rng.random() < 0.15:
                p.result = results[0]
                p.done_date = (day - dt.timedelta(days=rng.randint(1, 10))).isoformat()
        return out
    out = [Problem(**asdict(p)) for p in probs]
    for p in out:
        if p.result != results[0] and rng.random() < 0.5:
            p.result = results[0]
            p.done_date = (
                start + dt.timedelta(days=rng.randint(0, max(0, (day - start).days - 1)))
            ).isoformat()
        elif p.result == results[2] and rng.random() < 0.5:
            p.result = results[1]
    if rng.random() < 0.35:  # a new problem turns up
        no = rng.choice(items)
        seq = 1 + sum(1 for p in out if p.no == no)
        out.append(_new_problem(rng, cl, no, seq, n, day, owners))
        out.sort(key=lambda p: (p.no, p.seq))
    return out


def plan(
    cl: Checklist,
    ledgers: list[_Ledger],
    *,
    seed: int = 1,
    period: int = 1,
    mistakes: float = 0.2,
    missing: float = 0.1,
    late: float = 0.1,
) -> list[VillagePlan]:
    """What every village fills in period `period` (replaying the earlier periods)."""
    if period < 1:
        raise UserError(f"期次应为 1 以上的整数，收到 {period}。")
    for name, v in (("--mistakes", mistakes), ("--missing", missing), ("--late", late)):
        if not 0 <= v <= 1:
            raise UserError(f"{name} 应在 0 到 1 之间（比例），收到 {v}。")
    pers = Periods(cl.campaign)
    roles = list(cl.campaign.village_signers)
    rng = random.Random(seed)
    state: dict[str, list[Problem]] = {}
    owners: dict[str, list[str]] = {}
    out: list[VillagePlan] = []
    for n in range(1, period + 1):
        p = pers.get(n)
        out = []
        for led in ledgers:
            if led.rel not in owners:
                names = [led.signers.get(r) or "" for r in roles]
                owners[led.rel] = [x for x in names if x] + [_name(rng) for _ in range(2)]
            m = led.meta
            vp = VillagePlan(
                file=led.rel,
                code=m.get("village_code", ""),
                county=m.get("county", ""),
                township=m.get("township", ""),
                village=m.get("village", ""),
            )
            # Decisions are drawn in a fixed order, whatever they turn out to be.
            r_missing, r_late, r_mistake = rng.random(), rng.random(), rng.random()
            if r_late < late:
                day = p.deadline + dt.timedelta(days=rng.randint(1, 3))
            else:
                day = max(p.start, p.deadline - dt.timedelta(days=rng.randint(0, 2)))
            state[led.rel] = _evolve(
                rng, cl, state.get(led.rel, []), n, day, p.start, owners[led.rel]
            )
            vp.problems = [Problem(**asdict(x)) for x in state[led.rel]]
            vp.reported = r_missing >= missing
            vp.late = vp.reported and r_late < late
            vp.report_date = day.isoformat() if vp.reported else ""
            kind = rng.choice(MISTAKES)
            if vp.reported and r_mistake < mistakes:
                vp.mistakes.append(_mistake(rng, cl, vp, kind))
            out.append(vp)
    return out


def _mistake(rng: random.Random, cl: Checklist, vp: VillagePlan, kind: str) -> dict[str, Any]:
    roles = list(cl.campaign.village_signers)
    kinds = cl.vocabularies.kind.canonical
    if kind == "has-problem-blank":
        used = {p.no for p in vp.problems}
        no = rng.choice([i.no for _, i in cl.items if i.no not in used])
        return {"kind": kind, "no": no, "seq": 1}
    if kind == "signer-missing":
        return {"kind": kind, "signer": rng.choice(roles)}
    if kind == "deadline-after-campaign":
        quick = [p for p in vp.problems if p.kind == kinds[0]]
        if not quick:  # make one problem 立行立改 so the mistake shows
            quick = [vp.problems[0]]
            quick[0].kind = kinds[0]
        p = rng.choice(quick)
        late_day = cl.campaign.end + dt.timedelta(days=rng.randint(5, 40))
        p.deadline = late_day.isoformat()
        return {"kind": kind, "no": p.no, "seq": p.seq, "value": p.deadline}
    p = rng.choice(vp.problems)
    if kind == "owner-missing":
        p.owner = ""
        return {"kind": kind, "no": p.no, "seq": p.seq}
    # deadline-number: the deadline typed as 4.30 (a number, month.day)
    d = dt.date.fromisoformat(p.deadline)
    value = float(f"{d.month}.{d.day:02d}")
    return {"kind": kind, "no": p.no, "seq": p.seq, "value": value}


def answers_of(cl: Checklist, vp: VillagePlan) -> dict[int, Any]:
    """The fill.fill_ledger answers of one village's plan."""
    yes, no_ = cl.vocabularies.yes_no.canonical[:2]
    by_no: dict[int, list[dict[str, Any]]] = {}
    number = {
        (m["no"], m["seq"]): m["value"] for m in vp.mistakes if m["kind"] == "deadline-number"
    }
    for p in vp.problems:
        row: dict[str, Any] = {
            "has_problem": yes,
            "description": p.description,
            "measure": p.measure,
            "kind": p.kind,
            "deadline": number.get((p.no, p.seq), dt.date.fromisoformat(p.deadline)),
            "owner": p.owner or None,
            "result": p.result,
        }
        if row["owner"] is None:
            del row["owner"]
        if p.done_date:
            row["done_date"] = dt.date.fromisoformat(p.done_date)
        by_no.setdefault(p.no, []).append(row)
    out: dict[int, Any] = {}
    for k in sorted(cl.by_no):
        rows = by_no.get(k)
        out[k] = (rows if len(rows) > 1 else rows[0]) if rows else {"has_problem": no_}
    for m in vp.mistakes:
        if m["kind"] == "has-problem-blank":
            out[m["no"]] = {}
    return out


def record_path(returns: Path) -> Path:
    """Default record location: beside the returns folder, so validate never lists it."""
    returns = Path(returns)
    return returns.with_name(returns.name + RECORD_SUFFIX)


def command(
    ledgers_dir: Path,
    returns_dir: Path,
    checklist_path: Path | None = None,
    *,
    seed: int = 1,
    period: int = 1,
    mistakes: float = 0.2,
    missing: float = 0.1,
    late: float = 0.1,
) -> tuple[Record, Path]:
    """`dapaicha simulate`: fill the ledgers as villages would; write the record."""
    cl = cl_mod.load(checklist_path)
    return run(
        cl, ledgers_dir, returns_dir,
        seed=seed, period=period, mistakes=mistakes, missing=missing, late=late,
    )  # fmt: skip


def run(
    cl: Checklist,
    ledgers_dir: Path,
    returns_dir: Path,
    *,
    seed: int = 1,
    period: int = 1,
    mistakes: float = 0.2,
    missing: float = 0.1,
    late: float = 0.1,
    record: Path | None = None,
) -> tuple[Record, Path]:
    """Fill every ledger under ledgers_dir into returns_dir; write and return the record."""
    roles = list(cl.campaign.village_signers)
    ledgers = list_ledgers(Path(ledgers_dir), roles)
    plans = plan(
        cl, ledgers, seed=seed, period=period, mistakes=mistakes, missing=missing, late=late
    )
    returns_dir = Path(returns_dir)
    returns_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}/{period}/names")
    for led, vp in zip(ledgers, plans, strict=True):
        if not vp.reported:
            continue
        signers: dict[str, str | None] = {r: (led.signers.get(r) or _name(rng)) for r in roles}
        for m in vp.mistakes:
            if m["kind"] == "signer-missing":
                signers[m["signer"]] = None
        dst = fsutil.inside(returns_dir, *vp.file.split("/"))
        dst.parent.mkdir(parents=True, exist_ok=True)
        fill.fill_ledger(
            led.path,
            dst,
            answers_of(cl, vp),
            report_date=dt.date.fromisoformat(vp.report_date),
            signers=signers,
        )
    p = Periods(cl.campaign).get(period)
    path = Path(record) if record is not None else record_path(returns_dir)
    rec = Record(
        seed=seed,
        period=period,
        period_start=p.start.isoformat(),
        period_deadline=p.deadline.isoformat(),
        ledgers=_relative(Path(ledgers_dir), path.parent),
        returns=_relative(returns_dir, path.parent),
        rates={"mistakes": mistakes, "missing": missing, "late": late},
        villages=plans,
    )
    text = json.dumps(rec.to_dict(), ensure_ascii=False, indent=1) + "\n"
    fsutil.atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return rec, path


def _relative(p: Path, base: Path) -> str:
    """p relative to base when possible (so a record does not depend on where it was made)."""
    try:
        return Path(os.path.relpath(p.resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return p.resolve().as_posix()


def load_record(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
