"""The used range of a sheet part in the usual spelling, at C speed.

usual_in_bounds(body) is True only where the exact walk (sniff._walk_out_of_bounds) finds
every row and cell in bounds: each row and cell tag in the usual spelling (`<row r="7" …>`,
`<c r="AB7" …>`, as Excel, WPS, LibreOffice and openpyxl write them) with an in-bounds
position. Anything else (a namespace prefix, r not first, single quotes, no r, leading zeros,
a second r, a ">" inside a value (an r may hide behind it), a row past MAX_ROWS or a column
past MAX_COLS) is False, and the caller walks every tag in Python. The spellings below are
sniff.MAX_ROWS = 3000 and sniff.MAX_COLS = 64 (column BL).

blank_shared(body): the shared strings that are only white space (no loss when cut).
"""

from __future__ import annotations

import re

_IN_ROW = rb"(?:[1-9][0-9]{0,2}+|[12][0-9]{3}|3000)"  # 1 … 3000, no leading zero
_IN_COL = rb"(?:[A-Z]|A[A-Z]|B[A-L])"  # A … BL
# A row or cell tag (name followed by a space, "/" or ">") whose first attribute is not an
# in-bounds r: the walk would place it by another r, or count it on, or find it far. (The
# usual tag fails the first lookahead, so the second is rarely tried.)
_ODD_ROW = re.compile(rb'<row(?! r="' + _IN_ROW + rb'")(?=[\s/>])')
_ODD_CELL = re.compile(rb'<c(?! r="' + _IN_COL + _IN_ROW + rb'")(?=[\s/>])')
# A prefixed row or cell tag (`<x:row`): ":row" or ":c" before a space, "/" or ">".
_PREFIXED = re.compile(rb":(?:row|c)(?=[\s/>])")
# Any other r attribute as the walk counts them (`r\s*=`, r not after a name character,
# anywhere in a tag, in values too): "r=" other than a row's or cell's first attribute …
_OTHER_R = re.compile(rb"r=(?<!<c r=)(?<!<row r=)(?<![\w.:-]r=)")
# … or "r", then white space, then "=": wherever white space stands before "=" (rare)
_SPACED_R = re.compile(rb"r\s+=")
_SPACE_EQ = re.compile(b" =")  # a pattern: faster than `b" =" in body`
_NOT_MARKUP = bytes(b for b in range(256) if b not in b"<>\"'")  # deleted from the skeleton


def delimited(body: bytes) -> bool:
    """Whether every "<" is closed by the next ">" with an even number of '"' and of "'"
    between them (and between a ">" and the next "<"): no ">" inside a value ends a tag
    early, and the walk sees each tag whole, its quotes paired.

    The skeleton keeps only < > " (and '). Without "'", runs of '"' are all even when every
    "<" stands at an even index of it and every ">" at an odd one; with "'", dropping '""'
    then "''" pairs must leave "<><>…". Either way the angles must then alternate.
    """
    if b"'" in body:
        skeleton = body.translate(None, _NOT_MARKUP).replace(b'""', b"").replace(b"''", b"")
    else:
        skeleton = body.translate(None, _NOT_MARKUP)
        if b"<" in skeleton[1::2] or b">" in skeleton[::2]:
            return False
        skeleton = skeleton.translate(None, b'"')
    return skeleton == b"<>" * (len(skeleton) >> 1)


def _spaced_r(body: bytes) -> bool:
    """Whether white space may stand between an r and "=" (_SPACED_R, mostly faster): a
    space before "=", a tab, vertical tab or form feed, or a line break from the first tag
    after the XML declaration on (before it, if delimited(), no row or cell tag starts)."""
    root = 0
    if body.startswith(b"<?xml"):
        root = max(body.find(b"<", body.find(b">") + 1), 0)
    if (
        _SPACE_EQ.search(body) is None
        and b"\t" not in body
        and b"\x0b" not in body
        and b"\x0c" not in body
        and body.find(b"\n", root) < 0
        and body.find(b"\r", root) < 0
    ):
        return False
    return _SPACED_R.search(body) is not None


def usual_in_bounds(body: bytes) -> bool:
    """Whether every row and cell tag of a sheet part is in the usual spelling, in bounds.

    Every tag the walk reads starts with "<", an optional prefix, "row" or "c", then a space,
    "/" or ">". Prefixed ones are refused; the others must begin ` r="<in bounds>"`, which
    the walk takes. delimited() makes each tag, as the walk cuts it, the whole tag with its
    quotes paired; no other r stands anywhere (_OTHER_R, _SPACED_R), so none in a tag.
    Each check is one scan in C, from a literal; the usual part passes all six.
    """
    return (
        _PREFIXED.search(body) is None
        and _ODD_ROW.search(body) is None
        and _ODD_CELL.search(body) is None
        and _OTHER_R.search(body) is None
        and not _spaced_r(body)
        and delimited(body)
    )


_SI = re.compile(rb"<(?:[\w.-]+:)?si(?=[\s/>])(?:[^>]*/>|.*?</(?:[\w.-]+:)?si\s*>)", re.S)
_T_TEXT = re.compile(rb"<(?:[\w.-]+:)?t(?:\s[^>]*)?>([^<]*)<")


def blank_shared(body: bytes) -> frozenset[int]:
    """Indices of the shared strings that are only white space (a space typed to clear a
    cell, as Excel and LibreOffice store it): no loss when cut."""
    return frozenset(
        i
        for i, si in enumerate(_SI.finditer(body))
        if not any(t.decode("utf-8", "replace").strip() for t in _T_TEXT.findall(si.group(0)))
    )
