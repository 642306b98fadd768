"""Shared strings for spliced columns (splice.Splice shared=True): each distinct text once in
xl/sharedStrings.xml, its cells by index. A long list repeating long texts (the 疑似走过场
signals' evidence) is then a fraction of the sheet XML to write and compress; the cells'
values are the same."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

PART = "xl/sharedStrings.xml"
Inner = Callable[[Any, str, Sequence[str]], str]  # a cell's rest after its reference
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_OVERRIDE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
)
_REL = (
    '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml" Id="rId{}" />'
)


class Table:
    """The workbook's shared strings, in the order first met."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def cell(self, text: str, style: str) -> str:
        """A cell's rest after its reference (as splice._inner gives it), by index."""
        i = self.index.setdefault(text, len(self.index))
        return f' s="{style}" t="s"><v>{i}</v></c>'

    def or_inline(self, inline: Inner) -> Inner:
        """cell(), but "" as `inline` writes it (a blank shared string reads back as None)."""
        return lambda v, style, extra: self.cell(v, style) if v else inline(v, style, extra)

    def xml(self, escape: Callable[[str], str]) -> bytes:
        n = len(self.index)
        items = "".join(f'<si><t xml:space="preserve">{escape(t)}</t></si>' for t in self.index)
        head = f'<sst xmlns="{_NS}" count="{n}" uniqueCount="{n}">'
        return (head + items + "</sst>").encode("utf-8")


def declared(name: str, body: bytes) -> bytes:
    """[Content_Types].xml or the workbook's relationships with the shared strings part."""
    if name == "[Content_Types].xml":
        return body.replace(b"</Types>", _OVERRIDE + b"</Types>", 1)
    if name == "xl/_rels/workbook.xml.rels":
        ids = [int(x) for x in re.findall(rb'Id="rId(\d+)"', body)]
        rel = _REL.format(max(ids, default=0) + 1).encode()
        return body.replace(b"</Relationships>", rel + b"</Relationships>", 1)
    return body
