"""The fast used-range screen (read.inbounds) against the exact walk (sniff).

sniff._out_of_bounds answers from a few C-speed scans where the part is in the usual
spelling and walks every tag in Python otherwise. The scans may say "in bounds" only where
the walk says so: checked here on many generated spellings, hostile ones included; and the
usual spellings of Excel, WPS, LibreOffice and openpyxl must take the fast path.
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from dapaicha.read import inbounds, sniff

# MAX_ROWS = 3000, MAX_COLS = 64 (BL)
IN_REFS = ["A1", "B2", "Z9", "AA10", "AZ999", "BA1000", "BL3000", "M73", "A2999"]
OUT_REFS = ["BM1", "CA1", "ZZ5", "XFD1", "A3001", "A1048576", "BL3001", "AAA1", "A99999"]
ODD_REFS = ["A03", "a1", "A0", "1", "", "A1 ", " A1", "A", "r", "A1>", "&#65;1"]
IN_ROWS = ["1", "7", "999", "1000", "2999", "3000"]
OUT_ROWS = ["3001", "9999", "1048576", "99999999"]
ODD_ROWS = ["0", "007", "03000", "", "x", "1 "]
VALUES = ["1", "s", "str", "inlineStr", "1:13", "0.25", "false", ">", "a>b", "r", 'r="XFD1"']
VALUES += ["r='ZZ9'", "'", '"', "<", "r =1", "it's", "A1", "r=A1"]
NAMES = ["s", "t", "spans", "customFormat", "ht", "x14ac:dyDescent", "r", "x:r", "xr", "ar"]
SPACES = [" ", " ", " ", "  ", "\t", "\n", "\r\n", ""]
QUOTES = ['"', '"', '"', "'"]


@st.composite
def attribute(draw, refs: list[str]) -> str:
    name = draw(st.sampled_from(NAMES))
    value = draw(st.sampled_from(refs if name in ("r", "x:r") else VALUES))
    quote = draw(st.sampled_from(QUOTES))
    before, after = (
        draw(st.sampled_from(["", "", "", " ", "\n"])),
        draw(st.sampled_from(["", "", " "])),
    )
    return f"{draw(st.sampled_from(SPACES))}{name}{before}={after}{quote}{value}{quote}"


@st.composite
def tag(draw, name: str, refs: list[str]) -> str:
    """A start tag: usually r first, in bounds, sometimes anything."""
    prefix = draw(st.sampled_from(["", "", "", "", "", "", "x:"]))
    attrs = []
    if draw(st.booleans()) or draw(st.booleans()):
        attrs.append(f' r="{draw(st.sampled_from(refs[:6]))}"')
    attrs += draw(st.lists(attribute(refs), max_size=3))
    if draw(st.integers(0, 9)) == 0:
        draw(st.randoms()).shuffle(attrs)
    end = draw(st.sampled_from([">", ">", "/>", " />", "\n>"]))
    return f"<{prefix}{name}{''.join(attrs)}{end}"


CONTENT = ["", "<v>1</v>", "<v>12.5</v>", '<f>IF(A1="r",1,0)</f><v>0</v>', "<is><t>x</t></is>"]
CONTENT += ['<t>r="XFD1"</t>', "<v>a>b</v>", '<f>"</f>', "<t>it's</t>", "<v>r =1</v>", "\n  "]


@st.composite
def sheet(draw) -> bytes:
    cell_refs = IN_REFS + IN_REFS + OUT_REFS + ODD_REFS
    row_refs = IN_ROWS + IN_ROWS + OUT_ROWS + ODD_ROWS
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        cells = "".join(
            draw(tag("c", cell_refs)) + draw(st.sampled_from(CONTENT)) + "</c>"
            for _ in range(draw(st.integers(0, 4)))
        )
        rows.append(draw(tag("row", row_refs)) + cells + "</row>")
    head = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>\r\n']))
    tail = draw(st.sampled_from(["", '<pageMargins left="0.7" header="0.3" footer="0.3"/>']))
    return f"{head}<worksheet><sheetData>{''.join(rows)}</sheetData>{tail}</worksheet>".encode()


USUAL_CELLS = [
    '<c r="{ref}" s="1" t="s"><v>0</v></c>',
    '<c r="{ref}" s="2"/>',
    '<c r="{ref}" t="str"><f>IF(B2="是","r","")</f><v>r</v></c>',
    '<c r="{ref}" t="inlineStr"><is><t>3 &gt; 2</t></is></c>',
    '<c r="{ref}" s="3" t="n"><v>44650</v></c>',
]
USUAL_ROWS = ['<row r="{n}">', '<row r="{n}" spans="1:13" ht="36" customHeight="1">']
USUAL_ROWS += ['<row r="{n}" customFormat="false" ht="25.5" hidden="false">']
# what an attacker or an odd writer may slip in anywhere
SNIPPETS = [' r="XFD1"', ' r="B2"', ">", '"', "'", ' r ="A1"', "\n", "x:", "r=", " r='A1'"]
SNIPPETS += ['<c r="A1"/>', "<c/>", "<row>", " s='>'", ' s=">"', "r", " ", "<", '="', "0"]


@st.composite
def mutated_sheet(draw) -> bytes:
    """A sheet in the usual spelling, in bounds, then 0 to 2 snippets put anywhere."""
    rows = []
    for n in sorted(draw(st.sets(st.sampled_from(IN_ROWS), min_size=1, max_size=3))):
        row = draw(st.sampled_from(USUAL_ROWS)).format(n=n)
        cols = draw(st.lists(st.sampled_from(["A", "C", "AZ", "BL"]), min_size=1, max_size=3))
        cells = [draw(st.sampled_from(USUAL_CELLS)).format(ref=c + n) for c in cols]
        rows.append(row + "".join(cells) + "</row>")
    text = '<?xml version="1.0"?>\n<worksheet><sheetData>' + "".join(rows)
    text += '</sheetData><pageMargins left="0.7" header="0.3"/></worksheet>'
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(SNIPPETS)) + text[at:]
    return text.encode()


def agree(body: bytes) -> None:
    walked = sniff._walk_out_of_bounds(body)
    assert not (inbounds.usual_in_bounds(body) and walked)
    assert sniff._out_of_bounds(body) is walked


@given(sheet())
@settings(max_examples=1500, deadline=None)
def test_generated_spellings_agree_with_the_walk(body):
    agree(body)


@given(mutated_sheet())
@settings(max_examples=3000, deadline=None)
def test_usual_sheets_with_slips_agree_with_the_walk(body):
    agree(body)


@given(st.lists(st.sampled_from(IN_REFS), min_size=1, max_size=5), st.sampled_from(["", "\n"]))
@settings(max_examples=300, deadline=None)
def test_usual_spellings_take_the_fast_path(refs, gap):
    # Excel/WPS, LibreOffice and openpyxl rows and cells, formulas with quoted strings
    rows = [
        '<row r="1" spans="1:13" s="1" customFormat="1" ht="36" x14ac:dyDescent="0.25">',
        '<row r="2" customFormat="false" ht="25.5" hidden="false" customHeight="true">',
        '<row r="3000">',
    ]
    cells = [
        f'<c r="{refs[0]}" s="1" t="s"><v>0</v></c>',
        f'<c r="{refs[-1]}" s="2"/>',
        f'<c r="{refs[0]}" t="str"><f>IF(B2="是","r","")</f><v>r</v></c>',
        f'<c r="{refs[-1]}" t="inlineStr"><is><t>3 &gt; 2, "r"</t></is></c>',
    ]
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<worksheet xmlns:r="http://x"><sheetData>'
        + "".join(r + gap + gap.join(cells) + "</row>" for r in rows)
        + '</sheetData><mergeCells count="1"><mergeCell ref="A1:M1"/></mergeCells>'
        '<pageMargins left="0.4" right="0.4" header="0.5" footer="0.25"/></worksheet>'
    ).encode()
    assert gap == "\n" or inbounds.usual_in_bounds(body)  # a line break: walked, fine
    assert sniff._out_of_bounds(body) is False


def test_a_saved_workbook_takes_the_fast_path():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "台账"
    ws["BL3000"] = 1
    ws["C5"] = '=IF(A1="是","r","")'
    buf = io.BytesIO()
    wb.save(buf)
    body = zipfile.ZipFile(buf).read("xl/worksheets/sheet1.xml")
    assert inbounds.usual_in_bounds(body)
    assert not sniff._walk_out_of_bounds(body)
    ws["BM1"] = "出界"
    buf = io.BytesIO()
    wb.save(buf)
    body = zipfile.ZipFile(buf).read("xl/worksheets/sheet1.xml")
    assert not inbounds.usual_in_bounds(body)
    assert sniff._out_of_bounds(body) is True


def test_each_unusual_spelling_is_walked():
    usual = b'<row r="5" ht="3"><c r="A5" s="1" t="s"><v>0</v></c></row>'
    assert inbounds.usual_in_bounds(usual)
    for odd in [
        b'<x:row r="5" ht="3"><c r="A5" s="1" t="s"><v>0</v></c></x:row>',  # prefix
        b'<row ht="3" r="5"><c r="A5" s="1" t="s"><v>0</v></c></row>',  # r not first
        b'<row r=\'5\' ht="3"><c r="A5" s="1" t="s"><v>0</v></c></row>',  # quotes
        b'<row ht="3"><c r="A5" s="1" t="s"><v>0</v></c></row>',  # no r
        b'<row r="05" ht="3"><c r="A5" s="1" t="s"><v>0</v></c></row>',  # leading zero
        b'<row r="5" ht="3"><c r="A5" s="1" r="A5"><v>0</v></c></row>',  # second r
        b'<row r="5" ht="3"><c r="A5" s=">" t="s"><v>0</v></c></row>',  # ">" in a value
        b'<row r="5" ht="3"><c r="A5" s="1" t="s"><v>r="A1"</v></c></row>',  # r= in text
        b'<row r="5" ht="3"><c r="A5" s="1" t="s"><v>"</v></c></row>',  # odd '"' in text
        b'<row r="5" ht="3"><c r="A5" s="1" t="s" r\n="A5"><v>0</v></c></row>',  # r, space
        b'<row r="3001" ht="3"><c r="A5" s="1" t="s"><v>0</v></c></row>',  # past MAX_ROWS
        b'<row r="5" ht="3"><c r="BM5" s="1" t="s"><v>0</v></c></row>',  # past MAX_COLS
    ]:
        assert not inbounds.usual_in_bounds(odd), odd
        agree(odd)


def test_line_breaks_before_the_first_tag_only_are_skipped():
    # a line break between the declaration and the root is no r's; one in a row tag is
    decl = b'<?xml version="1.0" encoding="UTF-8"?>\r\n'
    usual = decl + b'<worksheet><sheetData><row r="1"/></sheetData></worksheet>'
    assert inbounds.usual_in_bounds(usual)
    for odd in [
        decl + b'<worksheet><sheetData><row r="1" r\n="9999"/></sheetData></worksheet>',
        b'<?xml x><row r="5" r\n="9999"/><?pi ?><a/>',  # "?>" first after the row
        b'<row r="5" r\r\n="9999"/>',
    ]:
        assert not inbounds.usual_in_bounds(odd), odd
        assert sniff._out_of_bounds(odd) is True
