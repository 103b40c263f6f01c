"""Figures stated in the prose (概况, 情况说明): each a ``ProseFact`` with its sentence and line.

Paragraphs are re-joined where a page break cut a sentence (a line not ending in sentence punctuation
continues on the next), split into sentences, and matched against patterns.  The heading a sentence sits
under decides its scope (一般公共预算 / 财政拨款 / whole budget) and gates patterns that only make sense
in one section (三公 parts only under a 三公 heading, 机关运行经费 only where it is discussed, no budget
totals from the 政府采购 or 国有资产 sections).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from extract.model import ProseFact, SourceDocument
from extract.subjects import FUNCTION, catalogue
from extract.text_clean import normalise_parens, strip_markup
from extract.vocabulary import ProseKey

_CN = "一二三四五六七八九十"
_HEADINGS = [
    (0, re.compile(r"^第[" + _CN + r"]+部分")),
    (1, re.compile(r"^[" + _CN + r"]+、")),
    (2, re.compile(r"^（[" + _CN + r"]+）")),
    (3, re.compile(r"^\d{1,2}[.．、](?!\d)")),
]
_TERMINAL = "。；！？：:"
# an amount: with its unit, or with decimals, or a bare 0 — a bare integer is a page number or a count
_NUM = (
    r"(?<![\d.])(?P<num>\d[\d,]*\.\d+|\d[\d,]*(?=\s*(?:万元|亿元|元))|0(?![\d,]))"
    r"\s*(?P<unit>万元|亿元|元)?(?![\d.%％])"
)
_PEOPLE = r"(?<![\d.])(?P<num>\d+)\s*(?:人|名)"
_IS = r"\s*(?:为|是|共|：)?\s*"

_MONEY_EXCLUDED = re.compile(
    r"政府采购|国有资产|资产占用|资产占有|绩效|名词解释|委托业务|运行经费|运行费|三公|采购"
)


@dataclass(frozen=True)
class _Pattern:
    key: ProseKey
    regex: re.Pattern[str]
    section_required: re.Pattern[str] | None = None
    section_excluded: re.Pattern[str] | None = _MONEY_EXCLUDED
    unit: str = "万元"


def _p(key, pattern, required=None, excluded=_MONEY_EXCLUDED, unit="万元") -> _Pattern:
    return _Pattern(key, re.compile(pattern), re.compile(required) if required else None, excluded, unit)


_THREE_PUBLIC = r"三公"
PATTERNS: list[_Pattern] = [
    _p(
        ProseKey.TOTAL_EXPENDITURE,
        r"(?:收支总预算|支出预算总额|预算总支出|支出总预算|(?<![基本项目])(?<!拨款)支出预算(?!情况))"
        + _IS
        + _NUM,
    ),
    _p(ProseKey.TOTAL_INCOME, r"(?:收入预算总额|预算总收入|(?<!拨款)收入预算(?!情况))" + _IS + _NUM),
    _p(ProseKey.BASIC_EXPENDITURE, r"(?<![（(])基本支出(?:预算)?" + _IS + _NUM),
    _p(ProseKey.PROJECT_EXPENDITURE, r"(?<!类)项目支出(?:预算)?" + _IS + _NUM),
    _p(ProseKey.PERSONNEL_EXPENDITURE, r"(?:人员经费|基本支出（人员类(?:项目)?）)" + _IS + _NUM),
    _p(ProseKey.PUBLIC_EXPENDITURE, r"(?:(?<!（)公用经费|基本支出（公用经费）)" + _IS + _NUM),
    _p(ProseKey.WAGE_WELFARE, r"(?<!其他)工资福利支出" + _IS + _NUM),
    _p(ProseKey.FAMILY_SUBSIDY, r"对个人和家庭(?:的)?补助(?:支出)?" + _IS + _NUM),
    _p(
        ProseKey.OPERATING_EXPENDITURE,
        r"机关运行(?:经)?费[^，。；\d]{0,14}?(?:预算|支出)(?:数)?" + _IS + _NUM,
        excluded=None,
    ),
    _p(
        ProseKey.THREE_PUBLIC_TOTAL,
        r"“?三公”?经费”?[^，。；\d]{0,12}?(?:预算数|预算|总额|支出)+" + _IS + _NUM,
        required=_THREE_PUBLIC,
        excluded=None,
    ),
    _p(
        ProseKey.THREE_PUBLIC_OUTBOUND,
        r"因公出国（境）(?:费用?|经费)(?:预算)?" + _IS + _NUM,
        required=_THREE_PUBLIC,
        excluded=None,
    ),
    _p(
        ProseKey.THREE_PUBLIC_RECEPTION,
        r"公务接待费(?:用)?(?:预算)?" + _IS + _NUM,
        required=_THREE_PUBLIC,
        excluded=None,
    ),
    _p(
        ProseKey.THREE_PUBLIC_VEHICLE,
        r"公务用车购置及运行(?:维护)?费(?:预算)?" + _IS + _NUM,
        required=_THREE_PUBLIC,
        excluded=None,
    ),
    _p(
        ProseKey.THREE_PUBLIC_VEHICLE_PURCHASE,
        r"公务用车购置费" + _IS + _NUM,
        required=_THREE_PUBLIC,
        excluded=None,
    ),
    _p(
        ProseKey.THREE_PUBLIC_VEHICLE_OPERATION,
        r"公务用车运行(?:维护)?费" + _IS + _NUM,
        required=_THREE_PUBLIC,
        excluded=None,
    ),
    _p(ProseKey.STAFF_IN_SERVICE, r"在职(?:人员|职工|人数)?" + _IS + _PEOPLE, excluded=None, unit="人"),
    _p(ProseKey.STAFF_ACTUAL, r"(?:实有(?:人员|人数)|共有人员)" + _IS + _PEOPLE, excluded=None, unit="人"),
    _p(
        ProseKey.STAFF_AUTHORIZED,
        r"编制(?:数|人数)" + _IS + r"(?<![\d.])(?P<num>\d+)(?![\d.])",
        excluded=None,
        unit="人",
    ),
    _p(
        ProseKey.STAFF_RETIRED,
        r"(?<!在职)(?:离)?退休(?:人员|人数)?" + _IS + _PEOPLE,
        excluded=None,
        unit="人",
    ),
    _p(ProseKey.STAFF_FUNDED, r"财政供给人员" + _IS + _PEOPLE, excluded=None, unit="人"),
]

# A sentence that only says "2024 年预算安排 0.00 万元" takes its subject from the heading above it.
_BARE_AMOUNT = re.compile(r"^\d{4}\s*年(?:度)?(?:预算)?安排" + _IS + _NUM)
_HEADING_KEYS = [
    (re.compile(r"因公出国"), ProseKey.THREE_PUBLIC_OUTBOUND),
    (re.compile(r"公务接待"), ProseKey.THREE_PUBLIC_RECEPTION),
    (re.compile(r"公务用车购置及运行"), ProseKey.THREE_PUBLIC_VEHICLE),
]

_FULL_PATH = re.compile(
    r"(?P<lei>[^，。；、（）\d\s]+?)（类）\s*(?P<kuan>[^，。；、（）\d\s]+?)（款）\s*(?P<xiang>[^，。；、（）\d\s]+?)（项）"
    r"[：\s]*(?:\d{4}\s*年)?(?:预算数?|预算安排)?" + _IS + _NUM
)
_CODED = re.compile(r"(?<!\d)(?P<code>\d{7}|\d{5}|\d{3})\s*[-－—]\s*(?P<name>[^\d，。；]+?)\s*" + _NUM)


_SHARE = re.compile(r"[，,]?\s*占(?:总支出|总收入|支出)?(?:的)?\s*(?P<pct>\d+(?:\.\d+)?)\s*[%％]")


@dataclass
class _Sentence:
    text: str
    line: int | None
    page: int | None
    section: str


def _heading_level(text: str) -> int | None:
    if len(text) <= 20:
        text = text.rstrip("。")  # “（一）机关运行经费情况。” is still a heading; a numbered sentence is not
    if len(text) > 40 or re.search(r"[。，；,]", text):
        return None
    for level, pattern in _HEADINGS:
        if pattern.match(text):
            return level
    return None


def _sentences(doc: SourceDocument) -> list[_Sentence]:
    headings: dict[int, str] = {}
    pieces: list[tuple[str, int | None, int | None]] = []
    out: list[_Sentence] = []

    def section() -> str:
        return " / ".join(headings[k] for k in sorted(headings) if k >= 1)

    def flush() -> None:
        if not pieces:
            return
        text = "".join(p[0] for p in pieces)
        offsets, position = [], 0
        for piece, line, page in pieces:
            offsets.append((position, line, page))
            position += len(piece)
        start = 0
        for part in re.split(r"(?<=[。；！？])", text):
            if part.strip():
                line, page = next(
                    ((ln, pg) for pos, ln, pg in reversed(offsets) if pos <= start), (None, None)
                )
                out.append(_Sentence(part.strip(), line, page, section()))
            start += len(part)
        pieces.clear()

    for block in doc.blocks:
        if block.grid is not None:
            flush()
            continue
        paragraph = block.paragraph
        text = normalise_parens(strip_markup(paragraph.text)).replace("\u3000", " ")
        text = re.sub(r"\s+", " ", text).strip()
        if not text:
            continue
        level = _heading_level(text)
        if level is not None:
            flush()
            headings = {k: v for k, v in headings.items() if k < level}
            headings[level] = text
            out.append(_Sentence(text, paragraph.line, paragraph.page, section()))
            continue
        if pieces and pieces[-1][0].rstrip()[-1:] in _TERMINAL:
            flush()
        pieces.append((text, paragraph.line, paragraph.page))
    flush()
    return out


def _scope(section: str) -> str:
    if "一般公共预算" in section:
        return "gpb"
    if "财政拨款" in section:
        return "fiscal"
    return "all"


def _amount(match: re.Match[str]) -> Decimal:
    value = Decimal(match.group("num").replace(",", ""))
    unit = match.groupdict().get("unit")
    if unit == "元":
        value = value / Decimal(10000)
    elif unit == "亿元":
        value = value * Decimal(10000)
    return value


# --------------------------------------------------------------------------- 决算 (final accounts) prose
_FINAL_DOC = re.compile(r"(?<!预)决算")
_GENERIC_SKIPPED_IN_FINAL = {  # in a 决算 these phrases state the budget the year is measured against
    ProseKey.TOTAL_EXPENDITURE,
    ProseKey.TOTAL_INCOME,
    ProseKey.THREE_PUBLIC_TOTAL,
    ProseKey.THREE_PUBLIC_OUTBOUND,
    ProseKey.THREE_PUBLIC_RECEPTION,
    ProseKey.THREE_PUBLIC_VEHICLE,
    ProseKey.THREE_PUBLIC_VEHICLE_PURCHASE,
    ProseKey.THREE_PUBLIC_VEHICLE_OPERATION,
}
_FINAL_PATTERNS: list[_Pattern] = [
    _p(ProseKey.GRAND_TOTAL, r"收入支出总计" + _IS + _NUM, excluded=None),
    _p(ProseKey.INCOME_CURRENT_TOTAL, r"本年收入合计" + _IS + _NUM, excluded=None),
    _p(
        ProseKey.EXPENDITURE_CURRENT_TOTAL,
        r"(?:本年支出合计|^一般公共预算财政拨款支出)" + _IS + _NUM,
        excluded=None,
    ),
    _p(ProseKey.PROCUREMENT_TOTAL, r"政府采购(?:支出)?金额(?:（[^）]*）)?" + _IS + _NUM, excluded=None),
    _p(ProseKey.PROCUREMENT_GOODS, r"货物采购(?:金额)?" + _IS + _NUM, excluded=None),
    _p(ProseKey.PROCUREMENT_WORKS, r"工程采购(?:金额)?" + _IS + _NUM, excluded=None),
    _p(ProseKey.PROCUREMENT_SERVICES, r"服务采购(?:金额)?" + _IS + _NUM, excluded=None),
    _p(ProseKey.VEHICLES, r"共有车辆" + _IS + r"(?<![\d.])(?P<num>\d+)\s*辆", excluded=None, unit="辆"),
    _p(
        ProseKey.EQUIPMENT_OVER_MILLION,
        r"单价\s*(?:100|一百)\s*万元(?:（含）)?以上(?:的)?(?:通用|专用)?设备(?:（不含车辆）)?"
        + _IS
        + r"(?<![\d.])(?P<num>\d+)\s*(?:台|套)",
        excluded=None,
        unit="台（套）",
    ),
    _p(
        ProseKey.BUILDING_AREA,
        r"房屋(?:建筑物)?(?:面积)?" + _IS + r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*平方米",
        excluded=None,
        unit="平方米",
    ),
]
_STATED_YEAR_HEADING = re.compile(r"(?P<num>\d{4})\s*年度?\s*(?:部门|单位)?(?:决算|预算)")
_STATED_YEAR_DATE = re.compile(r"截至\s*(?P<num>\d{4})\s*年\s*12\s*月\s*31\s*日")
_PLACEHOLDER = re.compile(r"[XＸ×]{2,}")
_ITEM_PATH = re.compile(
    r"(?P<lei>[^，。；、（）\d\s：:]+?)（类）\s*(?P<kuan>[^，。；、（）\d\s]+?)（款）\s*(?P<xiang>[^，。；、（）\d\s]+?)(?:（项）|$)"
)
_THREE_PUBLIC_ITEMS = [
    (re.compile(r"三公”?经费"), "three_public_total"),
    (re.compile(r"因公出国（境）"), "three_public_outbound"),
    (re.compile(r"公务用车购置及运行"), "three_public_vehicle"),
    (re.compile(r"公务接待"), "three_public_reception"),
]
_GPB_ITEM = re.compile(r"一般公共预算财政拨款支出(?:年初|全年)?预算")
_EXEC_BUDGET = re.compile(r"(?<!决)(?P<which>年初|全年|调整后?)?预算(?:数)?" + _IS + _NUM)
_EXEC_FINAL = re.compile(r"(?<!预)决算(?:数)?" + _IS + _NUM)
_EXEC_RATE = re.compile(
    r"完成(?:了)?(?P<which>年初|全年|调整)?预算(?:数)?的\s*(?P<pct>\d+(?:\.\d+)?)\s*[%％]"
)
_EXEC_DIRECTION = re.compile(
    r"决算数?(?:与|比)?(?P<dir>大于|小于|等于|高于|低于|超过)(?:年初|全年|调整)?预算数?"
    r"|决算数?与(?:年初|全年|调整)?预算数?(?:基本)?(?P<flat>持平|一致|相等)"
)
_YOY = re.compile(
    r"(?:比|较|与)\s*(?:上年|上一年|(?P<year>\d{4})\s*年度?)(?:度)?(?:相比|同期)?[，,]?\s*[^，。；\d]{0,24}?"
    r"(?P<dir>增加|减少|持平)\s*(?:" + _NUM + r")?"
    r"(?:[，,]\s*(?P<dir2>增长|下降|上升|降低|增幅|降幅)[^\d，。；]{0,6}(?P<pct>\d+(?:\.\d+)?)\s*[%％])?"
)
_DIRECTION_SIGN = {"大于": 1, "高于": 1, "超过": 1, "小于": -1, "低于": -1, "等于": 0}


def _function_item(function, path: re.Match[str]) -> tuple[str, str | None]:
    lei = function.resolve_name(path.group("lei"), top_level_only=True)
    kuan = function.resolve_name(path.group("kuan"), lei=lei.code) if lei else None
    xiang = function.resolve_name(path.group("xiang"), lei=lei.code, kuan=kuan.code) if kuan else None
    if xiang is not None:
        return ("function", xiang.code)
    # a subject the reference lacks: named by its printed path, so its statements still link to each other
    return ("function", "/".join(path.group(g) for g in ("lei", "kuan", "xiang")))


def is_final_document(sentences: list[_Sentence]) -> bool:
    """A 决算: one of its part or section headings names 决算 (a 预算's headings never do)."""
    return any(_FINAL_DOC.search(s.section) for s in sentences)


def _final_facts(sentences: list[_Sentence], emit) -> None:
    """Execution statements, totals, 政府采购, 国有资产, stated years and template placeholders of a 决算."""
    function = catalogue(FUNCTION)
    item: tuple[str, str | None] | None = None  # ('function', code) | ('gpb', None) | ('three_public…', None)
    section = None
    last_key: str | None = None
    stated_item, stated_pair = None, set()  # the item whose budget and final were stated, and where
    for position, sentence in enumerate(sentences):
        text = sentence.text
        if sentence.section != section:
            section, item, last_key = sentence.section, None, None
        is_heading = _heading_level(text) is not None or text == section.split(" / ")[-1]
        if _PLACEHOLDER.search(text):
            emit(ProseKey.TEMPLATE_PLACEHOLDER, Decimal(1), sentence, unit="处")
        year = _STATED_YEAR_DATE.search(text) or (_STATED_YEAR_HEADING.search(text) if is_heading else None)
        if year and (is_heading or "国有资产" in section or "截至" in text):
            emit(ProseKey.STATED_YEAR, Decimal(year.group("num")), sentence, unit="年")
        if is_heading:
            path = _ITEM_PATH.search(text)
            item = _function_item(function, path) if path else item
            continue
        for pattern in _FINAL_PATTERNS:
            for match in pattern.regex.finditer(text):
                emit(
                    pattern.key,
                    _amount(match)
                    if pattern.unit == "万元"
                    else Decimal(match.group("num").replace(",", "")),
                    sentence,
                    unit=pattern.unit,
                    match=match,
                )
                last_key = str(pattern.key)
        reason = (
            next(
                (
                    s.text
                    for s in sentences[position + 1 : position + 5]
                    if "主要原因" in s.text and s.section == sentence.section
                ),
                None,
            )
            if "主要原因" not in text
            else None
        )
        stated = (
            sentence
            if reason is None
            else _Sentence(f"{text} {reason}", sentence.line, sentence.page, sentence.section)
        )
        for clause in re.split(r"[，；]", text):
            path = _ITEM_PATH.search(clause)
            if path:
                item, stated_pair = _function_item(function, path), set()
            elif _GPB_ITEM.search(clause):
                item, stated_pair = ("gpb", None), set()
            elif "三公" in section:
                named = next((key for rx, key in _THREE_PUBLIC_ITEMS if rx.search(clause)), None)
                if named and (
                    _EXEC_BUDGET.search(clause)
                    or _EXEC_FINAL.search(clause)
                    or _EXEC_RATE.search(clause)
                    or _EXEC_DIRECTION.search(clause)
                ):
                    item = (named, None)
            if item is None or (item[0] == "function" and item[1] is None):
                continue
            kind, code = item
            three_public = kind.startswith("three_public")
            if item != stated_item:
                stated_item, stated_pair = item, set()
            for match in _EXEC_BUDGET.finditer(clause):
                stated_pair.add(("budget", position))
                adjusted = match.group("which") in ("全年", "调整", "调整后")
                key = (
                    (f"{kind}_budget" if three_public and not adjusted else None)
                    if three_public
                    else (ProseKey.EXECUTION_BUDGET_ADJUSTED if adjusted else ProseKey.EXECUTION_BUDGET)
                )
                if key:
                    emit(key, _amount(match), stated, code=code, match=match)
            for match in _EXEC_FINAL.finditer(clause):
                stated_pair.add(("final", position))
                emit(
                    kind if three_public else ProseKey.EXECUTION_FINAL,
                    _amount(match),
                    stated,
                    code=code,
                    match=match,
                )
                last_key = kind if three_public else str(ProseKey.EXECUTION_FINAL)
            for match in _EXEC_RATE.finditer(clause):
                emit(
                    f"{kind}_rate" if three_public else ProseKey.EXECUTION_RATE,
                    Decimal(match.group("pct")),
                    stated,
                    code=code,
                    unit="%",
                )
            recent = {what for what, at in stated_pair if position - at <= 1}
            for match in _EXEC_DIRECTION.finditer(clause):
                if not three_public and recent != {"budget", "final"}:
                    continue  # a direction is checked against the two figures stated with it, never older ones
                sign = 0 if match.group("flat") else _DIRECTION_SIGN[match.group("dir")]
                key = {1: ProseKey.EXECUTION_STATED_ABOVE, -1: ProseKey.EXECUTION_STATED_BELOW}.get(
                    sign, ProseKey.EXECUTION_STATED_EQUAL
                )
                emit(key, Decimal(1), stated, code=code if not three_public else kind, unit="处")
        # the figure a later “比上年…” speaks of: the last one stated (operating expenditure, basic …)
        for key, rx in (
            (ProseKey.OPERATING_EXPENDITURE, r"机关运行经费"),
            (ProseKey.BASIC_EXPENDITURE, r"基本支出"),
            (ProseKey.PROJECT_EXPENDITURE, r"项目支出"),
        ):
            if re.match(r"^[^，。；]{0,20}" + rx + r"[^，。；\d]{0,8}" + _NUM, text):
                last_key = str(key)
        for match in _YOY.finditer(text):
            subject = last_key
            if "三公" in section:
                before = re.split(r"[，；：]", text[: match.start()])[-1] or text[: match.start()]
                subject = next((key for rx, key in _THREE_PUBLIC_ITEMS if rx.search(before)), subject)
            down = match.group("dir") == "减少"
            change = (
                Decimal(0)
                if match.group("dir") == "持平"
                else (_amount(match) if match.group("num") else None)
            )
            if change is not None:
                emit(ProseKey.YOY_DECREASE if down else ProseKey.YOY_INCREASE, change, sentence, code=subject)
            if match.group("pct"):
                rate_down = match.group("dir2") in ("下降", "降低", "降幅")
                emit(
                    ProseKey.YOY_DECREASE_RATE if rate_down else ProseKey.YOY_INCREASE_RATE,
                    Decimal(match.group("pct")),
                    sentence,
                    code=subject,
                    unit="%",
                )
            elif match.group("dir") == "持平":
                emit(ProseKey.YOY_INCREASE_RATE, Decimal(0), sentence, code=subject, unit="%")


def prose_facts(doc: SourceDocument, document_id: str) -> list[ProseFact]:
    facts: list[ProseFact] = []
    function = catalogue(FUNCTION)
    # 类 whose names are also budget types (国有资本经营预算支出 …) are ambiguous in prose: left out
    lei_names = sorted(
        {
            n
            for n in {s.name for s in function.top_level()} | set(function.aliases_of_level("类"))
            if "预算" not in n and "基金" not in n
        },
        key=len,
        reverse=True,
    )
    lei_pattern = re.compile(
        r"(?P<name>" + "|".join(re.escape(n.removesuffix("支出")) for n in lei_names) + r")"
        r"(?:（类）)?(?:支出)?(?:（类）)?" + _IS + _NUM
    )

    def add(key, match, sentence, *, code=None, level=None, unit="万元"):
        share = _SHARE.match(sentence.text, match.end()) if unit == "万元" else None
        if share:  # “…1141.27万元，占88.33%”: the stated share, checked against the tables downstream
            facts.append(
                ProseFact(
                    document_id=document_id,
                    fact_key=f"{key}_share",
                    subject_code=code,
                    subject_level=level,
                    scope=_scope(sentence.section),
                    value=Decimal(share.group("pct")),
                    value_unit="%",
                    section=sentence.section,
                    sentence=sentence.text[:500],
                    source_line=sentence.line,
                    source_page=sentence.page,
                )
            )
        facts.append(
            ProseFact(
                document_id=document_id,
                fact_key=str(key),
                subject_code=code,
                subject_level=level,
                scope=_scope(sentence.section),
                value=_amount(match) if unit == "万元" else Decimal(match.group("num")),
                value_unit=unit,
                section=sentence.section,
                sentence=sentence.text[:500],
                source_line=sentence.line,
                source_page=sentence.page,
            )
        )

    sentences = _sentences(doc)
    final = is_final_document(sentences)

    def emit(key, value, sentence, *, code=None, unit="万元", match=None):
        share = _SHARE.match(sentence.text, match.end()) if match is not None and unit == "万元" else None
        if share:
            facts.append(
                ProseFact(
                    document_id=document_id,
                    fact_key=f"{key}_share",
                    subject_code=code,
                    subject_level=None,
                    scope=_scope(sentence.section),
                    value=Decimal(share.group("pct")),
                    value_unit="%",
                    section=sentence.section,
                    sentence=sentence.text[:500],
                    source_line=sentence.line,
                    source_page=sentence.page,
                )
            )
        facts.append(
            ProseFact(
                document_id=document_id,
                fact_key=str(key),
                subject_code=code,
                subject_level=catalogue(FUNCTION).by_code[code].level
                if code and code in catalogue(FUNCTION).by_code
                else None,
                scope=_scope(sentence.section),
                value=value,
                value_unit=unit,
                section=sentence.section,
                sentence=sentence.text[:500],
                source_line=sentence.line,
                source_page=sentence.page,
            )
        )

    if final:
        _final_facts(sentences, emit)
    for sentence in sentences:
        text, section = sentence.text, sentence.section
        for pattern in PATTERNS:
            if final and pattern.key in _GENERIC_SKIPPED_IN_FINAL:
                continue
            if pattern.section_required and not pattern.section_required.search(section):
                continue
            if pattern.section_excluded and pattern.section_excluded.search(section):
                continue
            for match in pattern.regex.finditer(text):
                add(pattern.key, match, sentence, unit=pattern.unit)
        bare = _BARE_AMOUNT.match(text)
        if bare and "三公" in section:
            deepest = section.split(" / ")[-1]
            key = next((k for rx, k in _HEADING_KEYS if rx.search(deepest)), None)
            if key:
                add(key, bare, sentence)
        if _MONEY_EXCLUDED.search(section):
            continue
        seen_spans: list[tuple[int, int]] = []
        for match in _FULL_PATH.finditer(text):
            lei = function.resolve_name(match.group("lei"), top_level_only=True)
            kuan = function.resolve_name(match.group("kuan"), lei=lei.code) if lei else None
            xiang = (
                function.resolve_name(match.group("xiang"), lei=lei.code, kuan=kuan.code) if kuan else None
            )
            if xiang and xiang.level == "项":
                add(ProseKey.FUNCTION_AMOUNT, match, sentence, code=xiang.code, level="项")
            seen_spans.append(match.span())
        for match in _CODED.finditer(text):
            resolution = function.resolve_printed(match.group("code"))
            if resolution:
                add(ProseKey.FUNCTION_AMOUNT, match, sentence, code=resolution.code, level=resolution.level)
                seen_spans.append(match.span())
        for match in lei_pattern.finditer(text):
            if any(a <= match.start() < b for a, b in seen_spans):
                continue
            resolution = function.resolve_name(match.group("name"), top_level_only=True)
            if resolution:
                add(ProseKey.FUNCTION_AMOUNT, match, sentence, code=resolution.code, level="类")
    return facts
