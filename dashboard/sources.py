"""Links from a figure to where it was read, and the source files behind them.

``marts.figure_sources`` and ``marts.quality_issues`` carry their provenance as columns: ``source_file`` (the file
read, as ``published.documents.file_name``), ``source_page`` (PDF) and ``source_line`` (text conversion); a link is
built from those (``SourceLinks.url_of``).  The marts that do not carry them yet (the function and economic
breakdowns) give only the text ``source_location`` — ``'line N'``, ``'page N'``, ``'page N, line M'``, a file
name in front when the disclosure spans several files — which ``parse_location`` reads for them.  ``publish_marts`` copies every disclosure to ``sources/<document_id>.<ext>``
beside the published file; ``dashboard/server.py`` serves that folder at ``/source-files/``.

* PDF  → ``source-files/<document_id>.pdf#page=N`` (the browser's PDF viewer opens at the page)
* text → ``source?doc=<document_id>&line=N``: the in-app viewer, numbered lines around line N

Links are relative to the app's root (every page sits at ``/<page>``), so they work behind a proxy too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

SOURCE_FILES_ROUTE = "source-files"  # served by dashboard/server.py
SOURCE_PAGE = "source"  # url_path of the in-app viewer

_PAGE = re.compile(r"\b(?:page|p\.)\s*(\d+)", re.IGNORECASE)
_LINE = re.compile(r"\bline\s*(\d+)", re.IGNORECASE)
_SAFE_NAME = re.compile(r"^[0-9A-Za-z_-]+\.[0-9A-Za-z]+$")
_FILE_PREFIX = re.compile(r"^(?P<file>[^,]+\.(?:txt|pdf)),\s*", re.IGNORECASE)  # 'a.pdf, page 3'


@dataclass(frozen=True)
class Location:
    page: int | None = None
    line: int | None = None

    @property
    def exists(self) -> bool:
        return self.page is not None or self.line is not None


def parse_location(text: str | None) -> Location:
    """``'line 345'`` → line 345; ``'page 12'`` / ``'p.12'`` → page 12; ``'derived from 4 rows'`` → nothing."""
    if not text:
        return Location()
    page, line = _PAGE.search(text), _LINE.search(text)
    return Location(page=int(page.group(1)) if page else None, line=int(line.group(1)) if line else None)


def is_pdf(document: dict | None) -> bool:
    if not document:
        return False
    source_file = document.get("source_file") or ""
    return source_file.lower().endswith(".pdf") or (document.get("source_format") or "").lower() == "pdf"


def file_url(document: dict | None) -> str | None:
    """The disclosure itself (when it was published with the marts)."""
    if not document or not document.get("source_file"):
        return None
    return f"{SOURCE_FILES_ROUTE}/{document['source_file']}"


def viewer_url(document_id: str, line: int) -> str:
    return f"{SOURCE_PAGE}?{urlencode({'doc': document_id, 'line': line})}"


def source_url(document: dict | None, source_location: str | None) -> str | None:
    """Where a link on the text ``source_location`` of ``document`` goes, or None (no location, or no file)."""
    return location_url(document, parse_location(source_location))


def location_url(document: dict | None, location: Location) -> str | None:
    """Where a link on ``location`` (page / line) of ``document`` goes, or None (no location, or no file)."""
    if not document or not location.exists or not document.get("source_file"):
        return None
    if is_pdf(document):
        url = file_url(document)
        return f"{url}#page={location.page}" if location.page is not None else url
    if location.line is not None:
        return viewer_url(document["document_id"], location.line)
    return None


def file_named_in(source_location: str | None) -> str | None:
    """The file at the head of a location (``'b.pdf, page 3'``: a disclosure published as several files)."""
    match = _FILE_PREFIX.match(source_location or "")
    return match.group("file") if match else None


class SourceLinks:
    """The links of one disclosure's figures.  A figure was read from the disclosure's file unless its row
    names another file: a ``source_document_id`` column, or a file name heading its location."""

    def __init__(self, documents: list[dict], document_id: str):
        self.by_id = {d["document_id"]: d for d in documents}
        self.by_file_name = {d["file_name"]: d for d in documents if d.get("file_name")}
        self.document = self.by_id.get(document_id)

    def file_of(self, source_location: str | None, source_document_id: str | None = None) -> dict | None:
        if source_document_id and source_document_id in self.by_id:
            return self.by_id[source_document_id]
        return self.by_file_name.get(file_named_in(source_location) or "", self.document)

    def url(self, source_location: str | None, source_document_id: str | None = None) -> str | None:
        return source_url(self.file_of(source_location, source_document_id), source_location)

    def url_of(self, row: dict, location_column: str = "source_location") -> str | None:
        """The link of a mart row: from its ``source_file`` / ``source_page`` / ``source_line`` columns where the
        mart has them, else from its location text (``location_column``)."""
        page, line = row.get("source_page"), row.get("source_line")
        if page is None and line is None:  # a mart (or an older publication) without the columns
            return self.url(row.get(location_column), row.get("source_document_id"))
        source_document_id = row.get("source_document_id")
        if source_document_id and source_document_id in self.by_id:
            document = self.by_id[source_document_id]
        else:
            document = self.by_file_name.get(row.get("source_file") or "", self.document)
        return location_url(document, Location(page=page, line=line))


def source_path(sources_dir: Path, source_file: str | None) -> Path | None:
    """The file under ``sources_dir`` named ``source_file``, if it is a plain name of a regular file there.

    Refused (None): anything but a plain name (no ``/``, ``..``, absolute path, NUL), a symbolic link
    (publish never writes one: a link there would point outside), and a path that resolves outside the folder."""
    if not source_file or not _SAFE_NAME.fullmatch(source_file):
        return None
    path = sources_dir / source_file
    if path.is_symlink() or not path.is_file():
        return None
    try:
        inside = path.resolve(strict=True).is_relative_to(Path(sources_dir).resolve(strict=True))
    except OSError:
        return None
    return path if inside else None


TEXT_ENCODINGS = ("utf-8-sig", "gb18030")  # as extract's text reader decodes a conversion


def read_lines(path: Path) -> list[str]:
    """The lines of a text conversion, split as extract numbers them (line N = item N - 1)."""
    data = path.read_bytes()
    for encoding in TEXT_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
