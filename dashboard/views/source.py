"""原文 Source viewer (``source?doc=<document_id>&line=N``): the text conversion of a disclosure with numbered
lines around line N, which is highlighted — where a figure with ``source_location = 'line N'`` was read.
PDF disclosures are linked at their page instead (``source-files/<document_id>.pdf#page=N``)."""

from __future__ import annotations

import html

import streamlit as st

from dashboard import labels, sources, ui

DEFAULT_CONTEXT = 15
VIEWER_STYLE = """
<style>
.budget-source { font-family: ui-monospace, "Noto Sans Mono CJK SC", monospace; font-size: 0.85rem;
                 border-collapse: collapse; width: 100%; }
.budget-source td { padding: 0 0.5rem; white-space: pre-wrap; tab-size: 8; vertical-align: top; border: none; }
.budget-source td.n { text-align: right; opacity: 0.6; user-select: none; width: 4rem; }
.budget-source tr.hit td { background: rgba(255, 210, 0, 0.35); font-weight: 600; }
</style>
"""


def requested_line() -> int:
    try:
        return max(1, int(st.query_params.get("line", "1")))
    except ValueError:
        return 1


def render() -> None:
    snapshot = ui.current_snapshot()
    ui.title(labels.SOURCE)
    document_id = st.query_params.get("doc")
    document = snapshot.document(document_id) if document_id else None
    if document is None:
        st.warning("请从单位详情页的出处链接进入。 Open this page from a source link of a unit page.")
        return
    line = requested_line()
    st.markdown(
        f"**{ui.text(document.get('title') or document.get('unit_name'))}** · `{ui.text(document.get('file_name'))}`"
        f" · 第 {line} 行 line {line}"
    )
    st.page_link(
        "views/unit.py",
        label="返回单位详情 Back to the unit page",
        icon=":material/arrow_back:",
        query_params={"doc": document_id},
    )
    path = sources.source_path(snapshot.sources_dir, document.get("source_file"))
    if path is None:
        st.warning(
            "此文件的原文没有随数据发布（文件已移出或已更改）。 "
            "The source file was not published with this data (it left the raw folder or changed)."
        )
        return
    if sources.is_pdf(document):
        st.markdown(f"[打开 PDF · Open the PDF]({sources.file_url(document)})")
        return
    lines = sources.read_lines(path)
    context = st.slider("上下文行数 Lines of context", 5, 200, DEFAULT_CONTEXT, step=5, key="source_context")
    whole = st.checkbox("显示全文 Show the whole file", key="source_whole")
    first, last = (1, len(lines)) if whole else (max(1, line - context), min(len(lines), line + context))
    rows = []
    for number in range(first, last + 1):
        hit = ' class="hit" id="hit"' if number == line else ""
        rows.append(
            f'<tr{hit}><td class="n">{number}</td><td class="t">{html.escape(lines[number - 1])}</td></tr>'
        )
    st.markdown(
        VIEWER_STYLE + f'<table class="budget-source">{"".join(rows)}</table>', unsafe_allow_html=True
    )
    if line > len(lines):
        st.warning(f"文件只有 {len(lines)} 行。 The file has only {len(lines)} lines.")
    st.markdown(f"[下载原文 Download the file]({sources.file_url(document)})")


render()
