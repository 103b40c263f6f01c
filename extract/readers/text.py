"""Reader for text conversions of disclosures: tab-separated table rows, prose lines, markup residue.

A run of lines that contain a tab is one ``Grid`` (blank lines inside the run are kept in it, because a
page break in the source leaves one); every other non-blank line is a ``Paragraph`` with its line number.
"""

from __future__ import annotations

from pathlib import Path

from extract.model import Block, Grid, GridRow, Paragraph, SourceDocument, UnreadableDocument
from warehouse.files import bytes_sha256, id_of_digest

ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 is a superset of GBK and GB2312
# a byte-order mark names its encoding: UTF-32 first (its little-endian BOM starts with UTF-16's)
BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xef\xbb\xbf", "utf-8"),
)


def decode(data: bytes) -> str:
    """The text of a conversion: by its byte-order mark (UTF-8, UTF-16, UTF-32), else UTF-8, else GB18030
    (GBK).  A NUL left in the text (a binary file, or a UTF-16 one without BOM) makes it unreadable."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableDocument(
                    f"the text file starts with a {encoding} byte-order mark but is not "
                    f"{encoding} (byte {exc.start + len(bom)})"
                ) from exc
            break
    else:
        if b"\x00" in data:
            raise UnreadableDocument("the file is binary, not a text conversion")
        for encoding in ENCODINGS:
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UnreadableDocument(
                "the text file is neither UTF-8 (with or without BOM), UTF-16 with BOM nor GB18030/GBK"
            )
    if "\x00" in text:
        raise UnreadableDocument("the file is binary, not a text conversion (NUL characters)")
    return text


def content_hash(data: bytes) -> str:
    """The sha256 of the file's bytes (``warehouse.files``: the one definition of the document id)."""
    return bytes_sha256(data)


def read_text(path: Path) -> SourceDocument:
    data = path.read_bytes()
    text = decode(data)
    if not text.strip():
        raise UnreadableDocument("the file is empty")
    digest = content_hash(data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    doc = SourceDocument(
        document_id=id_of_digest(digest),
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
