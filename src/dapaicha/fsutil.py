"""Atomic writes and safe path components."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from dapaicha.errors import UserError

_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_RESERVED = re.compile(r"^(?:CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(?:\..*)?$", re.I)  # Windows


def shown_name(name: str) -> str:
    """A path name as text that any file format can hold: bytes that are not UTF-8 (a name
    made on a GBK machine, read with surrogateescape) become \\xNN."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


def safe_component(name: str, fallback: str = "未命名") -> str:
    """A file or folder name derived from content: no separators, no '..', not empty."""
    s = _BAD.sub("_", str(name)).strip(" .\u3000").replace("..", "_")
    s = s[:80].strip(" .\u3000")  # Windows drops trailing dots and spaces
    if not s:
        s = fallback
    if _RESERVED.match(s):
        s = "_" + s
    return s


def inside(base: Path, *parts: str) -> Path:
    """base/parts with each part made safe; guaranteed to stay under base."""
    p = base.joinpath(*(safe_component(x) for x in parts))
    if not p.resolve().is_relative_to(base.resolve()):
        raise UserError(f"输出路径 {p} 超出了输出目录 {base}。")
    return p


def read_notepad_text(path: Path) -> str:
    """A settings file as a clerk may save it in Notepad: UTF-8 (with or without BOM),
    Unicode (UTF-16 with BOM), or ANSI, which is GB18030 on a Chinese Windows.
    UnicodeDecodeError when it is none of these."""
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def atomic_write(path: Path, writer: Callable[[Path], object]) -> None:
    """Call writer(tmp) (its result is ignored) then rename tmp onto path; no half-written
    file is ever left."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".~dapaicha-", suffix=path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as err:
        raise UserError(f"无法写入目录 {path.parent}：{err.strerror or err}。") from err
    try:
        writer(Path(tmp))
        os.chmod(tmp, _MODE & ~_umask())  # mkstemp makes 0600: others in the office may read
        if _read_only(path):  # Windows refuses to replace it; say so everywhere alike
            raise PermissionError(13, "read-only", str(path))
        os.replace(tmp, path)
    except PermissionError as err:
        _unlink(tmp)
        raise UserError(f"文件正被其他程序（如 Excel、WPS）打开，请关闭后重试：{path}") from err
    except OSError as err:
        _unlink(tmp)
        raise UserError(
            f"无法写入 {path}：{err.strerror or err}（磁盘已满或没有写权限？）。"
        ) from err
    except BaseException:
        _unlink(tmp)
        raise


_MODE = 0o666


def _umask() -> int:
    """The process's umask: from /proc on Linux (no change, safe with threads), else read
    by setting it and back."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write data atomically; a file that already holds exactly data is left as it is (a
    rerun changes no file and no modification time)."""
    if holds(path, data):
        return
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def holds(path: Path, data: bytes) -> bool:
    """path is a file whose bytes are data."""
    try:
        return Path(path).stat().st_size == len(data) and Path(path).read_bytes() == data
    except OSError:
        return False


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def _read_only(path: Path) -> bool:
    """An existing file without its write bit (a file open in Excel behaves alike on Windows)."""
    try:
        return not path.stat().st_mode & stat.S_IWUSR
    except OSError:
        return False


def _unlink(p: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(p)
