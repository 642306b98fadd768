"""Build the committed return corpus under tests/data/returns/ (run by hand, then commit).

    python tests/data/make_corpus.py

Every file is a real workbook: generated ledgers filled as villages do, quirks written by
hand, and copies re-saved by LibreOffice (.xls, .ods) when soffice is present. The findings
each file must give are written by hand in EXPECTED below (and saved as expected.json);
tests/test_corpus.py validates the folder and compares.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl

from dapaicha import resources
from dapaicha.config import checklist
from dapaicha.read import roster
from dapaicha.xlsx import excel, fill, ledger

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/: the shared fixtures
from conftest import NO, problem

HERE = Path(__file__).resolve().parent
OUT = HERE / "returns"


# file → the (code, cell) pairs it must give, worked out by hand from what each file holds.
EXPECTED: dict[str, list[list[str]]] = {
    "01_合格.xlsx": [],
    "02_逐项规则.xlsx": [
        ["description-missing", "F8"],
        ["measure-missing", "G8"],
        ["kind-missing", "H8"],
        ["deadline-missing", "I8"],
        ["owner-missing", "J8"],
        ["result-missing", "K8"],
        ["kind-missing", "H9"],
        ["deadline-after-campaign", "I10"],
        ["deadline-ambiguous", "I11"],
        ["result-invalid", "K12"],
        ["done-date-missing", "L13"],
        ["has-problem-blank", "E14"],
        ["no-problem-filled", "E15"],
    ],
    "03_缺填报日期和签字.xlsx": [["report-date-missing", "K2"], ["signer-missing", "D72"]],
    "04_各种日期写法.xlsx": [],
    "05_插入行.xlsx": [],
    "06_通知附件原表.xlsx": [["deadline-read-as-plan", "F9"]],
    "07_改动排查内容.xlsx": [["item-text-altered", "D6"]],
    "08_表头改动.xlsx": [["column-renamed", "F3"]],
    "09_损坏.xlsx": [["file-unreadable", ""]],
    "10_伪装的PDF.xlsx": [["file-unsupported", ""]],
    "11_WPS错误范围.xlsx": [],
}
SKIPPED = ["~$01_合格.xlsx"]
RESAVED = {  # LibreOffice copies: the same findings as their source
    "12_合格_LibreOffice.xls": "01_合格.xlsx",
    "13_逐项规则_LibreOffice.ods": "02_逐项规则.xlsx",
    "14_逐项规则_LibreOffice.xls": "02_逐项规则.xlsx",
}


def main() -> None:
    cl = checklist.load()
    ros = roster.load(resources.examples_dir() / "roster.xlsx")
    v1 = ros.villages[1]
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    tmp = Path(tempfile.mkdtemp())
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
    others = iter(v for v in ros.villages if v is not v1)  # one village per file: no duplicates

    def filled(name: str, answers: dict, *, folder: Path = OUT, **kw) -> Path:
        v = next(others)
        blank = tmp / f"{v.code}.xlsx"
        excel.save(ledger.build_workbook(cl, v, generated_at="2022-03-01T09:00:00"), blank)
        kw.setdefault("report_date", dt.date(2022, 3, 30))
        kw.setdefault("signers", signers)
        return fill.fill_ledger(blank, folder / name, answers, default=NO, **kw)

    rules_answers = {
        5: {"has_problem": "是"},
        6: problem(kind=None),
        7: problem(deadline=dt.date(2022, 5, 31), result="正在整改", done_date=None),
        8: problem(deadline=4.3, result="正在整改", done_date=None),
        9: problem(result="搞定了", done_date=None),
        10: problem(done_date=None),
        11: {"has_problem": None},
        12: {"has_problem": "否", "description": "有问题"},
    }

    filled("01_合格.xlsx", {3: problem()})
    filled("02_逐项规则.xlsx", rules_answers)
    filled(
        "03_缺填报日期和签字.xlsx",
        {},
        report_date=None,
        signers=dict(zip(cl.campaign.village_signers, ("甲", "", "丙"), strict=True)),
    )
    forms = [
        "2022.4.30",
        "2022年4月30日",
        "4月30日",
        "20220430",
        "２０２２年４月３０日",
        "4月底",
        44681,
    ]
    filled(
        "04_各种日期写法.xlsx",
        {
            3 + i: problem(deadline=f, result="正在整改", done_date=None)
            for i, f in enumerate(forms)
        },
    )
    filled("05_插入行.xlsx", {5: [problem(), problem(description="第二个问题", has_problem=None)]})
    # the notice's own 8-column table, typed by a village before our ledgers arrived
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"{v1.county}{v1.township}{v1.village}“大排查大起底”问题整改台账"])
    ws.append(
        ["类别", "序号", "排查项目", "自查问题描述", "整改措施", "整改期限", "责任人", "整改结果"]
    )
    for c, i in cl.items:
        if i.no == 7:
            ws.append(
                [c.name, i.no, i.content, "应纳未纳", "纳入监测", "2022-06-30", "王五", "正在整改"]
            )
        else:
            ws.append([c.name, i.no, i.content, "无", None, None, None, None])
    ws.append([])
    ws.append(["填报日期：2022年3月29日"])
    for t in cl.campaign.village_signers:
        ws.append([f"{t}（签字）：张某"])
    wb.save(OUT / "06_通知附件原表.xlsx")
    p = filled("07_改动排查内容.xlsx", {})
    wb = openpyxl.load_workbook(p)
    wb["整改台账"]["D6"] = "随便写的内容"
    wb.save(p)
    p = filled("08_表头改动.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    wb["整改台账"]["F3"] = "自查问题描术"
    wb.save(p)
    good = (OUT / "01_合格.xlsx").read_bytes()
    (OUT / "09_损坏.xlsx").write_bytes(good[:3000])
    (OUT / "10_伪装的PDF.xlsx").write_bytes(b"%PDF-1.4\n% a PDF renamed .xlsx\n")
    (OUT / "~$01_合格.xlsx").write_bytes(b"\x00lock")
    wps_src = filled("wps.xlsx", {3: problem()}, folder=tmp)
    src = zipfile.ZipFile(wps_src)
    with zipfile.ZipFile(OUT / "11_WPS错误范围.xlsx", "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                import re

                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', body)
            dst.writestr(info, body)
    soffice = shutil.which("soffice")
    if soffice:
        answers = {"01_合格.xlsx": {3: problem()}, "02_逐项规则.xlsx": rules_answers}
        for name, source in RESAVED.items():
            fmt = name.rsplit(".", 1)[1]
            stem = Path(name).stem
            (tmp / stem).mkdir()
            own = filled(f"{stem}.xlsx", answers[source], folder=tmp / stem)  # another village
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation=file://{tmp}/lo",
                    "--headless",
                    "--convert-to",
                    fmt,
                    "--outdir",
                    str(tmp / stem),
                    str(own),
                ],
                check=True,
                capture_output=True,
                timeout=180,
            )
            shutil.move(tmp / stem / f"{stem}.{fmt}", OUT / name)
    expected = dict(EXPECTED)
    for name, source in RESAVED.items():
        if (OUT / name).exists():
            expected[name] = EXPECTED[source]
    (HERE / "expected.json").write_text(
        json.dumps({"files": expected, "skipped": SKIPPED}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(list(OUT.iterdir()))} files in {OUT}")


if __name__ == "__main__":
    main()
