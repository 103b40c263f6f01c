"""The column catalogue of the publication the dashboard reads (``catalogue.marts_columns``): each mart
column's Chinese and English label and its display format, declared once in the marts' yml ``meta``.

``data.read_snapshot`` hands every catalogue it reads to ``use``; until one has been read, the first lookup reads
the catalogue of the published file the settings name.  ``labels.METRICS`` / ``labels.COLUMNS`` look labels up
here; the overview table and the comparison take each column's format from here.
"""

from __future__ import annotations

import threading

import duckdb

from warehouse.publication import open_published, read_column_catalogue
from warehouse.settings import WarehouseSettings

_lock = threading.Lock()
_entries: dict[tuple[str, str], dict] | None = None


def use(rows: list[dict]) -> None:
    """Take ``rows`` (of ``catalogue.marts_columns``) as the catalogue (a publication without one: kept)."""
    global _entries
    if rows or _entries is None:
        with _lock:
            _entries = {(row["table_name"], row["column_name"]): row for row in rows}


def _current() -> dict[tuple[str, str], dict]:
    if _entries is None:
        path = WarehouseSettings.from_env().published_file
        rows: list[dict] = []
        if path.exists():
            try:
                con = open_published(path)
            except duckdb.Error:
                con = None
            if con is not None:
                try:
                    rows = read_column_catalogue(con)
                finally:
                    con.close()
        use(rows)
    return _entries or {}


def entry(tables: tuple[str, ...], column: str) -> dict | None:
    """The catalogue row of ``column`` in the first of ``tables`` that has it, or None."""
    entries = _current()
    return next((entries[(t, column)] for t in tables if (t, column) in entries), None)


def format_of(table: str, column: str) -> str | None:
    """``money`` | ``share`` | ``percent`` | ``count`` | ``text`` | ``year``; None when not catalogued."""
    found = entry((table,), column)
    return found.get("format") if found else None
