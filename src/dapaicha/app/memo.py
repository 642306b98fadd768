"""Validate's results remembered between runs: `merge` (or `week`) after `validate` of the
same returns reads each file's bytes, not its sheets, again.

A result is kept under the key of everything it depends on: the file's bytes, its name
(relative to the folder), the checklist, the roster's villages and this code's source.
Change any of them and the result is worked out again. The file lives in the user's cache
folder (Windows: %LOCALAPPDATA%\\dapaicha); DAPAICHA_CACHE names another file, or turns it
off (0, off, no). Only large folders use it (validate.PARALLEL_MIN_FILES files or more).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import unicodedata
import zlib
from functools import cache
from importlib import metadata
from pathlib import Path

import dapaicha
from dapaicha.config.checklist import Checklist
from dapaicha.config.roster import Roster
from dapaicha.findings import FileResult
from dapaicha.model import PackedRows, Submission, loads_ours
from dapaicha.read.book import MAX_FILE_BYTES

ENV = "DAPAICHA_CACHE"
FILE_NAME = "validate-memo.sqlite"
Result = tuple[FileResult, list[Submission]]


def location() -> Path | None:
    """The memo file, or None when turned off (or no home folder to keep it in)."""
    named = os.environ.get(ENV)
    if named is not None:
        off = named.strip().lower() in ("", "0", "off", "no", "false")
        return None if off else Path(named)
    try:
        if os.name == "nt":
            base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        else:
            base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except (RuntimeError, OSError, KeyError):  # no home folder (a service, a bare container)
        return None
    return base / "dapaicha" / FILE_NAME


def owned(path: Path) -> bool:
    """A memo file of ours by its name: made again when damaged. Any other file named in
    DAPAICHA_CACHE is never deleted (the memo is then off)."""
    return path.name == FILE_NAME


# The libraries whose reading or normalising could change a result
_LIBRARIES = ("python-calamine", "openpyxl", "pydantic", "defusedxml")


@cache
def _code() -> bytes | None:
    """This code's source, its libraries' versions and Python's (a result made by other
    code is not reused); None when the source cannot be read (no memo then)."""
    h = hashlib.sha256(dapaicha.__version__.encode())
    h.update(f"{sys.version_info[:2]} {unicodedata.unidata_version}".encode())
    for lib in _LIBRARIES:
        try:
            h.update(f"{lib} {metadata.version(lib)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib} -".encode())
    root = Path(dapaicha.__file__).parent
    sources = sorted(root.rglob("*.py"))
    if not sources:  # a frozen or compiled-only install: its code cannot be told apart
        return None
    for p in sources:
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.digest()


def context_of(cl: Checklist, roster: Roster) -> bytes | None:
    """What every result of one run depends on besides the file itself; None: no memo."""
    try:
        code = _code()
    except OSError:
        return None
    if code is None:
        return None
    h = hashlib.sha256(code)
    h.update(cl.model_dump_json().encode())
    h.update(pickle.dumps(roster.villages, protocol=5))  # plain dataclasses: same bytes each run
    return h.digest()


def bytes_of(path: Path) -> bytes | None:
    """A file's bytes; None when it cannot be read cheaply (the validation says why)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def key_of(context: bytes, data: bytes, name: str) -> bytes:
    """The key of the result of one file's bytes under its name."""
    h = hashlib.sha256(context)
    h.update(hashlib.sha256(data).digest())
    h.update(name.encode("utf-8", "surrogatepass"))
    return h.digest()


def pack(result: Result) -> bytes:
    return zlib.compress(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack(value: bytes) -> Result | None:
    """The result kept, or None if the value is not one (damaged or tampered with: worked
    out again). Only our own classes are read back (model.loads_ours), rows included."""
    try:
        got = loads_ours(zlib.decompress(value))
        if not (isinstance(got, tuple) and len(got) == 2):
            return None
        fr, subs = got
        if not isinstance(fr, FileResult) or not isinstance(subs, list):
            return None
        for s in subs:
            if not isinstance(s, Submission):
                return None
            if isinstance(s.rows, PackedRows):
                s.rows.unpack()  # its rows readable too
    except Exception:
        return None
    return fr, subs
