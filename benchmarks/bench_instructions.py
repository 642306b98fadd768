"""Instructions per validated return, counted by callgrind: the same on any machine load.

    python benchmarks/bench_instructions.py [--src OTHER/src] [--files 40]

Runs valgrind's callgrind twice on one process that reads the roster and validates returns
of the province corpus (benchmarks/out/province-46000, made by bench_province.py): once with
one return, once with one plus --files more. The difference over --files is one return's
cost in instructions (the roster, imports and first-call caches cancel out). --src compares
another checkout's code (e.g. a git worktree of an older commit) on the same files.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benchmarks" / "out" / "province-46000"

_CHILD = """
import sys
from pathlib import Path
from dapaicha.app import validate
from dapaicha.config import checklist
from dapaicha.read import roster as roster_mod
base = Path(sys.argv[1])
cl = checklist.load()
ros = roster_mod.load(base / "名册.csv", cl.campaign)
files = validate.list_files(base / "returns")[0][1000 : 1000 + int(sys.argv[2])]
for p in files:
    validate.validate_return(p, p.name, cl, ros, p.read_bytes())
"""


def instructions(src: Path, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        env = {**os.environ, "PYTHONPATH": str(src)}
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "-q",
               sys.executable, "-c", _CHILD, str(CORPUS), str(n)]  # fmt: skip
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        m = re.search(r"^summary:\s*(\d+)", out.read_text(), re.M)
        if m is None:
            raise SystemExit("callgrind wrote no summary")
        return int(m.group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=ROOT / "src")
    ap.add_argument("--files", type=int, default=40)
    a = ap.parse_args()
    if shutil.which("valgrind") is None or not (CORPUS / "returns").is_dir():
        print("needs valgrind and the corpus (python benchmarks/bench_province.py 46000)")
        return 1
    one, more = instructions(a.src, 1), instructions(a.src, 1 + a.files)
    print(f"{a.src}: {(more - one) / a.files / 1e6:.2f} M instructions per return "
          f"({a.files} returns after one)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
