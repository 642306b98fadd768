"""Where one return's validation time goes, against the unzip floor (issue 20).

    python benchmarks/bench_floor.py [--sample 200]

On the province corpus (benchmarks/out/province-46000, made by bench_province.py), one
process, CPU time per file, best of 3, each stage on the same files held in memory:

- the floor: a bare unzip of every part (zipfile), as bench_province measures it;
- sniff: the hostile-file screen (every part inflated, sizes, entities, used ranges);
- calamine alone: open the workbook, read the ledger and the hidden sheet (no screen);
- the whole read layer (reader.read_bytes: screen, calamine, the table read);
- validate_return (read, identify, every check);
- the naive alternative to calamine: only tokenizing the ledger's sheet and shared strings
  with Python's regular expressions (the parts already inflated), no values built. A
  reader in Python would cost at least this.
"""

from __future__ import annotations

import argparse
import io
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import python_calamine as pc

from dapaicha.app import validate
from dapaicha.config import checklist
from dapaicha.read import reader, sniff
from dapaicha.read import roster as roster_mod

CORPUS = Path(__file__).resolve().parent / "out" / "province-46000"
_CELL = re.compile(
    rb'<c r="([A-Z]+)([0-9]+)"(?: s="([0-9]+)")?(?: t="(\w+)")?\s*'
    rb"(?:/>|>(?:<f>[^<]*</f>)?(?:<v>([^<]*)</v>)?</c>)"
)
_SI = re.compile(rb"<si>(.*?)</si>", re.S)
_T = re.compile(rb"<t(?: [^>]*)?>([^<]*)</t>")


def _unzip(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            zf.read(name)


def _calamine(data: bytes) -> None:
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in ("整改台账", "_dapaicha"):
        wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    wb.close()


def _parts(data: bytes) -> tuple[bytes, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("xl/worksheets/sheet1.xml"), zf.read("xl/sharedStrings.xml")


def _tokens(parts: tuple[bytes, bytes]) -> None:
    sheet, sst = parts
    [b"".join(_T.findall(s)) for s in _SI.findall(sst)]
    [m.groups() for m in _CELL.finditer(sheet)]


def _best(fn: Callable[[object], object], items: list) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        for x in items:
            fn(x)
        best = min(best, (time.process_time() - t) / len(items))
    return best * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=200)
    a = ap.parse_args()
    if not (CORPUS / "returns").is_dir():
        print("needs the corpus: python benchmarks/bench_province.py 46000")
        return 1
    cl = checklist.load()
    ros = roster_mod.load(CORPUS / "名册.csv", cl.campaign)
    files = validate.list_files(CORPUS / "returns")[0][1000 : 1000 + a.sample]
    datas = [p.read_bytes() for p in files]
    parts = [_parts(d) for d in datas]
    signers, yes_no = cl.campaign.signer_labels, cl.vocabularies.yes_no.lookup
    stages: list[tuple[str, Callable[[object], object], list]] = [
        ("bare unzip of every part (the floor)", _unzip, datas),
        ("sniff (hostile-file screen)", sniff.sniff, datas),
        ("calamine alone (open, 2 sheets)", _calamine, datas),
        ("read layer (reader.read_bytes)", lambda d: reader.read_bytes(d, "x.xlsx", signers, yes_no), datas),
        ("validate_return (everything)", lambda d: validate.validate_return(files[0], files[0].name, cl, ros, d), datas),
        ("Python regex tokens only (sheet, strings)", _tokens, parts),
    ]  # fmt: skip
    floor = 0.0
    print(f"CPU per file, best of 3, {len(files)} returns of {CORPUS.name}:")
    for label, fn, items in stages:
        ms = _best(fn, items)
        floor = floor or ms
        print(f"  {label:<44} {ms:6.3f} ms  {ms / floor:4.1f}× the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
