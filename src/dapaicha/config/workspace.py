"""dapaicha.yaml: a workspace's settings (unit, office, inputs, folders); render, load, find.

A command run in the workspace's folder or any folder below it takes its defaults from the
nearest dapaicha.yaml above; relative paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dapaicha import fsutil
from dapaicha.config.checklist import invalid, yaml_mapping
from dapaicha.errors import UserError

FILE = "dapaicha.yaml"
LEVELS = ("县", "市")
RESUBMIT_DAYS = 3  # days allowed for a corrected return, from the as-of date


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Model):
    level: Literal["", "县", "市"] = ""
    name: str = ""


class Folders(_Model):
    ledgers: str = "台账"
    returns: str = "returns"
    rejected: str = "退回修改"
    summary: str = "汇总"
    reports: str = "校验报告"


class Settings(_Model):
    schema_version: Literal[1] = 1
    unit: Unit = Unit()
    office: str = ""
    phone: str = ""
    roster: str = "名册.xlsx"
    checklist: str = "checklist.yaml"
    store: str = "dapaicha.sqlite"
    folders: Folders = Folders()
    resubmit_days: Annotated[int, Field(ge=0, le=60)] = RESUBMIT_DAYS


@dataclass(frozen=True)
class Workspace:
    file: Path  # the dapaicha.yaml
    settings: Settings

    @property
    def root(self) -> Path:
        return self.file.parent

    def path(self, value: str) -> Path | None:
        """A path of the settings, relative to the file's folder; None when blank."""
        if not value.strip():
            return None
        p = Path(value.strip()).expanduser()
        return p if p.is_absolute() else self.root / p


def settings(
    level: str | None = None,
    unit: str | None = None,
    office: str | None = None,
    phone: str | None = None,
) -> Settings:
    """Settings from init's flags; a bad --level is one Chinese line."""
    lv = (level or "").strip()
    if lv and lv not in LEVELS:
        raise UserError(f"--level 应为 县 或 市，收到“{lv}”。")
    return Settings(
        unit=Unit(level=lv, name=(unit or "").strip()),
        office=(office or "").strip(),
        phone=(phone or "").strip(),
    )


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def render(s: Settings) -> str:
    """The settings file's text, commented in Chinese."""
    f = s.folders
    return f"""\
# dapaicha 工作文件夹设置（由 dapaicha init 建立；用记事本编辑，按 UTF-8 保存）
# 在本文件夹或其下任一文件夹中运行 dapaicha 命令时，没有写明的选项从这里取默认值，
# 命令行上写明的选项优先。下面的相对路径都相对于本文件所在的文件夹。
schema_version: 1

# 本级单位
unit:
  level: {_q(s.unit.level)}   # 单位层级：县 或 市
  name: {_q(s.unit.name)}   # 单位名称，如 禹州市
office: {_q(s.office)}   # 办公室全称（通知落款）
phone: {_q(s.phone)}   # 联系电话（写入退回通知、催报通知）

# 输入文件
roster: {_q(s.roster)}   # 村名册（代替 -r）
checklist: {_q(s.checklist)}   # 排查清单（代替 -c；留空 "" 则用内置清单）
# 县里要增加本县自己的排查项目时：另建一个“县清单”文件（如 县清单.yaml，用记事本按 UTF-8 保存），
# 上面 checklist 改填它的文件名。县清单只写本县增加的项目，其余沿用市里下发的清单：
#   extends: "checklist.yaml"    # 市里下发的清单文件（相对县清单所在文件夹；"" 为内置清单）
#   county: "鄢陵县"              # 本县名称
#   category: ""                  # 类别名称，留空为“鄢陵县增加项目”
#   items:                        # 本县项目，序号接在市清单最后一项之后（也可写 no: 101 指定）
#     - topic: "秸秆禁烧"
#       content: "是否落实秸秆禁烧网格化责任。"
# 本县台账、校验、县级汇总表含本县项目；报市里的合并台账中本县项目不计入市里的汇总。
store: {_q(s.store)}   # 数据库（代替 -s）

# 各环节文件夹
folders:
  ledgers: {_q(f.ledgers)}   # 下发各村的空白台账（generate 的 -o）
  returns: {_q(f.returns)}   # 各村报回的台账，按期放在 第1期、第2期 … 子文件夹
  rejected: {_q(f.rejected)}   # 退回修改副本和退回通知（validate 的 --feedback，按期分子文件夹）
  summary: {_q(f.summary)}   # 汇总表、周报、周报文字稿和合并台账（rollup、merge 的 -o）
  reports: {_q(f.reports)}   # 校验报告（validate 的 --report）

# 退回修改后重新报送的期限：从当天（或 --as-of 的日期）起算的天数
resubmit_days: {s.resubmit_days}
"""


def parse(text: str, source: str = FILE) -> Settings:
    """Parse the settings text; any problem becomes one UserError in Chinese."""
    data = yaml_mapping(text, "设置文件", source) or {}
    try:
        return Settings.model_validate(data)
    except ValidationError as err:
        raise invalid(err, text, "设置文件", source) from err


def load(path: Path) -> Workspace:
    try:
        text = fsutil.read_notepad_text(path)
    except UnicodeDecodeError as err:
        raise UserError(f"设置文件 {path} 的编码无法识别，请用记事本另存为 UTF-8。") from err
    except OSError as err:
        raise UserError(f"无法读取设置文件 {path}：{err.strerror}") from err
    return Workspace(path.resolve(), parse(text, str(path)))


def find(start: Path) -> Path | None:
    """The nearest dapaicha.yaml in start or a folder above it."""
    here = start.resolve()
    for d in (here, *here.parents):
        p = d / FILE
        if p.is_file():
            return p
    return None


def here(start: Path | None = None) -> Workspace | None:
    """The workspace holding start (default: the current folder), or None."""
    p = find(start if start is not None else Path.cwd())
    return load(p) if p is not None else None
