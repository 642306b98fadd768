"""Build the offline install kit: dapaicha's wheel, every dependency's wheel, and .bat files.

    python scripts/build_kit.py                 # Windows x64 kit for CPython 3.11, 3.12, 3.13
    python scripts/build_kit.py --native        # a kit for this machine (Linux CI proves it)
    python scripts/build_kit.py --check KIT     # every requirement, with Windows markers, present?

Writes KIT/ (wheels/, 安装.bat, 运行演示.bat, 安装说明.txt) and KIT.zip. Needs the internet
once, on the machine that builds it; the county PC needs none.

`pip download --platform` evaluates environment markers for the machine it runs on, so a
dependency behind a Windows-only marker (typer's colorama, pandas' tzdata) would be left out:
the kit is completed by walking every wheel's requirements with Windows markers until
nothing is missing, and `--check` proves it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = ("3.11", "3.12", "3.13")  # the suite runs on each (CI: 3.11; 3.13 by hand)
PLATFORM = "win_amd64"

INSTALL_BAT = """@echo off
chcp 65001 >nul
rem dapaicha 离线安装：在本文件夹旁建立 .venv，只从 wheels 文件夹安装，不需要联网。
cd /d "%~dp0"
rem 一台电脑可能装了几个 Python：取本工具支持的最新一个（py 启动器），否则 PATH 中的 python
set "PY="
for %%V in ({newest_first}) do if not defined PY py -%%V -c "import sys; sys.exit(sys.maxsize <= 2**32)" >nul 2>nul && set "PY=py -%%V"
if not defined PY python -c "import sys; sys.exit(not ({lo} <= sys.version_info[:2] <= {hi} and sys.maxsize > 2**32))" >nul 2>nul && set "PY=python"
if not defined PY goto nopython
%PY% -m venv "%~dp0.venv" || goto fail
"%~dp0.venv\\Scripts\\python.exe" -m pip install --no-index --find-links "%~dp0wheels" --upgrade pip || goto fail
"%~dp0.venv\\Scripts\\python.exe" -m pip install --no-index --find-links "%~dp0wheels" dapaicha || goto fail
echo.
echo 安装完成。以后在命令提示符中运行：
echo   "%~dp0.venv\\Scripts\\dapaicha.exe" -h
echo 或双击“运行演示.bat”看一遍完整流程。
pause
exit /b 0
:nopython
echo.
echo 安装失败：没有找到 Python {names}（64 位）。请在能上网的电脑上从 python.org 下载其中一个的 Windows 64 位安装包，用 U 盘拷来安装（勾选“Add python.exe to PATH”）后再运行。
pause
exit /b 1
:fail
echo.
echo 安装失败：请确认已安装 Python {names}（64 位），并把本文件夹完整解压后再运行。
pause
exit /b 1
"""

DEMO_BAT = """@echo off
chcp 65001 >nul
cd /d "%~dp0"
"%~dp0.venv\\Scripts\\dapaicha.exe" demo "%~dp0演示" || (echo 请先双击“安装.bat”完成安装。 & pause & exit /b 1)
start "" "%~dp0演示"
pause
"""

GUIDE = """dapaicha 离线安装说明
====================

适用：Windows 10/11（64 位），已安装 Python {names}（64 位，从 python.org 下载，
安装时勾选“Add python.exe to PATH”；装了几个版本时，安装.bat 自动取其中支持的最新一个）。
全程不需要联网。

1. 把整个压缩包解压到本机的一个文件夹（例如 D:\\dapaicha），不要直接在压缩包里运行。
2. 双击“安装.bat”。它会在该文件夹中建立 .venv，只从 wheels 文件夹安装 dapaicha 及其依赖。
3. 安装完成后，双击“运行演示.bat”：在“演示”文件夹中走一遍生成台账、校验、入库、汇总的完整流程。
4. 正式使用：打开“命令提示符”，运行
     D:\\dapaicha\\.venv\\Scripts\\dapaicha.exe init 工作文件夹
   然后按工作文件夹中的 README.txt 每周操作。

常见问题：
- 提示找不到 Python：请先安装 Python {names}（64 位；办公电脑不能上网时，在能上网的电脑上从 python.org
  下载 Windows 64 位安装包，用 U 盘拷来），安装时勾选“Add python.exe to PATH”。
  更新的 Python 尚未经过测试，本工具包中没有它的安装文件。
- 数据库放在共享文件夹或映射的网络盘上时，程序自动改用适合网络盘的写入方式，不会损坏数据。
- 提示“文件正被其他程序（如 Excel、WPS）打开”：关闭该文件后重新运行命令。
"""


def _versions() -> dict[str, str]:
    """PYTHONS as the .bat and the guide say them."""
    lo, hi = (tuple(int(x) for x in v.split(".")) for v in (PYTHONS[0], PYTHONS[-1]))
    names = "、".join(PYTHONS[:-1]) + f" 或 {PYTHONS[-1]}" if len(PYTHONS) > 1 else PYTHONS[0]
    return {"newest_first": " ".join(reversed(PYTHONS)), "lo": str(lo), "hi": str(hi),
            "names": names}  # fmt: skip


def install_bat() -> str:
    return INSTALL_BAT.format(**_versions())


def guide() -> str:
    return GUIDE.format(**_versions())


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def _own_wheel(wheels: Path) -> Path:
    _pip("wheel", str(ROOT), "--no-deps", "--quiet", "-w", str(wheels))
    return max(wheels.glob("dapaicha-*.whl"), key=lambda p: p.stat().st_mtime)


def _download(wheels: Path, reqs: list[str], python: str | None) -> None:
    args = ["download", "--quiet", "--only-binary=:all:", "-d", str(wheels)]
    if python:
        args += ["--platform", PLATFORM, "--python-version", python, "--implementation", "cp"]
    _pip(*args, *reqs)


def _env(python: str | None) -> dict[str, str]:
    env = dict(default_environment())
    if python:
        env.update(
            sys_platform="win32", platform_system="Windows", os_name="nt",
            platform_machine="AMD64", python_version=python, python_full_version=f"{python}.0",
            implementation_name="cpython", platform_python_implementation="CPython",
        )  # fmt: skip
    return env


def _tags_ok(filename: str, python: str | None) -> bool:
    if python is None:
        return True  # pip downloaded it for this machine
    py = "cp" + python.replace(".", "")
    _, _, _, tags = parse_wheel_filename(filename)
    return any(
        t.platform in ("any", PLATFORM)
        and t.abi in ("none", "abi3", py)
        and (t.interpreter in (py, "py3") or (t.abi == "abi3" and t.interpreter.startswith("cp")))
        for t in tags
    )


def _requires(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(name).decode("utf-8"))
    return [Requirement(r) for r in meta.get_all("Requires-Dist") or []]


def missing(wheels: Path, python: str | None) -> list[str]:
    """Requirements (from dapaicha down, markers as on the target) with no wheel in the kit."""
    env = _env(python)
    have: dict[str, list[tuple[str, Path]]] = {}
    for w in wheels.glob("*.whl"):
        name, version, _, _ = parse_wheel_filename(w.name)
        if _tags_ok(w.name, python):
            have.setdefault(canonicalize_name(name), []).append((str(version), w))
    todo, seen, absent = [Requirement("dapaicha")], set(), []
    while todo:
        req = todo.pop()
        key = canonicalize_name(req.name)
        if key in seen:
            continue
        seen.add(key)
        found = [w for v, w in have.get(key, []) if req.specifier.contains(v, prereleases=True)]
        if not found:  # without its marker: pip would evaluate it for this machine
            absent.append(f"{req.name}{req.specifier}")
            continue
        for sub in _requires(max(found)):
            if sub.marker is None or sub.marker.evaluate({**env, "extra": ""}):
                todo.append(sub)
    return sorted(absent)


def build(out: Path, native: bool) -> Path:
    """The kit folder (wheels + .bat + guide) and its zip; returns the zip's path."""
    if out.exists():
        shutil.rmtree(out)
    wheels = out / "wheels"
    wheels.mkdir(parents=True)
    own = _own_wheel(wheels)
    for python in [None] if native else list(PYTHONS):
        _download(wheels, [str(own), "pip>=24.2"], python)
        for _ in range(5):  # what Windows-only markers add, until the walk finds nothing
            need = missing(wheels, python)
            if not need:
                break
            _download(wheels, need, python)
        if need := missing(wheels, python):
            raise SystemExit(f"kit incomplete for Python {python}: {need}")
    for name, text in (("安装.bat", install_bat()), ("运行演示.bat", DEMO_BAT)):
        (out / name).write_bytes(text.replace("\n", "\r\n").encode("utf-8"))  # chcp 65001, no BOM
    (out / "安装说明.txt").write_bytes(guide().replace("\n", "\r\n").encode("utf-8-sig"))
    return Path(shutil.make_archive(str(out), "zip", out.parent, out.name))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "dist" / "dapaicha-离线安装包")
    ap.add_argument("--native", action="store_true", help="a kit for this machine's platform")
    ap.add_argument("--check", type=Path, help="check a built kit against Windows markers")
    args = ap.parse_args()
    if args.check:
        bad = {py: missing(args.check / "wheels", py) for py in PYTHONS}
        for py, need in bad.items():
            print(f"Python {py} / {PLATFORM}: " + ("complete" if not need else f"missing {need}"))
        raise SystemExit(1 if any(bad.values()) else 0)
    print(build(args.out, args.native))


if __name__ == "__main__":
    main()
