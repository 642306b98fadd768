"""What a file really is, and whether it is safe to hand to a spreadsheet parser.

Checks the bytes (not the extension), the zip's declared and actual sizes (zip bombs),
XML entity declarations (billion laughs, external entities), and the used range of each
sheet (a stray cell at XFD1048576 would make any dense reader allocate billions of cells).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from dapaicha.layout import column_letter
from dapaicha.read.inbounds import blank_shared, usual_in_bounds
from dapaicha.read.zipparts import TooBig, inflate, stored_zip, unicode_path

MAX_UNZIPPED = 200 * 1024 * 1024  # bytes of all parts together, declared and actual
MAX_RATIO = 200  # compression ratio above which a large part is suspicious
MAX_ROWS = 3000  # rows of a sheet we read at most
MAX_COLS = 64  # columns of a sheet we read at most
STORE_MAX = 16 * 1024 * 1024  # bytes of parts kept to hand the parser a stored copy

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# JPEG, PNG, GIF, BMP, TIFF (both byte orders)
_IMAGES = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")
_ENTITY = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
# a formula as programs write it (read.formulas reads it): any of these bytes
FORMULA_MARKS = (b"</f>", b":f>")  # </x:f> with a namespace prefix
# the same search in one scan from the literal "f>" (faster than `b"f>" in body`)
_FORMULA = re.compile(
    b"f>(?:" + b"|".join(b"(?<=" + re.escape(m) + b")" for m in FORMULA_MARKS) + b")"
)


@dataclass(frozen=True)
class Sniff:
    kind: str  # xlsx | ods | xls | encrypted | unsupported | empty | corrupt | bomb | xml-attack
    detail: str = ""  # Chinese, for the finding
    oversized_sheets: tuple[str, ...] = ()  # sheet parts whose used range exceeds the bounds
    formula_parts: tuple[str, ...] = ()  # sheet parts that may hold formulas (FORMULA_MARKS)
    # the same package with every part stored, not deflated (parts already inflated and
    # checked here): the parser then copies instead of inflating again; None past STORE_MAX
    stored: bytes | None = field(default=None, repr=False, compare=False)


def _ole_kind(data: bytes) -> Sniff:
    names = data[: 65536 * 8]
    if (
        "EncryptedPackage".encode("utf-16-le") in names
        or "EncryptionInfo".encode("utf-16-le") in names
    ):
        return Sniff("encrypted")
    if "WordDocument".encode("utf-16-le") in names:
        return Sniff("unsupported", "Word 文档（.doc/.wps）")
    if "Workbook".encode("utf-16-le") in names or "Book".encode("utf-16-le") in names:
        return Sniff("xls")
    return Sniff("unsupported", "WPS 表格（.et）或其他非 Excel 格式")


def col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def sniff(data: bytes, max_unzipped: int = MAX_UNZIPPED, *, max_rows: int = MAX_ROWS) -> Sniff:
    """Classify the bytes of a returned file. Never raises: what it cannot tell is corrupt.

    max_rows: the rows an OpenDocument sheet may fill (more is a bomb).
    """
    try:
        return _sniff(data, max_unzipped, max_rows)
    except Exception as err:  # a structure none of the checks foresaw
        return Sniff("corrupt", f"压缩结构无法识别：{type(err).__name__}")


def _sniff(data: bytes, max_unzipped: int, max_rows: int) -> Sniff:
    if not data:
        return Sniff("empty", "空文件（0 字节）")
    head = data[:8]
    if head.startswith(OLE_MAGIC):
        return _ole_kind(data)
    if head.startswith(b"%PDF"):
        return Sniff("unsupported", "PDF 文件")
    if not head.startswith(b"PK"):
        if head[:5].lower() in (b"<?xml", b"<html") or head[:1] == b"<":
            return Sniff("unsupported", "网页或 XML 文件")
        if head.startswith(_IMAGES) or data[4:12] in (b"ftypheic", b"ftypmif1"):
            return Sniff("unsupported", "图片（扫描件或照片；签字页的扫描件请另行留存）")
        if b"\0" not in data[:4096]:
            return Sniff("unsupported", "文本文件（如 .csv、.txt）")
        return Sniff("unsupported", "无法识别的文件（不是 Excel 表格）")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        return Sniff("corrupt", f"压缩结构损坏：{err}")
    kind = _package_kind(zf, infos, max_unzipped)
    if isinstance(kind, Sniff):
        return kind
    return _scan_parts(data, zf, infos, kind, max_unzipped, max_rows)


def _package_kind(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], max_unzipped: int
) -> str | Sniff:
    """xlsx or ods from the zip's directory, or the Sniff that refuses the package."""
    names = {i.filename for i in infos}
    if any(i.flag_bits & 0x1 for i in infos):
        return Sniff("encrypted")
    if any(unicode_path(i) not in (None, i.orig_filename) for i in infos):
        # some readers take the header's name, others the Unicode Path field (Python from
        # 3.12, when its CRC matches): the two would see different parts (a sheet hidden
        # from these checks as media)
        return Sniff("corrupt", "压缩包中部件名称前后不一致（Unicode 路径扩展字段）")
    declared = sum(i.file_size for i in infos)
    if declared > max_unzipped:
        return Sniff("bomb", f"{declared / 1e6:.0f} MB（声明大小）")
    if "word/document.xml" in names:
        return Sniff("unsupported", "Word 文档（.docx）")
    if "ppt/presentation.xml" in names:
        return Sniff("unsupported", "PowerPoint 文档")
    if "mimetype" in names:
        try:
            mt = zf.read("mimetype")[:100]
        except Exception as err:
            return Sniff("corrupt", str(err))
        if b"spreadsheet" not in mt:
            return Sniff("unsupported", "非表格的 OpenDocument 文件")
        return "ods"
    if "xl/workbook.bin" in names:
        return Sniff("unsupported", "Excel 二进制工作簿（.xlsb）")
    if "xl/workbook.xml" in names:
        return "xlsx"
    if any(n.startswith("xl/") for n in names):
        return Sniff("corrupt", "缺少工作簿部件 xl/workbook.xml")
    return Sniff("unsupported", "压缩包（不是 Excel 表格）")


def _scan_parts(
    data: bytes,
    zf: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    kind: str,
    max_unzipped: int,
    max_rows: int,
) -> Sniff:
    """Actual sizes (every part, with a cap), XML declarations, used ranges of sheet parts
    (wherever the workbook's relationships put them, whatever their extension)."""
    total = 0
    oversized: list[str] = []
    formulas: list[str] = []
    bodies: dict[str, bytes] = {}
    keep: list[tuple[str, bytes, int]] | None = []
    for info in infos:
        if info.is_dir():
            continue
        try:
            body = inflate(data, zf, info, max_unzipped - total)
        except TooBig:
            return Sniff("bomb", f"超过 {max_unzipped / 1e6:.0f} MB（实际解压）")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, zlib.error) as err:
            return Sniff("corrupt", f"{info.filename} 损坏：{err}")
        total += len(body)
        if keep is not None:
            usual = info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            keep = keep if total <= STORE_MAX and usual else None
            if keep is not None:
                keep.append((info.filename, body, info.CRC))
        if info.filename in _STRUCTURE:
            bodies[info.filename] = body
        if not _xml_like(info.filename, body):
            continue
        sheet = kind == "xlsx" and b"sheetData" in body
        refused = _xml_part(info.filename, body, kind, sheet, max_rows, oversized)
        if refused is not None:
            return refused
        if sheet and _FORMULA.search(body) is not None:
            formulas.append(info.filename)
    if kind == "xlsx" and (refused := _structure(bodies)) is not None:
        return refused
    stored = stored_zip(keep) if keep is not None and not oversized else None
    return Sniff(kind, "", tuple(oversized), tuple(formulas), stored)


def _xml_part(
    name: str, body: bytes, kind: str, sheet: bool, max_rows: int, oversized: list[str]
) -> Sniff | None:
    """The Sniff refusing an XML part, or None; an oversized sheet part joins oversized.
    sheet: an xlsx part with "sheetData" in it."""
    u = _as_utf8(body)
    if b"!" in u and _ENTITY.search(u):  # memchr for "!" (rare in XML) before the regex
        return Sniff("xml-attack", f"{name} 含 DTD/实体声明")
    if sheet and _SHEET_DATA.search(body) and _out_of_bounds(body):
        oversized.append(name)
    if (
        kind == "xlsx"
        and body.find(b"niqueCount", 0, 4096) >= 0
        and (m := _SST_UNIQUE.search(body, 0, 4096))
        and int(m.group(1)) > len(body) // 5
    ):
        # the parser reserves room for uniqueCount strings up front: 4e9 aborts it
        return Sniff("corrupt", f"{name} 声明的字符串数量与内容不符")
    if kind == "ods" and name == "content.xml" and (extent := _ods_extent(body, max_rows)):
        return Sniff(
            "bomb",
            f"{extent[0]} 行 × {extent[1]} 列的表格（可读取 {max_rows} 行 × {MAX_COLS} 列）",
        )
    return None


def _structure(bodies: dict[str, bytes]) -> Sniff | None:
    """The Sniff refusing an xlsx whose workbook or content types part is bad, or None."""
    try:
        _check_xml(bodies["xl/workbook.xml"])
        _check_xml(bodies["[Content_Types].xml"])
    except KeyError:
        return Sniff("corrupt", "缺少工作簿结构部件")
    except ValueError as err:
        return Sniff(
            "xml-attack" if "DTD" in str(err) or "ntit" in str(err) else "corrupt", str(err)
        )
    return None


_STRUCTURE = ("xl/workbook.xml", "[Content_Types].xml")


_SST_UNIQUE = re.compile(rb"""<(?:[\w.-]+:)?sst\s[^>]*?\buniqueCount\s*=\s*["']([0-9]+)""")
_SHEET_DATA = re.compile(rb"<(?:[\w.-]+:)?sheetData[\s/>]")
_BINARY_DIRS = ("xl/media/", "xl/embeddings/", "xl/printerSettings/")


def _xml_like(name: str, body: bytes) -> bool:
    """Parts a parser may read as XML: by name, or by their first byte (any extension)."""
    if name.startswith(_BINARY_DIRS):
        return False
    if name.endswith((".xml", ".rels", ".vml")):
        return True
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] == b"<" or head[:2] in (b"\xff\xfe", b"\xfe\xff", b"\x00<")


def _as_utf8(body: bytes) -> bytes:
    """UTF-16 XML (with or without BOM) as UTF-8, so byte patterns see its declarations."""
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or body[:2] in (b"<\x00", b"\x00<"):
        enc = (
            "utf-16"
            if body[:2] in (b"\xff\xfe", b"\xfe\xff")
            else ("utf-16-le" if body[:1] == b"<" else "utf-16-be")
        )
        return body.decode(enc, errors="replace").encode("utf-8")
    return body


_ODS_TAG = re.compile(
    rb"<table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>"
    rb"|</table:(table-row|table)>"
)
_ODS_REPEAT = re.compile(rb'table:number-(?:rows|columns)-repeated\s*=\s*["\']([0-9]+)')


def _ods_extent(body: bytes, max_rows: int = MAX_ROWS) -> tuple[int, int] | None:
    """(rows, cols) of an OpenDocument sheet whose non-empty cells go beyond the bounds.

    Repeated rows and cells (`number-rows-repeated="20000"` around a cell with a value) are
    expanded by the parser: a 1 kB file could fill gigabytes. Empty repeats (LibreOffice
    writes them to the sheet's end) do not count.
    """
    row = col = 0
    row_rep = 1
    for m in _ODS_TAG.finditer(body):
        name, attrs, empty = m.group(1), m.group(2), m.group(3)
        if name is None:  # a closing tag
            if m.group(4) == b"table-row":
                row += row_rep
            else:
                row = 0
            continue
        rep = _ODS_REPEAT.search(attrs)
        n = int(rep.group(1)) if rep else 1
        if name == b"table":
            row = 0
        elif name == b"table-row":
            col, row_rep = 0, n
            if empty:
                row += n
        else:
            filled = not empty or b"value-type" in attrs
            if filled and (row + row_rep > max_rows or col + n > MAX_COLS):
                return row + row_rep, col + n
            col += n
    return None


class _Forbidden(Exception):
    pass


def _forbid(*_args: object) -> Any:
    raise _Forbidden


def _check_xml(body: bytes) -> None:
    """Parse a small part with expat, building nothing: DTDs and entities raise ValueError."""
    p = expat.ParserCreate()
    p.StartDoctypeDeclHandler = _forbid
    p.EntityDeclHandler = _forbid
    p.UnparsedEntityDeclHandler = _forbid
    p.ExternalEntityRefHandler = _forbid
    try:
        p.Parse(body, True)
    except _Forbidden as err:
        raise ValueError("DTD/实体声明") from err
    except expat.ExpatError as err:
        raise ValueError(f"XML 损坏：{err}") from err


# Tags of rows and cells in any spelling a parser accepts: a namespace prefix, r not first,
# single quotes, no r at all (the position then follows the previous row or cell).
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
_TAG = re.compile(rb"<" + _NS + rb"(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb"""(?:^|\s)(?:[\w.-]+:)?r\s*=\s*["']([^"']*)["']""")
_CELL_POS = re.compile(rb"([A-Za-z]+)([0-9]+)")
# Any r attribute of a tag (prefixed names such as xmlns:r are other attributes; the
# lookbehind follows the "r" so that the scan starts from that literal). The walk counts
# them anywhere in a tag, in values too: a second r (a parser may take the last).
_R_COUNT = re.compile(rb"r(?<![\w.:-]r)\s*=")


def _out_of_bounds(body: bytes) -> bool:
    """Whether any row or cell lies beyond the bounds, as a parser would place it.

    A few C-speed scans decide the usual part (inbounds.usual_in_bounds: in bounds only
    where the walk finds so); anything unusual is walked tag by tag in Python (exact).
    """
    return not usual_in_bounds(body) and _walk_out_of_bounds(body)


def _misplaced(attrs: bytes) -> bool:
    """Whether a tag cannot be placed: a ">" inside a value (an odd number of quotes of
    either kind) or two r (a parser may take the last)."""
    return bool(attrs.count(b'"') % 2 or attrs.count(b"'") % 2 or len(_R_COUNT.findall(attrs)) > 1)


def _position(attrs: bytes, row: int, col: int, is_row: bool) -> tuple[int, int]:
    """(row, col) of a tag after the previous (row, col), as a parser counts them."""
    m = _R_ATTR.search(attrs)
    if is_row:
        if m and m.group(1).isdigit():
            return int(m.group(1)), 0
        return row + 1, 0
    p = _CELL_POS.fullmatch(m.group(1)) if m else None
    if p:
        return int(p.group(2)), col_number(p.group(1).upper())
    return row, col + 1


MERGED_MAX_CELLS = 8_000_000  # rows × columns of a merged ledger's sheet (a city: ~3 M)


def check_extent(data: bytes, max_cells: int = MERGED_MAX_CELLS, max_cols: int = MAX_COLS) -> None:
    """Raise Unbounded if a sheet of the xlsx would be read as more than max_cells cells
    or past max_cols columns (for merged ledgers and rosters, whose rows may pass MAX_ROWS).

    Every part holding sheetData is checked, wherever the workbook's relationships put it.
    """
    if not data.startswith(b"PK"):
        return
    zf = zipfile.ZipFile(io.BytesIO(data))
    for info in zf.infolist():
        if info.is_dir():
            continue
        body = zf.read(info)
        if b"sheetData" not in body:
            continue
        rows, cols = _walk_extent(body)
        if cols > max_cols or rows * cols > max_cells:
            raise Unbounded(f"工作表 {rows} 行 × {cols} 列，超过可读取的范围")


def _walk_extent(body: bytes) -> tuple[int, int]:
    """(last row, last column) of the cells of a sheet part, as a parser places its tags.

    Empty tags (`<c r="A1048576" s="1"/>`, a styled row) hold nothing and extend nothing.
    """
    row = col = top = right = 0
    for m in _TAG.finditer(body):
        attrs = m.group(2)
        if _misplaced(attrs):
            return 1 << 30, 1 << 14  # placed who knows where
        is_row = m.group(1) == b"row"
        row, col = _position(attrs, row, col, is_row)
        if not is_row and not attrs.endswith(b"/"):
            top, right = max(top, row), max(right, col)
    return top, right


def _walk_out_of_bounds(body: bytes) -> bool:
    row = col = 0
    for m in _TAG.finditer(body):
        attrs = m.group(2)
        if _misplaced(attrs):
            return True  # a ">" inside a value, or two r: placed who knows where
        row, col = _position(attrs, row, col, m.group(1) == b"row")
        if row > MAX_ROWS or col > MAX_COLS:
            return True
    return False


_ROW_BLOCK = re.compile(
    rb"<" + _NS + rb"row(?=[\s/>])([^>]*?)(?:/>|>.*?</" + _NS + rb"row\s*>)", re.S
)
_CELL_BLOCK = re.compile(rb"<" + _NS + rb"c(?=[\s/>])([^>]*?)(?:/>|>.*?</" + _NS + rb"c\s*>)", re.S)
_DIMENSION = re.compile(rb"<" + _NS + rb"dimension\s[^>]*/>")
_MERGES = re.compile(rb"<mergeCells.*?</mergeCells>", re.S)


class Unbounded(ValueError):
    """A sheet part that could not be cut down to the bounds."""


# a cell that holds something: a value or a text, not empty (<v></v>, <t/>, a formula's "")
_HAS_VALUE = re.compile(rb"<(?:[\w.-]+:)?(?:v|t)(?:\s[^>]*)?>\s*[^<\s]")
_SHARED = re.compile(rb'\st\s*=\s*["\']s["\']')  # a cell whose <v> is a shared string's index
_V_INDEX = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?>\s*([0-9]{1,9})\s*<")


def bounded_sheet(
    body: bytes, cut: list[str] | None = None, blank: frozenset[int] = frozenset()
) -> bytes:
    """The sheet XML with rows and columns beyond the bounds removed.

    cut, if given, receives the A1 address of the first removed cell that held a value
    (a removed style or empty cell is no loss, nor a shared string in blank; a removed
    value is).
    """
    pos = [0, 0]  # row, col of the last row or cell seen

    def lost(c: re.Match[bytes]) -> bool:
        if not _HAS_VALUE.search(c.group(0)):
            return False
        i = _V_INDEX.search(c.group(0)) if _SHARED.search(c.group(1)) else None
        return i is None or int(i.group(1)) not in blank

    def keep_cell(c: re.Match[bytes]) -> bytes:
        pos[0], pos[1] = _position(c.group(1), pos[0], pos[1], False)
        if pos[1] > MAX_COLS or pos[0] > MAX_ROWS:
            if cut is not None and not cut and lost(c):
                cut.append(f"{column_letter(pos[1] - 1)}{pos[0]}")
            return b""
        return c.group(0)

    def keep_row(m: re.Match[bytes]) -> bytes:
        pos[0], pos[1] = _position(m.group(1), pos[0], pos[1], True)
        if pos[0] > MAX_ROWS:
            if cut is not None and not cut:
                _CELL_BLOCK.sub(keep_cell, m.group(0))  # to note a value it holds
            return b""
        return _CELL_BLOCK.sub(keep_cell, m.group(0))

    body = _DIMENSION.sub(b"", body)
    body = _MERGES.sub(b"", body) if len(body) > 50_000_000 else body
    out = _ROW_BLOCK.sub(keep_row, body)
    if _out_of_bounds(out):
        raise Unbounded("工作表范围过大且无法截取")
    return out


def bounded_copy(data: bytes, parts: tuple[str, ...], cut: dict[str, str] | None = None) -> bytes:
    """A copy of an xlsx with the given sheet parts bounded; the original stays as it is.

    cut, if given, maps each bounded part that lost a value to that value's first cell.
    """
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    strings = [n for n in src.namelist() if n.lower().endswith("sharedstrings.xml")]
    blank = blank_shared(src.read(strings[0])) if cut is not None and strings else frozenset()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename in parts:
                lost: list[str] = []
                body = bounded_sheet(body, lost, blank)
                if lost and cut is not None:
                    cut[info.filename] = lost[0]
            dst.writestr(info.filename, body)
    return out.getvalue()
