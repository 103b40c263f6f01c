"""Which standard table a title names (收支总表 / 部门收支总体情况表 / 收支预算总表 … → TableKind).

Patterns are tried in order, most specific first.  A title is a short line without sentence
punctuation; the numbering (一、, 表 1) and a leading year (2024 年度) are ignored.
"""

from __future__ import annotations

import re

from extract.text_clean import squash
from extract.vocabulary import TableKind

# The 决算 family (docs/final_accounts.md).  Every pattern needs 决算 in the title, so a 预算 title never meets
# one; they are searched, not anchored at the start: a PDF's text layer may glue a heading in front of the title
# (“……2024 年度部门决算表收入支出决算总表”) or drop its first character (“般公共预算财政拨款支出决算表”).
FINAL_TITLE_PATTERNS: list[tuple[TableKind, re.Pattern[str]]] = [
    (TableKind.FINAL_THREE_PUBLIC, re.compile(r"三公.*决算.*表")),
    (TableKind.FINAL_GOV_FUND, re.compile(r"政府性基金.*决算.*表")),
    (TableKind.FINAL_STATE_CAPITAL, re.compile(r"国有资本经营.*决算.*表")),
    (TableKind.FINAL_GPB_BASIC_EXPENDITURE, re.compile(r"公共预算.*基本支出.*决算.*表")),
    (TableKind.FINAL_GPB_EXPENDITURE, re.compile(r"公共预算.*支出.*决算.*表")),
    (TableKind.FINAL_FISCAL_GRANT_SUMMARY, re.compile(r"财政拨款收入支出.*决算.*表|财政拨款收支.*决算.*表")),
    (
        TableKind.FINAL_INCOME_EXPENDITURE_SUMMARY,
        re.compile(r"(收入支出|收支)决算总表$|(收入支出|收支)决算表$"),
    ),
    (TableKind.FINAL_INCOME, re.compile(r"收入决算(明细)?表$")),
    (TableKind.FINAL_EXPENDITURE, re.compile(r"支出决算(明细)?表$")),
]

TITLE_PATTERNS: list[tuple[TableKind, re.Pattern[str]]] = [
    (TableKind.PROJECT_PERFORMANCE, re.compile(r"绩效目标")),
    (TableKind.THREE_PUBLIC, re.compile(r"三公.*经费.*表|三公.*表")),
    (TableKind.CARRYOVER, re.compile(r"上年结转结余.*表|结转结余.*明细表")),
    (TableKind.PROCUREMENT, re.compile(r"政府采购.*表")),
    (TableKind.OPERATING_EXPENDITURE, re.compile(r"机关运行经费.*表")),
    (TableKind.FISCAL_GRANT_SUMMARY, re.compile(r"财政拨款收支.*(总表|总体情况表|情况表)")),
    (TableKind.INCOME_EXPENDITURE_SUMMARY, re.compile(r"收支.*(总表|总体情况表|预算表)$")),
    (TableKind.INCOME_SUMMARY, re.compile(r"收入.*(总表|总体情况表|预算表|情况表)$")),
    (
        TableKind.EXPENDITURE_SUMMARY,
        re.compile(r"^(预算单位|预算部门|部门|单位)?支出.*(总表|总体情况表)$|^支出预算表$"),
    ),
    (TableKind.FISCAL_GRANT_BASIC_EXPENDITURE, re.compile(r"^财政拨款基本支出.*表")),
    (TableKind.FISCAL_GRANT_EXPENDITURE, re.compile(r"^财政拨款(?:预算)?支出.*表")),
    (TableKind.GPB_BASIC_EXPENDITURE, re.compile(r"一般公共预算.*基本支出.*表")),
    (TableKind.GPB_PROJECT_EXPENDITURE, re.compile(r"一般公共预算.*项目支出.*表")),
    (TableKind.GPB_ECONOMIC_EXPENDITURE, re.compile(r"一般公共预算.*支出.*经济分类.*表")),
    (TableKind.GPB_EXPENDITURE, re.compile(r"一般公共预算.*支出.*表")),
    (TableKind.GOV_FUND_EXPENDITURE, re.compile(r"政府性基金.*支出.*表")),
    (TableKind.STATE_CAPITAL_EXPENDITURE, re.compile(r"国有资本经营.*支出.*表")),
    (TableKind.PROJECT_EXPENDITURE, re.compile(r"项目支出.*表")),
]

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


# Keywords that tie a note such as “本部门无政府性基金预算支出” to the table it is about.
NOTE_KEYWORDS: list[tuple[TableKind, str]] = [
    (TableKind.THREE_PUBLIC, "三公"),
    (TableKind.GOV_FUND_EXPENDITURE, "政府性基金"),
    (TableKind.STATE_CAPITAL_EXPENDITURE, "国有资本"),
    (TableKind.GPB_PROJECT_EXPENDITURE, "一般公共预算项目支出"),
    (TableKind.PROJECT_PERFORMANCE, "绩效"),
    (TableKind.PROJECT_EXPENDITURE, "项目支出"),
    (TableKind.CARRYOVER, "结转"),
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
