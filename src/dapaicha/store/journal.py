"""Which SQLite journal a store gets: WAL on a local disk, the rollback journal elsewhere.

WAL needs shared memory between the processes that open the file, which network file
systems (SMB shares, mapped drives, NFS) do not give reliably; SQLite's own advice is the
rollback journal there. DAPAICHA_JOURNAL=wal|delete forces either.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable
from pathlib import Path, PureWindowsPath

WAL, DELETE = "wal", "delete"
ENV = "DAPAICHA_JOURNAL"
DRIVE_REMOTE = 4  # GetDriveTypeW: a network (mapped) drive
NETWORK_FS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre"}


def windows_mode(path: str, drive_type: Callable[[str], int]) -> str:
    """The journal for a Windows path: UNC (\\\\server\\share) or a mapped drive → delete."""
    p = PureWindowsPath(path)
    if p.drive.startswith(("\\\\", "//")):
        return DELETE
    if p.drive and drive_type(p.drive + "\\") == DRIVE_REMOTE:
        return DELETE
    return WAL


def posix_mode(path: Path, mounts: str) -> str:
    """The journal for a POSIX path, from /proc/self/mounts text: network file system → delete."""
    best, fstype = "", ""
    target = str(path)
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mnt = parts[1].replace("\\040", " ")
        inside = target == mnt or target.startswith(mnt.rstrip("/") + "/")
        if inside and len(mnt) >= len(best):
            best, fstype = mnt, parts[2]
    kind = fstype.split(".")[-1] if fstype.startswith("fuse.") else fstype
    return DELETE if kind in NETWORK_FS or kind in {"sshfs", "smbnetfs"} else WAL


def _drive_type(root: str) -> int:
    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def mode_for(path: Path) -> str:
    """WAL or DELETE for the store at path (its folder decides; DAPAICHA_JOURNAL overrides)."""
    forced = os.environ.get(ENV, "").strip().lower()
    if forced in (WAL, DELETE):
        return forced
    folder = path.absolute().parent
    if sys.platform == "win32":
        return windows_mode(str(folder), _drive_type)
    try:
        mounts = Path("/proc/self/mounts").read_text("utf-8", errors="replace")
    except OSError:
        return WAL
    return posix_mode(folder.resolve(), mounts)
