"""Findings as data: the codes (FindingCode, a StrEnum) with one template each, Severity, Finding,
FileResult, Report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from dapaicha.codes import SEVERITY_ZH as SEVERITY_ZH  # re-exported: findings is the entry
from dapaicha.codes import FindingCode as FindingCode
from dapaicha.codes import Severity as Severity
from dapaicha.messages import CODE_LIST
from dapaicha.messages import Code as Code
from dapaicha.model import village_key

C = FindingCode  # short name for rule code: ctx.add(C.KIND_INVALID, …)


CODES: dict[str, Code] = {c.slug: c for c in CODE_LIST}
if set(CODES) != set(FindingCode) or len(CODES) != len(CODE_LIST):  # one template per code
    raise RuntimeError("findings: every code needs exactly one template")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    file: str
    message: str
    sheet: str = ""
    cell: str = ""
    item: int | None = None
    value: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["severity"] = str(self.severity)
        return d


def place(file: str, sheet: str = "", cell: str = "", item: int | None = None) -> str:
    parts = []
    if sheet:
        parts.append(f"“{sheet}”表")
    if item is not None:
        parts.append(f"第{item}项")
    if cell:
        parts.append(f"{cell}单元格")
    return " ".join(parts) or file


def make(
    code: FindingCode | str,
    file: str,
    *,
    sheet: str = "",
    cell: str = "",
    item: int | None = None,
    value: Any = "",
    expected: Any = "",
    detail: Any = "",
) -> Finding:
    """Build a finding from the registry; the message puts the place first."""
    c = CODES[code]
    v = "" if value is None else str(value)
    flat = " ".join(v.split()) if "\n" in v or "\r" in v else v  # Alt+Enter: one line
    shown = flat if len(flat) <= 60 else flat[:57] + "…"
    text = c.template.format(value=shown, expected=expected, detail=detail, item=item)
    msg = f"{place(file, sheet, cell, item)}：{text}"
    return Finding(c.slug.value, c.severity, file, msg, sheet, cell, item, v[:500])


_RESULT_KEYS = (
    "file", "village_code", "county", "township", "village", "report_date", "sha256",
    "accepted", "used", "status", "errors", "warnings",
)  # fmt: skip


@dataclass
class FileResult:
    """One returned file and what was found in it."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    village_code: str = ""
    county: str = ""
    township: str = ""
    village: str = ""
    report_date: str = ""
    sha256: str = ""
    used: bool = True  # False when another file of the same village wins
    replaced: bool = False  # failed; a newer passing file of its village is used instead
    kind: str = ""  # what the file was read as: ledger | notice | merged ("" unread)
    sheet: str = ""  # the sheet read as the ledger
    date_cell: str = ""  # where its 填报日期 was read (check.rules.report_date_cell)

    @property
    def key(self) -> str:
        """The village's key (model.village_key), as merge stores it."""
        return village_key(self.village_code, self.county, self.township, self.village)

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARNING for f in self.findings)

    @property
    def accepted(self) -> bool:
        return self.errors == 0

    @property
    def status(self) -> str:
        if not self.accepted:  # replaced by a newer passing file of its village: not sent back
            return "退回修改" if self.sent_back else "未通过（未采用）"
        return "通过" if self.used else "通过（未采用）"

    @property
    def sent_back(self) -> bool:
        """Failed and not replaced by a newer passing file of its village (a newer failed
        file beside an older passing one is sent back, as are two failed files): a copy
        and notice go back."""
        return not self.accepted and not self.replaced

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: getattr(self, k) for k in _RESULT_KEYS}
        d["findings"] = [f.to_dict() for f in self.findings]
        return d


@dataclass
class Report:
    """The outcome of validating a folder."""

    files: list[FileResult] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    missing: list[dict[str, str]] = field(default_factory=list)  # roster villages with no return

    @property
    def valid(self) -> bool:
        return all(f.accepted for f in self.files)

    @property
    def findings(self) -> list[Finding]:
        return [x for f in self.files for x in f.findings]

    def count_by_code(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.code] = out.get(f.code, 0) + 1
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "files": [f.to_dict() for f in self.files],
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "missing": self.missing,
            "counts": self.count_by_code(),
        }
