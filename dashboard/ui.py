"""Streamlit building blocks shared by the pages: the current publication, headings, HTML tables, CSV."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import formatting, labels
from dashboard.data import PublicationMissing, Snapshot, file_version, published_file, read_snapshot
from dashboard.labels import Label


@st.cache_resource(max_entries=2, show_spinner=False)
def _snapshot(path: str, version: str) -> Snapshot:
    """One publication per file version: a new publication (renamed into place) has a new version."""
    return read_snapshot(Path(path))


def current_snapshot() -> Snapshot:
    """The publication the published file holds now; a friendly message (and stop) when there is none."""
    path = published_file()
    version = file_version(path)
    try:
        if version is None:
            raise PublicationMissing(f"no published marts at {path}")
        snapshot = _snapshot(str(path), version)
    except PublicationMissing as exc:
        st.info(
            "还没有可展示的数据。请先运行 `make run`（构建数据仓库并发布只读副本），然后刷新本页。\n\n"
            "No published marts yet: run `make run` (it builds the warehouse and publishes a read-only copy "
            f"of the marts), then reload this page.\n\n`{exc}`"
        )
        st.stop()
    published_at = f"{snapshot.published_at:%Y-%m-%d %H:%M} UTC" if snapshot.published_at else "—"
    st.sidebar.caption(f"数据发布于 Published {published_at}  \n`{path}`")
    return snapshot


def title(label: Label) -> None:
    st.title(label.zh)
    st.caption(label.en)


def section(label: Label) -> None:
    st.subheader(label.zh, divider="gray")
    st.caption(label.en)


def header_cell(label: Label) -> str:
    return f"{html.escape(label.zh)}<br><small>{html.escape(label.en)}</small>"


def text(value: object) -> str:
    """Escaped text; a missing value (None, NaN) reads "—", never ``None``/``nan``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return formatting.MISSING
    return html.escape(str(value))


def link(value: object, url: str | None, new_tab: bool = True) -> str:
    """``value`` linked to ``url`` (plain text when there is no url)."""
    if not url:
        return text(value)
    target = ' target="_blank" rel="noopener"' if new_tab else ' target="_self"'
    return f'<a href="{html.escape(url, quote=True)}"{target}>{text(value)}</a>'


def html_table(
    headers: Sequence[Label],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[int] = (),
    wide: Sequence[int] = (),
    key: str = "",
) -> None:
    """A static table (real HTML, so links work and every figure is visible text).  Cells are HTML already
    escaped by ``text`` / ``link``; columns in ``numeric`` are right-aligned, columns in ``wide`` wrap (the
    others stay on one line)."""
    if not rows:
        st.caption(labels.NO_ROWS)
        return
    classes = {i: "num" for i in numeric} | {i: "wide" for i in wide}

    def cell(tag: str, i: int, content: str) -> str:
        return f'<{tag} class="{classes.get(i, "one-line")}">{content}</{tag}>'

    head = "".join(cell("th", i, header_cell(h)) for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    table_id = f' id="{html.escape(key)}"' if key else ""
    st.markdown(
        f'<div class="budget-table"{table_id}><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>",
        unsafe_allow_html=True,
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese headers); money exact."""
    return ("\ufeff" + frame.write_csv()).encode("utf-8")


def download_csv(frame: pl.DataFrame, file_name: str, key: str) -> None:
    st.download_button(labels.DOWNLOAD_CSV, csv_bytes(frame), file_name=file_name, mime="text/csv", key=key)


TABLE_STYLE = """
<style>
.budget-table { overflow-x: auto; }
.budget-table table { font-size: 0.9rem; }
.budget-table th small { font-weight: normal; opacity: 0.7; }
.budget-table .num { text-align: right; white-space: nowrap; }
.budget-table .one-line { white-space: nowrap; }
.budget-table .wide { min-width: 12rem; }
.budget-table th.num, .budget-table th.one-line { white-space: normal; min-width: 4rem; }
</style>
"""


def page_setup() -> None:
    st.markdown(TABLE_STYLE, unsafe_allow_html=True)
