"""Which standard table a title names (收支总表 / 部门收支总体情况表 / 收支预算总表 … → TableKind).

Patterns are tried in order, most specific first; they are the title_variants of dbt/seeds/table_kinds.csv
(extract.catalogue), in title_order.  A title is a short line without sentence
punctuation; the numbering (一、, 表 1) and a leading year (2024 年度) are ignored.
"""

from __future__ import annotations

import re

from extract.catalogue import BUDGET, FINAL, table_kinds
from extract.text_clean import squash
from extract.vocabulary import TableKind


def _title_patterns(document_kind: str) -> list[tuple[TableKind, re.Pattern[str]]]:
    """The title patterns of one document kind's tables (dbt/seeds/table_kinds.csv: title_variants, tried in
    title_order)."""
    entries = [e for e in table_kinds() if e.document_kind == document_kind and e.title_variants]
    entries.sort(key=lambda e: e.title_order if e.title_order is not None else len(entries))
    return [(TableKind(e.table_kind), re.compile(e.title_variants)) for e in entries]


# The 决算 family (docs/final_accounts.md).  Every pattern needs 决算 in the title, so a 预算 title never meets
# one; they are searched, not anchored at the start: a PDF's text layer may glue a heading in front of the title
# (“……2024 年度部门决算表收入支出决算总表”) or drop its first character (“般公共预算财政拨款支出决算表”).
FINAL_TITLE_PATTERNS: list[tuple[TableKind, re.Pattern[str]]] = _title_patterns(FINAL)

TITLE_PATTERNS: list[tuple[TableKind, re.Pattern[str]]] = _title_patterns(BUDGET)

_LEADING = re.compile(r"^(?:表\s*\d+[-—－]?\d*|附表\s*\d+|[一二三四五六七八九十]+[、.．]|\d+[、.．])\s*")
_YEAR = re.compile(r"^\d{4}\s*年度?")
_SUFFIX = re.compile(r"[（(](?:项目[一二三四五六七八九十]+|续|续表)[）)]$")


def title_text(line: str) -> str:
    text = squash(line)
    text = _LEADING.sub("", text)
    text = _YEAR.sub("", text)
    text = _SUFFIX.sub("", text)
    return text


def classify_title(line: str) -> TableKind | None:
    """The TableKind a line names, or None when the line is not a table title."""
    raw = squash(line)
    if not raw or len(raw) > 40 or re.search(r"[。；，,]", raw) or "为空" in raw or raw.endswith("说明"):
        return None
    if re.search(r"\d+$", raw) and not raw.endswith("表"):
        return None  # a table-of-contents entry with its page number
    text = title_text(line)
    if not text.endswith("表") and not re.search(r"表[（(]", text):
        return None
    if "决算" in text:
        for kind, pattern in FINAL_TITLE_PATTERNS:
            if pattern.search(text):
                return kind
        return None  # “……年度部门决算表”: a part heading, not a table
    for kind, pattern in TITLE_PATTERNS:
        if pattern.search(text):
            return kind
    return None


# Keywords that tie a note such as “本部门无政府性基金预算支出” to the table it is about (table_kinds.csv:
# note_keyword, tried in note_order).
NOTE_KEYWORDS: list[tuple[TableKind, str]] = [
    (TableKind(e.table_kind), e.note_keyword)
    for e in sorted((e for e in table_kinds() if e.note_keyword), key=lambda e: e.note_order or 0)
]

_EMPTY_NOTE = re.compile(r"(无|没有)[^。]{0,30}(支出|预算|经费|拨款)|空表|空白表")


def empty_note_kind(line: str) -> TableKind | None | bool:
    """For a note saying a table is empty: the TableKind it names, True if it names none, None if not a note."""
    text = squash(line)
    if len(text) > 120 or not _EMPTY_NOTE.search(text):
        return None
    for kind, keyword in NOTE_KEYWORDS:
        if keyword in text:
            return kind
    return True
