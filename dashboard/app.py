"""The dashboard (Streamlit): ``make dashboard`` serves it through ``dashboard/server.py``.

Pages: 单位对比 Overview (``/``, its filters in the URL), 单位详情 Unit page (``/unit?doc=<document_id>``),
单位并列对比 Side by side (``/compare?unit=<unit_id>&unit=…``), 科目检索 Search subjects (``/search?q=2080505``) and
the source viewer (``/source?doc=<document_id>&line=N``, reached from the source links).  All of them read the published,
read-only copy of the marts (``BUDGET_PUBLISHED``), never the warehouse the build writes.
"""

import streamlit as st

from dashboard import labels

st.set_page_config(page_title=labels.APP.zh, page_icon=":material/leaderboard:", layout="wide")

navigation = st.navigation(
    [
        st.Page(
            "views/overview.py",
            title=labels.OVERVIEW.short,
            icon=":material/leaderboard:",
            url_path="overview",
            default=True,
        ),
        st.Page("views/unit.py", title=labels.UNIT.short, icon=":material/account_balance:", url_path="unit"),
        st.Page(
            "views/compare.py",
            title=labels.COMPARE.short,
            icon=":material/compare_arrows:",
            url_path="compare",
        ),
        st.Page("views/search.py", title=labels.SEARCH.short, icon=":material/search:", url_path="search"),
        st.Page(
            "views/source.py",
            title=labels.SOURCE.short,
            icon=":material/description:",
            url_path="source",
            visibility="hidden",
        ),
    ]
)
st.sidebar.caption(f"{labels.APP.zh} · {labels.APP.en}")
navigation.run()
