"""Benchmark `generate`: stamped ledgers against openpyxl from scratch. Run by hand:

    .venv/bin/python benchmarks/bench_generate.py [--villages 3000] [--sample 50]

Builds a synthetic roster (the real townships of tests/data/xuchang-townships-2023.csv
when present), generates every ledger into a temporary folder, reruns (all 已是最新), and
builds a sample with build_workbook + excel.save for the ratio. Prints times and peak memory.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from dapaicha.app import generate
from dapaicha.config import checklist
from dapaicha.config.roster import Village
from dapaicha.xlsx import excel, ledger

TOWNSHIPS_CSV = (
    Path(__file__).resolve().parents[1] / "tests" / "data" / "xuchang-townships-2023.csv"
)
SYLLABLES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
SUFFIX = ("庄", "营", "寨", "楼", "岗", "桥", "店", "湾", "集", "屯")


def townships() -> list[tuple[str, str, str]]:
    """(township_code, township, county) rows; synthetic when the CSV is absent."""
    if TOWNSHIPS_CSV.is_file():
        with TOWNSHIPS_CSV.open(encoding="utf-8-sig", newline="") as fh:
            rows = [
                (r["township_code"], r["township"], r["county"])
                for r in csv.DictReader(fh)
                if int(r["township_code"][6:]) < 400  # not the statistics-only units
            ]
        if rows:
            return rows
    return [(f"411099{100 + i:03d}", f"第{i + 1}镇", f"第{i // 15 + 1}县") for i in range(105)]


def roster(n: int) -> list[Village]:
    towns = townships()
    out: list[Village] = []
    for k in range(n):
        code, town, county = towns[k % len(towns)]
        i = k // len(towns)
        name = SYLLABLES[(k * 7) % len(SYLLABLES)] + SUFFIX[i % len(SUFFIX)] + f"{i}村"
        signers = (f"组长{k}", f"书记{k}" if k % 4 else "", f"支书{k}")
        out.append(
            Village(
                f"{code}{200 + i:03d}",
                county,
                town,
                name,
                signers,
                f"干部{k}" if k % 3 == 0 else "",
                k + 2,
            )
        )
    return out


def rss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 / (1024 if sys.platform == "darwin" else 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--villages", type=int, default=3000)
    ap.add_argument("--sample", type=int, default=50)
    ap.add_argument("--out", type=Path, default=None, help="keep the ledgers here")
    args = ap.parse_args()

    cl = checklist.load()
    villages = roster(args.villages)
    print(
        f"villages: {len(villages)} in {len({(v.county, v.township) for v in villages})} townships; "
        f"cpu: {os.cpu_count()}; rss after imports: {rss_mb():.0f} MB"
    )
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        out = args.out or Path(tmp) / "ledgers"
        t0 = time.perf_counter()
        res = generate.generate(cl, villages, out)
        t1 = time.perf_counter()
        files = list(out.rglob("*.xlsx"))
        size = sum(p.stat().st_size for p in files)
        print(
            f"stamped : {len(res.written) + len(res.updated)} written in {t1 - t0:.2f} s = "
            f"{(t1 - t0) / len(villages) * 1000:.2f} ms/ledger (incl. 2 templates, writes); "
            f"{size / len(files) / 1024:.1f} KB/file"
        )
        print(f"peak rss: {rss_mb():.0f} MB")
        t2 = time.perf_counter()
        res2 = generate.generate(cl, villages, out)
        t3 = time.perf_counter()
        print(f"rerun   : {len(res2.unchanged)} 已是最新 in {t3 - t2:.2f} s")

        # Pure stamping, no disk: what a ledger costs once the template exists.
        st = generate.Stamper(cl)
        fields = [ledger.fields_for(cl, v, "2022-03-01T09:00:00") for v in villages[:500]]
        st.template(True), st.template(False)
        t4 = time.perf_counter()
        for f in fields:
            st.render(f)
        t5 = time.perf_counter()
        stamp_ms = (t5 - t4) / len(fields) * 1000
        print(f"stamp   : {stamp_ms:.3f} ms/ledger in memory")

        # openpyxl from scratch for a sample.
        sample = villages[: args.sample]
        d = Path(tmp) / "openpyxl"
        d.mkdir()
        t6 = time.perf_counter()
        for k, v in enumerate(sample):
            excel.save(ledger.build_workbook(cl, v), d / f"{k}.xlsx")
        t7 = time.perf_counter()
        op_ms = (t7 - t6) / len(sample) * 1000
        per = (t1 - t0) / len(villages) * 1000
        print(f"openpyxl: {op_ms:.1f} ms/ledger (build_workbook + save, {len(sample)} villages)")
        print(
            f"speed-up: {op_ms / per:.0f}x end to end (files on disk), "
            f"{op_ms / stamp_ms:.0f}x stamping alone; "
            f"3000 ledgers ≈ {per * 3:.1f} s stamped vs {op_ms * 3:.0f} s openpyxl"
        )
        print(f"peak rss: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
