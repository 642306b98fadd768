"""Zip parts at the byte level: inflating a part with a size cap, the Unicode Path field,
and writing a stored (uncompressed) copy of a package."""

from __future__ import annotations

import struct
import zipfile
import zlib

_LOCAL_HEAD = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL_HEAD = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")


def stored_zip(parts: list[tuple[str, bytes, int]]) -> bytes | None:
    """A zip of (name, bytes, CRC) parts, in order, each stored; None if zip64 would be needed."""
    if len(parts) > 0xFFFF or any(len(p[0].encode("utf-8")) > 0xFFFF for p in parts):
        return None
    out: list[bytes] = []
    central: list[bytes] = []
    at = 0
    for name, body, crc in parts:
        n = name.encode("utf-8")
        flag = 0 if n.isascii() else 0x800  # UTF-8 name
        size = len(body)
        head = _LOCAL_HEAD.pack(b"PK\x03\x04", 20, flag, 0, 0, 0x21, crc, size, size, len(n), 0)
        central.append(
            _CENTRAL_HEAD.pack(
                b"PK\x01\x02", 20, 20, flag, 0, 0, 0x21, crc, size, size, len(n), 0, 0, 0, 0, 0, at
            )
            + n
        )
        out += (head, n, body)
        at += len(head) + len(n) + size
    cd = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(parts), len(parts), len(cd), at, 0)
    return b"".join(out) + cd + end


def unicode_path(info: zipfile.ZipInfo) -> str | None:
    """The name in an Info-ZIP Unicode Path extra field (0x7075), if the entry has one."""
    extra = info.extra
    at = 0
    while at + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, at)
        if tag == 0x7075 and size >= 5:
            return extra[at + 9 : at + 4 + size].decode("utf-8", "replace")
        at += 4 + size
    return None


_LOCAL = struct.Struct("<4s22xHH")  # local file header: signature … name and extra lengths


class TooBig(Exception):
    pass


def inflate(data: bytes, zf: zipfile.ZipFile, info: zipfile.ZipInfo, room: int) -> bytes:
    """A part's bytes, inflated straight from the buffer; TooBig past `room` bytes.

    Stored and deflated parts (what spreadsheet programs write) skip zipfile's per-part
    reader objects; other methods go through zipfile. CRC is checked either way.
    """
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with zf.open(info) as fh:
            body = fh.read(room + 1)
        if len(body) > room:
            raise TooBig
        return body
    at = info.header_offset
    sig, n, m = _LOCAL.unpack_from(data, at)
    if sig != b"PK\x03\x04":
        raise zipfile.BadZipFile("本地文件头损坏")
    start = at + _LOCAL.size + n + m
    raw = data[start : start + info.compress_size]
    if len(raw) < info.compress_size:
        raise zipfile.BadZipFile("数据被截断")
    if info.compress_type == zipfile.ZIP_STORED:
        body = raw
    else:
        # never past the declared size: a part that claims less than it holds is corrupt
        d = zlib.decompressobj(-15)
        body = d.decompress(raw, min(room, info.file_size) + 1)
        if len(body) > room:
            raise TooBig
        if len(body) > info.file_size or d.unconsumed_tail:
            raise zipfile.BadZipFile("实际大小超过声明大小")
        if not d.eof:
            raise zipfile.BadZipFile("压缩数据不完整")
    if len(body) > room:
        raise TooBig
    if zlib.crc32(body) != info.CRC:
        raise zipfile.BadZipFile("校验和（CRC）不符")
    return body
