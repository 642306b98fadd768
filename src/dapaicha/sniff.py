"""What a file really is, and whether it is safe to hand to a spreadsheet parser.

Checks the bytes (not the extension), the zip's declared and actual sizes (zip bombs),
XML entity declarations (billion laughs, external entities), and the used range of each
sheet (a stray cell at XFD1048576 would make any dense reader allocate billions of cells).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

MAX_UNZIPPED = 200 * 1024 * 1024  # bytes of all parts together, declared and actual
MAX_RATIO = 200  # compression ratio above which a large part is suspicious
MAX_ROWS = 3000  # rows of a sheet we read at most
MAX_COLS = 64  # columns of a sheet we read at most

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENTITY = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_ROW = re.compile(rb'<row r="([0-9]{1,7})"')


@dataclass(frozen=True)
class Sniff:
    kind: str  # xlsx | ods | xls | encrypted | unsupported | empty | corrupt | bomb | xml-attack
    detail: str = ""  # Chinese, for the finding
    oversized_sheets: tuple[str, ...] = ()  # sheet parts whose used range exceeds the bounds


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


def sniff(data: bytes, max_unzipped: int = MAX_UNZIPPED) -> Sniff:
    """Classify the bytes of a returned file."""
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
        return Sniff("unsupported", "无法识别的文件（不是 Excel 表格）")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        return Sniff("corrupt", f"压缩结构损坏：{err}")
    names = {i.filename for i in infos}
    if any(i.flag_bits & 0x1 for i in infos):
        return Sniff("encrypted")
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
        kind = "ods"
    elif "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        kind = "xlsx"
        if "xl/workbook.bin" in names:
            return Sniff("unsupported", "Excel 二进制工作簿（.xlsb）")
    else:
        return Sniff("unsupported", "压缩包（不是 Excel 表格）")
    # Actual sizes and XML declarations: inflate each XML part with a cap.
    total = 0
    oversized: list[str] = []
    for info in infos:
        if not info.filename.endswith((".xml", ".rels")):
            continue
        try:
            with zf.open(info) as fh:
                chunks = []
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > max_unzipped:
                        return Sniff("bomb", f"超过 {max_unzipped / 1e6:.0f} MB（实际解压）")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as err:
            return Sniff("corrupt", f"{info.filename} 损坏：{err}")
        body = b"".join(chunks)
        if _ENTITY.search(body):
            return Sniff("xml-attack", f"{info.filename} 含 DTD/实体声明")
        if kind == "xlsx" and info.filename.startswith("xl/worksheets/") and _out_of_bounds(body):
            oversized.append(info.filename)
    if kind == "xlsx":
        try:
            _check_xml(zf.read("xl/workbook.xml"))
            _check_xml(zf.read("[Content_Types].xml"))
        except KeyError:
            return Sniff("corrupt", "缺少工作簿结构部件")
        except ValueError as err:
            return Sniff(
                "xml-attack" if "DTD" in str(err) or "ntit" in str(err) else "corrupt", str(err)
            )
    return Sniff(kind, oversized_sheets=tuple(oversized))


def _check_xml(body: bytes) -> None:
    """Parse a small part with defusedxml: entity and DTD tricks raise."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        fromstring(body, forbid_dtd=True)
    except DefusedXmlException as err:
        raise ValueError(f"DTD/实体声明：{type(err).__name__}") from err
    except ParseError as err:
        raise ValueError(f"XML 损坏：{err}") from err


_FAR_COL = re.compile(rb'<c r="(?:[A-Z]{3}|[C-Z][A-Z]|B[M-Z])[0-9]')  # beyond column BL (64)
_FAR_ROW = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{5,}"')  # rows ≥ 10000


def _out_of_bounds(body: bytes) -> bool:
    """Whether any cell lies beyond the bounds (regex scans in C, no per-cell Python)."""
    if _FAR_COL.search(body) or _FAR_ROW.search(body):
        return True
    last = body.rfind(b'<row r="')  # rows are written in ascending order
    if last >= 0:
        m = _ROW.match(body, last)
        if m and int(m.group(1)) > MAX_ROWS:
            return True
    return False


_ROW_BLOCK = re.compile(rb'<row r="([0-9]+)"[^>]*?(?:/>|>.*?</row>)', re.S)
_CELL_BLOCK = re.compile(rb'<c r="([A-Z]+)[0-9]+"[^>]*?(?:/>|>.*?</c>)', re.S)
_DIMENSION = re.compile(rb"<dimension [^>]*/>")
_MERGES = re.compile(rb"<mergeCells.*?</mergeCells>", re.S)


def bounded_sheet(body: bytes) -> bytes:
    """The sheet XML with rows and columns beyond the bounds removed."""

    def keep_row(m: re.Match[bytes]) -> bytes:
        if int(m.group(1)) > MAX_ROWS:
            return b""
        return _CELL_BLOCK.sub(
            lambda c: b"" if col_number(c.group(1)) > MAX_COLS else c.group(0), m.group(0)
        )

    body = _DIMENSION.sub(b"", body)
    body = _MERGES.sub(b"", body) if len(body) > 50_000_000 else body
    return _ROW_BLOCK.sub(keep_row, body)


def bounded_copy(data: bytes, parts: tuple[str, ...]) -> bytes:
    """A copy of an xlsx with the given sheet parts bounded; the original stays as it is."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename in parts:
                body = bounded_sheet(body)
            dst.writestr(info.filename, body)
    return out.getvalue()


def used_rows(body: bytes) -> int:
    """Highest row number in a sheet part (for the rows-truncated finding)."""
    return max((int(m.group(1)) for m in _ROW.finditer(body)), default=0)
