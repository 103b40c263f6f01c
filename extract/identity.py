"""Who published a disclosure, for which year, and what it is — read as evidence, weighed and checked.

Every place a disclosure states its identity gives a *candidate* for one attribute (``unit_name``,
``fiscal_year``, ``document_kind`` (预算 / 决算), ``scope`` (部门 / 单位) and, for a 单位预算, its
``department_name``), with the place it was read (page or line) and the weight of its source (``SOURCES``):

- the cover: its lines before the table of contents, joined across wraps and with spaced letters closed up
  (“部 门:” → “部门:”), read for a labelled name (预算主管部门 / 预算单位 / 部门名称 / 部门:), a title
  (“XX局2024年部门预算”, “上海市普陀区2023年区级部门预算”) or a line that is a unit name by itself;
- the 编制部门 / 部门 / 单位名称 line of every table (most tables repeat it);
- every table title (“2023年部门财务收支预算总表”: year, kind, scope);
- the first heading (“第一部分 XX局概况”) and the prose (“2024年部门预算收入…”: year, kind);
- the PDF's metadata title; last of all, and flagged as such, the file name.

Each candidate is normalised and validated (``valid_unit_name``: a unit name never holds 万元, 单位：, 报表,
公开, 目录 or digits, and ends in a unit word; a year lies between ``MIN_YEAR`` and next year).  The value with
the highest summed weight wins (a source counts once per value, plus a little for each repetition).  The
chosen value, its source and the runner-up go to ``raw.documents``; every candidate to
``raw.identity_evidence``.  Strong sources that disagree give an ``identity_conflict`` warning (a quality
issue), never a silent choice; a unit or year resting on the file name (or the PDF metadata) alone gives
``identity_from_file_name``.
A disclosure whose unit (or year) cannot be established is refused with ``IdentityNotFound`` and the
reason code the load quarantines it under (``unit_not_found``
and ``fiscal_year_not_found``).  A year outside ``MIN_YEAR``..next year is still weighed (it is what the
document says) and marked invalid in the evidence; dbt's ``fiscal_year_implausible`` rule then holds the
document back, so 1899 never silently becomes the 2023 of one sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

from extract.model import ExtractionWarning, SourceDocument, source_location
from extract.tables.classify import classify_title
from extract.text_clean import strip_markup

ATTRIBUTES = ("unit_name", "fiscal_year", "document_kind", "scope", "department_name")


@dataclass(frozen=True)
class Source:
    name: str
    weight: int
    strong: bool  # a disagreement with this source is an identity_conflict
    description: str


# Declared once: the sources of identity and what each is worth.  A value's score is the sum, over the
# distinct sources that state it, of the source's weight, plus REPEAT_BONUS for every further statement
# (capped at MAX_REPEAT_BONUS): nine tables that repeat one 编制部门 outweigh one generic cover line.
SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "cover_label",
            10,
            True,
            "a labelled line of the cover (预算主管部门 / 预算单位 / 部门名称 / 部门:)",
        ),
        Source("cover_title", 8, True, "the cover's title (joined across its lines)"),
        Source("cover_name", 6, True, "a cover line that is a unit name by itself"),
        Source("table_compiler", 5, True, "the 编制部门 / 部门 / 单位名称 line of a table"),
        Source("table_title", 4, True, "a table title (年份, 预算/决算, 部门/单位)"),
        Source("heading", 5, True, "the first heading (第一部分 … 概况)"),
        Source("prose", 2, True, "a sentence of the prose that states the disclosure's year or kind"),
        Source("metadata_title", 2, False, "the PDF's metadata title"),
        Source("file_name", 1, False, "the file name (last resort, flagged)"),
    )
}
REPEAT_BONUS = 1
MAX_REPEAT_BONUS = 4
MIN_YEAR = 1990

# reason codes of a disclosure whose identity cannot be established (raw.quarantine.reason)
UNIT_NOT_FOUND = "unit_not_found"
FISCAL_YEAR_NOT_FOUND = "fiscal_year_not_found"


class IdentityNotFound(Exception):
    """A disclosure (it has budget tables or figures) whose unit or year cannot be established."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Candidate:
    attribute: str
    value: str
    source: str
    location: str
    is_valid: bool = True
    invalid_reason: str = ""

    @property
    def weight(self) -> int:
        return SOURCES[self.source].weight


@dataclass(frozen=True)
class EvidenceRow:
    """One row of raw.identity_evidence."""

    document_id: str
    attribute: str
    value: str
    source: str
    location: str
    weight: int
    is_valid: bool
    invalid_reason: str
    is_chosen: bool


@dataclass(frozen=True)
class Choice:
    value: str | None
    source: str | None  # the strongest source stating the chosen value
    runner_up: str | None
    runner_up_source: str | None
    score: int = 0
    conflict: bool = False


@dataclass
class Identity:
    unit_name: str
    fiscal_year: int
    document_kind: str  # '部门预算' | '单位预算' | '部门决算' | '单位决算'
    scope: str  # '部门' | '单位'
    nature: str  # '预算' | '决算'
    department_name: str | None
    choices: dict[str, Choice]
    evidence: list[EvidenceRow] = field(default_factory=list)
    warnings: list[ExtractionWarning] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.unit_name}{self.fiscal_year}年{self.document_kind}"


# --------------------------------------------------------------------------- normalising and validating
_UNIT_WORDS = (
    "街道办事处",
    "办事处",
    "委员会",
    "联合会",
    "办公室",
    "办公厅",
    "管理局",
    "检察院",
    "法院",
    "福利院",
    "医院",
    "学校",
    "大学",
    "学院",
    "中心",
    "公司",
    "研究院",
    "研究所",
    "人民政府",
    "政府",
    "监狱",
    "街道",
    "局",
    "厅",
    "院",
    "所",
    "站",
    "委",
    "部",
    "处",
    "镇",
    "乡",
    "馆",
    "会",
    "队",
    "社",
    "团",
    "校",
    "园",
    "台",
    "室",
    "署",
    "办",
    "场",
    "庭",
    "组",
    "司",
    "总队",
    "支队",
)
_QUALIFIER = r"(?:（(?:本级|机关|本部|汇总|部门|单位|合并)）)?"
_NAME_CHARS = r"[\u4e00-\u9fff（）]"
# words that are never part of a unit's name (a unit may be a 机构编制委员会办公室, a 人民代表大会常务委员会 or a
# 预算评审中心: 编制, 代表 and 预算 alone are allowed; the title words around a name are not)
_FORBIDDEN = (
    "万元",
    "单位：",
    "部门：",
    "报表",
    "公开",
    "目录",
    "部门预算",
    "单位预算",
    "部门决算",
    "单位决算",
    "年预算",
    "年决算",
    "年度",
    "预算表",
    "决算表",
    "总表",
    "明细表",
    "情况表",
    "一览表",
    "印制",
    "编制部门",
    "编制单位",
    "编制说明",
    "金额",
    "合计",
    "说明",
    "概况",
    "附件",
)
_DIGITS = re.compile(r"[0-9０-９]")
_UNIT_END = re.compile("(?:" + "|".join(_UNIT_WORDS) + ")" + _QUALIFIER + "$")
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九○", "001234567890")


def clean(text: str) -> str:
    """Markup dropped, full-width letters and digits made half-width (NFKC), every space closed up
    (“部 门:” → “部门:”), parentheses and colons full-width — how identity text is compared."""
    text = unicodedata.normalize("NFKC", strip_markup(text))
    text = re.sub(r"[\s\u3000]+", "", text)
    return text.replace("(", "（").replace(")", "）").replace(":", "：")


def normalise_unit_name(name: str) -> str:
    """The printed name as stored: cleaned, leading year or numbering dropped."""
    name = clean(name)
    name = re.sub(r"^(?:\d{2,4}年度?|年度|[一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分)", "", name)
    return name.strip("：:，,。 ")


def valid_unit_name(name: str) -> tuple[bool, str]:
    """(valid, why not): a unit name never holds 万元, 单位：, 报表, 公开, 目录 or digits, and ends in a unit word."""
    if not 3 <= len(name) <= 40:
        return False, f"length {len(name)} is not that of a unit name"
    if _DIGITS.search(name):
        return False, "holds digits"
    for word in _FORBIDDEN:
        if word in name:
            return False, f"holds “{word}”"
    if not re.fullmatch(_NAME_CHARS + "+", name):
        return False, "holds characters a unit name does not"
    if not _UNIT_END.search(name):
        return False, "does not end in a unit word (局, 厅, 委员会, 办公室, 中心, 院, 街道办事处, …)"
    return True, ""


def valid_year(year: int, today: date | None = None) -> tuple[bool, str]:
    latest = (today or date.today()).year + 1
    if MIN_YEAR <= year <= latest:
        return True, ""
    return False, f"outside {MIN_YEAR}–{latest}"


# --------------------------------------------------------------------------- patterns
_YEAR = r"(?P<year>\d{4}|[〇零一二三四五六七八九○]{4})"
_LEVEL = r"(?:[\u4e00-\u9fff]{1,4}?)??"  # 区级 / 省级 / 市本级 … between 年 and 部门预算
_KIND = r"(?P<scope>部门|单位)?(?P<nature>预算|决算)"
_TITLE_YEAR_KIND = re.compile(_YEAR + r"年度?" + _LEVEL + _KIND)
_NAME = r"(?P<name>" + _NAME_CHARS + r"{2,40}?)"
_TITLE_NAME_FIRST = re.compile(_NAME + r"(?:" + _YEAR + r"年度?)?" + _KIND)
_TITLE_YEAR_FIRST = re.compile(_YEAR + r"年度?" + _NAME + _KIND)
_LABEL = re.compile(
    r"(?P<label>预算主管部门|主管部门|预算单位|预算部门|部门名称|单位名称|编制部门|编制单位|填报单位|部门|单位)："
    r"(?P<name>" + _NAME_CHARS + r"{2,40}?)(?=(?:金额)?单位：|[^\u4e00-\u9fff（）]|$)"
)
_HEADING = re.compile(
    r"^第一部分(?:"
    + _YEAR
    + r"年度?)?"
    + _NAME
    + r"(?:\d{4}年度?)?"
    + r"(?:部门|单位)?(?:预算|决算)?(?:概况|基本情况)"
)
_COVER_STOP = re.compile(r"^(?:目录|第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、)")
# a sentence stating the disclosure's own year: 2024年部门预算…, 2024年收支预算总计… (not 比2023年…, 上年)
_PROSE_YEAR = re.compile(
    r"(?<![比较与同至和及、])" + _YEAR + r"年度?(?:[\u4e00-\u9fff]{0,2}级)?" + r"(?P<scope>部门|单位)?"
    r"(?P<nature>预算|决算|收支预算|收入预算|支出预算|财政拨款收支预算|一般公共预算)"
)
_YEAR_BEFORE_TABLE = re.compile(_YEAR + r"年度?(?=[\u4e00-\u9fff“”\"]{2,30}表$)")
_FILE_YEAR = re.compile(r"(?<!\d)(?P<year>20\d{2}|\d{2})年")
_HEX = re.compile(r"^<?(?P<hex>(?:[0-9A-Fa-f]{2})+)>?$")

COVER_LINES = 12
HEAD_BLOCKS = 80  # the first headings are looked for among this many blocks


# 一般公共预算 / 政府性基金预算 / 国有资本经营预算 name funds, 预算数 / 年初预算 a column: none says what the
# document is
_NOT_A_KIND = re.compile(
    r"(?:一般公共|政府性基金|国有资本经营|社会保险基金|财政专户管理资金)预算|预算数|年初预算|调整预算|预算拨款|预算内"
)


def _kind_text(text: str) -> str:
    return _NOT_A_KIND.sub("", text)


def _year_value(text: str) -> int:
    return int(text.translate(_CN_DIGITS))


# --------------------------------------------------------------------------- collecting
@dataclass
class _Collector:
    candidates: list[Candidate] = field(default_factory=list)

    def unit(self, source: str, name: str, location: str, attribute: str = "unit_name") -> None:
        value = normalise_unit_name(name)
        if not value:
            return
        ok, why = valid_unit_name(value)
        self.candidates.append(Candidate(attribute, value, source, location, ok, why))

    def year(self, source: str, text: str, location: str) -> None:
        year = _year_value(text)
        if year < 100:
            year += 2000
        ok, why = valid_year(year)
        self.candidates.append(Candidate("fiscal_year", str(year), source, location, ok, why))

    def kind(self, source: str, match: re.Match, location: str, scope: bool = True) -> None:
        if match.group("nature"):
            nature = "决算" if "决算" in match.group("nature") else "预算"
            self.candidates.append(Candidate("document_kind", nature, source, location))
        if scope and match.groupdict().get("scope"):
            self.candidates.append(Candidate("scope", match.group("scope"), source, location))


def _paragraphs(doc: SourceDocument):
    for block in doc.blocks:
        if block.paragraph is not None:
            p = block.paragraph
            yield clean(p.text), source_location(p.line, p.page)


def _cover(doc: SourceDocument) -> list[tuple[str, str]]:
    """The cover's lines (text, location): the paragraphs before the table of contents or first part."""
    lines = []
    for block in doc.blocks[:COVER_LINES]:
        if block.paragraph is None:
            break
        text = clean(block.paragraph.text)
        if _COVER_STOP.match(text):
            break
        if text:
            lines.append((text, source_location(block.paragraph.line, block.paragraph.page)))
    return lines


def _read_cover(doc: SourceDocument, out: _Collector) -> None:
    lines = _cover(doc)
    if not lines:
        return
    where = lines[0][1]
    labels = [
        (m.group("label"), m.group("name"), location)
        for text, location in lines
        for m in _LABEL.finditer(text)
    ]
    names_unit = any(label not in ("预算主管部门", "主管部门") for label, _, _ in labels)
    for label, name, location in labels:
        if label in ("预算主管部门", "主管部门"):
            out.unit("cover_label", name, location, attribute="department_name")
            if names_unit:
                continue  # a 单位预算's cover: the unit is the 预算单位 line, this is its department
        out.unit("cover_label", name, location)
    joined_names = "".join(text for text, _ in lines)
    for i, (text, location) in enumerate(lines):
        if "：" not in text:
            value = normalise_unit_name(text)
            wrapped = i + 1 < len(lines) or i > 0  # a piece of a name the cover wrapped (…自然 / 资源局)?
            if valid_unit_name(value)[0] and not (wrapped and _longer_name_around(value, joined_names)):
                out.unit("cover_name", value, location)
    # the title, joined across wraps: every line without a label (a label line ends the name)
    joined = "".join(text for text, _ in lines if not _LABEL.search(text))
    for match in _TITLE_YEAR_KIND.finditer(_kind_text(joined)):
        out.year("cover_title", match.group("year"), where)
        out.kind("cover_title", match, where)
    if not _TITLE_YEAR_KIND.search(_kind_text(joined)):  # 2024年度 / 泉州市…中心部门预算: the name between
        for match in _TITLE_YEAR_FIRST.finditer(_kind_text(joined)):
            out.year("cover_title", match.group("year"), where)
            out.kind("cover_title", match, where)
    for pattern in (_TITLE_YEAR_FIRST, _TITLE_NAME_FIRST):
        for match in pattern.finditer(joined):
            name = match.group("name")
            if pattern is _TITLE_NAME_FIRST:
                name = re.split(r"\d{4}年度?|[〇零一二三四五六七八九○]{4}年度?", name)[-1]
            if valid_unit_name(normalise_unit_name(name))[0]:
                out.unit("cover_title", name, where)
                break


def _longer_name_around(value: str, joined: str) -> bool:
    """Whether ``value`` stands in the joined cover inside a longer valid name (it is a wrapped piece)."""
    at = joined.find(value)
    while at >= 0:
        for start in range(at):
            longer = normalise_unit_name(joined[start : at + len(value)])
            if longer != value and valid_unit_name(longer)[0]:
                return True
        at = joined.find(value, at + 1)
    return False


def _read_tables_and_prose(doc: SourceDocument, out: _Collector) -> None:
    heading_seen = False
    for index, (text, location) in enumerate(_paragraphs(doc)):
        if classify_title(text) is not None and len(text) <= 60:
            kind_text = _kind_text(text)
            for match in _TITLE_YEAR_KIND.finditer(kind_text):
                out.year("table_title", match.group("year"), location)
            for match in _YEAR_BEFORE_TABLE.finditer(kind_text):
                out.year("table_title", match.group("year"), location)
            matches = list(re.finditer(r"(?P<scope>部门|单位)?(?P<nature>预算|决算)", kind_text))
            if matches:  # the last one: 收入支出决算总表, 部门收支预算总表
                out.kind("table_title", matches[-1], location)
            continue
        for match in _LABEL.finditer(text):
            if match.group("label") == "单位" and re.match(r"(?:万元|元|人|个)", match.group("name")):
                continue  # 单位：万元 is the unit of amounts
            if match.group("label") in (
                "编制部门",
                "编制单位",
                "填报单位",
                "部门",
                "单位",
                "部门名称",
                "单位名称",
            ):
                out.unit("table_compiler", match.group("name"), location)
        if not heading_seen and index < HEAD_BLOCKS:
            match = _HEADING.match(text)
            if match:
                heading_seen = True
                out.unit("heading", match.group("name"), location)
                if match.group("year"):
                    out.year("heading", match.group("year"), location)
                continue
        if len(text) > 12:  # a sentence, not a heading or a label
            for match in _PROSE_YEAR.finditer(_kind_text(text)):
                out.year("prose", match.group("year"), location)
                if match.group("scope"):  # 2024年部门决算…; a bare 2024年预算 in a 决算 is a comparison
                    out.kind("prose", match, location, scope=False)
    # 编制部门 lines printed inside a table's first rows (some conversions keep them in the grid)
    for block in doc.blocks:
        if block.grid is None:
            continue
        for row in block.grid.rows[:2]:
            for cell in row.cells:
                for match in _LABEL.finditer(clean(cell)):
                    if match.group("label") in ("编制部门", "编制单位", "部门", "单位名称"):
                        out.unit("table_compiler", match.group("name"), source_location(row.line, row.page))


def _decode_metadata(title: str) -> str:
    """A PDF /Title as text: some producers leave it hex-encoded GBK (“<BDADCBD5…>”)."""
    match = _HEX.match(title.strip())
    if match and len(match.group("hex")) >= 8:
        raw = bytes.fromhex(match.group("hex"))
        for encoding in ("utf-16", "gb18030") if raw[:2] in (b"\xfe\xff", b"\xff\xfe") else ("gb18030",):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
    return title


def _read_name_text(text: str, source: str, location: str, out: _Collector) -> None:
    """A free title (metadata, file name): its year, kind and a unit name before the title words."""
    pieces = [clean(piece) for piece in re.split(r"[_\-—–·.\s]+", text) if piece]
    pieces = [p for p in pieces if p.lower() not in ("microsoftword", "wps", "x", "samples", "bad", "good")]
    text = "".join(pieces)
    for match in _TITLE_YEAR_KIND.finditer(_kind_text(text)):
        out.year(source, match.group("year"), location)
        out.kind(source, match, location)
    if source == "file_name" and not _TITLE_YEAR_KIND.search(text):
        match = _FILE_YEAR.search(text)
        if match:
            out.year(source, match.group("year"), location)
    for piece in pieces:
        piece = re.sub(r"\d{2,4}年度?.*$", "", piece)
        piece = re.split(r"(?:部门|单位)?(?:预算|决算)", piece)[0]
        if piece and valid_unit_name(normalise_unit_name(piece))[0]:
            out.unit(source, piece, location)


def collect(doc: SourceDocument) -> list[Candidate]:
    """Every identity candidate the document states, in the order read."""
    out = _Collector()
    _read_cover(doc, out)
    _read_tables_and_prose(doc, out)
    if doc.metadata_title:
        _read_name_text(_decode_metadata(doc.metadata_title), "metadata_title", "PDF metadata", out)
    _read_name_text(PurePath(doc.file_name).stem, "file_name", "file name", out)
    return list(dict.fromkeys(out.candidates))  # a line read by two patterns states its value once


# --------------------------------------------------------------------------- weighing
def _key(attribute: str, value: str) -> str:
    """Values that are the same unit count together: 中共 prefix and (本级) do not make another unit."""
    if attribute in ("unit_name", "department_name"):
        return re.sub(r"^(?:中国共产党|中共)", "", re.sub(_QUALIFIER + "$", "", value))
    return value


def weigh(candidates: list[Candidate], attribute: str) -> tuple[Choice, dict[str, int]]:
    """The winning value of one attribute among its valid candidates, its source and the runner-up."""
    scores: dict[str, int] = defaultdict(int)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    spelling: dict[str, Candidate] = {}
    for c in candidates:
        if c.attribute != attribute or not (c.is_valid or attribute == "fiscal_year"):
            continue  # an implausible year still counts: dbt's fiscal_year_implausible holds the document back
        key = _key(attribute, c.value)
        counts[(key, c.source)] += 1
        best = spelling.get(key)
        if best is None or (c.weight, len(c.value)) > (best.weight, len(best.value)):
            spelling[key] = c
    for (key, source), n in counts.items():
        scores[key] += SOURCES[source].weight + min(MAX_REPEAT_BONUS, REPEAT_BONUS * (n - 1))
    if not scores:
        return Choice(None, None, None, None), {}
    ranked = sorted(scores, key=lambda k: (-scores[k], -spelling[k].weight, k))
    winner = spelling[ranked[0]]
    runner = spelling[ranked[1]] if len(ranked) > 1 else None
    conflict = (
        runner is not None
        and any(SOURCES[source].strong for (key, source) in counts if key == ranked[1])
        and any(SOURCES[source].strong for (key, source) in counts if key == ranked[0])
    )
    choice = Choice(
        winner.value,
        winner.source,
        runner.value if runner else None,
        runner.source if runner else None,
        scores[ranked[0]],
        conflict,
    )
    return choice, {spelling[k].value: scores[k] for k in ranked}


def identify(doc: SourceDocument) -> Identity:
    """The document's identity from all its evidence, or ``IdentityNotFound`` with the reason code."""
    candidates = collect(doc)
    choices = {attribute: weigh(candidates, attribute)[0] for attribute in ATTRIBUTES}
    warnings: list[ExtractionWarning] = []

    def candidates_of(attribute: str, value: str | None) -> list[Candidate]:
        return [
            c
            for c in candidates
            if c.attribute == attribute
            and value is not None
            and _key(attribute, c.value) == _key(attribute, value)
        ]

    unit, year = choices["unit_name"], choices["fiscal_year"]
    if unit.value is None:
        rejected = [c for c in candidates if c.attribute == "unit_name" and not c.is_valid][:3]
        detail = "; ".join(f"“{c.value}” ({c.source}, {c.location}: {c.invalid_reason})" for c in rejected)
        raise IdentityNotFound(
            UNIT_NOT_FOUND,
            "the publishing unit cannot be established from the cover, the "
            "tables' 编制部门 lines, the headings, the metadata or the file name"
            + (f"; rejected: {detail}" if detail else ""),
        )
    if year.value is None:
        raise IdentityNotFound(
            FISCAL_YEAR_NOT_FOUND,
            "no fiscal year in the title, the table titles, the headings, the prose or the file name",
        )
    for attribute, choice in choices.items():
        if choice.conflict:
            chosen = candidates_of(attribute, choice.value)
            other = candidates_of(attribute, choice.runner_up)
            warnings.append(
                ExtractionWarning(
                    doc.document_id,
                    "identity_conflict",
                    chosen[0].location,
                    f"{attribute}: “{choice.value}” ({_sources(chosen)}) vs “{choice.runner_up}” ({_sources(other)}); "
                    f"chose “{choice.value}” by weight",
                )
            )
    for attribute in ("unit_name", "fiscal_year"):
        chosen = candidates_of(attribute, choices[attribute].value)
        if not any(SOURCES[c.source].strong for c in chosen):
            places = " and ".join(sorted({SOURCES[c.source].description for c in chosen}))
            warnings.append(
                ExtractionWarning(
                    doc.document_id,
                    "identity_from_file_name",
                    chosen[0].location,
                    f"{attribute} “{choices[attribute].value}” is read from {places} only: no text of the document states it",
                )
            )
    scope = choices["scope"].value or "部门"
    nature = choices["document_kind"].value or "预算"
    department = choices["department_name"].value
    if scope != "单位" or (department and _key("unit_name", department) == _key("unit_name", unit.value)):
        department = None
    # what the document record stores: a department equal to the unit (or of a 部门预算) is none
    final = {attribute: choice.value for attribute, choice in choices.items()} | {
        "department_name": department
    }
    evidence = [
        EvidenceRow(
            doc.document_id,
            c.attribute,
            c.value,
            c.source,
            c.location,
            c.weight,
            c.is_valid,
            c.invalid_reason,
            final.get(c.attribute) is not None
            and _key(c.attribute, c.value) == _key(c.attribute, final[c.attribute]),
        )
        for c in candidates
    ]
    return Identity(
        unit.value,
        int(year.value),
        f"{scope}{nature}",
        scope,
        nature,
        department,
        choices,
        evidence,
        warnings,
    )


def _sources(candidates: list[Candidate]) -> str:
    seen: dict[str, str] = {}
    for c in candidates:
        seen.setdefault(c.source, c.location)
    return ", ".join(f"{source} {location}" for source, location in seen.items())
