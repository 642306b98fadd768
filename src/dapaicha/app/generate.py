"""checklist + roster → one blank ledger per village, a manifest, a summary.

Files go to `DIR/<县>/<乡>/<村>_问题整改台账.xlsx`. The styled workbook is built once per run
(ledger.build_template) and each village's values are stamped into it (stamp.Template).

Reruns are safe. `DIR/.dapaicha-manifest.json` records, per file (path relative to DIR),
the sha256 of the bytes we wrote and an input fingerprint (the checklist — its content hash
and everything else in it —, the 填报说明 template, the village record, the tool version).
On a rerun each file is

- left alone (已是最新) when the fingerprint is the same and the file is still the bytes we
  wrote — so a second run gives the same files, byte for byte;
- rewritten (已更新) when the inputs changed but the file is still exactly what we wrote;
- skipped, with the reason "已存在且可能已填写，未覆盖（如需覆盖请加 --force）", when it exists
  but differs from what we wrote (someone opened and saved it, maybe filled it in) or the
  manifest has no record of it — unless `force`, which rewrites it.

A rewritten file carries a new generation time in its metadata sheet, so it is not
byte-identical to an earlier one; all else in it is (fixed zip and document times). Set
SOURCE_DATE_EPOCH (or pass generated_at) to fix that time too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dapaicha import __version__, fsutil, layout, resources
from dapaicha.app import carry
from dapaicha.app.progress import Progress, silent
from dapaicha.config import checklist as cl_mod
from dapaicha.config.checklist import Checklist
from dapaicha.config.roster import Roster
from dapaicha.errors import UserError
from dapaicha.read import roster as roster_mod
from dapaicha.xlsx import excel, ledger, ledger_guide
from dapaicha.xlsx.stamp import Template

MANIFEST_NAME = ".dapaicha-manifest.json"
MANIFEST_VERSION = 1
SKIP_EXISTS = "已存在且可能已填写，未覆盖（如需覆盖请加 --force）"
SKIP_DIR = "同名文件夹已存在，未写入"


@dataclass
class Result:
    out: Path
    written: list[str] = field(default_factory=list)  # new files (paths relative to out)
    updated: list[str] = field(default_factory=list)  # rewritten: inputs changed, or --force
    unchanged: list[str] = field(default_factory=list)  # 已是最新
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (village, path): same names
    notes: list[str] = field(default_factory=list)
    provisional: str = ""  # e.g. 38—43: the checklist's provisional items

    @property
    def total(self) -> int:
        return len(self.written) + len(self.updated) + len(self.unchanged) + len(self.skipped)


def checklist_fingerprint(cl: Checklist) -> str:
    """Everything of the checklist and the guide template that goes into a ledger."""
    h = hashlib.sha256()
    h.update(cl.content_hash.encode())
    # no revisions: the same fingerprint as before revisions existed (nothing regenerated)
    h.update(cl.model_dump_json(exclude=None if cl.revisions else {"revisions"}).encode())
    guide = resources.templates_dir() / ledger_guide.GUIDE_TEMPLATE
    if guide.is_file():
        h.update(guide.read_bytes())
    return h.hexdigest()


def village_fingerprint(cl_fp: str, f: ledger.Fields, tool_version: str) -> str:
    record = [f.code, f.county, f.township, f.village, list(f.signers), f.liaison]
    raw = json.dumps([cl_fp, record, tool_version], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _load_manifest(path: Path, notes: list[str]) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, dict):
            raise TypeError
        return {str(k): dict(v) for k, v in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        notes.append(
            f"记录文件 {path.name} 已损坏，已重新建立；原有台账一律视为可能已填写，未覆盖。"
        )
        return {}


def _save_manifest(path: Path, files: dict[str, dict[str, str]]) -> None:
    data = {"tool": "dapaicha", "version": MANIFEST_VERSION, "files": dict(sorted(files.items()))}
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    fsutil.atomic_write_text(path, text)


class Stamper:
    """The run's templates (with and without the 联乡帮村干部 line), built on first use."""

    def __init__(self, cl: Checklist, tool_version: str = __version__) -> None:
        self.cl = cl
        self.tool_version = tool_version
        self._templates: dict[bool, Template] = {}

    def template(self, liaison_line: bool) -> Template:
        if liaison_line not in self._templates:
            wb, tokens = ledger.build_template(
                self.cl, liaison_line=liaison_line, tool_version=self.tool_version
            )
            tpl = Template(excel.workbook_bytes(wb), tokens)
            missing = set(tokens) - tpl.found - (set() if liaison_line else {"liaison"})
            if missing:  # openpyxl wrote a token where stamp.py cannot see it
                raise RuntimeError(f"template tokens not found: {sorted(missing)}")
            self._templates[liaison_line] = tpl
        return self._templates[liaison_line]

    def render(self, f: ledger.Fields) -> bytes:
        return self.template(bool(f.liaison)).render(f.as_dict())


def _name_part(village: str) -> str:
    """The village part of a file name: safe, and short enough for 255 bytes in all."""
    return fsutil.safe_component(village)[:60]


def _relative(out: Path, p: Path) -> str:
    return p.relative_to(out).as_posix()


def generate(
    cl: Checklist,
    villages: Sequence[ledger.VillageLike],
    out: Path,
    *,
    force: bool = False,
    progress: Callable[[], None] | None = None,
    generated_at: str | None = None,
    tool_version: str = __version__,
    after: Callable[[Path, ledger.VillageLike], None] | None = None,
) -> Result:
    """Write one ledger per village under out; see the module docstring for reruns.
    after(path, village) runs on each file written or rewritten."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"输出位置 {out} 是一个文件，请指定一个文件夹。")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"无法创建输出文件夹 {out}：{err.strerror or err}。") from err
    result = Result(out=out, provisional=ledger_guide.provisional_ranges(cl))
    manifest_path = out / MANIFEST_NAME
    manifest = _load_manifest(manifest_path, result.notes)
    stamper = Stamper(cl, tool_version)
    cl_fp = checklist_fingerprint(cl)
    when = generated_at or ledger.now_text()
    used: set[str] = set()
    folders: dict[tuple[str, str], Path] = {}
    try:
        for v in villages:
            f = ledger.fields_for(cl, v, when)
            key = (f.county, f.township)
            if key not in folders:  # checked once per township: stays under out
                folders[key] = fsutil.inside(out, f.county, f.township)
            folder = folders[key]
            base = _name_part(f.village)
            path = folder / layout.file_name(base)
            if str(path).casefold() in used:  # two villages of the same name in one township
                row = getattr(v, "row", 0)
                tag = f.code or (f"第{row}行" if row else "2")
                n = 1
                while str(path).casefold() in used:
                    extra = tag if n == 1 else f"{tag}_{n}"
                    path = folder / layout.file_name(f"{base}_{fsutil.safe_component(extra)}")
                    n += 1
                result.renamed.append((f.full_name, _relative(out, path)))
            used.add(str(path).casefold())
            rel = _relative(out, path)
            fp = village_fingerprint(cl_fp, f, tool_version)
            done = len(result.written) + len(result.updated)
            _one(path, rel, fp, f, v, stamper, manifest, result, force)
            if after is not None and len(result.written) + len(result.updated) > done:
                after(path, v)
            if progress is not None:
                progress()
    finally:
        _save_manifest(manifest_path, manifest)
    return result


def _one(
    path: Path,
    rel: str,
    fp: str,
    f: ledger.Fields,
    v: ledger.VillageLike,
    stamper: Stamper,
    manifest: dict[str, dict[str, str]],
    result: Result,
    force: bool,
) -> None:
    entry = manifest.get(rel)
    existed = path.exists()
    if existed:
        if path.is_dir():
            result.skipped.append((rel, SKIP_DIR))
            return
        try:
            current = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            current = ""
        ours = entry is not None and entry.get("sha256") == current
        if ours and entry is not None and entry.get("fingerprint") == fp:
            result.unchanged.append(rel)
            return
        if not ours and not force:
            result.skipped.append((rel, SKIP_EXISTS))
            return
    data = stamper.render(f)
    fsutil.atomic_write_bytes(path, data)
    manifest[rel] = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "fingerprint": fp,
        "village": getattr(v, "key", "") or f.full_name,
    }
    (result.updated if existed else result.written).append(rel)


def provisional_warning(result: Result) -> str:
    if not result.provisional:
        return ""
    return (
        f"注意：第{result.provisional}项为暂定条目（原文缺失，系草拟），"
        "印发前须与省定清单核对，确认无误后再下发。"
    )


def command(
    roster_path: Path,
    out: Path,
    checklist_path: Path | None = None,
    *,
    force: bool = False,
    generated_at: str | None = None,
    on_roster: Callable[[Roster], None] | None = None,
    progress: Progress = silent,
    carry_forward: Path | None = None,
    county: str | None = None,
) -> Result:
    """`dapaicha generate`: a blank ledger per roster village; on_roster sees the roster
    (its problems) before anything is written."""
    cl = cl_mod.load(checklist_path)
    errors = [p for p in cl_mod.lint(cl) if p.severity == "error"]
    if errors:
        raise UserError(
            "排查清单有错误，未生成台账："
            + "；".join(f"{p.where}{p.message}" for p in errors[:5])
            + "。请先运行 dapaicha checklist 查看。"
        )
    ros = roster_mod.load(roster_path, cl.campaign, county)
    if on_roster is not None:
        on_roster(ros)
    if not ros.villages:
        raise UserError(f"村名册 {Path(roster_path).name} 中没有读到任何村，未生成台账。")
    answers = carry.last_answers(carry_forward, cl) if carry_forward is not None else {}
    filled: list[str] = []

    def after(path: Path, v: ledger.VillageLike) -> None:
        key = getattr(v, "key", "")
        if key in answers:
            carry.prefill(path, answers[key])
            filled.append(key)

    with progress(len(ros.villages)) as advance:
        result = generate(
            cl, ros.villages, out, force=force, progress=advance, generated_at=generated_at,
            after=after if answers else None,
        )  # fmt: skip
    if carry_forward is not None:
        result.notes.append(f"已沿用数据库中上次通过的填报内容：{len(filled)} 个村的台账。")
    return result
