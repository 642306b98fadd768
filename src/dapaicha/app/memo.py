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
import zlib
from functools import cache
from pathlib import Path

import dapaicha
from dapaicha.config.checklist import Checklist
from dapaicha.config.roster import Roster
from dapaicha.findings import FileResult
from dapaicha.model import Submission
from dapaicha.read.book import MAX_FILE_BYTES

ENV = "DAPAICHA_CACHE"
FILE_NAME = "validate-memo.sqlite"
Result = tuple[FileResult, list[Submission]]


def location() -> Path | None:
    """The memo file, or None when turned off."""
    named = os.environ.get(ENV)
    if named is not None:
        off = named.strip().lower() in ("", "0", "off", "no", "false")
        return None if off else Path(named)
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "dapaicha" / FILE_NAME


@cache
def _code() -> bytes:
    """This code's source: a result made by other code is not reused."""
    h = hashlib.sha256(dapaicha.__version__.encode())
    root = Path(dapaicha.__file__).parent
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.digest()


def context_of(cl: Checklist, roster: Roster) -> bytes:
    """What every result of one run depends on besides the file itself."""
    h = hashlib.sha256(_code())
    h.update(cl.model_dump_json().encode())
    h.update(pickle.dumps(roster.villages, protocol=5))  # plain dataclasses: same bytes each run
    return h.digest()


def key_of(context: bytes, path: Path, name: str) -> bytes | None:
    """The key of one file's result; None when the file cannot be read cheaply (the
    validation says why)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    h = hashlib.sha256(context)
    h.update(hashlib.sha256(data).digest())
    h.update(name.encode("utf-8", "surrogatepass"))
    return h.digest()


def pack(result: Result) -> bytes:
    return zlib.compress(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack(value: bytes) -> Result | None:
    """The result kept, or None if the value is not one (a damaged file: worked out again)."""
    try:
        got = pickle.loads(zlib.decompress(value))  # written by this code (see _code)
    except Exception:
        return None
    ok = isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], FileResult)
    return got if ok else None
