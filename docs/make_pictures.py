"""Render the pictures in docs/ from the demo output (needs LibreOffice and poppler-utils).

    .venv/bin/python docs/make_pictures.py [DEMO_DIR]

Without DEMO_DIR the demo is run (seed 1) into a temporary folder first. Each picture is
the first page of a workbook printed to PDF by LibreOffice, rasterised at 60 dpi.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
PROFILE = "file:///tmp/lo-docs"


def pictures(demo_dir: Path) -> dict[str, Path]:
    """Picture name → the demo workbook it shows."""
    copies = sorted((demo_dir / "退回修改" / "第1期").rglob("*_退回修改.xlsx"))
    if not copies:
        raise SystemExit(f"{demo_dir}/退回修改/第1期 中没有退回修改副本。")
    return {
        "台账.png": demo_dir / "台账" / "鄢陵县" / "陈化店镇" / "大马村_问题整改台账.xlsx",
        "退回修改.png": copies[0],
        "周报.png": demo_dir / "汇总" / "第2期" / "周报_第2期.xlsx",
    }


def render(src: Path, dst: Path, work: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        raise SystemExit("需要 LibreOffice（soffice）和 poppler-utils（pdftoppm）。")
    # A plain ASCII copy name: LibreOffice and pdftoppm then never meet odd characters.
    tmp = work / f"page{len(list(work.glob('page*.xlsx')))}.xlsx"
    shutil.copyfile(src, tmp)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={PROFILE}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(tmp),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = tmp.with_suffix(".pdf")
    out = work / tmp.stem
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    shutil.copyfile(out.with_suffix(".png"), dst)


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="dapaicha-docs-") as t:
        work = Path(t)
        if argv:
            demo_dir = Path(argv[0])
        else:
            from dapaicha.app import demo

            demo_dir = work / "demo"
            demo.run(demo_dir, seed=1)
        for name, src in pictures(demo_dir).items():
            dst = DOCS / name
            render(src, dst, work)
            print(f"{dst}  {dst.stat().st_size // 1024} KB  ← {src.relative_to(demo_dir)}")


if __name__ == "__main__":
    main(sys.argv[1:])
