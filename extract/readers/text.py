"""Reader for text conversions of disclosures: tab-separated table rows, prose lines, markup residue.

A run of lines that contain a tab is one ``Grid`` (blank lines inside the run are kept in it, because a
page break in the source leaves one); every other non-blank line is a ``Paragraph`` with its line number.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from extract.model import Block, Grid, GridRow, Paragraph, SourceDocument, UnreadableDocument

ENCODINGS = ("utf-8-sig", "gb18030")


def decode(data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableDocument("the text file is neither UTF-8 nor GB18030")


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_text(path: Path) -> SourceDocument:
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableDocument("the file is empty")
    if b"\x00" in data[:4096]:
        raise UnreadableDocument("the file is binary, not a text conversion")
    text = decode(data)
    digest = content_hash(data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    doc = SourceDocument(
        document_id=digest[:16],
        file_name=path.name,
        source_format="text",
        content_sha256=digest,
        line_count=len(lines),
    )
    grid: Grid | None = None
    for number, line in enumerate(lines, start=1):
        if "\t" in line:
            if grid is None:
                grid = Grid(rows=[])
                doc.blocks.append(Block(grid=grid))
            grid.rows.append(GridRow(cells=tuple(line.split("\t")), line=number, raw_text=line))
        elif not line.strip():
            continue  # a blank line neither ends a grid nor makes a paragraph
        else:
            grid = None
            doc.blocks.append(Block(paragraph=Paragraph(text=line.strip(), line=number)))
    return doc
