"""Validate's results remembered between runs: `merge` (or `week`) after `validate` of the
same returns reads each file's bytes, not its sheets, again.

A result is kept under the key of everything it depends on: the file's bytes, its name
(relative to the folder), the checklist, the roster's villages and this code's source.
Change any of them and the result is worked out again. The file lives in the user's cache
folder (Windows: %LOCALAPPDATA%\\dapaicha); DAPAICHA_CACHE names another file, or turns it
off (0, off, no). Only large folders use it (validate.PARALLEL_MIN_FILES files or more).

The roster validate reads is kept there too (`load_roster`), under the key of its bytes, its
format, the campaign and this code: a province's 46,000 villages are rebuilt from plain
tuples, not parsed again (one file validated against them: issue 20).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import sys
import unicodedata
import zlib
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import dapaicha
from dapaicha.config.checklist import Campaign, Checklist
from dapaicha.config.roster import Roster, RosterProblem, Village
from dapaicha.findings import FileResult, Severity
from dapaicha.model import PackedRows, Submission, loads_ours
from dapaicha.read import roster as roster_mod
from dapaicha.read.book import MAX_FILE_BYTES
from dapaicha.store import memo as store_memo

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
    h.update(_villages_text(roster).encode("utf-8", "surrogatepass"))
    return h.digest()


def _villages_text(roster: Roster) -> str:
    """The roster's villages, field by field, as text: the same for the same villages however
    they were made (a pickle differs when a roster kept here shares its repeated texts)."""
    names = [f.name for f in dataclasses.fields(Village)]
    rows = [[getattr(v, n) for n in names] for v in roster.villages]
    return json.dumps(rows, ensure_ascii=False)


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


ROSTER_FORMAT = b"roster 2"  # the value's layout: a change makes every kept roster a miss


def load_roster(path: Path, campaign: Campaign, county: str | None = None) -> Roster:
    """roster_mod.load(path, campaign, county), the file read once: the same bytes, read
    before by this code for this campaign, are rebuilt from the memo file."""
    where, key = location(), None
    if where is not None:
        key = _roster_key(Path(path), campaign)
    got = _roster_of(store_memo.Memo(where, write=False), key) if where and key else None
    if got is None:
        got = roster_mod.load(path, campaign)
        if where is not None and key is not None:
            memo = store_memo.Memo(where, write=True, remake=owned(where))
            memo.put([(key, _roster_value(got))])
            memo.close()
    return roster_mod.scoped(dataclasses.replace(got, source=str(Path(path))), county)


def _roster_key(path: Path, campaign: Campaign) -> bytes | None:
    data = bytes_of(path)  # None: load says why
    code = _code() if data is not None else None
    if data is None or code is None:
        return None
    h = hashlib.sha256(ROSTER_FORMAT + code)
    h.update(campaign.model_dump_json().encode())
    h.update(path.suffix.lower().encode("utf-8", "surrogatepass") + b"\0")
    h.update(hashlib.sha256(data).digest())
    return h.digest()


def _roster_value(r: Roster) -> bytes:
    """The villages field by field, each repeated text once (a county's name is pickled once,
    then referred to): read back in two thirds of the time."""
    once: dict[Any, Any] = {}
    vs = r.villages
    villages = [
        [once.setdefault(x, x) for x in column]
        for column in ([v.code for v in vs], [v.county for v in vs], [v.township for v in vs],
                       [v.village for v in vs], [v.signers for v in vs],
                       [v.liaison for v in vs], [v.row for v in vs])
    ]  # fmt: skip
    problems = [(p.row, p.message, p.severity.value, p.slug) for p in r.problems]
    return zlib.compress(pickle.dumps((villages, problems), protocol=pickle.HIGHEST_PROTOCOL), 1)


def _roster_of(memo: store_memo.Memo, key: bytes) -> Roster | None:
    """The roster kept under key; None if none (or the value is not one: read again)."""
    value = memo.get(key)
    memo.close()
    if value is None:
        return None
    try:
        got: Any = loads_ours(zlib.decompress(value))
        villages, problems = got
        return Roster(
            list(map(Village, *villages)),
            [RosterProblem(row, text, Severity(sev), slug) for row, text, sev, slug in problems],
        )
    except Exception:
        return None
