"""Rust's panic report kept off the user's screen; everything else on stderr kept.

A panic inside python-calamine (a hostile cell) becomes a Python exception and a Chinese
finding, but Rust's panic hook first writes its own English report (and a backtrace where
RUST_BACKTRACE is set) straight to the process's stderr. `panic_free_stderr()` points
that stderr at one temporary file of the process while calamine runs, then writes back to
the real stderr whatever was written there (another thread's progress bar, a warning) but
the panic report: delayed, never lost. On POSIX the redirected stderr is fd 2 (where Rust
writes); on Windows it is the process's standard error handle (where Rust writes, looked
up on every write), while fd 2 and Python's sys.stderr keep the console (a console
stream written to a file fails). A few system calls per file; the temporary file is opened
once per process (again in a forked worker), and read only when written to.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

if sys.platform == "win32":
    import ctypes
    import msvcrt

_FD = 2
# A report: "\nthread '<name>' (<id>) panicked at <where>:\n<message>\n" (before Rust 1.73:
# "thread '<name>' panicked at '<message>', <where>\n"), then "note: run with
# `RUST_BACKTRACE=1` …" (the first panic only), or "stack backtrace:", indented frames and
# "note: Some details are omitted …" (not with RUST_BACKTRACE=full).
_HEAD = re.compile(rb"\n?(?<![^\n])thread '[^'\n]*'(?: \(\d+\))? panicked at [^\n]*\n")
_NOTE = rb"note: (?:run with `RUST_BACKTRACE=|Some details are omitted)[^\n]*(?:\n|$)"
_TAIL = re.compile(rb"(?m)^(?:" + _NOTE + rb"|stack backtrace:\n(?:[ \t][^\n]*(?:\n|$))*)")
_OMITTED = re.compile(_NOTE)

_lock = threading.Lock()
_tmp: IO[bytes] | None = None  # this process's (a forked worker opens its own)
_depth = 0  # nested panic_free_stderr() blocks in this process
_saved: int | None = None  # the real stderr (fd or handle) while redirected


@contextmanager
def panic_free_stderr() -> Iterator[None]:
    """stderr into the process's temporary file, and back without any Rust panic report."""
    _enter()
    try:
        yield
    finally:
        _leave()


def _enter() -> None:
    global _depth, _saved
    with _lock:
        _depth += 1
        if _depth > 1:
            return
        _flush()
        try:
            _saved = _redirect(_file().fileno())
        except OSError:  # no stderr (a windowed program) or no temporary file: as it is
            _saved = None


def _leave() -> None:
    global _depth, _saved
    with _lock:
        _depth -= 1
        if _depth > 0 or _saved is None:
            return
        _flush()
        saved, _saved = _saved, None
        _restore(saved)
        _write_back(_file().fileno())


def _forked() -> None:
    """A forked child's own state: its real stderr back if the fork came inside a block
    (another thread reading), no temporary file yet, a lock no other thread holds."""
    global _lock, _tmp, _depth, _saved
    if _saved is not None:
        _restore(_saved)
    _lock, _tmp, _depth, _saved = threading.Lock(), None, 0, None


def _file() -> IO[bytes]:
    global _tmp
    if _tmp is None:
        # open for the process's life, emptied after each use
        _tmp = tempfile.TemporaryFile(prefix="dapaicha-stderr-")  # noqa: SIM115
    return _tmp


if sys.platform == "win32":
    _K32 = ctypes.WinDLL("kernel32", use_last_error=True)
    _K32.GetStdHandle.restype = ctypes.c_void_p
    _K32.SetStdHandle.argtypes = (ctypes.c_uint32, ctypes.c_void_p)
    _STD_ERROR = 0xFFFFFFF4  # STD_ERROR_HANDLE, (DWORD)-12
    _INVALID = ctypes.c_void_p(-1).value  # INVALID_HANDLE_VALUE

    def _redirect(fd: int) -> int:
        """The standard error handle onto fd's file; the handle it had."""
        saved = _K32.GetStdHandle(_STD_ERROR)
        if saved in (None, 0, _INVALID) or not _K32.SetStdHandle(
            _STD_ERROR, msvcrt.get_osfhandle(fd)
        ):
            raise OSError("no standard error handle")
        return int(saved)

    def _restore(saved: int) -> None:
        _K32.SetStdHandle(_STD_ERROR, saved)

else:

    def _redirect(fd: int) -> int:
        """fd 2 onto fd's file; a duplicate of what fd 2 was."""
        saved = os.dup(_FD)
        try:
            os.dup2(fd, _FD)
        except OSError:
            os.close(saved)
            raise
        return saved

    def _restore(saved: int) -> None:
        os.dup2(saved, _FD)
        os.close(saved)


if sys.platform != "win32":  # Windows starts workers afresh (spawn)
    os.register_at_fork(after_in_child=_forked)


def _flush() -> None:
    """Python's buffered stderr out to the fd 2 of the moment."""
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _write_back(fd: int) -> None:
    """What was written into the temporary file, to fd 2, but panic reports; then empty it."""
    size = os.lseek(fd, 0, os.SEEK_CUR)  # stderr wrote through fd's own offset: the size
    if size == 0:
        return
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, size):
        chunks.append(chunk)
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    kept = memoryview(without_panics(b"".join(chunks)))
    try:
        while kept:
            kept = kept[os.write(_FD, kept) :]
    except OSError:
        pass  # stderr closed: nothing to tell


def without_panics(data: bytes) -> bytes:
    """data without Rust's panic reports (header, message, backtrace, note)."""
    out, pos = [], 0
    while (head := _HEAD.search(data, pos)) is not None:
        out.append(data[pos : head.start()])
        pos = _report_end(data, head)
    out.append(data[pos:])
    return b"".join(out)


def _report_end(data: bytes, head: re.Match[bytes]) -> int:
    """Where the report whose header is head ends: past its note or backtrace, which come
    before the next report; else past its message's first line (a later panic, no note)."""
    after = _HEAD.search(data, head.end())
    tail = _TAIL.search(data, head.end(), after.start() if after else len(data))
    if tail is not None:
        end = tail.end()
        if tail.group().startswith(b"stack") and (m := _OMITTED.match(data, end)):
            end = m.end()
        return end
    if not head.group().endswith(b":\n"):  # before Rust 1.73: the message was in it
        return head.end()
    nl = data.find(b"\n", head.end())
    return len(data) if nl < 0 else nl + 1
