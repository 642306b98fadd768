"""Write examples/roster.xlsx, the demo roster (deterministic; rerun to regenerate).

Townships and their codes are real (NBS 统计用区划代码 2023); village names, village codes
and people are invented. Run: .venv/bin/python examples/make_roster.py
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment

from dapaicha.xlsx import excel

TITLE = "许昌市“大排查大起底”行动村名册（示例）"
HEADERS = (
    ("序号", 6),
    ("县（市、区）", 12),
    ("乡（镇、街道）", 14),
    ("行政村", 12),
    ("村代码", 16),
    ("村级责任组组长", 14),
    ("第一书记", 10),
    ("村支部书记", 11),
    ("联乡帮村干部", 13),
)

# (county, township, township code, [(village, leader, first secretary, party secretary, liaison)])
TOWNSHIPS = (
    (
        "鄢陵县",
        "陈化店镇",
        "411024103",
        (
            ("大马村", "孙建军", "刘晓峰", "王德顺", "赵卫东"),
            ("王庄村", "孙建军", "陈静", "王国强", "赵卫东"),
            ("前杨村", "李红旗", "", "杨志远", ""),
            ("后杨村", "李红旗", "周鹏", "杨天福", ""),
        ),
    ),
    (
        "鄢陵县",
        "望田镇",
        "411024104",
        (
            ("王庄村", "马洪涛", "郭亚楠", "王建设", "韩冰"),
            ("姚家村", "马洪涛", "张一凡", "姚保安", ""),
            ("河刘村", "", "", "刘占奎", ""),
        ),
    ),
    (
        "襄城县",
        "城关街道",
        "411025001",
        (
            ("八里湾村", "宋国栋", "黄蕾", "李长河", "许文博"),
            ("孙庄村", "宋国栋", "冯晨", "孙宝山", ""),
            ("刘店村", "程立新", "", "", ""),
        ),
    ),
    (
        "襄城县",
        "茨沟街道",
        "411025002",
        (
            ("茨沟村", "吕振华", "白雪梅", "崔明亮", "邢海燕"),
            ("油坊村", "吕振华", "潘宇", "贾春生", ""),
            ("竹园村", "贺永胜", "田甜", "魏金锁", ""),
        ),
    ),
    (
        "襄城县",
        "颍桥回族镇",
        "411025101",
        (
            ("颍桥村", "沙俊峰", "马骁", "马文礼", "丁少华"),
            ("马庄村", "沙俊峰", "", "马福来", ""),
            ("郭庄村", "金立平", "罗嘉欣", "郭守义", ""),
        ),
    ),
)


def rows() -> list[tuple[str, ...]]:
    """The roster rows: county, township, village, code, three signers, liaison."""
    out = []
    for county, township, tcode, villages in TOWNSHIPS:
        for i, (village, *people) in enumerate(villages):
            out.append((county, township, village, f"{tcode}{201 + i}", *people))
    return out


def build(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "村名册"
    last = len(HEADERS)
    excel.write(ws, 1, 1, TITLE, font=excel.FONT_TITLE, alignment=excel.CENTER)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.row_dimensions[1].height = 30
    for col, (header, width) in enumerate(HEADERS, start=1):
        excel.write(
            ws,
            2,
            col,
            header,
            font=excel.FONT_HEAD,
            border=excel.BORDER,
            alignment=excel.CENTER,
            fill=excel.HEAD_FILL,
        )
        ws.column_dimensions[ws.cell(row=2, column=col).column_letter].width = width
    for n, values in enumerate(rows(), start=1):
        r = n + 2
        excel.write(ws, r, 1, n, font=excel.FONT_BODY, border=excel.BORDER, alignment=excel.CENTER)
        for col, value in enumerate(values, start=2):
            cell = excel.write(
                ws,
                r,
                col,
                value,
                font=excel.FONT_BODY,
                border=excel.BORDER,
                alignment=Alignment(vertical="center"),
            )
            if col == 5:
                cell.number_format = "@"  # codes are text: Excel would round 12 digits
    ws.freeze_panes = "A3"
    excel.print_setup(ws, title_rows="1:2", landscape=False)
    excel.save(wb, path)  # fixed document and zip times: the same bytes every run


if __name__ == "__main__":
    target = Path(__file__).resolve().parent / "roster.xlsx"
    build(target)
    print(f"已生成 {target}（{len(rows())} 个村）")
