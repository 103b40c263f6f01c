"""Which file suffixes the readers read: the one registry (``extract.pipeline.read_document`` dispatches on
it; the raw folder and its sensor name it).

A suffix maps to a reader format: ``text`` (a text conversion, ``extract.readers.text``) or ``pdf``
(``extract.readers.pdf``).  A file of any other suffix is quarantined as ``unsupported_format``.
"""

from __future__ import annotations

TEXT = "text"
PDF = "pdf"

READER_FORMATS: dict[str, str] = {
    ".txt": TEXT,
    ".md": TEXT,
    ".text": TEXT,
    ".pdf": PDF,
}


def supported_suffixes() -> tuple[str, ...]:
    """Every suffix a reader reads (lower case, with the dot): ``('.txt', '.md', '.text', '.pdf')``."""
    return tuple(READER_FORMATS)


def reader_format(suffix: str) -> str | None:
    """``'text'`` or ``'pdf'`` for a suffix a reader reads (any case), None otherwise."""
    return READER_FORMATS.get(suffix.lower())


def suffixes_of(reader: str) -> tuple[str, ...]:
    return tuple(s for s, f in READER_FORMATS.items() if f == reader)
