"""House limits: modules under 500 lines, functions under 80. Prints what exceeds them."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_MODULE, MAX_FUNCTION = 500, 80


def over_limits(root: Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text("utf-8")
        lines = text.count("\n") + 1
        if lines > MAX_MODULE:
            out.append(f"{path}: {lines} lines (module)")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION:
                    out.append(f"{path}:{node.lineno}: {node.name} {n} lines (function)")
    return out


if __name__ == "__main__":
    found = over_limits(Path(sys.argv[1] if len(sys.argv) > 1 else "src/dapaicha"))
    print("\n".join(found) or "within limits")
    sys.exit(1 if found else 0)
