"""Widget state kept in the address bar (``st.query_params``), so a view can be bookmarked and shared.

A page calls ``restore`` before it draws a widget: on the first run of a session (the widget's key is not in
``st.session_state`` yet) the widget starts from the URL; values the options no longer hold are dropped.  After
the widgets, ``keep`` writes the current values back (a default value leaves the URL, to keep it short).
Several values are repeated parameters (``?province=四川省&province=吉林省``); "no value" (a unit outside the
registry has no province) is written ``NONE``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

NONE = "未登记"  # the URL token of a missing value (None), e.g. an unregistered unit's province


def to_text(value: object) -> str:
    return NONE if value is None else str(value)


def _matching(texts: list[str], options: Sequence) -> list:
    """The options whose text is in ``texts``, in the order of ``texts`` (duplicates and unknown values go)."""
    by_text = {to_text(o): o for o in options}
    seen: list = []
    for text in texts:
        if text in by_text and by_text[text] not in seen:
            seen.append(by_text[text])
    return seen


def restore_many(key: str, param: str, options: Sequence, limit: int | None = None) -> None:
    """Start the multiselect ``key`` from the repeated parameter ``param`` (first run of the session only)."""
    if key in st.session_state:
        kept = [v for v in st.session_state[key] if v in options][:limit]  # the options may have changed
        if kept != st.session_state[key]:
            st.session_state[key] = kept
        return
    values = _matching(st.query_params.get_all(param), options)
    if values:
        st.session_state[key] = values[:limit]


def restore_one(
    key: str, param: str, options: Sequence, parse: Callable[[str], object] | None = None
) -> None:
    """Start the radio/selectbox ``key`` from ``param`` (first run of the session only)."""
    if key in st.session_state:
        if st.session_state[key] not in options:
            del st.session_state[key]
        return
    texts = st.query_params.get_all(param)
    if not texts:
        return
    text = texts[-1]
    values = _matching([text], options)
    if not values and parse is not None:
        try:
            values = [v for v in [parse(text)] if v in options]
        except ValueError:
            values = []
    if values:
        st.session_state[key] = values[0]


def restore_text(key: str, param: str) -> None:
    if key not in st.session_state and st.query_params.get_all(param):
        st.session_state[key] = st.query_params.get_all(param)[-1]


def keep(param: str, value: object, default: object = None) -> None:
    """Write ``value`` to ``param``: a list as repeated parameters; the default (or empty) removes it."""
    if isinstance(value, (list, tuple)):
        texts = [to_text(v) for v in value]
        empty = not texts
    else:
        texts = [] if value is None or value == "" else [to_text(value)]
        empty = not texts or value == default
    current = st.query_params.get_all(param)
    if empty:
        if param in st.query_params:
            del st.query_params[param]
    elif current != texts:
        st.query_params[param] = texts if len(texts) > 1 else texts[0]
