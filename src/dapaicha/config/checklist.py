"""Pydantic models of checklist.yaml: campaign, vocabularies, categories, items; load and lint."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from dapaicha import fsutil, layout, resources
from dapaicha.config import revisions as rev_mod
from dapaicha.config.revisions import Revision, Version
from dapaicha.errors import UserError
from dapaicha.normalize import vocab_key


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Perfunctory(_Model):
    """Thresholds of the 疑似走过场 signals."""

    same_text_villages: int = Field(5, ge=2, description="同一文字出现在多少个村即提示")
    same_text_items: int = Field(5, ge=2, description="同一文字出现在一村多少个项目即提示")
    unchanged_periods: int = Field(3, ge=2, description="连续多少期未变化且问题未整改即提示")


class Campaign(_Model):
    title: str
    office: str
    document_number: str
    year: int
    start: dt.date
    start_note: str = ""
    first_deadline: dt.date
    end: dt.date
    report_every_days: int = Field(7, ge=1)
    village_signers: list[str] = Field(min_length=1)
    # other names of a signer's column in a roster, and of a signature label in a return
    signer_aliases: dict[str, list[str]] = Field(default_factory=dict)
    # county-level division codes (6 digits) a village code must start with, per county
    county_codes: dict[str, str] = Field(default_factory=dict)
    signatures_on_paper: bool = False
    summary_signoff: list[str] = Field(min_length=1)
    phone: str = ""
    email: str = ""
    rate_includes_plan: bool = True
    due_soon_days: int = Field(7, ge=0)
    perfunctory: Perfunctory = Perfunctory()

    @field_validator("county_codes")
    @classmethod
    def _six_digits(cls, v: dict[str, str]) -> dict[str, str]:
        bad = [f"{k}：{c}" for k, c in v.items() if not (len(c) == 6 and c.isdigit())]
        if bad:
            raise ValueError("区划代码应为 6 位数字：" + "；".join(bad))
        return v

    @property
    def signer_labels(self) -> tuple[str, ...]:
        """Each signer's title and its other names joined by “|”, as a return is read."""
        return tuple("|".join((t, *self.signer_aliases.get(t, ()))) for t in self.village_signers)

    @model_validator(mode="after")
    def _aliases_of_signers(self) -> Campaign:
        unknown = [k for k in self.signer_aliases if k not in self.village_signers]
        if unknown:
            raise ValueError(f"signer_aliases 中的“{'、'.join(unknown)}”不在 village_signers 中")
        return self

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, v: dt.date, info) -> dt.date:
        start = info.data.get("start")
        if start and v < start:
            raise ValueError("结束日期早于开始日期")
        return v


class Vocabulary(_Model):
    """Canonical values, each with its accepted synonyms."""

    values: dict[str, list[str]]

    @cached_property
    def lookup(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for canon, syns in self.values.items():
            for s in [canon, *syns]:
                out[vocab_key(s)] = canon
        return out

    @property
    def canonical(self) -> list[str]:
        return list(self.values)


# The canonical words the rules and summaries count by; synonyms are free to edit.
CANONICAL = {
    "yes_no": (layout.YES, layout.NO),
    "kind": (layout.IMMEDIATE, layout.PLAN),
    "result": (layout.DONE, layout.DOING, layout.NOT_DONE),
}


class Vocabularies(_Model):
    yes_no: Vocabulary
    kind: Vocabulary
    result: Vocabulary

    @model_validator(mode="after")
    def _canonical_words(self) -> Vocabularies:
        for name, words in CANONICAL.items():
            got = tuple(getattr(self, name).values)
            if got != words:
                raise ValueError(
                    f"{name} 的标准用语必须依次为 {'、'.join(words)}（可增删同义词，不能改标准用语）"
                )
        return self


class Item(_Model):
    no: int = Field(ge=1)
    topic: str = ""
    content: str
    provisional: bool = False
    note: str = ""


class Category(_Model):
    code: str
    name: str
    items: list[Item]
    county: str = ""  # a county's own items (a county checklist file): the county's name


class Checklist(_Model):
    schema_version: Literal[1] = 1
    id: str
    title: str
    campaign: Campaign
    vocabularies: Vocabularies
    categories: list[Category] = Field(min_length=1)
    revisions: list[Revision] = Field(default_factory=list)

    @cached_property
    def items(self) -> list[tuple[Category, Item]]:
        return [(c, i) for c in self.categories for i in c.items]

    @cached_property
    def by_no(self) -> dict[int, tuple[Category, Item]]:
        return {i.no: (c, i) for c, i in self.items}

    @cached_property
    def county_nos(self) -> frozenset[int]:
        """序号 of a county's own items (after the city's; none in the city's checklist)."""
        return frozenset(i.no for c, i in self.items if c.county)

    @cached_property
    def city(self) -> Checklist:
        """The city's checklist: without a county's own items (itself when there are none)."""
        if not self.county_nos:
            return self
        cats = [c.model_dump() for c in self.categories if not c.county]
        return Checklist.model_validate({**self.model_dump(), "categories": cats})

    @cached_property
    def content_hash(self) -> str:
        """Hash of the item numbers and texts: a return's template must carry the same."""
        return rev_mod.content_hash([(i.no, c.name, i.topic, i.content) for c, i in self.items])

    @cached_property
    def rebuilt(self) -> rev_mod.Rebuilt:
        """Every version of the items (the revisions undone), first to current."""
        cur = [
            rev_mod.Entry(i.no, c.name, i.topic, i.content, i.no, f"c{i.no}") for c, i in self.items
        ]
        names = {c.code: c.name for c in self.categories}
        return rev_mod.rebuild(cur, self.revisions, self.campaign.start, names)

    @property
    def versions(self) -> list[Version]:
        return self.rebuilt.versions

    @property
    def version_label(self) -> str:
        return self.versions[-1].label

    def version(self, label: str) -> Version | None:
        return next((v for v in self.versions if v.label == label), None)

    @cached_property
    def removed(self) -> dict[int, rev_mod.Entry]:
        """Items removed by a revision, by their old 序号 (a later removal of the same 序号
        wins): their problems are stored under -序号 and reported under the old one."""
        return {e.no: e for v in self.versions[:-1] for e in v.entries if e.current is None}

    @cached_property
    def earlier(self) -> dict[str, tuple[Version, Checklist]]:
        """The earlier versions by content hash, each as a checklist of its own items."""
        return {v.content_hash: (v, self._as_of(v)) for v in self.versions[:-1]}

    def _as_of(self, v: Version) -> Checklist:
        codes = {c.name: c.code for c in self.categories}
        cats: list[Category] = []
        for e in v.entries:
            item = Item(no=e.no, topic=e.topic, content=e.content)
            if cats and cats[-1].name == e.category:
                cats[-1].items.append(item)
            else:
                cats.append(Category(code=codes.get(e.category, ""), name=e.category, items=[item]))
        return Checklist(
            id=self.id,
            title=self.title,
            campaign=self.campaign,
            vocabularies=self.vocabularies,
            categories=cats,
        )

    @property
    def provisional(self) -> list[Item]:
        return [i for _, i in self.items if i.provisional]


@dataclass(frozen=True)
class LintProblem:
    severity: Literal["error", "warning"]
    where: str
    message: str


def lint(cl: Checklist) -> list[LintProblem]:
    """Duplicate or missing numbers, empty text, provisional items."""
    out: list[LintProblem] = []
    seen: dict[int, int] = {}
    for _, item in cl.items:
        seen[item.no] = seen.get(item.no, 0) + 1
        if not item.content.strip():
            out.append(LintProblem("error", f"第{item.no}项", "排查内容为空"))
    for no, n in sorted(seen.items()):
        if n > 1:
            out.append(LintProblem("error", f"第{no}项", f"序号重复 {n} 次"))
    top = max((n for n in seen if n not in cl.county_nos), default=0)  # a county's may skip
    missing = [n for n in range(1, top + 1) if n not in seen]
    if missing:
        out.append(LintProblem("error", "序号", "缺少序号：" + "、".join(map(str, missing))))
    for c in cl.categories:
        if not c.items:
            out.append(LintProblem("error", c.name, "类别下没有排查项目"))
    for where, message in cl.rebuilt.problems:
        out.append(LintProblem("error", where, message))
    for item in cl.provisional:
        out.append(
            LintProblem(
                "warning", f"第{item.no}项", "暂定条目，印发前须与省定清单核对：" + item.note
            )
        )
    v = cl.vocabularies
    for name, voc in (("是否存在问题", v.yes_no), ("整改类型", v.kind), ("整改结果", v.result)):
        keys: dict[str, str] = {}
        for canon, syns in voc.values.items():
            for s in [canon, *syns]:
                if s in keys and keys[s] != canon:
                    out.append(
                        LintProblem("error", name, f"同义词“{s}”同时属于“{keys[s]}”和“{canon}”")
                    )
                keys[s] = canon
    return out


# libyaml's parser when PyYAML has it (its wheels do): the checklist read 8 times faster
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """YAML 1.2-style booleans: only true/false, so a bare `no:` key stays the string 'no'."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _line_of(text: str, loc: tuple) -> int | None:
    """Best-effort line number of a pydantic error location in the YAML source."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    for key in loc:
        if node is None:
            return None
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            nxt = None
            for k, v in node.value:
                if k.value == key:
                    nxt = v
                    break
            if nxt is None:
                return node.start_mark.line + 1
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if key >= len(node.value):
                return node.start_mark.line + 1
            node = node.value[key]
        else:
            break
    return node.start_mark.line + 1 if node is not None else None


def _field_name(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


def yaml_mapping(text: str, what: str, source: str) -> dict[str, Any] | None:
    """The YAML text as a mapping (None when empty); a syntax error is one Chinese line.
    what: 清单文件 or 设置文件, as the user knows the file."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else "某处"
        raise UserError(f"{what} {source} {where}不是合法的 YAML，请检查缩进和冒号。") from err
    if data is not None and not isinstance(data, dict):
        raise UserError(f"{what} {source} 不是键值结构。")
    return data


def invalid(err: ValidationError, text: str, what: str, source: str) -> UserError:
    """The first pydantic error as one Chinese line: file, line, field, what is wrong."""
    e = err.errors()[0]
    loc = tuple(e["loc"])
    line = _line_of(text, loc)
    where = f"第 {line} 行，" if line else ""
    more = f"（另有 {err.error_count() - 1} 处问题）" if err.error_count() > 1 else ""
    return UserError(f"{what} {source} {where}字段“{_field_name(loc)}”有误：{_translate(e)}{more}")


def parse(text: str, source: str = "checklist.yaml") -> Checklist:
    """Parse YAML text; any problem becomes one UserError in Chinese. A county checklist
    file (with `extends:`) gives the city's checklist with the county's items after it."""
    data = yaml_mapping(text, "清单文件", source)
    if data is None:
        raise UserError(f"清单文件 {source} 内容为空或不是键值结构。")
    try:
        if "extends" in data:
            return _extend(CountyFile.model_validate(data), source)
        return Checklist.model_validate(data)
    except ValidationError as err:
        raise invalid(err, text, "清单文件", source) from err


class CountyItem(_Model):
    no: int | None = Field(default=None, ge=1)  # blank: the one before + 1
    topic: str = ""
    content: str = Field(min_length=1)


class CountyFile(_Model):
    """A county checklist file: the city's checklist (extends) and the county's own items."""

    extends: str  # the city's checklist file, relative to this one; "" = the built-in one
    county: str = Field(min_length=1)
    category: str = ""  # the items' 类别; blank: <county>增加项目
    items: list[CountyItem] = Field(min_length=1)


def _numeral(n: int) -> str:
    """1-99 in Chinese numerals (a category's code: 一、二 … 十二)."""
    d = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else d[tens] + "十")
    return head + (d[ones] if ones else "") or d[0]


def _extend(f: CountyFile, source: str) -> Checklist:
    """The city's checklist with the county's items as a last category, numbered on from
    the city's last 序号 (or as written)."""
    base_path = (Path(source).parent / f.extends) if f.extends.strip() else None
    if base_path is not None and base_path.resolve() == Path(source).resolve():
        raise UserError(f"县清单文件 {source} 的 extends 不能指向它自己，请写市里下发的清单文件。")
    base = load(base_path)
    if base.county_nos:
        raise UserError(f"县清单文件 {source} 的 extends 应为市里的清单，不能是另一个县清单。")
    items, last = [], max(base.by_no)
    for it in f.items:
        last = it.no if it.no is not None else last + 1
        if last in base.by_no:
            raise UserError(
                f"县清单文件 {source}：本县项目第{last}项与市清单序号重复，"
                f"请把本县项目的序号写在{max(base.by_no)}以后（如 no: {max(base.by_no) + 1}）。"
            )
        items.append(Item(no=last, topic=it.topic, content=it.content))
    name = f.category.strip() or f"{f.county}增加项目"
    cat = Category(code=_numeral(len(base.categories) + 1), name=name, items=items, county=f.county)
    data = base.model_dump()
    return Checklist.model_validate({**data, "categories": [*data["categories"], cat.model_dump()]})


def _translate(e: ErrorDetails) -> str:
    t = e.get("type", "")
    msg = {
        "missing": "缺少此字段",
        "extra_forbidden": "不认识此字段（是否拼写有误？）",
        "date_from_datetime_parsing": "应为日期，如 2022-04-30",
        "date_parsing": "应为日期，如 2022-04-30",
        "date_type": "应为日期，如 2022-04-30",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "string_type": "应为文字",
        "bool_parsing": "应为 true 或 false",
        "bool_type": "应为 true 或 false",
        "too_short": "不能为空",
        "greater_than_equal": "数值太小",
        "literal_error": "取值不在允许范围内",
        "list_type": "应为列表",
        "dict_type": "应为键值结构",
    }.get(t)
    if msg:
        return msg
    if t == "value_error":
        return str(e.get("ctx", {}).get("error", e.get("msg", "")))
    return e.get("msg", "取值有误")


def load(path: Path | str | None = None) -> Checklist:
    """Load a checklist file, or the default one shipped in the package."""
    p = Path(path) if path else resources.default_checklist()
    try:
        text = fsutil.read_notepad_text(p)
    except FileNotFoundError as err:
        raise UserError(f"找不到清单文件 {p}。") from err
    except UnicodeDecodeError as err:
        raise UserError(f"清单文件 {p} 的编码无法识别，请用记事本另存为 UTF-8。") from err
    except OSError as err:
        raise UserError(f"无法读取清单文件 {p}：{err.strerror}") from err
    return parse(text, str(p))
