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
_NUM = (r"(?<![\d.])(?P<num>\d[\d,]*\.\d+|\d[\d,]*(?=\s*(?:万元|亿元|元))|0(?![\d,]))"
        r"\s*(?P<unit>万元|亿元|元)?(?![\d.%％])")
_PEOPLE = r"(?<![\d.])(?P<num>\d+)\s*(?:人|名)"
_IS = r"\s*(?:为|是|共|：)?\s*"

_MONEY_EXCLUDED = re.compile(r"政府采购|国有资产|资产占用|资产占有|绩效|名词解释|委托业务|运行经费|运行费|三公|采购")


@dataclass(frozen=True)
class _Pattern:
    key: ProseKey
    regex: re.Pattern[str]
    section_required: re.Pattern[str] | None = None
    section_excluded: re.Pattern[str] | None = _MONEY_EXCLUDED
    unit: str = "万元"


def _p(key, pattern, required=None, excluded=_MONEY_EXCLUDED, unit="万元") -> _Pattern:
    return _Pattern(key, re.compile(pattern), re.compile(required) if required else None,
                    excluded, unit)


_THREE_PUBLIC = r"三公"
PATTERNS: list[_Pattern] = [
    _p(ProseKey.TOTAL_EXPENDITURE,
       r"(?:收支总预算|支出预算总额|预算总支出|支出总预算|(?<![基本项目])(?<!拨款)支出预算(?!情况))" + _IS + _NUM),
    _p(ProseKey.TOTAL_INCOME, r"(?:收入预算总额|预算总收入|(?<!拨款)收入预算(?!情况))" + _IS + _NUM),
    _p(ProseKey.BASIC_EXPENDITURE, r"(?<![（(])基本支出(?:预算)?" + _IS + _NUM),
    _p(ProseKey.PROJECT_EXPENDITURE, r"(?<!类)项目支出(?:预算)?" + _IS + _NUM),
    _p(ProseKey.PERSONNEL_EXPENDITURE, r"(?:人员经费|基本支出（人员类(?:项目)?）)" + _IS + _NUM),
    _p(ProseKey.PUBLIC_EXPENDITURE, r"(?:(?<!（)公用经费|基本支出（公用经费）)" + _IS + _NUM),
    _p(ProseKey.WAGE_WELFARE, r"(?<!其他)工资福利支出" + _IS + _NUM),
    _p(ProseKey.FAMILY_SUBSIDY, r"对个人和家庭(?:的)?补助(?:支出)?" + _IS + _NUM),
    _p(ProseKey.OPERATING_EXPENDITURE, r"机关运行(?:经)?费[^，。；\d]{0,14}?(?:预算|支出)(?:数)?" + _IS + _NUM,
       excluded=None),
    _p(ProseKey.THREE_PUBLIC_TOTAL,
       r"“?三公”?经费”?[^，。；\d]{0,12}?(?:预算数|预算|总额|支出)+" + _IS + _NUM,
       required=_THREE_PUBLIC, excluded=None),
    _p(ProseKey.THREE_PUBLIC_OUTBOUND, r"因公出国（境）(?:费用?|经费)(?:预算)?" + _IS + _NUM,
       required=_THREE_PUBLIC, excluded=None),
    _p(ProseKey.THREE_PUBLIC_RECEPTION, r"公务接待费(?:用)?(?:预算)?" + _IS + _NUM,
       required=_THREE_PUBLIC, excluded=None),
    _p(ProseKey.THREE_PUBLIC_VEHICLE, r"公务用车购置及运行(?:维护)?费(?:预算)?" + _IS + _NUM,
       required=_THREE_PUBLIC, excluded=None),
    _p(ProseKey.THREE_PUBLIC_VEHICLE_PURCHASE, r"公务用车购置费" + _IS + _NUM,
       required=_THREE_PUBLIC, excluded=None),
    _p(ProseKey.THREE_PUBLIC_VEHICLE_OPERATION, r"公务用车运行(?:维护)?费" + _IS + _NUM,
       required=_THREE_PUBLIC, excluded=None),
    _p(ProseKey.STAFF_IN_SERVICE, r"在职(?:人员|职工|人数)?" + _IS + _PEOPLE, excluded=None, unit="人"),
    _p(ProseKey.STAFF_ACTUAL, r"(?:实有(?:人员|人数)|共有人员)" + _IS + _PEOPLE, excluded=None, unit="人"),
    _p(ProseKey.STAFF_AUTHORIZED, r"编制(?:数|人数)" + _IS + r"(?<![\d.])(?P<num>\d+)(?![\d.])", excluded=None,
       unit="人"),
    _p(ProseKey.STAFF_RETIRED, r"(?<!在职)(?:离)?退休(?:人员|人数)?" + _IS + _PEOPLE, excluded=None, unit="人"),
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
                line, page = next(((ln, pg) for pos, ln, pg in reversed(offsets) if pos <= start), (None, None))
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


def prose_facts(doc: SourceDocument, document_id: str) -> list[ProseFact]:
    facts: list[ProseFact] = []
    function = catalogue(FUNCTION)
    # 类 whose names are also budget types (国有资本经营预算支出 …) are ambiguous in prose: left out
    lei_names = sorted(
        {n for n in {s.name for s in function.top_level()} | set(function.aliases_of_level("类")) if "预算" not in n
         and "基金" not in n},
        key=len, reverse=True,
    )
    lei_pattern = re.compile(
        r"(?P<name>" + "|".join(re.escape(n.removesuffix("支出")) for n in lei_names) + r")"
        r"(?:（类）)?(?:支出)?(?:（类）)?" + _IS + _NUM
    )

    def add(key, match, sentence, *, code=None, level=None, unit="万元"):
        share = _SHARE.match(sentence.text, match.end()) if unit == "万元" else None
        if share:  # “…1141.27万元，占88.33%”: the stated share, checked against the tables downstream
            facts.append(ProseFact(
                document_id=document_id, fact_key=f"{key}_share", subject_code=code, subject_level=level,
                scope=_scope(sentence.section), value=Decimal(share.group("pct")), value_unit="%",
                section=sentence.section, sentence=sentence.text[:500], source_line=sentence.line,
                source_page=sentence.page,
            ))
        facts.append(ProseFact(
            document_id=document_id, fact_key=str(key), subject_code=code, subject_level=level,
            scope=_scope(sentence.section), value=_amount(match) if unit == "万元" else Decimal(match.group("num")),
            value_unit=unit, section=sentence.section, sentence=sentence.text[:500], source_line=sentence.line,
            source_page=sentence.page,
        ))

    for sentence in _sentences(doc):
        text, section = sentence.text, sentence.section
        for pattern in PATTERNS:
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
            xiang = function.resolve_name(match.group("xiang"), lei=lei.code, kuan=kuan.code) if kuan else None
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
