"""科目检索 Search subjects (``search?q=2080505``): which units print a subject or line item, across every
published disclosure.

Digits search a code prefix (``2080505`` a 项, ``20805`` its 款, ``301`` an economic class); anything else
searches the subject names (substring, spaces ignored).  Both breakdowns are searched: the function
classification (``marts.fct_expenditure_by_function``) and the economic classification of basic spending
(``marts.fct_basic_expenditure_by_economic``).  Each row gives the unit, the year, the amounts and the source
location, linked to the line or page it was read from.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import formatting, labels, ui, url_state
from dashboard.data import SEARCH_CSV_COLUMNS, SEARCH_LIMIT, Snapshot, SubjectQuery, search_subjects
from dashboard.sources import SourceLinks

QUERY_KEY, QUERY_PARAM = "search_q", "q"

AMOUNTS = {
    "function": ("total_amount", "basic_amount", "project_amount"),
    "economic": ("total_amount", "personnel_amount", "public_amount"),
}
TABLE_KEYS = {"function": "search-function", "economic": "search-economic"}


class Links:
    """Source links per disclosure (built once per document)."""

    def __init__(self, snapshot: Snapshot):
        self.documents = snapshot.documents.to_dicts()
        self.cache: dict[str, SourceLinks] = {}

    def url(self, row: dict) -> str | None:
        document_id = row["document_id"]
        if document_id not in self.cache:
            self.cache[document_id] = SourceLinks(self.documents, document_id)
        return self.cache[document_id].url_of(row)


def results_table(found: pl.DataFrame, classification: str, links: Links) -> None:
    rows_of = found.filter(pl.col("classification") == classification)
    if rows_of.is_empty():
        return
    st.markdown(f"**{labels.CLASSIFICATIONS[classification]}** · {rows_of.height} 行 rows")
    amounts = AMOUNTS[classification]
    shown = rows_of.head(SEARCH_LIMIT)
    rows = [
        [
            f"{ui.text(row['subject_code'])}<br><small>{ui.text(row['subject_level'])}</small>",
            ui.text(row["subject_name"]),
            ui.text(row["unit_name"]),
            ui.text(row["fiscal_year"]),
            ui.text(row["document_kind"]),
            *[formatting.money(row[c]) for c in amounts],
            ui.link(row["source_location"] or formatting.MISSING, links.url(row)),
            ui.link("打开 Open", f"unit?doc={row['document_id']}", new_tab=False),
        ]
        for row in shown.iter_rows(named=True)
    ]
    headers = (
        [
            labels.COLUMNS[c]
            for c in ("subject_code", "subject_name", "unit_name", "fiscal_year", "document_kind")
        ]
        + [labels.COLUMNS[c] for c in amounts]
        + [labels.COLUMNS["source"], labels.COLUMNS["unit_page"]]
    )
    ui.html_table(headers, rows, numeric=[5, 6, 7], wide=[1, 2], key=TABLE_KEYS[classification])
    if rows_of.height > SEARCH_LIMIT:
        st.caption(
            f"只显示前 {SEARCH_LIMIT} 行，CSV 含全部。 The first {SEARCH_LIMIT} rows; the CSV has them all."
        )


def render() -> None:
    snapshot = ui.current_snapshot()
    ui.page_setup()
    ui.title(labels.SEARCH)
    url_state.restore_text(QUERY_KEY, QUERY_PARAM)
    text = st.text_input(labels.SEARCH_BOX.short, key=QUERY_KEY, placeholder="2080505")
    query = SubjectQuery(text or "")
    url_state.keep(QUERY_PARAM, query.cleaned)
    if not query.cleaned:
        st.caption(
            "例如 e.g. `2080505`（机关事业单位基本养老保险缴费支出）、`208`、`30113`、`养老`、`住房公积金`。"
            "数字按编码前缀检索，其他按名称检索。 Digits search a code prefix, anything else the subject names."
        )
        return
    found = search_subjects(snapshot, query.cleaned)
    mode = "编码前缀 code prefix" if query.is_code else "名称包含 name contains"
    st.markdown(
        f"{mode} `{query.cleaned}`: **{found.get_column('unit_name').n_unique()}** 个单位 units · "
        f"**{found.get_column('document_id').n_unique()}** 份文件 disclosures · **{found.height}** 行 rows"
    )
    if found.is_empty():
        st.info("没有找到。 Nothing found.")
        return
    ui.section(labels.SEARCH_RESULTS)
    links = Links(snapshot)
    for classification in AMOUNTS:
        results_table(found, classification, links)
    ui.download_csv(found.select(SEARCH_CSV_COLUMNS), f"search_{query.cleaned}.csv", key="search_csv")


render()
