"""`dapaicha init DIR`: a campaign workspace for a real office.

A copy of the default checklist to edit, an empty roster workbook with the headers
roster.load understands and one example row, the folders of the weekly routine, the
settings file dapaicha.yaml (unit, office, phone, inputs, folders; commands run inside take
their defaults from it), and a README.txt (Chinese, GBK-safe, CRLF) with the exact commands.
Existing files are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment

from dapaicha import fsutil, resources
from dapaicha.config import workspace
from dapaicha.config.workspace import Settings
from dapaicha.errors import UserError
from dapaicha.xlsx import excel

CHECKLIST, ROSTER, README = "checklist.yaml", "名册.xlsx", "README.txt"
SETTINGS = workspace.FILE
FOLDERS = ("台账", "returns/第1期", "退回修改", "汇总", "校验报告")
ROSTER_HEADERS = (
    "县（市、区）",
    "乡（镇、街道）",
    "村",
    "村代码",
    "村级责任组组长",
    "第一书记",
    "村支部书记",
    "联乡帮村干部",
)
ROSTER_EXAMPLE = (
    "鄢陵县",
    "陈化店镇",
    "大马村",
    "411024103201",
    "孙建军",
    "刘晓峰",
    "王德顺",
    "赵卫东",
)
ROSTER_WIDTHS = (12, 14, 12, 16, 14, 10, 12, 14)

README_TEXT = """\
巩固脱贫成果“大排查大起底”问题整改台账工作文件夹
=================================================

本文件夹由 dapaicha init 建立。以下命令在本文件夹（或其下任一文件夹）中运行（先用 cd 进入）。
每条命令加 -h 可查看说明，例如：dapaicha validate -h

设置文件 dapaicha.yaml
----------------------
dapaicha.yaml 记录本级单位、办公室、联系电话、村名册、排查清单、数据库和各环节文件夹
（用记事本打开，按 UTF-8 保存；每行 # 后是说明）。在本文件夹中运行命令时，这些设置就是默认值，
所以不必再写 -r 名册.xlsx、-c checklist.yaml、-s dapaicha.sqlite 和输出位置；
命令行上写明的选项优先。下面先写简短的命令，括号中是不在本文件夹时需要写全的选项。

一、开始之前（只做一次）
------------------------
1. 核对排查清单：打开 checklist.yaml（用记事本，按 UTF-8 保存），核对文号、日期、条目。
   dapaicha checklist
2. 填写村名册：打开 名册.xlsx，每个行政村一行；第 3 行是示例，请改为本地的村。
   村代码是 12 位统计用区划代码，请按文本格式填写。
   dapaicha roster
3. 生成各村台账，下发到村：
   dapaicha generate            （-r 名册.xlsx -c checklist.yaml -o 台账）
   台账\\县\\乡镇\\村_问题整改台账.xlsx 按县、乡镇分好，发给各村填写、签字后报回。

二、每周例行：一条命令（以第 1 期为例，第 2 期起把 1 换成期次）
----------------------------------------------------------------
1. 收：把各村报回的台账（文件名随意）放进 returns\\第1期\\（可按县、乡镇分文件夹）；
   村里改好后重新报回的台账也放进去，不用删除旧文件。
2. 运行：
   dapaicha week
   （默认办理今天所在的一期；补办往期：dapaicha week -p 1）
   它会：校验本期新收到的台账并入库；为每个未通过的村写出“退回修改”副本和退回通知
   （退回修改\\第1期\\，村里改正通过后，旧的副本自动移入“已作废”）；写出汇总表、周报和周报文字稿
   （汇总\\第1期\\）；写出催报名单.xlsx 和各乡镇的催报通知（汇总\\第1期\\催报通知\\）。
   屏幕最后列出各村状态（未报送、逾期未报、退回待改、已通过）、下一步该发给谁什么、写出的全部文件。
   没有新文件时再运行一次，什么也不会改动。
3. 发：退回修改副本和退回通知发回对应的村；催报通知发给各乡镇。
4. 签字：打印汇总表和周报（A4 横向），请党政分管负责同志签字背书，按要求报送上级。
5. 随时查看各村状态：dapaicha status（加 -o 报送情况.xlsx 写出表格）

也可以分步办理（与 week 的结果相同）：
   dapaicha validate returns\\第1期      校验，写出校验报告和退回修改
   dapaicha merge returns\\第1期 -p 1    入库，写出合并台账
   dapaicha rollup -p 1                 汇总表、周报和周报文字稿

三、上下级之间
--------------
县：week 写出的 汇总\\第N期\\<本县>问题整改台账_第N期.xlsx 就是报市的合并台账，
    与签字后的汇总表、周报一起报市。县级工作文件夹只处理名册中本县的村。
市：把各县报来的合并台账放进 returns\\第N期\\，同样运行 dapaicha week。合并台账期次与文件夹不符的
    不予合并；县里“退回待改”的村，市里也是“退回待改”；市级汇总表列出各县合并台账的收到时间。

四、其他
--------
查看某村历次报送：dapaicha history 大马村
数据库概况：      dapaicha store info
督查比对：        dapaicha crosscheck -f 督查发现问题.xlsx -o 督查比对
先看一遍演示：    dapaicha demo
"""


@dataclass
class InitResult:
    out: Path
    created: list[str] = field(default_factory=list)  # paths relative to out
    kept: list[str] = field(default_factory=list)  # existing files left alone


def roster_workbook() -> Workbook:
    wb = Workbook()
    ws = excel.first_sheet(wb)
    ws.title = "村名册"
    n = len(ROSTER_HEADERS)
    excel.put(
        ws.cell(1, 1), "村名册（每个行政村一行；第 3 行为示例，请改为本地的村）"
    ).font = excel.FONT_TITLE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.row_dimensions[1].height = 28
    for j, h in enumerate(ROSTER_HEADERS, start=1):
        c = excel.put(ws.cell(2, j), h)
        c.font, c.border, c.fill, c.alignment = (
            excel.FONT_HEAD,
            excel.BORDER,
            excel.HEAD_FILL,
            excel.CENTER,
        )
    for j, v in enumerate(ROSTER_EXAMPLE, start=1):
        c = excel.put(ws.cell(3, j), v)
        c.font, c.border, c.alignment = excel.FONT_BODY, excel.BORDER, Alignment(vertical="center")
    for row in range(3, 1001):  # 村代码 column as text, so 12 digits stay 12 digits
        ws.cell(row, 4).number_format = "@"
    for j, w in enumerate(ROSTER_WIDTHS):
        ws.column_dimensions[chr(65 + j)].width = w
    ws.freeze_panes = "A3"
    excel.print_setup(ws, "2:2")
    return wb


def readme_text() -> str:
    text = README_TEXT.replace("\r\n", "\n").replace("\n", "\r\n")
    text.encode("gbk")  # GBK-safe: opens in Notepad on older Windows whatever it guesses
    return text


def run(out: Path, settings: Settings | None = None) -> InitResult:
    """Create the workspace under out; never overwrite an existing file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} 是一个文件，请指定一个文件夹。")
    res = InitResult(out=out)
    out.mkdir(parents=True, exist_ok=True)

    def write(name: str, make) -> None:
        p = out / name
        if p.exists():
            res.kept.append(name)
            return
        make(p)
        res.created.append(name)

    src = resources.default_checklist()
    write(CHECKLIST, lambda p: fsutil.atomic_write_bytes(p, src.read_bytes()))
    write(ROSTER, lambda p: excel.save(roster_workbook(), p))
    text = workspace.render(settings or Settings())
    text = text.replace("\n", "\r\n")  # Notepad on older Windows
    write(SETTINGS, lambda p: fsutil.atomic_write_text(p, text, "utf-8-sig"))
    write(README, lambda p: fsutil.atomic_write_text(p, readme_text(), "utf-8-sig"))
    for d in FOLDERS:
        p = out / d
        if p.is_dir():
            continue
        if p.exists():
            raise UserError(f"{p} 已存在且不是文件夹，请改名后重试。")
        p.mkdir(parents=True)
        res.created.append(d + "/")
    return res
