"""`dapaicha demo`: a whole small campaign on the bundled example roster, with a tour.

generate → simulate two periods → validate (report + 退回修改) → merge → rollup →
crosscheck. The same seed gives the same ledgers and returns. A rerun into the same
folder first removes what an earlier demo wrote there (listed in a marker file), and
refuses to touch anything else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from dapaicha import fsutil, resources
from dapaicha.app import crosscheck_command, generate, merge, rollup, simulate, validate
from dapaicha.config import checklist as cl_mod
from dapaicha.config.periods import Periods
from dapaicha.errors import UserError
from dapaicha.xlsx import excel
from dapaicha.xlsx.excel import cn_date

MARKER = ".dapaicha-demo.json"
PERIODS = (1, 2)
LEDGERS, RETURNS, FEEDBACK, SUMMARY, CROSS = "台账", "returns", "退回修改", "汇总", "督查比对"
ROSTER, STORE, FINDINGS = "roster.xlsx", "dapaicha.sqlite", "督查发现问题.xlsx"


def report_name(n: int) -> str:
    return f"校验报告_第{n}期.xlsx"


def merged_name(n: int) -> str:
    return f"全市问题整改台账_第{n}期.xlsx"


def _owned() -> list[str]:
    """Every path (relative, POSIX) the demo writes in its folder; parents are removed when empty."""
    names = [LEDGERS, CROSS, ROSTER, STORE, FINDINGS]
    for n in PERIODS:
        label = f"第{n}期"
        names += [f"{RETURNS}/{label}", f"{RETURNS}/{label}{simulate.RECORD_SUFFIX}"]
        names += [f"{FEEDBACK}/{label}", f"{SUMMARY}/{label}", report_name(n), merged_name(n)]
    return names


@dataclass
class Step:
    title: str  # what it is
    path: Path  # where it is
    command: str  # which command made it (run inside the demo folder)


@dataclass
class DemoResult:
    out: Path
    seed: int
    steps: list[Step] = field(default_factory=list)
    accepted: dict[int, int] = field(default_factory=dict)  # period → accepted returns
    returned: dict[int, int] = field(default_factory=dict)  # period → returns sent back
    missing: dict[int, int] = field(default_factory=dict)  # period → villages not reporting


def _clean(out: Path) -> None:
    """Remove what an earlier demo wrote; refuse when our names hold someone else's files."""
    marker = out / MARKER
    ours: set[str] = set()
    if marker.is_file():
        try:
            ours = set(json.loads(marker.read_text(encoding="utf-8")).get("created", []))
        except (OSError, ValueError):
            ours = set()
    foreign = [n for n in _owned() if (out / n).exists() and n not in ours]
    if foreign:
        raise UserError(
            f"文件夹 {out} 中已有 {'、'.join(foreign)}，不是演示生成的，未覆盖。请换一个文件夹，例如：dapaicha demo 演示2。"
        )
    for n in sorted(ours & set(_owned())):
        p = out / n
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        elif p.exists() or p.is_symlink():
            p.unlink()
    for parent in (RETURNS, FEEDBACK, SUMMARY):
        with contextlib.suppress(OSError):  # only when empty: the user's own files stay
            (out / parent).rmdir()


def _write_findings(
    path: Path, cl: cl_mod.Checklist, records: dict[int, dict], period_deadline: dt.date
) -> None:
    """A sample inspectors' list: problems the villages reported, some they missed, one unknown village."""
    last = records[PERIODS[-1]]["villages"]
    villages = [v for v in last if v["reported"] and not v["mistakes"] and not v["late"]]
    rows: list[list[object]] = []
    day = period_deadline
    for v in villages[:3]:  # reported problems: 已自查
        p = v["problems"][0]
        rows.append(
            [
                v["county"],
                v["township"],
                v["village"],
                v["code"],
                p["no"],
                cl.by_no[p["no"]][1].topic,
                "督查发现与台账所列问题一致",
                day,
                "市督查一组",
            ]
        )
    for v in villages[3:5]:  # an item the village answered 否: 漏排
        used = {p["no"] for p in v["problems"]}
        no = next(i.no for _, i in cl.items if i.no not in used)
        rows.append(
            [
                v["county"],
                v["township"],
                v["village"],
                v["code"],
                no,
                cl.by_no[no][1].topic,
                "入户核查发现问题未列入台账",
                day,
                "市督查二组",
            ]
        )
    rows.append(
        [
            last[0]["county"],
            last[0]["township"],
            "不存在村",
            "",
            5,
            "",
            "名册中没有的村（演示无法匹配）",
            day,
            "市督查二组",
        ]
    )
    wb = Workbook()
    ws = excel.first_sheet(wb)
    ws.title = "督查发现问题"
    excel.put(ws.cell(1, 1), "督查发现问题清单（演示数据）")
    heads = [
        "序号",
        "县（市、区）",
        "乡（镇、街道）",
        "行政村",
        "村代码",
        "项目序号",
        "排查项目",
        "督查发现问题",
        "发现日期",
        "发现单位",
    ]
    for j, h in enumerate(heads, start=1):
        excel.put(ws.cell(2, j), h).font = excel.FONT_HEAD
    for i, r in enumerate(rows, start=1):
        for j, val in enumerate([i, *r], start=1):
            excel.put(ws.cell(2 + i, j), val)
    for letter, w in zip("ABCDEFGHIJ", (5, 9, 11, 9, 14, 8, 12, 28, 11, 11), strict=True):
        ws.column_dimensions[letter].width = w
    excel.print_setup(ws, "2:2")
    excel.save(wb, path)


def run(out: Path, *, seed: int = 1, on_step: Callable[[str], None] | None = None) -> DemoResult:
    """Run the whole demo campaign into out; see the module docstring."""
    say = on_step or (lambda _m: None)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} 是一个文件，请指定一个文件夹。")
    out.mkdir(parents=True, exist_ok=True)
    _clean(out)
    fsutil.atomic_write_text(
        out / MARKER, json.dumps({"created": _owned()}, ensure_ascii=False) + "\n"
    )
    cl = cl_mod.load()
    src_roster = resources.examples_dir() / ROSTER
    if not src_roster.is_file():
        raise UserError(f"找不到示例村名册 {src_roster}（安装不完整？）。")
    fsutil.atomic_write_bytes(out / ROSTER, src_roster.read_bytes())
    res = DemoResult(out=out, seed=seed)
    add = res.steps.append
    add(
        Step(
            "示例村名册（2 个县、5 个乡镇、16 个村，村名人名均为虚构）",
            out / ROSTER,
            "dapaicha roster roster.xlsx",
        )
    )
    say("生成各村空白台账…")
    when = f"{cl.campaign.start.isoformat()}T08:00:00"  # fixed: the same seed gives the same files
    gen = generate.command(out / ROSTER, out / LEDGERS, generated_at=when)
    first = sorted((out / LEDGERS).rglob("*.xlsx"))[0]
    add(
        Step(
            f"各村空白问题整改台账（{gen.total} 个，按 县/乡镇/村 存放），下发到村填写",
            first,
            "dapaicha generate -r roster.xlsx -o 台账",
        )
    )
    pers = Periods(cl.campaign)
    records = {n: _period(res, cl, n, pers.get(n).deadline, say) for n in PERIODS}
    add(
        Step(
            "数据库（每一份通过和退回的报送都留档，可查历史、可导出）",
            out / STORE,
            f"dapaicha store info -s {STORE}",
        )
    )
    _crosscheck(res, cl, records, pers.get(PERIODS[-1]).deadline, say)
    return res


def _period(
    res: DemoResult, cl: cl_mod.Checklist, n: int, deadline: dt.date, say: Callable[[str], None]
) -> dict:
    """One period: simulate, validate with 退回修改, merge, rollup; the simulation record."""
    out, add, label = res.out, res.steps.append, f"第{n}期"
    say(f"模拟各村{label}报送…")
    ret_dir = out / RETURNS / label
    rec, rec_path = simulate.command(out / LEDGERS, ret_dir, seed=res.seed, period=n)
    cmd = f"dapaicha simulate 台账 --out returns/{label} --seed {res.seed} --period {n}"
    a_return = next(iter(sorted(ret_dir.rglob("*.xlsx"))), ret_dir)
    add(
        Step(
            f"{label}模拟报送（截止 {cn_date(deadline)}；部分村有填报错误、未报或逾期）",
            a_return,
            cmd,
        )
    )
    add(Step(f"{label}模拟记录（每村填了什么、故意犯了哪些错，供核对）", rec_path, cmd))

    say(f"校验{label}报送…")
    done = validate.command(
        ret_dir, out / ROSTER, report_path=out / report_name(n),
        feedback_dir=out / FEEDBACK / label, deadline=deadline,
        title=f"{cl.campaign.title}台账校验报告（{label}）",
    )  # fmt: skip
    _validated(res, n, done)

    say(f"合并{label}入库…")
    merged = out / merged_name(n)
    merge.command(ret_dir, out / ROSTER, store_path=out / STORE, period=n, out=merged)
    mcmd = f"dapaicha merge returns/{label} -r roster.xlsx -s {STORE} -p {n} -o {merged.name}"
    add(Step(f"{label}合并后的全市问题整改台账（只含通过校验的报送）", merged, mcmd))

    say(f"汇总{label}…")
    wr = rollup.command(out / ROSTER, out / SUMMARY / label, store_path=out / STORE, period=n)
    scmd = f"dapaicha rollup -s {STORE} -r roster.xlsx -p {n} -o 汇总/{label}"
    for path in wr.paths:
        add(Step(f"{label}{_describe(path)}", path, scmd))
    return rec.to_dict()


def _validated(res: DemoResult, n: int, done: validate.Validated) -> None:
    """The period's validation counts and the steps for its report and 退回修改."""
    label, rep, report = f"第{n}期", done.report, done.report_path
    assert report is not None  # the demo always asks for its report
    res.accepted[n] = sum(f.accepted for f in rep.files)
    res.returned[n] = len(rep.files) - res.accepted[n]
    res.missing[n] = len(rep.missing)
    vcmd = f"dapaicha validate returns/{label} -r roster.xlsx --report {report.name} --feedback 退回修改/{label}"
    res.steps.append(
        Step(
            f"{label}校验报告（通过 {res.accepted[n]} 个、退回 {res.returned[n]} 个、未报 {res.missing[n]} 个村）",
            report,
            vcmd,
        )
    )
    paths = done.feedback or []
    copies = sorted(x for x in paths if x.suffix == ".xlsx")
    notices = sorted(x for x in paths if x.suffix == ".txt")
    if copies:
        res.steps.append(
            Step(
                f"{label}退回修改副本（问题单元格标红，第一张表列出修改意见），发回村里改正",
                copies[0],
                vcmd,
            )
        )
    if notices:
        res.steps.append(Step(f"{label}退回通知（可直接用微信或短信发给村里）", notices[0], vcmd))


def _crosscheck(
    res: DemoResult,
    cl: cl_mod.Checklist,
    records: dict[int, dict],
    deadline: dt.date,
    say: Callable[[str], None],
) -> None:
    """A sample inspectors' list, compared with the store."""
    say("督查比对…")
    out = res.out
    found = out / FINDINGS
    _write_findings(found, cl, records, deadline)
    res.steps.append(
        Step("督查发现问题清单（演示数据：督查组实地发现的问题）", found, "（由督查组提供）")
    )
    _cres, cpath = crosscheck_command.command(found, out / ROSTER, out / STORE, out / CROSS)
    res.steps.append(
        Step(
            "督查比对结果（已自查、漏排、无法匹配；漏排列出签字人）",
            cpath,
            f"dapaicha crosscheck -f {FINDINGS} -r roster.xlsx -s {STORE} -o {CROSS}",
        )
    )


def _describe(path: Path) -> str:
    name = path.name
    if "县级汇总表" in name:
        return f"县级汇总表（{name.split('_')[0]}，县巩固办签字后报市）"
    if "市级汇总表" in name:
        return "市级汇总表（各县对比）"
    if name.endswith(".md"):
        return "周报文字稿（Markdown）"
    if name.endswith(".txt"):
        return "周报文字稿（纯文本，可直接粘贴到公文）"
    if name.startswith("周报"):
        return "周报（进度、整改率、排名，含图表）"
    return name
