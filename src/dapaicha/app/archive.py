"""The workspace's 存档: every file as a village sent it, once, by its sha256, read-only.

Every stored figure traces back to a file even after the returns folder is tidied.
"""

from __future__ import annotations

from pathlib import Path

from dapaicha.fsutil import atomic_write_bytes

FOLDER = "存档"


def path_of(root: Path, sha: str, suffix: str) -> Path:
    """Where the file with this sha256 is kept under the workspace root."""
    return root / FOLDER / sha[:2] / f"{sha}{suffix.lower()}"


def keep(root: Path, files: dict[Path, str]) -> list[Path]:
    """Archive each file (path → its sha256) not archived yet; the new archive paths."""
    made = []
    for f, sha in files.items():
        dest = path_of(root, sha, f.suffix)
        if not dest.exists():
            atomic_write_bytes(dest, f.read_bytes())
            dest.chmod(0o444)
            made.append(dest)
    return made
