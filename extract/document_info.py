"""Who published the disclosure, for which year, and what it is (部门预算 / 单位预算 / 决算).

Read from the cover: the first lines before the table of contents, joined (a title may wrap over two lines:
“…社会保” / “险中心部门预算”).  Documents without a cover name the unit in the first heading
(“第一部分 XX局概况”) or in a 编制部门 line.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extract.model import NotABudgetDisclosure, SourceDocument
from extract.text_clean import normalise_parens, squash

_KIND = re.compile(r"(部门|单位)?(预算|决算)")
_YEAR_TITLE = re.compile(r"((?:19|20)\d{2})\s*年度?\s*(?:部门|单位)?(?:预算|决算)")
_YEAR_ANY = re.compile(r"((?:19|20)\d{2})\s*年")
_COVER_STOP = re.compile(r"^(目\s*录|第[一二三四五六七八九十]+部分)")
_UNIT_SUFFIX = r"(?:局|中心|院|所|站|办公厅|办公室|委员会|委|厅|部|处|馆|会|队|社|办事处|学校|大学|医院|福利院|公司|检察院|法院)"
_NAME_BEFORE_TITLE = re.compile(
    r"(?P<name>[\u4e00-\u9fff（）()]{2,40}" + _UNIT_SUFFIX + r"(?:（[^）]{1,8}）)?)(?:\d{0,4}年度?)?(?:部门|单位)?(?:预算|决算)"
)
_NAME_AFTER_YEAR = re.compile(r"\d{4}年度?(?P<name>[\u4e00-\u9fff（）]{2,40}" + _UNIT_SUFFIX + r"(?:（[^）]{1,8}）)?)")
_NAME_IN_HEADING = re.compile(
    r"第一部分\s*(?:\d{4}年度?)?(?P<name>[\u4e00-\u9fff（）]{2,40}" + _UNIT_SUFFIX + r"(?:（[^）]{1,8}）)?)"
    r"(?:\d{4}年度?)?(?:部门|单位)?(?:概况|基本情况)"
)
_COMPILER = re.compile(
    r"(?:编制|填报)?(?:部门|单位)[：:]\s*(?P<name>[\u4e00-\u9fff（）]{4,40}?)(?=(?:金额)?单位[：:]|[^\u4e00-\u9fff（）]|$)"
)
# the cover's own statement of who publishes: 预算主管部门：… / 预算单位：… / 部门名称：…
_COVER_DEPARTMENT = re.compile(
    r"(?:预算主管部门|主管部门)[：:]\s*(?P<name>[\u4e00-\u9fff（）]{4,40}" + _UNIT_SUFFIX + r"(?:（[^）]{1,8}）)?)"
)
_COVER_UNIT = re.compile(
    r"(?:预算主管部门|主管部门|预算单位|部门名称|单位名称)[：:]\s*(?P<name>[\u4e00-\u9fff（）]{4,40}"
    + _UNIT_SUFFIX + r"(?:（[^）]{1,8}）)?)"
)


@dataclass(frozen=True)
class DocumentInfo:
    unit_name: str
    fiscal_year: int
    document_kind: str
    scope: str
    title: str
    department_name: str | None = None


def _cover_text(doc: SourceDocument, limit: int = 12, separator: str = "") -> str:
    parts = []
    for block in doc.blocks[:limit]:
        if block.paragraph is None:
            break
        text = normalise_parens(squash(block.paragraph.text))
        if _COVER_STOP.match(text):
            break
        parts.append(text)
    return separator.join(parts)


def _all_text(doc: SourceDocument) -> str:
    return "\n".join(normalise_parens(squash(b.paragraph.text)) for b in doc.blocks if b.paragraph)


def document_info(doc: SourceDocument) -> DocumentInfo:
    cover = _cover_text(doc)
    text = _all_text(doc)
    head = text[:3000]
    if not _KIND.search(head) or "预算" not in text and "决算" not in text:
        raise NotABudgetDisclosure("no 部门预算/单位预算/决算 title found: not a budget disclosure")
    year_match = _YEAR_TITLE.search(cover) or _YEAR_TITLE.search(head)
    if year_match:
        year = int(year_match.group(1))
    else:
        years = Counter(int(y) for y in _YEAR_ANY.findall(head)) or Counter(int(y) for y in _YEAR_ANY.findall(text))
        if not years:
            raise NotABudgetDisclosure("no fiscal year found in the title or the first pages")
        year = years.most_common(1)[0][0]
    unit = None
    for pattern, source in ((_COVER_UNIT, _cover_text(doc, separator="\n")), (_NAME_BEFORE_TITLE, cover), (_NAME_AFTER_YEAR, cover),
                            (_NAME_IN_HEADING, head),
                            (_COMPILER, text), (_NAME_BEFORE_TITLE, head)):
        match = pattern.search(source)
        if match:
            unit = re.sub(r"^(?:\d{4})?年度?", "", match.group("name"))
            break
    if not unit:
        raise NotABudgetDisclosure("the publishing unit's name was not found on the cover or in the first heading")
    kind_text = cover if _KIND.search(cover) else head
    kind_match = re.search(r"(部门|单位)(预算|决算)", kind_text)
    scope = kind_match.group(1) if kind_match else "部门"
    nature = kind_match.group(2) if kind_match else ("决算" if "决算" in cover else "预算")
    department = _COVER_DEPARTMENT.search(_cover_text(doc, separator="\n"))
    department_name = department.group("name") if department and scope == "单位" else None
    return DocumentInfo(
        department_name=department_name if department_name != unit else None,
        unit_name=unit,
        fiscal_year=year,
        document_kind=f"{scope}{nature}",
        scope=scope,
        title=f"{unit}{year}年{scope}{nature}",
    )
