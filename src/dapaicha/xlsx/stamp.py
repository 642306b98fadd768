"""Fast per-village stamping of a template workbook's zip parts.

The template is an .xlsx written once by openpyxl with a unique token (ledger.token) in
place of every village-specific string. `Template` takes it apart once:

- parts without a token are deflated once and their compressed bytes copied into every file;
- parts with tokens (the ledger sheet and the metadata sheet) are cut at the tokens; the
  constant runs between them are deflated once, each ending on a byte boundary
  (Z_SYNC_FLUSH), and per village only the stamped values are added, as stored deflate
  blocks. The concatenation is one valid deflate stream, so a village costs a CRC and a
  few joins, not a re-compression of the sheet.

openpyxl 3.1 writes every string inline (t="inlineStr"), so the tokens sit in the sheet
XML itself. A token that is a cell's whole text is replaced by the whole cell, so an empty
value gives the same empty cell openpyxl would write; a token inside a longer text is
replaced by the XML-escaped value. The zip container is written here with struct, with
fixed member times, so the same values always give the same bytes.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

DOS_TIME = 0  # 00:00:00
DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_FINAL_EMPTY_BLOCK = b"\x01\x00\x00\xff\xff"  # stored, BFINAL=1, length 0
_TOKEN = rb"@@dpc:[A-Za-z0-9_]+@@"
_SLOT = re.compile(
    rb'<c ([^<>]*?) t="inlineStr"><is><t>(' + _TOKEN + rb")</t></is></c>|(" + _TOKEN + rb")"
)


def escape(value: str) -> bytes:
    """Text as ElementTree writes it inside an element."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def _deflate(data: bytes, level: int, final: bool) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


def _stored(data: bytes) -> bytes:
    """Non-final stored deflate blocks holding data (the stream is at a byte boundary)."""
    out = []
    for i in range(0, len(data), 0xFFFF):
        chunk = data[i : i + 0xFFFF]
        n = len(chunk)
        out.append(b"\x00" + struct.pack("<HH", n, n ^ 0xFFFF) + chunk)
    return b"".join(out)


@dataclass(frozen=True)
class _Cell:
    """A cell whose whole text is one field."""

    field: str
    attrs: bytes  # r="D71" s="16"

    def render(self, values: Mapping[str, str]) -> bytes:
        v = values.get(self.field, "")
        if not v:  # as openpyxl writes an empty cell: dropped unless styled
            return b"<c " + self.attrs + b' t="n" />' if b' s="' in self.attrs else b""
        return b"<c " + self.attrs + b' t="inlineStr"><is><t>' + escape(v) + b"</t></is></c>"


@dataclass(frozen=True)
class _Sub:
    """A field inside a longer text."""

    field: str

    def render(self, values: Mapping[str, str]) -> bytes:
        return escape(values.get(self.field, ""))


@dataclass(frozen=True)
class _Const:
    raw: bytes
    packed: bytes  # deflated, ending on a byte boundary (or final)


@dataclass(frozen=True)
class _Var:
    slots: tuple[_Cell | _Sub, ...]


@dataclass(frozen=True)
class _Part:
    name: bytes
    # A constant part: crc, sizes and data are fixed. A stamped part: segments.
    crc: int = 0
    size: int = 0
    packed: bytes = b""
    segments: tuple[_Const | _Var, ...] = ()
    final_var: bool = False  # the last segment is a _Var: close the stream with an empty block

    def render(self, values: Mapping[str, str]) -> tuple[int, int, bytes]:
        if not self.segments:
            return self.crc, self.size, self.packed
        crc = 0
        size = 0
        out: list[bytes] = []
        for seg in self.segments:
            if isinstance(seg, _Const):
                crc = zlib.crc32(seg.raw, crc)
                size += len(seg.raw)
                out.append(seg.packed)
            else:
                text = b"".join(s.render(values) for s in seg.slots)
                crc = zlib.crc32(text, crc)
                size += len(text)
                out.append(_stored(text))
        if self.final_var:
            out.append(_FINAL_EMPTY_BLOCK)
        return crc, size, b"".join(out)


class Template:
    """A template workbook, taken apart once, stamped per village with `render(values)`."""

    def __init__(self, xlsx: bytes, tokens: Mapping[str, str], *, level: int = 6) -> None:
        self.fields: dict[bytes, str] = {t.encode(): f for f, t in tokens.items()}
        self.found: set[str] = set()
        self.parts: list[_Part] = []
        with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
            for info in zf.infolist():
                self.parts.append(self._part(info.filename, zf.read(info), level))

    def _field(self, tok: bytes) -> str:
        try:
            f = self.fields[tok]
        except KeyError:
            raise ValueError(f"unknown token {tok!r} in template") from None
        self.found.add(f)
        return f

    def _part(self, name: str, data: bytes, level: int) -> _Part:
        bname = name.encode("utf-8")
        if b"@@dpc:" not in data:
            return _Part(bname, zlib.crc32(data), len(data), _deflate(data, level, True))
        pieces: list[bytes | _Cell | _Sub] = []
        pos = 0
        for m in _SLOT.finditer(data):
            pieces.append(data[pos : m.start()])
            if m[2] is not None:
                pieces.append(_Cell(self._field(m[2]), m[1]))
            else:
                pieces.append(_Sub(self._field(m[3])))
            pos = m.end()
        pieces.append(data[pos:])
        if b"@@dpc:" in b"".join(p for p in pieces if isinstance(p, bytes)):
            raise ValueError(f"a token in {name} was not recognised")
        # Group: constant runs (non-empty bytes) and variable runs (adjacent slots).
        groups: list[bytes | list[_Cell | _Sub]] = []
        for p in pieces:
            if isinstance(p, bytes):
                if p:
                    groups.append(p)
            elif groups and isinstance(groups[-1], list):
                groups[-1].append(p)
            else:
                groups.append([p])
        segments: list[_Const | _Var] = []
        for i, g in enumerate(groups):
            if isinstance(g, bytes):
                segments.append(_Const(g, _deflate(g, level, final=i == len(groups) - 1)))
            else:
                segments.append(_Var(tuple(g)))
        return _Part(bname, segments=tuple(segments), final_var=isinstance(segments[-1], _Var))

    @property
    def stamped_parts(self) -> list[str]:
        return [p.name.decode() for p in self.parts if p.segments]

    def render(self, values: Mapping[str, str]) -> bytes:
        """The .xlsx bytes with values (field → text) stamped in."""
        local: list[bytes] = []
        central: list[bytes] = []
        offset = 0
        for part in self.parts:
            crc, size, packed = part.render(values)
            head = struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                0,
                zipfile.ZIP_DEFLATED,
                DOS_TIME,
                DOS_DATE,
                crc,
                len(packed),
                size,
                len(part.name),
                0,
            )
            central.append(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    20,
                    20,
                    0,
                    zipfile.ZIP_DEFLATED,
                    DOS_TIME,
                    DOS_DATE,
                    crc,
                    len(packed),
                    size,
                    len(part.name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + part.name
            )
            local += (head, part.name, packed)
            offset += len(head) + len(part.name) + len(packed)
        cd = b"".join(central)
        end = struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(cd), offset, 0
        )
        return b"".join(local) + cd + end
